"""Shapes of the results, certificates and follow-up API (stages 8–9).

As elsewhere in the API, the views build plain dicts from the selectors' rows and pass them through these
serializers, so what is sent is exactly what the OpenAPI schema describes.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_serializer
from rest_framework import serializers

from p2ham.api.serializers_assessments import UnitRefSerializer, UserRefSerializer, user_ref
from p2ham.api.serializers_reviews import decimal_points
from p2ham.results.models import Certificate, Determination, FollowUpAction, FollowUpEvidence
from p2ham.results.selectors import CriterionLine, IndicatorLine, ResultReport

F = FollowUpAction.Status
FOLLOW_UP_ACTIONS = ("confirm", "dismiss", "report", "close", "send_back")
# What each PATCH action needs beside ``action`` and ``version``.
FOLLOW_UP_REQUIRED = {
    "confirm": ("action_text", "due_date"),
    "dismiss": ("reason",),
    "report": ("report",),
    "close": (),
    "send_back": ("note",),
}


# Statuses are plain strings with their values in the description: an enum named "status" beside the
# assessment's would rename the existing ``StatusEnum`` component (drf-spectacular names enums by field).
def follow_up_status() -> serializers.CharField:
    return serializers.CharField(help_text=" | ".join(F.values))


def certificate_status() -> serializers.CharField:
    return serializers.CharField(help_text="valid | revoked")


def unit_data(unit: Any) -> dict[str, Any]:
    """A unit (``unit_type`` and ``province`` selected)."""
    return {
        "code": unit.code,
        "name": unit.name,
        "type": unit.unit_type.code,
        "province": unit.province.code,
        "timezone": unit.province.timezone,
    }


# --------------------------------------------------------------------------- results: output


class ResultRowSerializer(serializers.Serializer):
    year = serializers.IntegerField()
    unit = UnitRefSerializer()
    cohort = serializers.CharField(help_text=_("the ranking cohort of the unit's type"))
    rank = serializers.IntegerField(help_text=_("rank in the cohort (1 is first)"))
    province_rank = serializers.IntegerField(help_text=_("rank in the cohort within the unit's province"))
    total = decimal_points()
    base_total = decimal_points(help_text=_("score before bonuses and penalties"))
    predicate = serializers.BooleanField(help_text=_("the predicate as scored or determined"))
    vetoed = serializers.BooleanField()
    awarded = serializers.BooleanField(help_text=_("predicate and not revoked"))
    determined = serializers.BooleanField(help_text=_("false: a draft row from the panel, before the decree"))
    correction_open = serializers.BooleanField(help_text=_("reopened for correction, awaiting re-determination"))
    url = serializers.URLField(allow_null=True, help_text=_("the result's detail, once determined"))


class DeterminationSerializer(serializers.Serializer):
    year = serializers.IntegerField()
    decree_number = serializers.CharField()
    decree_date = serializers.DateField()
    signatory_name = serializers.CharField()
    signatory_title = serializers.CharField()
    determined_by = UserRefSerializer()
    determined_at = serializers.DateTimeField()
    published = serializers.BooleanField(help_text=_("the awarded units are listed on the public site"))
    results = serializers.IntegerField(help_text=_("determined results you may see"))
    awarded = serializers.IntegerField(help_text=_("of which awarded (predicate, not revoked)"))


class RedeterminedSerializer(serializers.Serializer):
    redetermined = ResultRowSerializer(many=True, help_text=_("the units determined again, with their new ranks"))


class IndicatorLineSerializer(serializers.Serializer):
    code = serializers.CharField()
    question = serializers.CharField(allow_blank=True)
    weight = serializers.CharField(allow_blank=True)
    mandatory = serializers.BooleanField()
    score = serializers.CharField(allow_null=True, help_text=_("0–100 as a decimal string; null: not applicable"))
    full = serializers.BooleanField(help_text=_("fully met (score 100)"))
    status = serializers.CharField(allow_blank=True, help_text=_("the scoring engine's status of the indicator"))
    failed_mandatory = serializers.BooleanField()
    answer = serializers.CharField(allow_blank=True, help_text=_("the unit's own answer"))
    verdict = serializers.CharField(allow_blank=True, help_text=_("the verifier's verdict code"))
    verdict_label = serializers.CharField(allow_blank=True)
    verifier_note = serializers.CharField(allow_blank=True)
    reason = serializers.CharField(allow_blank=True, help_text=_("the verifier's reason"))
    moderation_note = serializers.CharField(allow_blank=True, help_text=_("the panel chair's note"))


class CriterionLineSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField(allow_blank=True)
    weight = serializers.CharField(allow_blank=True)
    score = serializers.CharField(allow_null=True)
    share = serializers.CharField(allow_null=True, help_text=_("the criterion's contribution to the total"))
    indicators = IndicatorLineSerializer(many=True)


class ScoringSummarySerializer(serializers.Serializer):
    threshold = serializers.CharField(allow_null=True, help_text=_("the total needed for the predicate"))
    bonus = serializers.CharField(allow_null=True)
    penalty = serializers.CharField(allow_null=True)
    below_threshold = serializers.BooleanField()
    failed_mandatory = serializers.ListField(
        child=serializers.CharField(), help_text=_("mandatory indicators that were not met")
    )
    decided_by = serializers.CharField(allow_null=True, help_text=_("what decided the predicate"))


class ResultAdjustmentSerializer(serializers.Serializer):
    """An adjustment as the determined result counted it (from the frozen breakdown)."""

    kind = serializers.CharField()
    kind_label = serializers.CharField()
    points = decimal_points()
    counted = decimal_points()
    justification = serializers.CharField(allow_blank=True)


class ResultVetoSerializer(serializers.Serializer):
    reasons = serializers.CharField(allow_blank=True)


class ResultFieldVisitSerializer(serializers.Serializer):
    visited_on = serializers.DateField()
    participants = serializers.CharField()
    findings = serializers.CharField()


class FollowUpRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    status = follow_up_status()
    status_label = serializers.CharField()
    due_date = serializers.DateField(allow_null=True)
    url = serializers.URLField()


class FindingSerializer(serializers.Serializer):
    indicator = serializers.CharField()
    question = serializers.CharField(allow_blank=True)
    score = serializers.CharField(allow_null=True)
    follow_up = FollowUpRefSerializer(allow_null=True)


class ResultCertificateSerializer(serializers.Serializer):
    code = serializers.CharField()
    status = certificate_status()
    issued_at = serializers.DateTimeField()
    revoked_at = serializers.DateTimeField(allow_null=True)
    url = serializers.URLField(help_text=_("the public verification (no token needed)"))


class ResultDetailSerializer(ResultRowSerializer):
    full_count = serializers.IntegerField(help_text=_("indicators fully met"))
    determined_at = serializers.DateTimeField()
    revision = serializers.IntegerField(help_text=_("how many re-determinations changed it"))
    revoked_at = serializers.DateTimeField(allow_null=True, help_text=_("set when the predicate was revoked"))
    determination = DeterminationSerializer()
    scoring = ScoringSummarySerializer()
    criteria = CriterionLineSerializer(many=True)
    adjustments = ResultAdjustmentSerializer(many=True)
    veto = ResultVetoSerializer(allow_null=True)
    field_visits = ResultFieldVisitSerializer(many=True)
    findings = FindingSerializer(many=True, help_text=_("indicators not fully met, with their follow-up action"))
    certificate = ResultCertificateSerializer(allow_null=True)


# --------------------------------------------------------------------------- results: input


class DeterminationWriteSerializer(serializers.Serializer):
    decree_number = serializers.CharField(max_length=120, help_text=_("the Minister's decree (Kepmen) number"))
    decree_date = serializers.DateField(help_text=_("YYYY-MM-DD"))
    signatory_name = serializers.CharField(max_length=120)
    signatory_title = serializers.CharField(max_length=200)
    expected_count = serializers.IntegerField(
        required=False,
        min_value=0,
        help_text=_("the number of scored units you reviewed; if it changed meanwhile, 409 and nothing is saved"),
    )


class RedeterminationWriteSerializer(serializers.Serializer):
    units = serializers.ListField(
        child=serializers.CharField(max_length=40),
        min_length=1,
        max_length=500,
        help_text=_("codes of the units scored again by their panel"),
    )
    decree_number = serializers.CharField(max_length=120, help_text=_("the amending decree's number"))
    decree_date = serializers.DateField(help_text=_("YYYY-MM-DD"))
    reason = serializers.CharField(max_length=4000)


class ReasonWriteSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=4000)


# --------------------------------------------------------------------------- certificates


class CertificateUnitSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    province = serializers.CharField(help_text=_("2-digit Kemendagri province code"))
    province_name = serializers.CharField()


class CertificateSerializer(serializers.Serializer):
    code = serializers.CharField()
    status = certificate_status()
    unit = CertificateUnitSerializer()
    year = serializers.IntegerField()
    decree_number = serializers.CharField()
    decree_date = serializers.DateField()
    issued_at = serializers.DateTimeField()
    revoked_at = serializers.DateTimeField(allow_null=True)
    revoke_reason = serializers.CharField(
        allow_blank=True,
        allow_null=True,
        help_text=_("in the answer to the revocation only (an internal record); null for everyone else"),
    )


def adjustment_lines(report: Any) -> list[Any]:
    from p2ham.results.documents import adjustment_lines as lines

    return lines(report)


def certificate_data(certificate: Certificate, *, with_reason: bool = False) -> dict[str, Any]:
    """What anyone may learn from a certificate's code (``result__unit__province``, ``result__period`` and
    ``result__determination`` selected): valid or revoked with the date; the reason only for Ditjen HAM
    (``with_reason``), since it is an internal record. The decree is the one the result stands on."""
    from p2ham.results.documents import decree_of

    result = certificate.result
    decree = decree_of(result)
    return {
        "code": certificate.code,
        "status": "valid" if certificate.valid else "revoked",
        "unit": {
            "code": result.unit.code,
            "name": result.unit.name,
            "province": result.unit.province.code,
            "province_name": result.unit.province.name,
        },
        "year": result.period.year,
        "decree_number": decree.number,
        "decree_date": decree.date,
        "issued_at": certificate.issued_at,
        "revoked_at": certificate.revoked_at,
        "revoke_reason": certificate.revoke_reason if with_reason else None,
    }


# --------------------------------------------------------------------------- follow-up: output


class FollowUpRowSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    year = serializers.IntegerField()
    unit = UnitRefSerializer()
    indicator = serializers.CharField(help_text=_("indicator code"))
    criterion_name = serializers.CharField(allow_blank=True)
    question = serializers.CharField()
    score = decimal_points(allow_null=True, help_text=_("the indicator's determined score"))
    finding = serializers.CharField(help_text=_("what was missing"))
    status = follow_up_status()
    status_label = serializers.CharField()
    action_text = serializers.CharField(allow_blank=True, help_text=_("what the unit must do (set on confirm)"))
    due_date = serializers.DateField(allow_null=True)
    overdue = serializers.BooleanField(help_text=_("confirmed and past its due date"))
    version = serializers.IntegerField(help_text=_("send it back (version / If-Match) with the next PATCH"))
    confirmed_at = serializers.DateTimeField(allow_null=True)
    reported_at = serializers.DateTimeField(allow_null=True)
    closed_at = serializers.DateTimeField(allow_null=True)
    url = serializers.URLField()


class FollowUpEvidenceSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    kind = serializers.CharField()
    size = serializers.IntegerField()
    uploaded_at = serializers.DateTimeField()
    download_url = serializers.URLField()


class FollowUpAllowedSerializer(serializers.Serializer):
    """The PATCH actions the caller may take now (the server checks again on every write)."""

    confirm = serializers.BooleanField()
    dismiss = serializers.BooleanField()
    report = serializers.BooleanField()
    close = serializers.BooleanField()
    send_back = serializers.BooleanField()


class FollowUpDetailSerializer(FollowUpRowSerializer):
    report = serializers.CharField(allow_blank=True, help_text=_("what the unit did"))
    review_note = serializers.CharField(allow_blank=True, help_text=_("the reason of a dismissal, or the review note"))
    confirmed_by = UserRefSerializer(allow_null=True)
    reported_by = UserRefSerializer(allow_null=True)
    closed_by = UserRefSerializer(allow_null=True)
    evidence = FollowUpEvidenceSerializer(many=True)
    allowed = FollowUpAllowedSerializer()


def follow_up_row(action: FollowUpAction, *, overdue: bool, url: str) -> dict[str, Any]:
    """A follow-up action (``unit__province``, ``unit__unit_type`` and ``period`` selected)."""
    return {
        "id": action.pk,
        "year": action.period.year,
        "unit": unit_data(action.unit),
        "indicator": action.indicator_code,
        "criterion_name": action.criterion_name,
        "question": action.indicator_question,
        "score": action.score,
        "finding": action.finding,
        "status": action.status,
        "status_label": str(action.get_status_display()),
        "action_text": action.action,
        "due_date": action.due_date,
        "overdue": overdue,
        "version": action.version,
        "confirmed_at": action.confirmed_at,
        "reported_at": action.reported_at,
        "closed_at": action.closed_at,
        "url": url,
    }


def follow_up_evidence(evidence: FollowUpEvidence, download_url: str) -> dict[str, Any]:
    return {
        "id": evidence.pk,
        "name": evidence.original_name,
        "kind": evidence.kind,
        "size": evidence.size,
        "uploaded_at": evidence.created_at,
        "download_url": download_url,
    }


# --------------------------------------------------------------------------- follow-up: input


@extend_schema_serializer(component_name="FollowUpChange")
class FollowUpCreateSerializer(serializers.Serializer):
    """A follow-up action added by Ditjen HAM or the unit's Kanwil on a determined result (starts confirmed)."""

    unit = serializers.CharField(max_length=40, help_text=_("the unit's code"))
    indicator_code = serializers.CharField(max_length=20)
    finding = serializers.CharField(max_length=4000, help_text=_("what was found"))
    action_text = serializers.CharField(max_length=4000, help_text=_("what the unit must do"))
    due_date = serializers.DateField(help_text=_("YYYY-MM-DD, after today"))


