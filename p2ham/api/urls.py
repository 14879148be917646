from django.urls import path
from drf_spectacular.views import SpectacularAPIView

from p2ham.api import (
    views,
    views_assessments,
    views_declarations,
    views_periods,
    views_periods_writes,
    views_results,
    views_reviews,
)

app_name = "api"
urlpatterns = [
    path("schema", SpectacularAPIView.as_view(), name="schema"),
    path("auth/token", views.TokenView.as_view(), name="token"),
    path("me", views.MeView.as_view(), name="me"),
    path("unit-types", views.UnitTypeList.as_view(), name="unit_types"),
    path("provinces", views.ProvinceList.as_view(), name="provinces"),
    path("units", views.UnitList.as_view(), name="units"),
    path("units/<str:code>", views.UnitDetail.as_view(), name="unit_detail"),
    path("periods", views_periods.PeriodList.as_view(), name="periods"),
    path("periods/<int:year>", views_periods.PeriodDetail.as_view(), name="period_detail"),
    path("periods/<int:year>/instrument", views_periods.InstrumentForUnitType.as_view(), name="instrument"),
    path("periods/<int:year>/instruments", views_periods.InstrumentList.as_view(), name="instruments"),
    path("periods/<int:year>/windows/<str:stage>", views_periods_writes.StageWindowWrite.as_view(), name="window"),
    path("periods/<int:year>/declarations", views_declarations.DeclarationList.as_view(), name="declarations"),
    path(
        "periods/<int:year>/declarations/progress",
        views_declarations.DeclarationProgress.as_view(),
        name="declaration_progress",
    ),
    path(
        "declarations/<int:id>/documents/<int:document_id>",
        views_declarations.DocumentDownload.as_view(),
        name="declaration_document",
    ),
    path("declarations/<int:id>", views_declarations.DeclarationDetail.as_view(), name="declaration"),
    path("declarations/<int:id>/ceremony", views_declarations.CeremonyRecord.as_view(), name="ceremony"),
    path(
        "declarations/<int:id>/statements/<str:unit_code>/sign",
        views_declarations.StatementSign.as_view(),
        name="statement_sign",
    ),
    path(
        "declarations/<int:id>/statements/<str:unit_code>/pdf",
        views_declarations.StatementPdf.as_view(),
        name="statement_pdf",
    ),
    path(
        "declarations/<int:id>/<str:action>", views_declarations.DeclarationAction.as_view(), name="declaration_action"
    ),
    path("periods/<int:year>/extensions", views_periods_writes.ExtensionList.as_view(), name="extensions"),
    path(
        "periods/<int:year>/instruments/defaults",
        views_periods_writes.DefaultInstruments.as_view(),
        name="instrument_defaults",
    ),
    path(
        "periods/<int:year>/instruments/<slug:code>", views_periods.InstrumentDetail.as_view(), name="instrument_detail"
    ),
    path(
        "periods/<int:year>/instruments/<slug:code>/versions",
        views_periods_writes.InstrumentVersions.as_view(),
        name="instrument_versions",
    ),
    path(
        "periods/<int:year>/instruments/<slug:code>/versions/<int:version>/publish",
        views_periods_writes.InstrumentPublish.as_view(),
        name="instrument_publish",
    ),
    path(
        "periods/<int:year>/instruments/<slug:code>/clone",
        views_periods_writes.InstrumentClone.as_view(),
        name="instrument_clone",
    ),
    # Evaluation and self-assessment (before the period transitions, whose last segment is a catch-all).
    path(
        "periods/<int:year>/units/<str:code>/evaluation",
        views_assessments.EvaluationDecide.as_view(),
        name="evaluation",
    ),
    path("periods/<int:year>/evaluations", views_assessments.EvaluationBulk.as_view(), name="evaluations"),
    path("periods/<int:year>/assessments", views_assessments.AssessmentList.as_view(), name="assessments"),
    path(
        "periods/<int:year>/assessments/<str:unit_code>",
        views_assessments.AssessmentDetail.as_view(),
        name="assessment",
    ),
    path(
        "periods/<int:year>/assessments/<str:unit_code>/answers/<str:indicator_code>",
        views_assessments.AnswerWrite.as_view(),
        name="answer",
    ),
    path(
        "periods/<int:year>/assessments/<str:unit_code>/answers/<str:indicator_code>/evidence",
        views_assessments.EvidenceUpload.as_view(),
        name="evidence_upload",
    ),
    path(
        "periods/<int:year>/assessments/<str:unit_code>/answers/<str:indicator_code>/uploads",
        views_assessments.UploadStart.as_view(),
        name="upload_start",
    ),
    path(
        "periods/<int:year>/assessments/<str:unit_code>/answers/<str:indicator_code>/comments",
        views_assessments.CommentThread.as_view(),
        name="comments",
    ),
    path(
        "periods/<int:year>/assessments/<str:unit_code>/submit",
        views_assessments.SubmitAssessment.as_view(),
        name="assessment_submit",
    ),
    path(
        "periods/<int:year>/assessments/<str:unit_code>/review/<str:action>",
        views_assessments.KanwilReview.as_view(),
        name="assessment_review",
    ),
    # Verification and the panel (stages 6–7).
    path(
        "periods/<int:year>/assessments/<str:unit_code>/verification",
        views_reviews.VerificationDetail.as_view(),
        name="verification",
    ),
    path(
        "periods/<int:year>/assessments/<str:unit_code>/answers/<str:indicator_code>/verification",
        views_reviews.VerificationWrite.as_view(),
        name="verification_write",
    ),
    path(
        "periods/<int:year>/assessments/<str:unit_code>/return",
        views_reviews.VerificationReturn.as_view(),
        name="verification_return",
    ),
    path(
        "periods/<int:year>/assessments/<str:unit_code>/resubmit",
        views_reviews.VerificationResubmit.as_view(),
        name="verification_resubmit",
    ),
    path(
        "periods/<int:year>/assessments/<str:unit_code>/resume",
        views_reviews.VerificationResume.as_view(),
        name="verification_resume",
    ),
    path(
        "periods/<int:year>/assessments/<str:unit_code>/verify",
        views_reviews.VerificationComplete.as_view(),
        name="verification_complete",
    ),
    path(
        "periods/<int:year>/assessments/<str:unit_code>/verifiers",
        views_reviews.VerifierList.as_view(),
        name="verifiers",
    ),
    path(
        "periods/<int:year>/assessments/<str:unit_code>/verifiers/<str:username>",
        views_reviews.VerifierDetail.as_view(),
        name="verifier",
    ),
    path("periods/<int:year>/assessments/<str:unit_code>/panel", views_reviews.PanelDetail.as_view(), name="panel"),
    path(
        "periods/<int:year>/assessments/<str:unit_code>/panel/assessors",
        views_reviews.PanelAssessorList.as_view(),
        name="panel_assessors",
    ),
    path(
        "periods/<int:year>/assessments/<str:unit_code>/panel/assessors/<str:username>",
        views_reviews.PanelAssessorDetail.as_view(),
        name="panel_assessor",
    ),
    path(
        "periods/<int:year>/assessments/<str:unit_code>/panel/scores/<str:indicator_code>",
        views_reviews.ScoreWrite.as_view(),
        name="panel_score",
    ),
    path(
        "periods/<int:year>/assessments/<str:unit_code>/panel/submit",
        views_reviews.PanelSubmit.as_view(),
        name="panel_submit",
    ),
    path(
        "periods/<int:year>/assessments/<str:unit_code>/panel/moderate",
        views_reviews.PanelModerate.as_view(),
        name="panel_moderate",
    ),
    path(
        "periods/<int:year>/assessments/<str:unit_code>/panel/finish",
        views_reviews.PanelFinish.as_view(),
        name="panel_finish",
    ),
    path(
        "periods/<int:year>/assessments/<str:unit_code>/panel/conflict",
        views_reviews.PanelConflict.as_view(),
        name="panel_conflict",
    ),
    path(
        "periods/<int:year>/assessments/<str:unit_code>/adjustments",
        views_reviews.AdjustmentCreate.as_view(),
        name="adjustments",
    ),
    path(
        "periods/<int:year>/assessments/<str:unit_code>/adjustments/<int:id>",
        views_reviews.AdjustmentDetail.as_view(),
        name="adjustment",
    ),
    path(
        "periods/<int:year>/assessments/<str:unit_code>/adjustments/<int:id>/document",
        views_reviews.AdjustmentDocument.as_view(),
        name="adjustment_document",
    ),
    path("periods/<int:year>/assessments/<str:unit_code>/veto", views_reviews.VetoWrite.as_view(), name="veto"),
    path(
        "periods/<int:year>/assessments/<str:unit_code>/field-visits",
        views_reviews.FieldVisitCreate.as_view(),
        name="field_visits",
    ),
    path(
        "periods/<int:year>/assessments/<str:unit_code>/field-visits/<int:id>/photos/<int:photo_id>",
        views_reviews.FieldVisitPhotoDownload.as_view(),
        name="field_visit_photo",
    ),
    path("periods/<int:year>/assignments/verifiers", views_reviews.VerifiersBulk.as_view(), name="assign_verifiers"),
    path("periods/<int:year>/assignments/panels", views_reviews.PanelsBulk.as_view(), name="assign_panels"),
    path("periods/<int:year>/workload", views_reviews.Workload.as_view(), name="workload"),
    path("evidence/<int:id>", views_assessments.EvidenceDetail.as_view(), name="evidence"),
    path("evidence/<int:id>/download", views_assessments.EvidenceDownload.as_view(), name="evidence_download"),
    path("uploads/<uuid:id>", views_assessments.UploadChunk.as_view(), name="upload"),
    # Results, determination, certificates and follow-up (stages 8–9).
    path("periods/<int:year>/results", views_results.ResultList.as_view(), name="results"),
    path("periods/<int:year>/results/<str:unit_code>", views_results.ResultDetail.as_view(), name="result"),
    path(
        "periods/<int:year>/results/<str:unit_code>/correction",
        views_results.ResultCorrection.as_view(),
        name="result_correction",
    ),
    path("periods/<int:year>/determination", views_results.DeterminationView.as_view(), name="determination"),
    path("periods/<int:year>/redetermination", views_results.Redetermination.as_view(), name="redetermination"),
    path("periods/<int:year>/follow-ups", views_results.FollowUpList.as_view(), name="follow_ups"),
    path("follow-ups/<int:id>", views_results.FollowUpDetail.as_view(), name="follow_up"),
    path(
        "follow-ups/<int:id>/evidence/<int:evidence_id>",
        views_results.FollowUpEvidenceDownload.as_view(),
        name="follow_up_evidence",
    ),
    path("certificates/<str:code>", views_results.CertificateVerify.as_view(), name="certificate"),
    path(
        "certificates/<str:code>/revocation",
        views_results.CertificateRevocation.as_view(),
        name="certificate_revocation",
    ),
    path("periods/<int:year>/<str:move>", views_periods.PeriodTransition.as_view(), name="period_transition"),
]
