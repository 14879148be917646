"""The yearly assessment period, its stage windows and per-unit deadline extensions."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from p2ham.core.models import TimeStampedModel


class Stage(models.TextChoices):
    """The stages of the yearly cycle, in their order (DESIGN.md §2)."""

    PENCANANGAN = "pencanangan", _("Declaration (pencanangan)")
    PEMBANGUNAN = "pembangunan", _("Building (pembangunan)")
    EVALUASI = "evaluasi", _("Eligibility evaluation")
    PENILAIAN_MANDIRI = "penilaian_mandiri", _("Self-assessment")
    REVIU_KANWIL = "reviu_kanwil", _("Kanwil review")
    VERIFIKASI = "verifikasi", _("Verification")
    PENILAIAN_PANEL = "penilaian_panel", _("Panel assessment")
    PENETAPAN = "penetapan", _("Determination")
    PEMBINAAN = "pembinaan", _("Guidance and supervision")


STAGE_ORDER = {stage: index for index, stage in enumerate(Stage)}


class Period(TimeStampedModel):
    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        OPEN = "open", _("Open")
        CLOSED = "closed", _("Closed")
        ARCHIVED = "archived", _("Archived")

    year = models.PositiveSmallIntegerField(
        _("year"), unique=True, validators=[MinValueValidator(2018), MaxValueValidator(2100)]
    )
    regulation_label = models.CharField(_("regulation"), max_length=120)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.DRAFT)
    opened_at = models.DateTimeField(_("opened at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)

    class Meta:
        ordering = ["-year"]
        verbose_name = _("period")
        verbose_name_plural = _("periods")
        constraints = [
            # At most one period is open at a time: "the current year" must be unambiguous.
            models.UniqueConstraint(
                fields=["status"],
                condition=models.Q(status="open"),
                name="period_single_open",
                violation_error_message=_("Another period is already open."),
            ),
        ]

    def __str__(self) -> str:
        return str(self.year)


class StageWindow(TimeStampedModel):
    """When a stage opens and closes. Times are wall-clock times applied in each unit's own zone."""

    period = models.ForeignKey(Period, on_delete=models.CASCADE, related_name="windows")
    stage = models.CharField(_("stage"), max_length=20, choices=Stage.choices)
    order = models.PositiveSmallIntegerField(editable=False, default=0)
    opens_at = models.DateTimeField(_("opens"))
    closes_at = models.DateTimeField(_("closes"))

    class Meta:
        ordering = ["period", "order"]
        verbose_name = _("stage window")
        verbose_name_plural = _("stage windows")
        constraints = [
            models.UniqueConstraint(fields=["period", "stage"], name="stagewindow_unique"),
            models.CheckConstraint(
                condition=models.Q(closes_at__gt=models.F("opens_at")),
                name="stagewindow_closes_after_opens",
                violation_error_message=_("A stage must close after it opens."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.period} {self.get_stage_display()}"


class DeadlineExtension(TimeStampedModel):
    """A later deadline for one unit and stage, granted by Ditjen HAM with a reason."""

    period = models.ForeignKey(Period, on_delete=models.CASCADE, related_name="extensions")
    unit = models.ForeignKey("organizations.Unit", on_delete=models.PROTECT, related_name="deadline_extensions")
    stage = models.CharField(_("stage"), max_length=20, choices=Stage.choices)
    closes_at = models.DateTimeField(_("new deadline"))
    reason = models.TextField(_("reason"))
    granted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("deadline extension")
        verbose_name_plural = _("deadline extensions")
        constraints = [
            models.UniqueConstraint(fields=["period", "unit", "stage"], name="deadlineextension_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.unit} {self.get_stage_display()} → {self.closes_at:%Y-%m-%d}"
