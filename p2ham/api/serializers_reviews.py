"""Shapes of the verification and panel API (stages 6–7).

As for the self-assessment, the views build plain dicts from the selectors' rows and pass them through these
serializers, so what is sent is exactly what the OpenAPI schema describes.
"""

from __future__ import annotations

import json
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field, extend_schema_serializer
from rest_framework import serializers

from p2ham.api.serializers_assessments import (
    AnswerSerializer,
    AssessmentSummarySerializer,
    EvidenceSerializer,
    UserRefSerializer,
    user_ref,
)
from p2ham.reviews.models import (
    Adjustment,
    AdjustmentKind,
    FieldVisit,
    ModeratedScore,
    PanelAssignment,
    PanelResult,
    PanelScore,
    RevisionRequest,
    Verdict,
    Verification,
    VerifierAssignment,
    Veto,
)


def decimal_points(**kwargs: Any) -> serializers.DecimalField:
    """A score or points value: a decimal string with two places."""
    return serializers.DecimalField(max_digits=6, decimal_places=2, coerce_to_string=True, **kwargs)


# --------------------------------------------------------------------------- verification: output


class ReasonSerializer(serializers.Serializer):
    code = serializers.CharField()
    label = serializers.CharField()  # type: ignore[assignment]  # shadows Field.label for the type checker only


class VerificationSerializer(serializers.Serializer):
    indicator = serializers.CharField()
    verdict = serializers.ChoiceField(choices=Verdict.choices, allow_null=True, help_text=_("null while undecided"))
    verdict_label = serializers.CharField(allow_null=True)
    final = serializers.BooleanField(help_text=_("accepted, rejected or not applicable: nothing left to repair"))
    option_id = serializers.IntegerField(allow_null=True, help_text=_("the verified answer"))
    option_label = serializers.CharField(allow_null=True)
    reason = serializers.CharField(allow_null=True, help_text=_("reason code"))
    reason_label = serializers.CharField(allow_null=True)
    note = serializers.CharField(allow_blank=True)
    round = serializers.IntegerField(help_text=_("the repair round in which it was recorded (0: before any)"))
    version = serializers.IntegerField(help_text=_("0 while never saved; send it back with the next save"))
    verified_by = UserRefSerializer(allow_null=True)
    updated_at = serializers.DateTimeField(allow_null=True)


class OptionScoreSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    label = serializers.CharField()  # type: ignore[assignment]
    score = decimal_points()


class ReturnedItemSerializer(serializers.Serializer):
    """The indicator as it was sent back in the last round."""

    round = serializers.IntegerField()
    reason = serializers.CharField(allow_null=True, help_text=_("reason code"))
    reason_label = serializers.CharField(allow_null=True)
    note = serializers.CharField(allow_blank=True)


class RoundChangeSerializer(serializers.Serializer):
    """What the unit changed in a returned indicator since it was sent back."""

    any = serializers.BooleanField()
    option_changed = serializers.BooleanField()
    option_before_id = serializers.IntegerField(allow_null=True)
    option_before_label = serializers.CharField(allow_null=True)
    note_changed = serializers.BooleanField()
    note_before = serializers.CharField(allow_blank=True)
    evidence_added = serializers.ListField(
        child=serializers.IntegerField(), help_text=_("ids of current files that are new or replacements")
    )
    evidence_gone = serializers.ListField(
        child=serializers.IntegerField(), help_text=_("ids of files current then and not any more")
    )


class LastYearSerializer(serializers.Serializer):
    """Last year's verified answer of the indicator this one continues."""

    indicator = serializers.CharField()
    verdict = serializers.ChoiceField(choices=Verdict.choices)
    option_id = serializers.IntegerField(allow_null=True)
    option_label = serializers.CharField(allow_null=True)


