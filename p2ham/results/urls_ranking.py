"""Ditjen HAM's ranking and determination screens, under ``hasil/`` (before the units' own result pages, so
these fixed words are never read as unit codes)."""

from django.urls import path

from p2ham.results import views_ranking as views

app_name = "ranking"
YEAR = "<int:year>/"
urlpatterns = [
    path("", views.index, name="index"),
    path(YEAR, views.ranking_page, name="ranking"),
    path(YEAR + "penetapan/", views.determine, name="determine"),
    path(YEAR + "penetapan-ulang/", views.redetermine, name="redetermine"),
    path(YEAR + "koreksi/<str:unit_code>/", views.correction, name="correction"),
    path(YEAR + "riwayat/", views.history, name="history"),
    path(YEAR + "piagam/", views.certificates, name="certificates"),
    path(YEAR + "piagam/<int:pk>/cabut/", views.certificate_revoke, name="certificate_revoke"),
    path(YEAR + "lampiran.pdf", views.annex_pdf, name="annex_pdf"),
    path(YEAR + "lampiran.docx", views.annex_docx, name="annex_docx"),
]
