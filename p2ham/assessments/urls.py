from django.urls import path

from p2ham.assessments import views, views_evaluation

app_name = "assessments"
urlpatterns = [
    # Evaluation (eligibility): Ditjen decides, everyone in scope reads; the two documents.
    path("evaluasi/", views_evaluation.evaluation_list, name="evaluation"),
    path("evaluasi/putuskan/", views_evaluation.evaluation_decide, name="evaluation_decide"),
    path("evaluasi/berita-acara.pdf", views_evaluation.minutes_pdf, name="evaluation_minutes"),
    path(
        "evaluasi/surat-keterangan/<str:unit_code>.pdf",
        views_evaluation.ineligibility_letter_pdf,
        name="evaluation_letter",
    ),
    # Self-assessment.
    path("", views.assessment_index, name="list"),
    path("<int:year>/<str:unit_code>/", views.assessment_page, name="page"),
    path("<int:year>/<str:unit_code>/jawaban/<str:indicator_code>/", views.answer_save, name="answer"),
    path("<int:year>/<str:unit_code>/bukti/<str:indicator_code>/", views.evidence_upload, name="evidence_upload"),
    path("<int:year>/<str:unit_code>/unggah/<str:indicator_code>/", views.upload_start, name="upload_start"),
    path("unggah/<uuid:session_id>/", views.upload_chunk, name="upload_chunk"),
    path("<int:year>/<str:unit_code>/komentar/<str:indicator_code>/", views.comments, name="comments"),
    path("<int:year>/<str:unit_code>/kirim/", views.submit, name="submit"),
    path("<int:year>/<str:unit_code>/kirim-perbaikan/", views.resubmit, name="resubmit"),
    path("<int:year>/<str:unit_code>/reviu/<str:action>/", views.kanwil_review, name="kanwil_review"),
    path("bukti/<int:pk>/unduh/", views.evidence_download, name="evidence_download"),
    path("bukti/<int:pk>/lihat/", views.evidence_preview, name="evidence_preview"),
    path("bukti/<int:pk>/hapus/", views.evidence_remove, name="evidence_remove"),
]
