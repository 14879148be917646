"""Validation of the 18-digit Indonesian civil servant number (NIP)."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _


def validate_nip(value: str, *, today: dt.date | None = None) -> None:
    """Check a NIP: 18 digits = birth date (8) + appointment year-month (6) + sex (1) + serial (3)."""
    today = today or dt.date.today()
    if not value.isdigit() or len(value) != 18 or not value.isascii():
        raise ValidationError(_("NIP must be exactly 18 digits."), code="nip_format")
    try:
        birth = dt.date(int(value[0:4]), int(value[4:6]), int(value[6:8]))
    except ValueError:
        raise ValidationError(
            _("The first 8 digits of the NIP must be a valid birth date (YYYYMMDD)."), code="nip_birth_date"
        ) from None
    age = today.year - birth.year - ((today.month, today.day) < (birth.month, birth.day))
    if not 17 <= age <= 90:
        raise ValidationError(
            _("The birth date in the NIP (%(date)s) is not plausible for a civil servant."),
            code="nip_birth_date",
            params={"date": birth.isoformat()},
        )
    appointed_year, appointed_month = int(value[8:12]), int(value[12:14])
    if not 1 <= appointed_month <= 12 or not (
        birth.year + 16 <= appointed_year and (appointed_year, appointed_month) <= (today.year, today.month)
    ):
        raise ValidationError(
            _("Digits 9–14 of the NIP must be a plausible appointment year and month (YYYYMM)."),
            code="nip_appointment",
        )
    if value[14] not in "12":
        raise ValidationError(_("Digit 15 of the NIP must be 1 (male) or 2 (female)."), code="nip_sex")
