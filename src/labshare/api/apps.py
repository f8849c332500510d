from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "labshare.api"
