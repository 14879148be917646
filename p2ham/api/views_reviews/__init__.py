"""API v1: verification and the panel (stages 6–7) — the same services, selectors and policy as the screens.

Who reads what (an assessment outside the caller's scope is 404 everywhere; a role that sees the assessment
but may not act is 403 on writes):

* ``GET .../verification``: Ditjen HAM, the assigned verifiers and the panel's assessors at any time; the
  unit's own people, its Kanwil and leadership once the assessment is returned for repair or verified
  (``returned``, ``verified``, ``in_panel``, ``scored``, ``determined``) — never while a verifier works on
  it; an unassigned verifier or assessor gets 404.
* ``GET .../panel``: Ditjen HAM and the assessors seated on the panel; anyone else 404. An assessor sees
  the other assessors' scores, the flags and the totals only after submitting their own.
* Assignment and workload: Ditjen HAM. The lists of verifiers / assessors of an assessment are also read
  by the assigned verifiers / the panel.
"""

from p2ham.api.views_reviews.assignment import (
    PanelAssessorDetail,
    PanelAssessorList,
    PanelsBulk,
    VerifierDetail,
    VerifierList,
    VerifiersBulk,
    Workload,
)
from p2ham.api.views_reviews.panel import (
    AdjustmentCreate,
    AdjustmentDetail,
    AdjustmentDocument,
    FieldVisitCreate,
    FieldVisitPhotoDownload,
    PanelConflict,
    PanelDetail,
    PanelFinish,
    PanelModerate,
    PanelSubmit,
    ScoreWrite,
    VetoWrite,
)
from p2ham.api.views_reviews.verification import (
    VerificationComplete,
    VerificationDetail,
    VerificationResubmit,
    VerificationResume,
    VerificationReturn,
    VerificationWrite,
)

__all__ = [
    "AdjustmentCreate",
    "AdjustmentDetail",
    "AdjustmentDocument",
    "FieldVisitCreate",
    "FieldVisitPhotoDownload",
    "PanelAssessorDetail",
    "PanelAssessorList",
    "PanelConflict",
    "PanelDetail",
    "PanelFinish",
    "PanelModerate",
    "PanelSubmit",
    "PanelsBulk",
    "ScoreWrite",
    "VerificationComplete",
    "VerificationDetail",
    "VerificationResubmit",
    "VerificationResume",
    "VerificationReturn",
    "VerificationWrite",
    "VerifierDetail",
    "VerifierList",
    "VerifiersBulk",
    "VetoWrite",
    "Workload",
]