class VerificationRowSerializer(serializers.Serializer):
    code = serializers.CharField()
    criterion = serializers.CharField(help_text=_("criterion code"))
    question = serializers.CharField()
    guidance_verifier = serializers.CharField(allow_blank=True)
    options = OptionScoreSerializer(many=True)
    answer = AnswerSerializer(help_text=_("the unit's own answer"))
    evidence = EvidenceSerializer(many=True, help_text=_("the unit's current files"))
    verification = VerificationSerializer()
    returned = ReturnedItemSerializer(allow_null=True, help_text=_("set when sent back in the last round"))
    change = RoundChangeSerializer(allow_null=True, help_text=_("set when sent back in the last round"))
    last_year = LastYearSerializer(allow_null=True)


class RoundItemSerializer(serializers.Serializer):
    indicator = serializers.CharField()
    reason = serializers.CharField(allow_null=True, help_text=_("reason code"))
    reason_label = serializers.CharField(allow_null=True)
    note = serializers.CharField(allow_blank=True)


class RoundSerializer(serializers.Serializer):
    round = serializers.IntegerField()
    open = serializers.BooleanField(help_text=_("with the unit now (not yet resubmitted or resumed)"))
    due_at = serializers.DateTimeField(help_text=_("the end of the due day in the unit's own time zone"))
    due_date = serializers.DateField(help_text=_("the due day in the unit's own time zone"))
    overdue = serializers.BooleanField()
    note = serializers.CharField(allow_blank=True)
    created_by = UserRefSerializer()
    created_at = serializers.DateTimeField()
    closed_at = serializers.DateTimeField(allow_null=True)
    closed_by = UserRefSerializer(allow_null=True)
    resubmitted = serializers.BooleanField(help_text=_("closed by the unit's resubmission, not by the due date"))
    indicators = serializers.ListField(child=serializers.CharField(), help_text=_("codes sent back"))
    items = RoundItemSerializer(many=True)


class VerificationProgressSerializer(serializers.Serializer):
    total = serializers.IntegerField()
    decided = serializers.IntegerField(help_text=_("indicators with a final verdict"))
    needs_repair = serializers.IntegerField()
    undecided = serializers.IntegerField(help_text=_("indicators without any verdict"))


class VerificationAllowedSerializer(serializers.Serializer):
    """What the caller may do now (the server checks again on every write)."""

    save = serializers.BooleanField(help_text=_("PUT a verdict"))  # type: ignore[assignment]  # a field, not .save()
    return_for_repair = serializers.BooleanField(help_text=_("POST .../return"))
    complete = serializers.BooleanField(help_text=_("POST .../verify"))
    resubmit = serializers.BooleanField(help_text=_("POST .../resubmit"))
    resume = serializers.BooleanField(help_text=_("POST .../resume"))


class VerificationDetailSerializer(AssessmentSummarySerializer):
    progress = VerificationProgressSerializer()
    allowed = VerificationAllowedSerializer()
    verifiers = UserRefSerializer(many=True)
    open_round = RoundSerializer(allow_null=True, help_text=_("the repair round with the unit now"))
    rounds = RoundSerializer(many=True, help_text=_("every round, oldest first"))
    reasons = ReasonSerializer(many=True, help_text=_("the reason codes a verdict may give"))
    indicators = VerificationRowSerializer(many=True)


class RoundResultSerializer(serializers.Serializer):
    assessment = AssessmentSummarySerializer()
    round = RoundSerializer()


# --------------------------------------------------------------------------- verification: input


class VerificationWriteSerializer(serializers.Serializer):
    verdict = serializers.ChoiceField(choices=Verdict.choices)
    option = serializers.IntegerField(
        required=False,
        allow_null=True,
        help_text=_("the verified answer's option id; absent: the unit's own answer; ignored when not applicable"),
    )
    option_label = serializers.CharField(
        required=False, max_length=80, help_text=_("instead of option: the option by its label")
    )
    reason = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        max_length=40,
        help_text=_("reason code; required for needs_repair and rejected"),
    )
    note = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        trim_whitespace=False,
        help_text=_("required for needs_repair: what the unit must repair"),
    )
    version = serializers.IntegerField(
        required=False,
        min_value=0,
        help_text=_("the verification version you read (0 if never saved); or send it as If-Match"),
    )


class ReturnWriteSerializer(serializers.Serializer):
    due_date = serializers.DateField(help_text=_("YYYY-MM-DD: the last day of the repair, in the unit's time zone"))
    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=5000)
    version = serializers.IntegerField(
        required=False, min_value=1, help_text=_("the assessment version you read; or send it as If-Match")
    )