class FollowUpWriteSerializer(serializers.Serializer):
    """One step of a follow-up action; which fields it needs depends on ``action``."""

    action = serializers.ChoiceField(
        choices=[(a, a) for a in FOLLOW_UP_ACTIONS],
        help_text=_(
            "confirm (Ditjen HAM / Kanwil: action_text, due_date), dismiss (reason), report (the unit: report, "
            "files), close (note optional), send_back (note)"
        ),
    )
    version = serializers.IntegerField(
        required=False, min_value=1, help_text=_("the version you read (required here or as If-Match)")
    )
    action_text = serializers.CharField(required=False, max_length=4000, help_text=_("confirm: what to do"))
    due_date = serializers.DateField(required=False, help_text=_("confirm: YYYY-MM-DD, after today"))
    reason = serializers.CharField(required=False, max_length=4000, help_text=_("dismiss: why it is not needed"))
    report = serializers.CharField(required=False, max_length=4000, help_text=_("report: what the unit did"))
    files = serializers.ListField(
        child=serializers.FileField(),
        required=False,
        max_length=10,
        help_text=_("report (multipart only): PDF, image, DOCX or XLSX; repeat the field"),
    )
    note = serializers.CharField(
        required=False, allow_blank=True, max_length=4000, help_text=_("close (optional) or send_back (required)")
    )

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        missing = {
            field: [_("This field is required.")]
            for field in FOLLOW_UP_REQUIRED[attrs["action"]]
            if not attrs.get(field)
        }
        if missing:
            raise serializers.ValidationError(missing)
        return attrs


