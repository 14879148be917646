from django.urls import path

from p2ham.notifications import views

app_name = "notifications"
urlpatterns = [
    path("", views.notification_index, name="list"),
    path("baca/", views.notification_read, name="read"),
]
