"""The national organisation: provinces, institutions, unit types and the unit tree."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from django.core.validators import RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from p2ham.core.models import TimeStampedModel

code_validator = RegexValidator(
    r"^[A-Za-z0-9][A-Za-z0-9._-]*$",
    _("Use letters, digits, dots, dashes or underscores only, starting with a letter or digit."),
)


class Province(TimeStampedModel):
    code = models.CharField(_("Kemendagri code"), max_length=2, unique=True)
    name = models.CharField(_("name"), max_length=100)
    timezone = models.CharField(_("time zone"), max_length=40)
    zone = models.CharField(_("zone"), max_length=4)  # WIB / WITA / WIT, shown next to times

    class Meta:
        ordering = ["code"]
        verbose_name = _("province")
        verbose_name_plural = _("provinces")

    def __str__(self) -> str:
        return self.name

    @property
    def tzinfo(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)


class Institution(TimeStampedModel):
    class Kind(models.TextChoices):
        KL = "kl", _("Ministry / agency (K/L)")
        PEMDA = "pemda", _("Regional government (Pemda)")

    code = models.CharField(_("code"), max_length=40, unique=True, validators=[code_validator])
    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    province = models.ForeignKey(Province, verbose_name=_("province"), null=True, blank=True, on_delete=models.PROTECT)

    class Meta:
        ordering = ["kind", "name"]
        verbose_name = _("institution")
        verbose_name_plural = _("institutions")

    def __str__(self) -> str:
        return self.name


class UnitType(TimeStampedModel):
    code = models.CharField(_("code"), max_length=30, unique=True, validators=[code_validator])
    name = models.CharField(_("name"), max_length=120)
    # Units are ranked against others of the same cohort (e.g. all Pemasyarakatan UPTs together).
    cohort = models.CharField(_("ranking cohort"), max_length=60)
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        ordering = ["order", "name"]
        verbose_name = _("unit type")
        verbose_name_plural = _("unit types")

    def __str__(self) -> str:
        return self.name


class Unit(TimeStampedModel):
    """A work unit. Units form a tree; ``path`` (``/id/id/…/``) makes subtree queries one indexed LIKE."""

    code = models.CharField(_("code"), max_length=40, unique=True, validators=[code_validator])
    name = models.CharField(_("name"), max_length=200)
    unit_type = models.ForeignKey(UnitType, verbose_name=_("unit type"), on_delete=models.PROTECT)
    institution = models.ForeignKey(Institution, verbose_name=_("institution"), on_delete=models.PROTECT)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent unit"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    province = models.ForeignKey(Province, verbose_name=_("province"), on_delete=models.PROTECT)
    address = models.TextField(_("address"), blank=True)
    active = models.BooleanField(_("active"), default=True)
    path = models.CharField(max_length=255, editable=False, default="")
    depth = models.PositiveSmallIntegerField(editable=False, default=0)

    class Meta:
        ordering = ["name"]
        verbose_name = _("unit")
        verbose_name_plural = _("units")
        indexes = [
            # Subtree scoping: WHERE path LIKE '/1/7/%' for every scoped list.
            models.Index(fields=["path"], name="unit_path_idx", opclasses=["varchar_pattern_ops"]),
            # Unit list filters: by province and type, sorted by name.
            models.Index(fields=["province", "unit_type", "name"], name="unit_prov_type_name_idx"),
        ]
        constraints = [
            models.CheckConstraint(condition=~models.Q(parent=models.F("id")), name="unit_not_own_parent"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def tzinfo(self) -> ZoneInfo:
        return self.province.tzinfo

    def is_in_subtree_of(self, other: Unit) -> bool:
        return self.path.startswith(other.path)
