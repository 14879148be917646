from django.urls import path

from p2ham.declarations import views

app_name = "declarations"
urlpatterns = [
    path("verifikasi/pernyataan/<str:code>", views.verify_statement, name="verify"),
]
