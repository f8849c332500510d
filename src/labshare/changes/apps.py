from django.apps import AppConfig


class ChangesConfig(AppConfig):
    name = "labshare.changes"
    verbose_name = "Record of changes"