# --------------------------------------------------------------------------- assignment


class VerifierAssignmentSerializer(serializers.Serializer):
    username = serializers.CharField()
    full_name = serializers.CharField()
    assigned_by = UserRefSerializer()
    assigned_at = serializers.DateTimeField()


class PanelSeatSerializer(serializers.Serializer):
    username = serializers.CharField()
    full_name = serializers.CharField()
    chair = serializers.BooleanField()
    active = serializers.BooleanField(help_text=_("false once the assessor declared a conflict of interest"))
    assigned_by = UserRefSerializer()
    assigned_at = serializers.DateTimeField()
    submitted_at = serializers.DateTimeField(allow_null=True, help_text=_("the assessor's scores are final"))
    conflict_declared_at = serializers.DateTimeField(allow_null=True)
    conflict_reason = serializers.CharField(allow_blank=True)


class AssignWriteSerializer(serializers.Serializer):
    username = serializers.CharField(max_length=150)


class PanelAssignWriteSerializer(AssignWriteSerializer):
    chair = serializers.BooleanField(
        required=False, default=False, help_text=_("chair the panel (the present chair stays as an assessor)")
    )


class SelectionSerializer(serializers.Serializer):
    """Which assessments of the period a bulk assignment covers: at least one of the three."""

    province = serializers.CharField(required=False, max_length=2, help_text=_("2-digit Kemendagri province code"))
    unit_type = serializers.CharField(required=False, max_length=30, help_text=_("unit type code"))
    units = serializers.ListField(
        child=serializers.CharField(max_length=40),
        required=False,
        min_length=1,
        max_length=500,
        help_text=_("unit codes; without them, every assessment in verification or with the panel that matches"),
    )

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if not any(attrs.get(k) for k in ("province", "unit_type", "units")):
            raise serializers.ValidationError(
                {"units": [_("Choose the assessments: a province, a unit type or a list of units.")]}
            )
        return attrs


class VerifiersBulkWriteSerializer(SelectionSerializer):
    username = serializers.CharField(max_length=150, help_text=_("the verifier"))


class PanelsBulkWriteSerializer(SelectionSerializer):
    chair = serializers.CharField(max_length=150, help_text=_("the chair's username"))
    assessors = serializers.ListField(
        child=serializers.CharField(max_length=150),
        min_length=1,
        max_length=20,
        help_text=_("the other assessors' usernames (a panel has at least two members)"),
    )


class BulkResultSerializer(serializers.Serializer):
    assigned = serializers.IntegerField(help_text=_("assessments given the verifier or the panel"))
    skipped = serializers.ListField(child=serializers.CharField(), help_text=_("“unit: why” for each one left out"))


class WorkloadRowSerializer(serializers.Serializer):
    verifier = UserRefSerializer()
    pending = serializers.IntegerField(help_text=_("assessments in verification or returned for repair"))
    returned = serializers.IntegerField()
    done = serializers.IntegerField(help_text=_("verified or beyond"))
    oldest_waiting = serializers.DateTimeField(
        allow_null=True, help_text=_("when the longest-waiting pending assessment entered its current step")
    )
    waiting_days = serializers.IntegerField(allow_null=True, help_text=_("whole days since oldest_waiting"))


# --------------------------------------------------------------------------- panel: output


class ScoreSerializer(serializers.Serializer):
    """The caller's own score of an indicator (version 0 while never saved)."""

    indicator = serializers.CharField()
    option_id = serializers.IntegerField(allow_null=True)
    option_label = serializers.CharField(allow_null=True)
    score = decimal_points(allow_null=True)
    note = serializers.CharField(allow_blank=True)
    version = serializers.IntegerField(help_text=_("0 while never saved; send it back with the next save"))
    updated_at = serializers.DateTimeField(allow_null=True)


class SubmittedScoreSerializer(serializers.Serializer):
    assessor = UserRefSerializer()
    option_id = serializers.IntegerField()
    option_label = serializers.CharField()
    score = decimal_points()
    note = serializers.CharField(allow_blank=True)


