from django.conf.urls.i18n import i18n_patterns  # noqa: F401  (language is chosen by cookie, not URL)
from django.contrib import admin
from django.urls import include, path

from p2ham.core import views as core_views

urlpatterns = [
    path("healthz", core_views.healthz, name="healthz"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("api/v1/", include("p2ham.api.urls")),
    path("akun/", include("p2ham.accounts.urls")),
    path("unit/", include("p2ham.organizations.urls")),
    path("audit/", include("p2ham.audit.urls")),
    path("periode/", include("p2ham.periods.urls")),
    path("instrumen/", include("p2ham.instruments.urls")),
    path("notifikasi/", include("p2ham.notifications.urls")),
    path("penilaian/", include("p2ham.reviews.urls_verification")),
    path("penilaian/", include("p2ham.reviews.urls_panel")),
    path("penilaian/", include("p2ham.assessments.urls")),
    path("penugasan/", include("p2ham.reviews.urls_assign")),
    path("hasil/", include("p2ham.results.urls_ranking")),
    path("hasil/", include("p2ham.results.urls_unit")),
    path("tindak-lanjut/", include("p2ham.results.urls_followup")),
    path("laporan/", include("p2ham.reports.urls")),
    path("", include("p2ham.results.urls_public")),
    path("", include("p2ham.declarations.urls")),
    path("django-admin/", admin.site.urls),
    path("", include("p2ham.core.urls")),
]
