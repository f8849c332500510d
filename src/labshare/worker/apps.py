from django.apps import AppConfig


class WorkerConfig(AppConfig):
    name = "labshare.worker"
    verbose_name = "Periodic jobs"
