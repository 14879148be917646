"""Verification and panel assessment (stages 6–7): who verifies and who scores each assessment, the
verifier's verdict per indicator, the numbered repair rounds, the assessors' independent scores, the
chair's moderation, adjustments, veto and field visits, and the stored result of the panel."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from p2ham.core.models import TimeStampedModel


class ReasonCode(TimeStampedModel):
    """The configurable list of reasons a verifier gives for a verdict (edited in the admin)."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    label = models.CharField(_("label"), max_length=200)
    active = models.BooleanField(_("in use"), default=True)
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        ordering = ["order", "code"]
        verbose_name = _("verification reason")
        verbose_name_plural = _("verification reasons")

    def __str__(self) -> str:
        return self.label


class AdjustmentKind(models.TextChoices):
    WBK_WBBM = "wbk_wbbm", _("WBK/WBBM status")
    IKM = "ikm", _("IKM (public satisfaction index)")
    COMPLAINTS = "complaints", _("Substantiated Ombudsman / e-Lapor complaints")
    NEGATIVE_NEWS = "negative_news", _("Current negative news (isu aktual)")


class AdjustmentRule(TimeStampedModel):
    """The points an adjustment of one kind may carry (configured in the admin)."""

    kind = models.CharField(_("kind"), max_length=20, choices=AdjustmentKind.choices, unique=True)
    min_points = models.DecimalField(_("lowest points"), max_digits=5, decimal_places=2)
    max_points = models.DecimalField(_("highest points"), max_digits=5, decimal_places=2)

    class Meta:
        ordering = ["kind"]
        verbose_name = _("adjustment rule")
        verbose_name_plural = _("adjustment rules")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(min_points__lte=models.F("max_points")), name="adjustmentrule_range"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.min_points}…{self.max_points}"


