"""API v1: evaluation (eligibility) and self-assessment — the same services, selectors and policy as the
screens. An assessment outside the caller's scope is 404; a role that may see it but not act is 403."""

from p2ham.api.views_assessments.assessments import (
    AnswerWrite,
    AssessmentDetail,
    AssessmentList,
    CommentThread,
    EvaluationBulk,
    EvaluationDecide,
    KanwilReview,
    SubmitAssessment,
)
from p2ham.api.views_assessments.files import EvidenceDetail, EvidenceDownload, EvidenceUpload, UploadChunk, UploadStart

__all__ = [
    "AnswerWrite",
    "AssessmentDetail",
    "AssessmentList",
    "CommentThread",
    "EvaluationBulk",
    "EvaluationDecide",
    "EvidenceDetail",
    "EvidenceDownload",
    "EvidenceUpload",
    "KanwilReview",
    "SubmitAssessment",
    "UploadChunk",
    "UploadStart",
]