class ModeratedSerializer(serializers.Serializer):
    """The chair's final value of an indicator (version 0 while never set)."""

    indicator = serializers.CharField()
    option_id = serializers.IntegerField(allow_null=True)
    option_label = serializers.CharField(allow_null=True)
    score = decimal_points(allow_null=True)
    note = serializers.CharField(allow_blank=True)
    version = serializers.IntegerField(help_text=_("0 while never set; send it back with the next moderation"))
    set_by = UserRefSerializer(allow_null=True)
    updated_at = serializers.DateTimeField(allow_null=True)


class PanelRowSerializer(serializers.Serializer):
    code = serializers.CharField()
    criterion = serializers.CharField(help_text=_("criterion code"))
    question = serializers.CharField()
    options = OptionScoreSerializer(many=True)
    verification = VerificationSerializer()
    scorable = serializers.BooleanField(help_text=_("verified and not accepted as not applicable"))
    own = ScoreSerializer(allow_null=True, help_text=_("null unless you sit on the panel"))
    scores = SubmittedScoreSerializer(
        many=True, help_text=_("every submitted assessor's score: empty until you have submitted your own")
    )
    spread = decimal_points(allow_null=True, help_text=_("highest minus lowest submitted score"))
    flagged = serializers.BooleanField(help_text=_("the spread is larger than the margin: the chair moderates"))
    moderated = ModeratedSerializer()


class AssessorTotalSerializer(serializers.Serializer):
    assessor = UserRefSerializer()
    total = decimal_points(allow_null=True)


class MarginsSerializer(serializers.Serializer):
    indicator = decimal_points()
    total = decimal_points()


class DocumentSerializer(serializers.Serializer):
    name = serializers.CharField()
    kind = serializers.CharField()
    download_url = serializers.URLField()


class AdjustmentSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.ChoiceField(choices=AdjustmentKind.choices)
    kind_label = serializers.CharField()
    points = decimal_points()
    justification = serializers.CharField()
    document = DocumentSerializer(allow_null=True)
    created_by = UserRefSerializer()
    created_at = serializers.DateTimeField()


class PhotoSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    kind = serializers.CharField()
    size = serializers.IntegerField()
    download_url = serializers.URLField()


class FieldVisitChangeSerializer(serializers.Serializer):
    indicator = serializers.CharField()
    option_before_id = serializers.IntegerField(allow_null=True)
    option_before_label = serializers.CharField(allow_null=True)
    option_after_id = serializers.IntegerField()
    option_after_label = serializers.CharField()
    note = serializers.CharField()


class FieldVisitSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    visited_on = serializers.DateField()
    participants = serializers.CharField()
    findings = serializers.CharField()
    photos = PhotoSerializer(many=True)
    changes = FieldVisitChangeSerializer(many=True)
    created_by = UserRefSerializer()
    created_at = serializers.DateTimeField()


class VetoSerializer(serializers.Serializer):
    reasons = serializers.CharField()
    created_by = UserRefSerializer()
    created_at = serializers.DateTimeField()


class PanelResultSerializer(serializers.Serializer):
    total = decimal_points()
    predicate = serializers.BooleanField(help_text=_("the scoring engine's predicate, and no veto"))
    vetoed = serializers.BooleanField()
    breakdown = serializers.JSONField(help_text=_("the scoring engine's breakdown as stored (numbers as strings)"))
    scores = serializers.DictField(
        child=serializers.CharField(), help_text=_("indicator code → final score, or not_applicable")
    )
    scored_by = UserRefSerializer()
    scored_at = serializers.DateTimeField()


class PanelProgressSerializer(serializers.Serializer):
    scorable = serializers.IntegerField()
    own_scored = serializers.IntegerField()
    flagged = serializers.IntegerField()
    unmoderated = serializers.IntegerField(help_text=_("flagged indicators the chair has not yet set"))
    all_submitted = serializers.BooleanField()


