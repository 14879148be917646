"""The default instruments shipped with the platform (data files under ``data/defaults/``)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from p2ham.instruments.models import Instrument
from p2ham.instruments.services import instrument_create
from p2ham.periods.models import Period
from p2ham.periods.services import TransitionError

DEFAULTS_DIR = Path(__file__).resolve().parent / "data" / "defaults"


def default_trees() -> list[dict[str, Any]]:
    """Every default instrument as a tree, in file name order."""
    return [json.loads(path.read_text(encoding="utf-8")) for path in sorted(DEFAULTS_DIR.glob("*.json"))]


@transaction.atomic
def load_default_instruments(*, actor: Any, period: Period) -> list[Instrument]:
    """Add each default instrument the (draft) period does not have yet; returns those added."""
    if period.status != Period.Status.DRAFT:
        raise TransitionError(_("Instruments can be added only while the period is a draft."))
    existing = set(period.instruments.values_list("code", flat=True))
    return [
        instrument_create(actor=actor, period=period, tree=tree)
        for tree in default_trees()
        if tree["code"] not in existing
    ]
