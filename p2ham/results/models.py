"""Determination and what follows it (stages 8–9): the decree, the frozen result of every determined unit
with its rank, the audited corrections, the certificates (piagam) with their public codes, and the
follow-up actions (pembinaan) born from every indicator that was not fully met."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from p2ham.core.models import TimeStampedModel


class Determination(TimeStampedModel):
    """The Minister's decree (Kepmen) for a period: once recorded, the period's results are frozen."""

    period = models.OneToOneField("periods.Period", on_delete=models.PROTECT, related_name="determination")
    decree_number = models.CharField(_("decree number"), max_length=120)
    decree_date = models.DateField(_("decree date"))
    signatory_name = models.CharField(_("signed by"), max_length=120)
    signatory_title = models.CharField(_("signatory's position"), max_length=200)
    determined_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    determined_at = models.DateTimeField()
    published = models.BooleanField(_("published on the public site"), default=True)

    class Meta:
        ordering = ["-period__year"]
        verbose_name = _("determination")
        verbose_name_plural = _("determinations")

    def __str__(self) -> str:
        return f"{self.period} {self.decree_number}"


class Result(models.Model):
    """A determined unit's result: copied from the panel's result at determination and frozen since.

    Only an explicit re-determination (``ResultRevision``) changes it. ``period``, ``unit``, ``province`` and
    ``cohort`` are copies so that rankings, dashboards and the public site read one table.
    """

    assessment = models.OneToOneField("assessments.Assessment", on_delete=models.PROTECT, related_name="result")
    determination = models.ForeignKey(Determination, on_delete=models.PROTECT, related_name="results")
    period = models.ForeignKey("periods.Period", on_delete=models.PROTECT, related_name="+")
    unit = models.ForeignKey("organizations.Unit", on_delete=models.PROTECT, related_name="results")
    province = models.ForeignKey("organizations.Province", on_delete=models.PROTECT, related_name="+")
    unit_type = models.ForeignKey("organizations.UnitType", on_delete=models.PROTECT, related_name="+")
    cohort = models.CharField(_("ranking cohort"), max_length=60)
    total = models.DecimalField(_("total"), max_digits=5, decimal_places=2)
    base_total = models.DecimalField(_("score before adjustments"), max_digits=5, decimal_places=2)
    full_count = models.PositiveSmallIntegerField(default=0)  # indicators fully met: the second tie-break
    predicate = models.BooleanField(_("predicate awarded"))
    vetoed = models.BooleanField(default=False)
    rank = models.PositiveIntegerField(_("rank in cohort"))
    province_rank = models.PositiveIntegerField(_("rank in province"))
    breakdown = models.JSONField()
    scores = models.JSONField(default=dict)
    determined_at = models.DateTimeField()
    revision = models.PositiveSmallIntegerField(default=0)  # how many re-determinations changed it
    # Set while Ditjen HAM has reopened the result for correction (the panel corrects, then re-determination).
    correction_opened_at = models.DateTimeField(null=True, blank=True)
    # Set when the predicate was revoked after determination (with the certificate).
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["period", "cohort", "rank"]
        verbose_name = _("result")
        verbose_name_plural = _("results")
        indexes = [
            models.Index(fields=["period", "cohort", "rank"], name="result_period_cohort_rank_idx"),
            models.Index(fields=["period", "province", "predicate"], name="result_period_prov_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.unit_id} {self.period_id}: {self.total}"

    @property
    def awarded(self) -> bool:
        return self.predicate and self.revoked_at is None


class ResultRevision(models.Model):
    """One audited step of a correction after determination: reopening, or the re-determination itself."""

    class Kind(models.TextChoices):
        REOPEN = "reopen", _("Reopened for correction")
        REDETERMINE = "redetermine", _("Re-determined")

    result = models.ForeignKey(Result, on_delete=models.CASCADE, related_name="revisions")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    reason = models.TextField(_("reason"))
    decree_number = models.CharField(_("decree number"), max_length=120, blank=True)
    decree_date = models.DateField(_("decree date"), null=True, blank=True)
    before = models.JSONField(default=dict)
    after = models.JSONField(default=dict)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["result", "created_at", "pk"]

    def __str__(self) -> str:
        return f"{self.result_id} {self.kind}"


class Certificate(models.Model):
    """The piagam of an awarded unit, verifiable by anyone through its unguessable public code."""

    result = models.ForeignKey(Result, on_delete=models.PROTECT, related_name="certificates")
    code = models.CharField(max_length=32, unique=True)
    issued_at = models.DateTimeField()
    issued_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    revoke_reason = models.TextField(_("reason for revocation"), blank=True)

    class Meta:
        ordering = ["-issued_at", "pk"]
        verbose_name = _("certificate")
        verbose_name_plural = _("certificates")
        constraints = [
            # At most one valid certificate per result; revoked ones stay for the record.
            models.UniqueConstraint(
                fields=["result"], condition=models.Q(revoked_at__isnull=True), name="certificate_one_valid"
            ),
        ]

    def __str__(self) -> str:
        return self.code

    @property
    def valid(self) -> bool:
        return self.revoked_at is None


class FollowUpAction(TimeStampedModel):
    """A finding to improve: proposed for every indicator not fully met, confirmed with a due date by
    Ditjen HAM or the Kanwil, reported on by the unit with evidence, verified and closed by the Kanwil."""

    class Status(models.TextChoices):
        PROPOSED = "proposed", _("Proposed")
        CONFIRMED = "confirmed", _("Confirmed")
        REPORTED = "reported", _("Reported by the unit")
        CLOSED = "closed", _("Closed")
        DISMISSED = "dismissed", _("Dismissed")

    result = models.ForeignKey(Result, on_delete=models.CASCADE, related_name="follow_ups")
    unit = models.ForeignKey("organizations.Unit", on_delete=models.PROTECT, related_name="follow_ups")
    period = models.ForeignKey("periods.Period", on_delete=models.PROTECT, related_name="+")
    indicator_code = models.CharField(max_length=20)
    criterion_name = models.CharField(max_length=200, blank=True)
    indicator_question = models.TextField()
    score = models.DecimalField(max_digits=5, decimal_places=2, null=True)
    finding = models.TextField(_("finding"))  # what was missing: the verifier's and the panel's notes
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.PROPOSED)
    action = models.TextField(_("action to take"), blank=True)
    due_date = models.DateField(_("due date"), null=True, blank=True)
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    confirmed_at = models.DateTimeField(null=True, blank=True)
    report = models.TextField(_("what the unit did"), blank=True)
    reported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    reported_at = models.DateTimeField(null=True, blank=True)
    review_note = models.TextField(_("Kanwil's note"), blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    closed_at = models.DateTimeField(null=True, blank=True)
    # Incremented by every change: a change based on an older version is refused.
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["unit__name", "indicator_code"]
        verbose_name = _("follow-up action")
        verbose_name_plural = _("follow-up actions")
        constraints = [
            models.UniqueConstraint(fields=["result", "indicator_code"], name="followup_result_indicator_unique"),
        ]
        indexes = [
            models.Index(fields=["unit", "status"], name="followup_unit_status_idx"),
            models.Index(fields=["period", "status", "due_date"], name="followup_period_status_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.unit_id} {self.indicator_code} {self.status}"


FOLLOW_UP_OPEN = (
    FollowUpAction.Status.PROPOSED,
    FollowUpAction.Status.CONFIRMED,
    FollowUpAction.Status.REPORTED,
)


class FollowUpEvidence(models.Model):
    """A file the unit attached to its follow-up report: checked by content, stored privately."""

    action = models.ForeignKey(FollowUpAction, on_delete=models.CASCADE, related_name="evidence")
    storage_name = models.CharField(max_length=255)
    original_name = models.CharField(max_length=200)
    kind = models.CharField(max_length=10)
    size = models.BigIntegerField()
    sha256 = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["action", "created_at", "pk"]

    def __str__(self) -> str:
        return self.original_name
