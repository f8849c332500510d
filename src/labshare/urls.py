from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("admin/", admin.site.urls),
    path("v1/", include("labshare.api.urls")),
    path("", include("labshare.oauth.urls")),
]
