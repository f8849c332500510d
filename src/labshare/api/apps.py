from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "labshare.api"
    verbose_name = "API"

    def ready(self) -> None:
        from labshare.api import signals  # noqa: F401  (connects the cache invalidation)
