from django.urls import path

from p2ham.results import views_followup as views

app_name = "followup"
urlpatterns = [
    path("", views.followup_list, name="list"),
    path("konfirmasi/", views.bulk_confirm, name="bulk_confirm"),
    path("<int:pk>/", views.followup_detail, name="detail"),
    path("<int:pk>/konfirmasi/", views.confirm, name="confirm"),
    path("<int:pk>/tidak-perlu/", views.dismiss, name="dismiss"),
    path("<int:pk>/laporan/", views.report, name="report"),
    path("<int:pk>/verifikasi/", views.review, name="review"),
    # Private files, streamed to the people who may see the action.
    path("bukti/<int:pk>/", views.evidence, name="evidence"),
]
