from django.urls import path

from p2ham.periods import views

app_name = "periods"
urlpatterns = [
    path("", views.period_index, name="list"),
    path("baru/", views.period_create, name="create"),
    path("<int:year>/", views.period_detail, name="detail"),
    path("<int:year>/tahapan/", views.period_windows, name="windows"),
    path("<int:year>/status/<str:to>/", views.period_transition, name="transition"),
    path("<int:year>/perpanjangan/", views.extension_grant, name="extension"),
]
