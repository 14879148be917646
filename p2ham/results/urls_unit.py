from django.urls import path

from p2ham.results import views_unit as views

app_name = "results_unit"
urlpatterns = [
    path("<int:year>/<str:unit_code>/", views.result_detail, name="detail"),
    path("<int:year>/<str:unit_code>/laporan.pdf", views.report_pdf, name="report_pdf"),
    path("<int:year>/<str:unit_code>/piagam.pdf", views.certificate_pdf, name="certificate_pdf"),
]