class PanelAllowedSerializer(serializers.Serializer):
    """What the caller may do now (the server checks again on every write)."""

    score = serializers.BooleanField(help_text=_("PUT .../panel/scores/{indicator_code}"))
    submit = serializers.BooleanField(help_text=_("POST .../panel/submit"))
    moderate = serializers.BooleanField(help_text=_("POST .../panel/moderate"))
    record = serializers.BooleanField(help_text=_("adjustments, veto and field visits (the chair)"))
    finish = serializers.BooleanField(help_text=_("POST .../panel/finish"))
    declare_conflict = serializers.BooleanField(help_text=_("POST .../panel/conflict"))


class PanelDetailSerializer(AssessmentSummarySerializer):
    seat = PanelSeatSerializer(allow_null=True, help_text=_("your own seat; null for Ditjen HAM"))
    see_all = serializers.BooleanField(help_text=_("you see every submitted score (after your own submission)"))
    margins = MarginsSerializer()
    progress = PanelProgressSerializer()
    allowed = PanelAllowedSerializer()
    panel = PanelSeatSerializer(many=True, help_text=_("every seat, declared conflicts included"))
    indicators = PanelRowSerializer(many=True)
    totals = AssessorTotalSerializer(many=True, help_text=_("each submitted assessor's base total, when visible"))
    total_spread = decimal_points(allow_null=True)
    total_flagged = serializers.BooleanField()
    adjustments = AdjustmentSerializer(many=True, help_text=_("current (not withdrawn)"))
    field_visits = FieldVisitSerializer(many=True)
    veto = VetoSerializer(allow_null=True)
    result = PanelResultSerializer(allow_null=True, help_text=_("set once the panel has scored the assessment"))


class FinishResultSerializer(serializers.Serializer):
    assessment = AssessmentSummarySerializer()
    result = PanelResultSerializer()


# --------------------------------------------------------------------------- panel: input


class ScoreWriteSerializer(serializers.Serializer):
    option = serializers.IntegerField(required=False, allow_null=True, help_text=_("option id"))
    option_label = serializers.CharField(
        required=False, max_length=80, help_text=_("instead of option: the option by its label")
    )
    note = serializers.CharField(required=False, allow_blank=True, default="", trim_whitespace=False)
    version = serializers.IntegerField(
        required=False, min_value=0, help_text=_("the score version you read (0 if never saved); or If-Match")
    )


class ModerateWriteSerializer(ScoreWriteSerializer):
    indicator = serializers.CharField(max_length=20, help_text=_("indicator code"))
    note = serializers.CharField(trim_whitespace=False, help_text=_("why this is the final value (required)"))
    version = serializers.IntegerField(
        required=False, min_value=0, help_text=_("the moderation version you read (0 if never set); or If-Match")
    )


class FinishWriteSerializer(serializers.Serializer):
    note = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        trim_whitespace=False,
        help_text=_("required when the assessors' totals differ by more than the margin"),
    )
    version = serializers.IntegerField(
        required=False, min_value=1, help_text=_("the assessment version you read; or send it as If-Match")
    )


class ConflictWriteSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=5000, help_text=_("what the conflict of interest is"))


# Named so that the request is the component "AdjustmentRequest" beside the response "Adjustment": their
# "kind" then shares one enum (AdjustmentKindEnum) instead of colliding with the declarations' witness kind.
@extend_schema_serializer(component_name="Adjustment")
class AdjustmentWriteSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=AdjustmentKind.choices)
    points = serializers.CharField(
        max_length=20, help_text=_("a number within the kind's configured range, e.g. 2.5 or -3")
    )
    justification = serializers.CharField(trim_whitespace=False)
    document = serializers.FileField(required=False, help_text=_("optional: PDF, image, DOCX or XLSX"))


class VetoWriteSerializer(serializers.Serializer):
    reasons = serializers.CharField(trim_whitespace=False)


class FieldVisitChangeWriteSerializer(serializers.Serializer):
    indicator = serializers.CharField(max_length=20)
    option = serializers.IntegerField(required=False, allow_null=True, help_text=_("the new verified answer"))
    option_label = serializers.CharField(required=False, max_length=80, help_text=_("instead of option"))
    note = serializers.CharField(allow_blank=True, trim_whitespace=False, help_text=_("why it changed (required)"))