class VerifierAssignment(models.Model):
    """A verifier assigned by Ditjen HAM to an assessment."""

    assessment = models.ForeignKey("assessments.Assessment", on_delete=models.CASCADE, related_name="verifiers")
    verifier = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    assigned_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["assessment", "verifier"], name="verifierassignment_unique"),
        ]
        indexes = [
            # The verifier's work list and the workload view: assignments per verifier.
            models.Index(fields=["verifier", "assessment"], name="verifierassignment_user_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.verifier_id} → {self.assessment_id}"


class Verdict(models.TextChoices):
    ACCEPTED = "accepted", _("Accepted (Sesuai)")
    NEEDS_REPAIR = "needs_repair", _("Needs repair (Perlu perbaikan)")
    REJECTED = "rejected", _("Rejected (Tidak sesuai)")
    NOT_APPLICABLE = "not_applicable", _("Not applicable (Tidak berlaku)")


FINAL_VERDICTS = frozenset({Verdict.ACCEPTED, Verdict.REJECTED, Verdict.NOT_APPLICABLE})


class Verification(TimeStampedModel):
    """The verifier's current verdict on one indicator of an assessment."""

    assessment = models.ForeignKey("assessments.Assessment", on_delete=models.CASCADE, related_name="verifications")
    indicator_code = models.CharField(max_length=20)
    verdict = models.CharField(_("verdict"), max_length=20, choices=Verdict.choices)
    # The verified answer: may differ from the unit's; none when not applicable.
    option = models.ForeignKey(
        "instruments.AnswerOption", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    reason = models.ForeignKey(ReasonCode, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    note = models.TextField(_("note"), blank=True)
    round = models.PositiveSmallIntegerField(default=0)  # the repair round in which it was recorded
    verified_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    # Incremented by every save: a save based on an older version is refused (no silent overwrite).
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["assessment", "indicator_code"]
        constraints = [
            models.UniqueConstraint(fields=["assessment", "indicator_code"], name="verification_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.indicator_code}: {self.verdict}"

    @property
    def final(self) -> bool:
        return self.verdict in FINAL_VERDICTS


class RevisionRequest(models.Model):
    """One repair round: the indicators sent back to the unit, until when, and when it came back."""

    assessment = models.ForeignKey("assessments.Assessment", on_delete=models.CASCADE, related_name="revisions")
    round = models.PositiveSmallIntegerField()
    due_at = models.DateTimeField(_("due"))
    note = models.TextField(_("note"), blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    # Set when the round ends: the unit resubmitted, or the verifier resumed after the due date.
    closed_at = models.DateTimeField(null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    resubmitted = models.BooleanField(default=False)  # closed by the unit's resubmission (not by the due date)

    class Meta:
        ordering = ["assessment", "round"]
        constraints = [models.UniqueConstraint(fields=["assessment", "round"], name="revisionrequest_round_unique")]

    def __str__(self) -> str:
        return f"{self.assessment_id} round {self.round}"


class RevisionItem(models.Model):
    """An indicator sent back in a round, with the reason and what the unit's answer was at that moment."""

    request = models.ForeignKey(RevisionRequest, on_delete=models.CASCADE, related_name="items")
    indicator_code = models.CharField(max_length=20)
    reason = models.ForeignKey(ReasonCode, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    note = models.TextField(blank=True)
    # The unit's answer when it was sent back: "what changed since the last round" compares with this.
    option_before = models.ForeignKey(
        "instruments.AnswerOption", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    note_before = models.TextField(blank=True)
    evidence_before = models.JSONField(default=list)  # ids of the current evidence files

    class Meta:
        ordering = ["request", "indicator_code"]
        constraints = [models.UniqueConstraint(fields=["request", "indicator_code"], name="revisionitem_unique")]

    def __str__(self) -> str:
        return self.indicator_code


class PanelAssignment(models.Model):
    """An assessor on an assessment's panel; one of them chairs. A declared conflict takes them off."""

    assessment = models.ForeignKey("assessments.Assessment", on_delete=models.CASCADE, related_name="panel")
    assessor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    chair = models.BooleanField(_("chair"), default=False)
    assigned_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    conflict_declared_at = models.DateTimeField(null=True, blank=True)
    conflict_reason = models.TextField(_("conflict of interest"), blank=True)
    submitted_at = models.DateTimeField(null=True, blank=True)  # the assessor's scores are final

    class Meta:
        ordering = ["-chair", "created_at", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["assessment", "assessor"], name="panelassignment_unique"),
            models.UniqueConstraint(
                fields=["assessment"],
                condition=models.Q(chair=True, conflict_declared_at__isnull=True),
                name="panelassignment_one_chair",
            ),
        ]
        indexes = [
            # The assessor's work list: assignments per person.
            models.Index(fields=["assessor", "assessment"], name="panelassignment_user_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.assessor_id} → {self.assessment_id}"

    @property
    def active(self) -> bool:
        return self.conflict_declared_at is None


class PanelScore(TimeStampedModel):
    """One assessor's score of one verified indicator: an option of the indicator's scale."""

    assignment = models.ForeignKey(PanelAssignment, on_delete=models.CASCADE, related_name="scores")
    indicator_code = models.CharField(max_length=20)
    option = models.ForeignKey("instruments.AnswerOption", on_delete=models.PROTECT, related_name="+")
    note = models.TextField(_("note"), blank=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["assignment", "indicator_code"]
        constraints = [models.UniqueConstraint(fields=["assignment", "indicator_code"], name="panelscore_unique")]

    def __str__(self) -> str:
        return f"{self.indicator_code}: {self.option_id}"


class ModeratedScore(TimeStampedModel):
    """The chair's final value for an indicator on which the assessors disagree."""

    assessment = models.ForeignKey("assessments.Assessment", on_delete=models.CASCADE, related_name="+")
    indicator_code = models.CharField(max_length=20)
    option = models.ForeignKey("instruments.AnswerOption", on_delete=models.PROTECT, related_name="+")
    note = models.TextField(_("note"))
    set_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["assessment", "indicator_code"]
        constraints = [
            models.UniqueConstraint(fields=["assessment", "indicator_code"], name="moderatedscore_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.indicator_code}: {self.option_id}"


class Adjustment(models.Model):
    """A bonus or a penalty recorded by the chair, with its justification and an optional document."""

    assessment = models.ForeignKey("assessments.Assessment", on_delete=models.CASCADE, related_name="adjustments")
    kind = models.CharField(_("kind"), max_length=20, choices=AdjustmentKind.choices)
    points = models.DecimalField(_("points"), max_digits=5, decimal_places=2)
    justification = models.TextField(_("justification"))
    document_name = models.CharField(max_length=255, blank=True)  # private storage name
    document_original = models.CharField(max_length=200, blank=True)
    document_kind = models.CharField(max_length=10, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    removed_at = models.DateTimeField(null=True, blank=True)
    removed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["created_at", "pk"]
        verbose_name = _("adjustment")
        verbose_name_plural = _("adjustments")

    def __str__(self) -> str:
        return f"{self.kind} {self.points}"


class Veto(models.Model):
    """The panel strikes the unit out (coret): no predicate, whatever its score."""

    assessment = models.OneToOneField("assessments.Assessment", on_delete=models.CASCADE, related_name="veto")
    reasons = models.TextField(_("reasons"))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"veto {self.assessment_id}"


class FieldVisit(models.Model):
    """An on-site check (uji petik): when, who went, what they found."""

    assessment = models.ForeignKey("assessments.Assessment", on_delete=models.CASCADE, related_name="field_visits")
    visited_on = models.DateField(_("date of the visit"))
    participants = models.TextField(_("who took part"))
    findings = models.TextField(_("findings"))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["visited_on", "pk"]

    def __str__(self) -> str:
        return f"{self.assessment_id} {self.visited_on}"


class FieldVisitPhoto(models.Model):
    visit = models.ForeignKey(FieldVisit, on_delete=models.CASCADE, related_name="photos")
    storage_name = models.CharField(max_length=255)
    original_name = models.CharField(max_length=200)
    kind = models.CharField(max_length=10)
    size = models.BigIntegerField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["pk"]

    def __str__(self) -> str:
        return self.original_name


class FieldVisitChange(models.Model):
    """A verified answer changed by what the visit found, with the note that explains it."""

    visit = models.ForeignKey(FieldVisit, on_delete=models.CASCADE, related_name="changes")
    indicator_code = models.CharField(max_length=20)
    option_before = models.ForeignKey(
        "instruments.AnswerOption", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    option_after = models.ForeignKey("instruments.AnswerOption", on_delete=models.PROTECT, related_name="+")
    note = models.TextField()

    class Meta:
        ordering = ["pk"]

    def __str__(self) -> str:
        return self.indicator_code


class PanelResult(models.Model):
    """The panel's outcome when the assessment is scored: the scoring engine's breakdown, stored as given."""

    assessment = models.OneToOneField("assessments.Assessment", on_delete=models.CASCADE, related_name="panel_result")
    total = models.DecimalField(max_digits=5, decimal_places=2)
    predicate = models.BooleanField()  # the engine's predicate, and no veto
    vetoed = models.BooleanField(default=False)
    breakdown = models.JSONField()
    scores = models.JSONField(default=dict)  # indicator code -> final score (string), for the record
    scored_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    scored_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.assessment_id}: {self.total}"


class DigestLog(models.Model):
    """The day a person was sent the daily digest of items waiting too long: never twice on one date."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    date = models.DateField()
    items = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-date", "user"]
        constraints = [models.UniqueConstraint(fields=["user", "date"], name="digestlog_user_date_unique")]

    def __str__(self) -> str:
        return f"{self.user_id} {self.date}"
