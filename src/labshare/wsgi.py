import gc
import os

from django.core.cache import caches
from django.core.wsgi import get_wsgi_application
from django.urls import resolve

from labshare.feeds.log_filter import redact_feed_tokens_in_access_log

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "labshare.settings")
application = get_wsgi_application()
redact_feed_tokens_in_access_log()

# Loaded now rather than by the first request, so that they are frozen below with the rest.
resolve("/v1/user")  # every URL module and view
caches.all(initialized_only=False)  # the cache backends and their client library
# What is loaded by now lives as long as the worker: kept out of the collector's full
# passes, which would otherwise walk all of it (tens of milliseconds) every few seconds.
gc.freeze()
