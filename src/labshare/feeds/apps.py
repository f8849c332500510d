from django.apps import AppConfig


class FeedsConfig(AppConfig):
    name = "labshare.feeds"
    label = "feeds"
    verbose_name = "Calendar feeds"
