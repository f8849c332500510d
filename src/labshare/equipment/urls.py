from django.urls import path

from labshare.bookings.views.request import request_page
from labshare.equipment import views

app_name = "equipment"

urlpatterns = [
    path("equipment", views.catalogue, name="catalogue"),
    path("equipment/<int:equipment_id>", views.equipment_detail, name="detail"),
    path("equipment/<int:equipment_id>/book", request_page, name="book"),
]
