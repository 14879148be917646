"""People and their roles."""

from __future__ import annotations

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models.functions import Lower
from django.utils.translation import gettext_lazy as _

from p2ham.accounts.validators import validate_nip
from p2ham.core.models import TimeStampedModel


class Role(models.TextChoices):
    ADMIN = "admin", _("Administrator")
    DITJEN = "ditjen", _("Ditjen HAM")
    KANWIL = "kanwil", _("Kanwil (Bidang HAM)")
    OPERATOR = "operator", _("P2HAM operator")
    KEPALA_UNIT = "kepala_unit", _("Head of unit")
    VERIFIKATOR = "verifikator", _("Verifier")
    PENILAI = "penilai", _("Assessor")
    PIMPINAN = "pimpinan", _("Leadership (read-only)")


# Roles that may be held nationally (no unit): they work across every province.
NATIONAL_ROLES = frozenset({Role.ADMIN, Role.DITJEN, Role.VERIFIKATOR, Role.PENILAI, Role.PIMPINAN})
# Roles that exist only nationally: the administrator manages the whole organisation.
NATIONWIDE_ONLY_ROLES = frozenset({Role.ADMIN})


class User(AbstractUser):
    first_name = None  # type: ignore[assignment]
    last_name = None  # type: ignore[assignment]
    full_name = models.CharField(_("full name"), max_length=150)
    nip = models.CharField(
        _("NIP"),
        max_length=18,
        unique=True,
        null=True,
        blank=True,
        validators=[validate_nip],
        help_text=_("18-digit civil servant number."),
    )
    email = models.EmailField(_("email address"), blank=True)
    phone = models.CharField(_("phone"), max_length=30, blank=True)

    REQUIRED_FIELDS = ["email", "full_name"]

    class Meta:
        ordering = ["full_name"]
        verbose_name = _("user")
        verbose_name_plural = _("users")
        constraints = [
            # Login ignores case, so "Budi" and "budi" must be the same account.
            models.UniqueConstraint(Lower("username"), name="user_username_ci_unique"),
            # Login accepts an e-mail address, so it must identify one person.
            models.UniqueConstraint(
                Lower("email"),
                condition=~models.Q(email=""),
                name="user_email_ci_unique",
            ),
        ]

    def __str__(self) -> str:
        return self.full_name or self.username

    def get_full_name(self) -> str:
        return self.full_name

    def get_short_name(self) -> str:
        return self.full_name.split(" ")[0] if self.full_name else self.username


class RoleAssignment(TimeStampedModel):
    """A role held by a user over a unit's subtree; no unit means nationwide (national roles only)."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="role_assignments")
    role = models.CharField(_("role"), max_length=20, choices=Role.choices)
    unit = models.ForeignKey(
        "organizations.Unit",
        verbose_name=_("unit"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="role_assignments",
    )

    class Meta:
        ordering = ["role"]
        verbose_name = _("role assignment")
        verbose_name_plural = _("role assignments")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "role", "unit"],
                name="roleassignment_unique",
                violation_error_message=_("This person already has this role in this unit."),
            ),
            models.UniqueConstraint(
                fields=["user", "role"],
                condition=models.Q(unit__isnull=True),
                name="roleassignment_national_unique",
                violation_error_message=_("This person already has this role nationwide."),
            ),
            models.CheckConstraint(
                condition=models.Q(unit__isnull=False) | models.Q(role__in=sorted(r.value for r in NATIONAL_ROLES)),
                name="roleassignment_unit_required",
                violation_error_message=_("This role needs a unit; only national roles may be held nationwide."),
            ),
            models.CheckConstraint(
                condition=models.Q(unit__isnull=True)
                | ~models.Q(role__in=sorted(r.value for r in NATIONWIDE_ONLY_ROLES)),
                name="roleassignment_admin_nationwide",
                violation_error_message=_("The administrator role is nationwide: leave the unit empty."),
            ),
        ]

    def __str__(self) -> str:
        where = self.unit.name if self.unit is not None else _("national")
        return f"{self.get_role_display()} — {where}"