@extend_schema_field(
    {
        "type": "string",
        "description": 'a JSON array, e.g. [{"indicator": "K1.01", "option": 12, "note": "..."}] '
        "(option_label may replace option); a plain array in a JSON body",
    }
)
class JsonListField(serializers.Field):  # type: ignore[type-arg]
    """A list sent as a JSON string (in a multipart form) or as an array (in a JSON body)."""

    default_error_messages = {"invalid": _("Send a JSON array.")}

    def to_internal_value(self, data: Any) -> list[Any]:
        if isinstance(data, str):
            try:
                data = json.loads(data) if data.strip() else []
            except ValueError:
                self.fail("invalid")
        if not isinstance(data, list):
            self.fail("invalid")
        return list(data)

    def to_representation(self, value: Any) -> Any:
        return value


class FieldVisitWriteSerializer(serializers.Serializer):
    visited_on = serializers.DateField(help_text=_("YYYY-MM-DD"))
    participants = serializers.CharField(trim_whitespace=False, help_text=_("who took part"))
    findings = serializers.CharField(trim_whitespace=False)
    photos = serializers.ListField(
        child=serializers.FileField(), required=False, max_length=10, help_text=_("JPEG, PNG or WebP; repeat the field")
    )
    changes = JsonListField(required=False, help_text=_("verified answers the visit changed"))

    def validate_changes(self, value: list[Any]) -> list[dict[str, Any]]:
        rows = FieldVisitChangeWriteSerializer(data=value, many=True)
        if rows.is_valid():
            return list(rows.validated_data)
        messages = []
        for index, errors in enumerate(rows.errors):
            for field, problems in (errors or {}).items():
                messages += [f"{index + 1}.{field}: {p}" for p in problems]
        raise serializers.ValidationError(messages)


# --------------------------------------------------------------------------- building the dicts


def verification_data(indicator_code: str, v: Verification | None) -> dict[str, Any]:
    """An indicator's verdict; one never recorded reads as version 0 with nothing decided."""
    if v is None:
        return {
            "indicator": indicator_code,
            "verdict": None,
            "verdict_label": None,
            "final": False,
            "option_id": None,
            "option_label": None,
            "reason": None,
            "reason_label": None,
            "note": "",
            "round": 0,
            "version": 0,
            "verified_by": None,
            "updated_at": None,
        }
    return {
        "indicator": indicator_code,
        "verdict": v.verdict,
        "verdict_label": str(Verdict(v.verdict).label),
        "final": v.final,
        "option_id": v.option_id,
        "option_label": v.option.label if v.option else None,
        "reason": v.reason.code if v.reason else None,
        "reason_label": v.reason.label if v.reason else None,
        "note": v.note,
        "round": v.round,
        "version": v.version,
        "verified_by": user_ref(v.verified_by),
        "updated_at": v.updated_at,
    }


def round_data(request: RevisionRequest) -> dict[str, Any]:
    """A repair round with its items (``items`` prefetched with their reasons)."""
    items = list(request.items.all())
    tz = request.assessment.unit.province.tzinfo
    return {
        "round": request.round,
        "open": request.closed_at is None,
        "due_at": request.due_at,
        "due_date": timezone.localtime(request.due_at, tz).date(),
        "overdue": request.closed_at is None and request.due_at <= timezone.now(),
        "note": request.note,
        "created_by": user_ref(request.created_by),
        "created_at": request.created_at,
        "closed_at": request.closed_at,
        "closed_by": user_ref(request.closed_by),
        "resubmitted": request.resubmitted,
        "indicators": [i.indicator_code for i in items],
        "items": [
            {
                "indicator": i.indicator_code,
                "reason": i.reason.code if i.reason else None,
                "reason_label": i.reason.label if i.reason else None,
                "note": i.note,
            }
            for i in items
        ],
    }


def verifier_data(assignment: VerifierAssignment) -> dict[str, Any]:
    return {
        "username": assignment.verifier.username,
        "full_name": assignment.verifier.full_name,
        "assigned_by": user_ref(assignment.assigned_by),
        "assigned_at": assignment.created_at,
    }


