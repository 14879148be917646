from django.urls import path

from p2ham.reports import views

app_name = "reports"

urlpatterns = [
    path("", views.index, name="index"),
    path("<int:year>/", views.dashboard, name="dashboard"),
    path("<int:year>/ekspor/", views.exports_page, name="exports"),
    path("<int:year>/ekspor/status/", views.export_jobs, name="export_jobs"),
    path("ekspor/<uuid:pk>/unduh/", views.export_download, name="export_download"),
]
