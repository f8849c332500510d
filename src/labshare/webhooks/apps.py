from django.apps import AppConfig


class WebhooksConfig(AppConfig):
    name = "labshare.webhooks"
    verbose_name = "Webhooks"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from labshare.webhooks import gauges

        gauges.register()