# --------------------------------------------------------------------------- building the result dicts


def _indicator_line(line: IndicatorLine) -> dict[str, Any]:
    return {
        "code": line.code,
        "question": line.question,
        "weight": line.weight,
        "mandatory": line.mandatory,
        "score": line.score,
        "full": line.full,
        "status": line.status,
        "failed_mandatory": line.failed_mandatory,
        "answer": line.answer,
        "verdict": line.verdict_code,
        "verdict_label": str(line.verdict),
        "verifier_note": line.verifier_note,
        "reason": line.reason,
        "moderation_note": line.moderation_note,
    }


def _criterion_line(line: CriterionLine) -> dict[str, Any]:
    return {
        "code": line.code,
        "name": line.name,
        "weight": line.weight,
        "score": line.score,
        "share": line.share,
        "indicators": [_indicator_line(i) for i in line.indicators],
    }


def _scoring(breakdown: dict[str, Any]) -> dict[str, Any]:
    return {
        "threshold": breakdown.get("threshold"),
        "bonus": breakdown.get("bonus"),
        "penalty": breakdown.get("penalty"),
        "below_threshold": bool(breakdown.get("below_threshold")),
        "failed_mandatory": [str(code) for code in breakdown.get("failed_mandatory", [])],
        "decided_by": breakdown.get("decided_by"),
    }


