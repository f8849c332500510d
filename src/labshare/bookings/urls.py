from django.urls import path

from labshare.bookings.views import actions, pages

app_name = "bookings"

urlpatterns = [
    path("bookings", pages.my_bookings, name="mine"),
    path("bookings/<int:booking_id>", pages.booking_detail, name="detail"),
    path("bookings/<int:booking_id>/approve", actions.approve, name="approve"),
    path("bookings/<int:booking_id>/decline", actions.decline, name="decline"),
    path("bookings/<int:booking_id>/cancel", actions.cancel, name="cancel"),
    path("bookings/<int:booking_id>/notes", actions.add_note, name="add-note"),
    path("labs/<int:lab_id>/requests", pages.lab_requests, name="lab-requests"),
    path("labs/<int:lab_id>/maintenance", pages.add_maintenance, name="add-maintenance"),
]
