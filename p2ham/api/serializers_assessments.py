"""Shapes of the evaluation and self-assessment API.

The views build plain dicts from the selectors' rows and pass them through these serializers, so what is
sent is exactly what the OpenAPI schema describes (a missing key fails loudly instead of drifting).
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from p2ham.assessments.models import Answer, Assessment

# --------------------------------------------------------------------------- output


class UserRefSerializer(serializers.Serializer):
    username = serializers.CharField()
    full_name = serializers.CharField()


class UnitRefSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    type = serializers.CharField(help_text=_("unit type code"))
    province = serializers.CharField(help_text=_("2-digit Kemendagri province code"))
    timezone = serializers.CharField()


class AssessmentSummarySerializer(serializers.Serializer):
    year = serializers.IntegerField()
    unit = UnitRefSerializer()
    status = serializers.ChoiceField(choices=Assessment.Status.choices)
    status_label = serializers.CharField()
    version = serializers.IntegerField(help_text=_("send it back (version / If-Match) with submit and review"))
    instrument = serializers.CharField(allow_null=True, help_text=_("instrument code"))
    instrument_version = serializers.IntegerField(allow_null=True)
    eligibility_reasons = serializers.CharField(allow_blank=True)
    evaluated_at = serializers.DateTimeField(allow_null=True)
    submitted_at = serializers.DateTimeField(allow_null=True)
    kanwil_note = serializers.CharField(allow_blank=True)
    kanwil_returned_at = serializers.DateTimeField(allow_null=True)


class AssessmentRowSerializer(serializers.Serializer):
    year = serializers.IntegerField()
    unit = UnitRefSerializer()
    status = serializers.ChoiceField(choices=Assessment.Status.choices)
    status_label = serializers.CharField()
    version = serializers.IntegerField()
    submitted_at = serializers.DateTimeField(allow_null=True)
    indicator_total = serializers.IntegerField()
    answered_total = serializers.IntegerField()
    evidence_files = serializers.IntegerField(help_text=_("current files, all indicators"))


class EvaluationResultSerializer(serializers.Serializer):
    decided = AssessmentSummarySerializer(many=True)


class DeadlineSerializer(serializers.Serializer):
    stage = serializers.CharField()
    status = serializers.CharField(help_text=_("upcoming, open or closed"))
    opens = serializers.CharField(help_text=_("ISO 8601 with the unit's own UTC offset"))
    closes = serializers.CharField(help_text=_("ISO 8601 with the unit's own UTC offset"))
    days_left = serializers.IntegerField(
        allow_null=True, help_text=_("calendar days left in the unit's zone; null unless open")
    )
    extended = serializers.BooleanField(help_text=_("the unit was granted a later deadline"))


class ProgressSerializer(serializers.Serializer):
    total = serializers.IntegerField()
    answered = serializers.IntegerField()
    evidence_ok = serializers.IntegerField()
    complete = serializers.IntegerField()
    percent = serializers.IntegerField()
    unread = serializers.IntegerField(help_text=_("comments by others you have not read"))


class OptionSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    # "label" shadows Field.label for the type checker only; DRF collects declared fields separately.
    label = serializers.CharField()  # type: ignore[assignment]


class IndicatorEvidenceRuleSerializer(serializers.Serializer):
    required = serializers.BooleanField()  # type: ignore[assignment]  # shadows Field.required, as "label" above
    min_files = serializers.IntegerField()
    kinds = serializers.ListField(child=serializers.CharField())
    max_mb = serializers.IntegerField(help_text=_("the largest file accepted (the indicator's or the server's limit)"))


class AnswerSerializer(serializers.Serializer):
    indicator = serializers.CharField()
    option_id = serializers.IntegerField(allow_null=True)
    option_label = serializers.CharField(allow_null=True)
    note = serializers.CharField(allow_blank=True)
    version = serializers.IntegerField(help_text=_("0 while never saved; send it back with the next save"))
    updated_at = serializers.DateTimeField(allow_null=True)
    updated_by = UserRefSerializer(allow_null=True)


class EvidenceSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    indicator = serializers.CharField()
    name = serializers.CharField(help_text=_("the uploaded file name, as a label only"))
    size = serializers.IntegerField()
    kind = serializers.CharField()
    content_type = serializers.CharField()
    sha256 = serializers.CharField()
    uploaded_at = serializers.DateTimeField()
    uploaded_by = UserRefSerializer()
    current = serializers.BooleanField()
    replaces = serializers.IntegerField(allow_null=True)
    superseded_at = serializers.DateTimeField(allow_null=True)
    removed_at = serializers.DateTimeField(allow_null=True)
    download_url = serializers.URLField()


class EvidenceDetailSerializer(EvidenceSerializer):
    year = serializers.IntegerField()
    unit = serializers.CharField(help_text=_("unit code"))


class IndicatorRowSerializer(serializers.Serializer):
    code = serializers.CharField()
    question = serializers.CharField()
    guidance_unit = serializers.CharField(allow_blank=True)
    mandatory = serializers.BooleanField()
    evidence_rule = IndicatorEvidenceRuleSerializer()
    options = OptionSerializer(many=True)
    answer = AnswerSerializer()
    answered = serializers.BooleanField()
    evidence_ok = serializers.BooleanField()
    complete = serializers.BooleanField()
    evidence = EvidenceSerializer(many=True, help_text=_("the current files"))
    comments = serializers.IntegerField()
    unread = serializers.IntegerField()


class CriterionRowSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    total = serializers.IntegerField()
    answered = serializers.IntegerField()
    evidence_ok = serializers.IntegerField()
    percent = serializers.IntegerField()
    indicators = IndicatorRowSerializer(many=True)


class AllowedSerializer(serializers.Serializer):
    """What the caller may do now (the server checks again on every write)."""

    edit = serializers.BooleanField()
    submit = serializers.BooleanField()
    review = serializers.BooleanField()
    comment = serializers.BooleanField()


class AssessmentDetailSerializer(AssessmentSummarySerializer):
    deadline = DeadlineSerializer(allow_null=True)
    progress = ProgressSerializer()
    allowed = AllowedSerializer()
    criteria = CriterionRowSerializer(many=True)


class CommentSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    indicator = serializers.CharField()
    author = UserRefSerializer()
    body = serializers.CharField()
    created_at = serializers.DateTimeField()
    unread = serializers.BooleanField(help_text=_("new to you when the thread was fetched"))


class UploadSessionSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    indicator = serializers.CharField()
    name = serializers.CharField()
    size = serializers.IntegerField()
    offset = serializers.IntegerField(help_text=_("bytes received so far: the next chunk starts here"))
    chunk_size = serializers.IntegerField(help_text=_("the largest chunk accepted"))
    url = serializers.URLField(help_text=_("PATCH the chunks here"))


# --------------------------------------------------------------------------- building the dicts


def user_ref(user: Any) -> dict[str, str] | None:
    return {"username": user.username, "full_name": user.full_name} if user is not None else None


def answer_data(indicator_code: str, answer: Answer | None) -> dict[str, Any]:
    """An indicator's answer; one never saved reads as version 0 with nothing chosen."""
    if answer is None or answer.version == 0:
        # A row created only to hold evidence (version 0) has no answer of anyone's yet.
        return {
            "indicator": indicator_code,
            "option_id": answer.option_id if answer else None,
            "option_label": answer.option.label if answer and answer.option else None,
            "note": answer.note if answer else "",
            "version": 0,
            "updated_at": None,
            "updated_by": None,
        }
    return {
        "indicator": indicator_code,
        "option_id": answer.option_id,
        "option_label": answer.option.label if answer.option else None,
        "note": answer.note,
        "version": answer.version,
        "updated_at": answer.updated_at,
        "updated_by": user_ref(answer.updated_by),
    }


