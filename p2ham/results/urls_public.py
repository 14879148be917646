from django.urls import path, re_path

from p2ham.results import views_public as views

app_name = "public"
urlpatterns = [
    path("publik/", views.home, name="home"),
    path("publik/hasil/<int:year>/", views.results, name="results"),
    path("verifikasi/", views.verify_form, name="verify_form"),
    # The data answer first: ``<str:code>`` would take the ".json" too.
    re_path(r"^verifikasi/(?P<code>[A-Za-z0-9-]{1,40})\.json$", views.verify_json, name="verify_json"),
    path("verifikasi/<str:code>", views.verify, name="verify"),
]