def determination_data(determination: Determination, *, results: int, awarded: int) -> dict[str, Any]:
    return {
        "year": determination.period.year,
        "decree_number": determination.decree_number,
        "decree_date": determination.decree_date,
        "signatory_name": determination.signatory_name,
        "signatory_title": determination.signatory_title,
        "determined_by": user_ref(determination.determined_by),
        "determined_at": determination.determined_at,
        "published": determination.published,
        "results": results,
        "awarded": awarded,
    }


def result_detail(
    report: ResultReport,
    row: dict[str, Any],
    determination: dict[str, Any],
    follow_up_url: Any,
    certificate_url: Any,
) -> dict[str, Any]:
    """A determined result explained: ``row`` is its ranking row, ``follow_up_url(action)`` and
    ``certificate_url(certificate)`` give the addresses of what it links to."""
    result = report.result
    certificate = report.certificate
    return {
        **row,
        "full_count": result.full_count,
        "determined_at": result.determined_at,
        "revision": result.revision,
        "revoked_at": result.revoked_at,
        "determination": determination,
        "scoring": _scoring(report.breakdown),
        "criteria": [_criterion_line(c) for c in report.criteria],
        # As decreed: from the frozen breakdown, not from the panel's current records (which a correction
        # may change before the re-determination).
        "adjustments": [
            {
                "kind": a.kind,
                "kind_label": a.label,
                "points": a.points,
                "counted": a.counted,
                "justification": a.justification,
            }
            for a in adjustment_lines(report)
        ],
        "veto": {"reasons": report.breakdown.get("veto") or ""} if result.vetoed else None,
        "field_visits": [
            {"visited_on": v.visited_on, "participants": v.participants, "findings": v.findings}
            for v in report.field_visits
        ],
        "findings": [
            {
                "indicator": line.code,
                "question": line.question,
                "score": line.score,
                "follow_up": _follow_up_ref(report.follow_ups.get(line.code), follow_up_url),
            }
            for line in report.findings
        ],
        "certificate": (
            {
                "code": certificate.code,
                "status": "valid" if certificate.valid else "revoked",
                "issued_at": certificate.issued_at,
                "revoked_at": certificate.revoked_at,
                "url": certificate_url(certificate),
            }
            if certificate is not None
            else None
        ),
    }


def _follow_up_ref(action: FollowUpAction | None, url: Any) -> dict[str, Any] | None:
    if action is None:
        return None
    return {
        "id": action.pk,
        "status": action.status,
        "status_label": str(action.get_status_display()),
        "due_date": action.due_date,
        "url": url(action),
    }
