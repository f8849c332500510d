from django.urls import path

from labshare.feeds import views

app_name = "feeds"

urlpatterns = [
    path("feeds", views.subscribe, name="subscribe"),
    path("feeds/<int:feed_id>/replace", views.replace, name="replace"),
    path("feeds/<int:feed_id>/revoke", views.revoke, name="revoke"),
    path("feeds/<str:token>.ics", views.feed, name="feed"),
]
