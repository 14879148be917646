"""The questionnaire of a year: instruments, criteria, indicators and answer scales — all data, never code."""

from __future__ import annotations

from decimal import Decimal

from django.db import models
from django.utils.translation import gettext_lazy as _

from p2ham.core.models import TimeStampedModel

EVIDENCE_KINDS = ("pdf", "jpeg", "png", "webp", "docx", "xlsx", "mp4")


class Instrument(TimeStampedModel):
    """The instrument of one group of unit types in one period. Corrections after freezing are new versions."""

    period = models.ForeignKey("periods.Period", on_delete=models.PROTECT, related_name="instruments")
    code = models.SlugField(_("code"), max_length=40)  # the group; stays the same across versions
    name = models.CharField(_("name"), max_length=200)
    version = models.PositiveSmallIntegerField(_("version"), default=1)
    current = models.BooleanField(_("in force"), default=True)
    frozen = models.BooleanField(_("frozen"), default=False)
    regulation_label = models.CharField(_("regulation"), max_length=120, blank=True)
    unit_types = models.ManyToManyField("organizations.UnitType", verbose_name=_("unit types"), related_name="+")
    predicate_threshold = models.DecimalField(
        _("predicate threshold"), max_digits=5, decimal_places=2, default=Decimal("80")
    )
    bonus_cap = models.DecimalField(_("bonus cap"), max_digits=5, decimal_places=2, default=Decimal("10"))
    penalty_cap = models.DecimalField(_("penalty cap"), max_digits=5, decimal_places=2, default=Decimal("20"))
    previous = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    change_note = models.TextField(_("reason for the correction"), blank=True)

    class Meta:
        ordering = ["period", "code", "-version"]
        verbose_name = _("instrument")
        verbose_name_plural = _("instruments")
        constraints = [
            models.UniqueConstraint(fields=["period", "code", "version"], name="instrument_version_unique"),
            models.UniqueConstraint(
                fields=["period", "code"], condition=models.Q(current=True), name="instrument_one_current"
            ),
            models.CheckConstraint(
                condition=models.Q(predicate_threshold__gte=0, predicate_threshold__lte=100),
                name="instrument_threshold_range",
            ),
            models.CheckConstraint(
                condition=models.Q(bonus_cap__gte=0, penalty_cap__gte=0), name="instrument_caps_positive"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.period}, v{self.version})"


class AnswerScale(TimeStampedModel):
    instrument = models.ForeignKey(Instrument, on_delete=models.CASCADE, related_name="scales")
    code = models.SlugField(_("code"), max_length=40)
    name = models.CharField(_("name"), max_length=120)

    class Meta:
        ordering = ["instrument", "code"]
        verbose_name = _("answer scale")
        verbose_name_plural = _("answer scales")
        constraints = [models.UniqueConstraint(fields=["instrument", "code"], name="answerscale_unique")]

    def __str__(self) -> str:
        return self.name


class AnswerOption(TimeStampedModel):
    scale = models.ForeignKey(AnswerScale, on_delete=models.CASCADE, related_name="options")
    label = models.CharField(_("label"), max_length=80)
    score = models.DecimalField(_("score"), max_digits=5, decimal_places=2)
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        ordering = ["scale", "order"]
        verbose_name = _("answer option")
        verbose_name_plural = _("answer options")
        constraints = [
            models.CheckConstraint(condition=models.Q(score__gte=0, score__lte=100), name="answeroption_score_range"),
            models.UniqueConstraint(fields=["scale", "label"], name="answeroption_label_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.label} ({self.score})"


class Criterion(TimeStampedModel):
    instrument = models.ForeignKey(Instrument, on_delete=models.CASCADE, related_name="criteria")
    code = models.CharField(_("code"), max_length=20)
    name = models.CharField(_("name"), max_length=200)
    weight = models.DecimalField(_("weight"), max_digits=7, decimal_places=2)
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        ordering = ["instrument", "order"]
        verbose_name = _("criterion")
        verbose_name_plural = _("criteria")
        constraints = [
            models.UniqueConstraint(fields=["instrument", "code"], name="criterion_code_unique"),
            models.CheckConstraint(condition=models.Q(weight__gt=0), name="criterion_weight_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class Indicator(TimeStampedModel):
    # The instrument is stored on the indicator too, so a code is unique across the whole instrument.
    instrument = models.ForeignKey(Instrument, on_delete=models.CASCADE, related_name="indicators")
    criterion = models.ForeignKey(Criterion, on_delete=models.CASCADE, related_name="indicators")
    code = models.CharField(_("code"), max_length=20)
    question = models.TextField(_("question"))
    guidance_unit = models.TextField(_("guidance for the unit"), blank=True)
    guidance_verifier = models.TextField(_("guidance for the verifier"), blank=True)
    scale = models.ForeignKey(AnswerScale, verbose_name=_("answer scale"), on_delete=models.PROTECT, related_name="+")
    weight = models.DecimalField(_("weight"), max_digits=7, decimal_places=2, default=Decimal("1"))
    mandatory = models.BooleanField(_("mandatory"), default=False)
    evidence_required = models.BooleanField(_("evidence required"), default=True)
    evidence_min_files = models.PositiveSmallIntegerField(_("minimum files"), default=1)
    evidence_kinds = models.JSONField(_("allowed file kinds"), default=list)
    evidence_max_mb = models.PositiveSmallIntegerField(_("largest file (MB)"), default=20)
    continues_code = models.CharField(_("continues last year's indicator"), max_length=20, blank=True)
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        ordering = ["instrument", "criterion__order", "order"]
        verbose_name = _("indicator")
        verbose_name_plural = _("indicators")
        constraints = [
            models.UniqueConstraint(fields=["instrument", "code"], name="indicator_code_unique"),
            models.CheckConstraint(condition=models.Q(weight__gt=0), name="indicator_weight_positive"),
            models.CheckConstraint(
                condition=models.Q(evidence_max_mb__gte=1, evidence_max_mb__lte=500), name="indicator_max_mb_range"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.question[:60]}"
