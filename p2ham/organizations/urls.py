from django.urls import path

from p2ham.organizations import views

app_name = "organizations"
urlpatterns = [
    path("", views.unit_list, name="unit_list"),
    path("impor/unit/", views.import_file, {"kind": "units"}, name="import_units"),
    path("impor/pengguna/", views.import_file, {"kind": "users"}, name="import_users"),
    path("impor/templat/<str:kind>.xlsx", views.import_template, name="import_template"),
    path("<str:code>/", views.unit_detail, name="unit_detail"),
]
