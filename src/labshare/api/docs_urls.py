"""/docs: the contract rendered for people (mounted by the project's urls.py)."""

from django.urls import path

from labshare.api import views

urlpatterns = [path("", views.docs, name="api-docs")]
