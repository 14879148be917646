"""Pencanangan: the request, its review rounds, the ceremony with its witnesses, and each unit's signed
statement. A unit is *declared* for a period once its declaration is complete."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from p2ham.core.models import TimeStampedModel


class Declaration(TimeStampedModel):
    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SUBMITTED = "submitted", _("Submitted")
        RETURNED = "returned", _("Returned for revision")
        APPROVED = "approved", _("Approved")
        REJECTED = "rejected", _("Rejected")
        COMPLETED = "completed", _("Completed")

    period = models.ForeignKey("periods.Period", on_delete=models.PROTECT, related_name="declarations")
    requester_unit = models.ForeignKey(
        "organizations.Unit", verbose_name=_("requesting unit"), on_delete=models.PROTECT, related_name="+"
    )
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.DRAFT)
    planned_date = models.DateField(_("planned date"))
    planned_venue = models.CharField(_("planned venue"), max_length=200)
    declarer_name = models.CharField(_("declarer's name"), max_length=150)
    declarer_position = models.CharField(_("declarer's position"), max_length=200)
    actual_date = models.DateField(_("date held"), null=True, blank=True)
    actual_venue = models.CharField(_("venue held"), max_length=200, blank=True)
    ceremony_recorded_at = models.DateTimeField(null=True, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    # Incremented by every change: a write based on an older version is refused (HTTP 409 in the API).
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("declaration")
        verbose_name_plural = _("declarations")
        indexes = [
            # Ditjen's list: by period and status, newest first.
            models.Index(fields=["period", "status", "-created_at"], name="declaration_period_status_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.requester_unit} {self.period}"

    @property
    def active(self) -> bool:
        return self.status != self.Status.REJECTED


class DeclarationUnit(TimeStampedModel):
    """A participating unit and its statement (surat pernyataan pencanangan)."""

    class Signature(models.TextChoices):
        NONE = "", _("Not signed")
        UPLOAD = "upload", _("Wet-signed scan uploaded")
        IN_APP = "in_app", _("Signed in the application")

    declaration = models.ForeignKey(Declaration, on_delete=models.CASCADE, related_name="units")
    unit = models.ForeignKey("organizations.Unit", on_delete=models.PROTECT, related_name="declarations")
    # Denormalised so a unit can be in one active declaration per period (constraint below).
    period = models.ForeignKey("periods.Period", on_delete=models.PROTECT, related_name="+")
    active = models.BooleanField(default=True)
    verification_code = models.CharField(max_length=16, unique=True)
    statement_file = models.CharField(max_length=255, blank=True)  # private storage name of the generated PDF
    statement_sha256 = models.CharField(max_length=64, blank=True)
    signature = models.CharField(max_length=10, choices=Signature.choices, default=Signature.NONE, blank=True)
    signed_file = models.CharField(max_length=255, blank=True)  # the final document (scan or signed PDF)
    signed_sha256 = models.CharField(max_length=64, blank=True)
    signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    signed_at = models.DateTimeField(null=True, blank=True)
    signed_ip = models.GenericIPAddressField(null=True, blank=True)
    head_name = models.CharField(max_length=150, blank=True)  # as printed on the statement
    head_nip = models.CharField(max_length=18, blank=True)

    class Meta:
        ordering = ["declaration", "unit__name"]
        verbose_name = _("participating unit")
        verbose_name_plural = _("participating units")
        constraints = [
            models.UniqueConstraint(
                fields=["period", "unit"],
                condition=models.Q(active=True),
                name="declarationunit_one_active_per_period",
                violation_error_message=_("This unit is already in another declaration of this period."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.unit} ({self.declaration_id})"

    @property
    def signed(self) -> bool:
        return bool(self.signature)


class Witness(TimeStampedModel):
    class Kind(models.TextChoices):
        DITJEN = "ditjen", _("Ditjen HAM")
        FORKOPIMDA = "forkopimda", _("Forkopimda")
        OTHER = "other", _("Other")

    declaration = models.ForeignKey(Declaration, on_delete=models.CASCADE, related_name="witnesses")
    name = models.CharField(_("name"), max_length=150)
    position = models.CharField(_("position"), max_length=200)
    institution = models.CharField(_("institution"), max_length=200)
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)
    present = models.BooleanField(_("present at the ceremony"), default=False)
    assigned_by_ditjen = models.BooleanField(default=False)

    class Meta:
        ordering = ["declaration", "kind", "name"]
        verbose_name = _("witness")
        verbose_name_plural = _("witnesses")

    def __str__(self) -> str:
        return f"{self.name} ({self.get_kind_display()})"


class ReviewRound(TimeStampedModel):
    """Every step of the request's review, kept: submissions, returns with notes, the decision."""

    class Action(models.TextChoices):
        SUBMIT = "submit", _("Submitted")
        RETURN = "return", _("Returned for revision")
        APPROVE = "approve", _("Approved")
        REJECT = "reject", _("Rejected")
        COMPLETE = "complete", _("Completed")

    declaration = models.ForeignKey(Declaration, on_delete=models.CASCADE, related_name="rounds")
    action = models.CharField(max_length=10, choices=Action.choices)
    note = models.TextField(blank=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["declaration", "created_at", "id"]

    def __str__(self) -> str:
        return f"{self.declaration_id} {self.action}"


class DeclarationDocument(TimeStampedModel):
    class Kind(models.TextChoices):
        COVER_LETTER = "cover_letter", _("Cover letter")
        MINUTES = "minutes", _("Minutes (berita acara)")
        PHOTO = "photo", _("Photo of the ceremony")

    declaration = models.ForeignKey(Declaration, on_delete=models.CASCADE, related_name="documents")
    kind = models.CharField(max_length=14, choices=Kind.choices)
    file = models.CharField(max_length=255)  # private storage name
    sha256 = models.CharField(max_length=64)
    size = models.PositiveIntegerField()
    content_type = models.CharField(max_length=120)
    original_name = models.CharField(max_length=200)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["declaration", "kind", "created_at"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.original_name}"
