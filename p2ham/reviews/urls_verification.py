from django.urls import path

from p2ham.reviews import views_verification as views

app_name = "verification"
urlpatterns = [
    path("<int:year>/<str:unit_code>/verifikasi/", views.verification_page, name="page"),
    # The actions come before the verdict of an indicator, whose code takes the same place in the path.
    path("<int:year>/<str:unit_code>/verifikasi/kembalikan/", views.verification_return, name="return"),
    path("<int:year>/<str:unit_code>/verifikasi/lanjutkan/", views.verification_resume, name="resume"),
    path("<int:year>/<str:unit_code>/verifikasi/selesai/", views.verification_complete, name="complete"),
    path("<int:year>/<str:unit_code>/verifikasi/bukti/<int:pk>/", views.evidence_frame, name="evidence"),
    path("<int:year>/<str:unit_code>/verifikasi/<str:indicator_code>/", views.verification_save, name="save"),
]