def seat_data(seat: PanelAssignment) -> dict[str, Any]:
    return {
        "username": seat.assessor.username,
        "full_name": seat.assessor.full_name,
        "chair": seat.chair,
        "active": seat.active,
        "assigned_by": user_ref(seat.assigned_by),
        "assigned_at": seat.created_at,
        "submitted_at": seat.submitted_at,
        "conflict_declared_at": seat.conflict_declared_at,
        "conflict_reason": seat.conflict_reason,
    }


def score_data(indicator_code: str, score: PanelScore | None) -> dict[str, Any]:
    if score is None:
        return {
            "indicator": indicator_code,
            "option_id": None,
            "option_label": None,
            "score": None,
            "note": "",
            "version": 0,
            "updated_at": None,
        }
    return {
        "indicator": indicator_code,
        "option_id": score.option_id,
        "option_label": score.option.label,
        "score": score.option.score,
        "note": score.note,
        "version": score.version,
        "updated_at": score.updated_at,
    }


def moderated_data(indicator_code: str, m: ModeratedScore | None) -> dict[str, Any]:
    if m is None:
        return {
            "indicator": indicator_code,
            "option_id": None,
            "option_label": None,
            "score": None,
            "note": "",
            "version": 0,
            "set_by": None,
            "updated_at": None,
        }
    return {
        "indicator": indicator_code,
        "option_id": m.option_id,
        "option_label": m.option.label,
        "score": m.option.score,
        "note": m.note,
        "version": m.version,
        "set_by": user_ref(m.set_by),
        "updated_at": m.updated_at,
    }


def adjustment_data(adjustment: Adjustment, document_url: str | None) -> dict[str, Any]:
    return {
        "id": adjustment.pk,
        "kind": adjustment.kind,
        "kind_label": str(adjustment.get_kind_display()),
        "points": adjustment.points,
        "justification": adjustment.justification,
        "document": (
            {"name": adjustment.document_original, "kind": adjustment.document_kind, "download_url": document_url}
            if adjustment.document_name and document_url
            else None
        ),
        "created_by": user_ref(adjustment.created_by),
        "created_at": adjustment.created_at,
    }


def field_visit_data(visit: FieldVisit, photo_url: Any) -> dict[str, Any]:
    """A visit with its photos (``photo_url(photo)`` gives each one's download address) and changes."""
    return {
        "id": visit.pk,
        "visited_on": visit.visited_on,
        "participants": visit.participants,
        "findings": visit.findings,
        "photos": [
            {"id": p.pk, "name": p.original_name, "kind": p.kind, "size": p.size, "download_url": photo_url(p)}
            for p in visit.photos.all()
        ],
        "changes": [
            {
                "indicator": c.indicator_code,
                "option_before_id": c.option_before_id,
                "option_before_label": c.option_before.label if c.option_before else None,
                "option_after_id": c.option_after_id,
                "option_after_label": c.option_after.label,
                "note": c.note,
            }
            for c in visit.changes.all()
        ],
        "created_by": user_ref(visit.created_by),
        "created_at": visit.created_at,
    }


def veto_data(veto: Veto | None) -> dict[str, Any] | None:
    if veto is None:
        return None
    return {"reasons": veto.reasons, "created_by": user_ref(veto.created_by), "created_at": veto.created_at}


def result_data(result: PanelResult | None) -> dict[str, Any] | None:
    if result is None:
        return None
    return {
        "total": result.total,
        "predicate": result.predicate,
        "vetoed": result.vetoed,
        "breakdown": result.breakdown,
        "scores": result.scores,
        "scored_by": user_ref(result.scored_by),
        "scored_at": result.scored_at,
    }


def stale_current(current: Any) -> dict[str, Any] | None:
    """The change that won a race on a verdict, a score or a moderation, as the 409 body's ``current``."""
    if isinstance(current, Verification):
        return dict(VerificationSerializer(verification_data(current.indicator_code, current)).data)
    if isinstance(current, PanelScore):
        return dict(ScoreSerializer(score_data(current.indicator_code, current)).data)
    if isinstance(current, ModeratedScore):
        return dict(ModeratedSerializer(moderated_data(current.indicator_code, current)).data)
    return None
