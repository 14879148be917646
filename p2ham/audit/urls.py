from django.urls import path

from p2ham.audit import views

app_name = "audit"
urlpatterns = [
    path("", views.audit_list, name="list"),
    path("ekspor.csv", views.audit_export, name="export"),
]
