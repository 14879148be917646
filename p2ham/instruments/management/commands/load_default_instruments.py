"""``manage.py load_default_instruments YEAR``: add the shipped default instruments to a draft period."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from p2ham.instruments.defaults import load_default_instruments
from p2ham.periods.models import Period
from p2ham.periods.services import period_create


class Command(BaseCommand):
    help = "Add the default instruments (Permenkumham 25/2023) to the draft period of YEAR, creating it if needed."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("year", type=int)
        parser.add_argument("--regulation", default="Permenkumham 25/2023")

    def handle(self, *args: Any, year: int, regulation: str, **options: Any) -> None:
        period = Period.objects.filter(year=year).first()
        try:
            if period is None:
                period = period_create(actor=None, year=year, regulation_label=regulation)
                self.stdout.write(f"Period {year} created as a draft with the default stage windows.")
            added = load_default_instruments(actor=None, period=period)
        except ValidationError as exc:
            raise CommandError("; ".join(exc.messages)) from exc
        for instrument in added:
            self.stdout.write(f"Added {instrument.name} ({instrument.indicators.count()} indicators).")
        if not added:
            self.stdout.write(f"Period {year} already has every default instrument.")
