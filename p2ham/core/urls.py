from django.urls import path

from p2ham.core import views

app_name = "core"
urlpatterns = [path("", views.home, name="home")]
