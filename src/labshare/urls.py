from django.contrib import admin
from django.urls import include, path

from labshare.api.errors import unknown_route

urlpatterns = [
    path("admin/", admin.site.urls),
    path("v1", unknown_route, {"path": ""}),
    path("v1/", include("labshare.api.urls")),
    path("docs", include("labshare.api.docs_urls")),
    path("health/", include("labshare.health.urls")),
    path("metrics", include("labshare.metrics.urls")),
    path("", include("labshare.oauth.urls")),
    path("", include("labshare.equipment.urls")),
    path("", include("labshare.bookings.urls")),
    path("", include("labshare.feeds.urls")),
]
