"""Eligibility and self-assessment: one assessment per unit and period, its answers per indicator, the
evidence files (data dukung) stored once per content, comment threads, and resumable upload sessions."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from p2ham.core.models import TimeStampedModel


class Assessment(TimeStampedModel):
    class Status(models.TextChoices):
        DRAFT = "draft", _("Being filled in")
        SUBMITTED = "submitted", _("Submitted")
        IN_KANWIL_REVIEW = "in_kanwil_review", _("In Kanwil review")
        IN_VERIFICATION = "in_verification", _("In verification")
        RETURNED = "returned", _("Returned for repair")
        VERIFIED = "verified", _("Verified")
        IN_PANEL = "in_panel", _("With the panel")
        SCORED = "scored", _("Scored")
        DETERMINED = "determined", _("Determined")
        NOT_ELIGIBLE = "not_eligible", _("Not eligible")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    period = models.ForeignKey("periods.Period", on_delete=models.PROTECT, related_name="assessments")
    unit = models.ForeignKey("organizations.Unit", on_delete=models.PROTECT, related_name="assessments")
    # The instrument in force for the unit's type; a published correction moves the assessment to it.
    instrument = models.ForeignKey(
        "instruments.Instrument", null=True, blank=True, on_delete=models.PROTECT, related_name="assessments"
    )
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.DRAFT)
    eligibility_reasons = models.TextField(_("evaluation reasons"), blank=True)
    evaluated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    evaluated_at = models.DateTimeField(null=True, blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    submitted_at = models.DateTimeField(null=True, blank=True)
    # Set when the Kanwil sends the assessment back: the unit may then edit until the Kanwil window closes.
    kanwil_returned_at = models.DateTimeField(null=True, blank=True)
    kanwil_note = models.TextField(_("Kanwil's note"), blank=True)
    evidence_bytes = models.BigIntegerField(default=0)  # stored bytes (each content once), for the limit
    # Incremented by every status change: a status write based on an older version is refused.
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["period", "unit__name"]
        verbose_name = _("assessment")
        verbose_name_plural = _("assessments")
        constraints = [models.UniqueConstraint(fields=["period", "unit"], name="assessment_period_unit_unique")]
        indexes = [
            # The lists of Ditjen and the Kanwil: a period's assessments by status.
            models.Index(fields=["period", "status"], name="assessment_period_status_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.unit} {self.period}"

    @property
    def eligible(self) -> bool:
        return self.status not in (self.Status.NOT_ELIGIBLE, self.Status.WITHDRAWN)


class StatusChange(models.Model):
    """Every move of an assessment's status, with who, when and the note given."""

    assessment = models.ForeignKey(Assessment, on_delete=models.CASCADE, related_name="status_changes")
    from_status = models.CharField(max_length=20, blank=True, choices=Assessment.Status.choices)
    to_status = models.CharField(max_length=20, choices=Assessment.Status.choices)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+")
    note = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return f"{self.assessment_id}: {self.from_status or '-'} → {self.to_status}"


class Answer(TimeStampedModel):
    assessment = models.ForeignKey(Assessment, on_delete=models.CASCADE, related_name="answers")
    indicator = models.ForeignKey("instruments.Indicator", on_delete=models.PROTECT, related_name="+")
    indicator_code = models.CharField(max_length=20)  # kept so answers follow an instrument correction by code
    option = models.ForeignKey(
        "instruments.AnswerOption", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    note = models.TextField(_("note"), blank=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # Incremented by every save: a save based on an older version is refused (no silent overwrite).
    version = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["assessment", "indicator_code"]
        constraints = [
            models.UniqueConstraint(fields=["assessment", "indicator_code"], name="answer_indicator_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.assessment} {self.indicator_code}"


class EvidenceBlob(models.Model):
    """One stored content within an assessment: the same file uploaded twice is stored once."""

    assessment = models.ForeignKey(Assessment, on_delete=models.CASCADE, related_name="blobs")
    sha256 = models.CharField(max_length=64)
    storage_name = models.CharField(max_length=255)  # generated; never derived from the uploaded name
    size = models.BigIntegerField()
    kind = models.CharField(max_length=10)
    content_type = models.CharField(max_length=100)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["assessment", "sha256"], name="evidenceblob_unique")]

    def __str__(self) -> str:
        return self.sha256[:12]


class Evidence(models.Model):
    """A file attached to an answer. Replacing it keeps the old row (superseded) in the history."""

    answer = models.ForeignKey(Answer, on_delete=models.CASCADE, related_name="evidence")
    blob = models.ForeignKey(EvidenceBlob, on_delete=models.PROTECT, related_name="uses")
    original_name = models.CharField(_("file name"), max_length=200)  # a label only
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    replaces = models.OneToOneField("self", null=True, blank=True, on_delete=models.PROTECT, related_name="replaced_by")
    superseded_at = models.DateTimeField(null=True, blank=True)
    removed_at = models.DateTimeField(null=True, blank=True)
    removed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["created_at", "pk"]
        verbose_name = _("evidence")
        verbose_name_plural = _("evidence")
        indexes = [
            # The assessment page: the current files of every answer.
            models.Index(fields=["answer", "superseded_at", "removed_at"], name="evidence_current_idx"),
        ]

    def __str__(self) -> str:
        return self.original_name

    @property
    def current(self) -> bool:
        return self.superseded_at is None and self.removed_at is None


class Comment(models.Model):
    """A message in the thread of one indicator of an assessment (unit, Kanwil, verifiers)."""

    assessment = models.ForeignKey(Assessment, on_delete=models.CASCADE, related_name="comments")
    indicator_code = models.CharField(max_length=20)
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    body = models.TextField(_("comment"))
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "pk"]
        indexes = [models.Index(fields=["assessment", "indicator_code"], name="comment_thread_idx")]

    def __str__(self) -> str:
        return f"{self.indicator_code}: {self.body[:40]}"


class CommentRead(models.Model):
    """Up to when a person has read a thread: later comments by others are unread."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    assessment = models.ForeignKey(Assessment, on_delete=models.CASCADE, related_name="+")
    indicator_code = models.CharField(max_length=20)
    read_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "assessment", "indicator_code"], name="commentread_unique")
        ]

    def __str__(self) -> str:
        return f"{self.user_id} {self.indicator_code}"


class UploadSession(models.Model):
    """A file arriving in chunks: each chunk is stored as it comes, so a dropped connection resumes."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    assessment = models.ForeignKey(Assessment, on_delete=models.CASCADE, related_name="+")
    indicator_code = models.CharField(max_length=20)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    original_name = models.CharField(max_length=200)
    size = models.BigIntegerField()
    received = models.BigIntegerField(default=0)
    parts = models.PositiveIntegerField(default=0)
    replaces = models.ForeignKey(Evidence, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    # Set when the last chunk arrived: a resent last chunk (its response lost) gets the same evidence back.
    evidence = models.ForeignKey(Evidence, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"{self.original_name} {self.received}/{self.size}"
