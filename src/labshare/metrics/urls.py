from django.urls import path

from labshare.metrics import views

urlpatterns = [path("", views.metrics_page, name="metrics")]