# --------------------------------------------------------------------------- input


class EvaluationWriteSerializer(serializers.Serializer):
    decision = serializers.ChoiceField(choices=[("lolos", _("passes")), ("tidak_lolos", _("does not pass"))])
    reasons = serializers.CharField(required=False, allow_blank=True, default="", max_length=5000)


class EvaluationBulkWriteSerializer(EvaluationWriteSerializer):
    units = serializers.ListField(
        child=serializers.CharField(max_length=40), min_length=1, max_length=500, help_text=_("unit codes")
    )


class AnswerWriteSerializer(serializers.Serializer):
    option = serializers.IntegerField(
        required=False, allow_null=True, help_text=_("option id; null clears the answer; absent keeps it")
    )
    option_label = serializers.CharField(
        required=False, max_length=80, help_text=_("instead of option: the option by its label")
    )
    note = serializers.CharField(
        required=False, allow_blank=True, trim_whitespace=False, help_text=_("absent keeps the note")
    )
    version = serializers.IntegerField(
        required=False,
        min_value=0,
        help_text=_("the answer version you read (0 if never saved); or send it as If-Match"),
    )


class EvidenceUploadSerializer(serializers.Serializer):
    file = serializers.FileField()
    replaces = serializers.IntegerField(required=False, help_text=_("id of a current file this one replaces"))


class VersionSerializer(serializers.Serializer):
    version = serializers.IntegerField(
        required=False, min_value=1, help_text=_("the assessment version you read; or send it as If-Match")
    )


class ReviewWriteSerializer(VersionSerializer):
    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=5000)


class CommentWriteSerializer(serializers.Serializer):
    body = serializers.CharField(trim_whitespace=False)


class UploadStartSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=1000)
    size = serializers.IntegerField(min_value=0)
    replaces = serializers.IntegerField(required=False, help_text=_("id of a current file this one replaces"))


class UploadOffsetSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    offset = serializers.IntegerField()
    size = serializers.IntegerField()
