from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from p2ham.core.forms import StyledFormMixin
from p2ham.periods.deadlines import REFERENCE_TZ
from p2ham.periods.models import Stage


class LocalDateTimeField(forms.DateTimeField):
    """A date and time typed as wall-clock time in ``tz`` (Jakarta by default), returned aware."""

    widget = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")

    def __init__(self, *args: Any, tz: Any = REFERENCE_TZ, **kwargs: Any) -> None:
        kwargs.setdefault("input_formats", ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%d-%m-%Y %H:%M", "%d/%m/%Y %H:%M"])
        super().__init__(*args, **kwargs)
        self.tz = tz

    def prepare_value(self, value: Any) -> Any:
        if isinstance(value, dt.datetime) and value.tzinfo is not None:
            return value.astimezone(self.tz).replace(tzinfo=None).strftime("%Y-%m-%dT%H:%M")
        return value

    def to_python(self, value: Any) -> dt.datetime | None:
        parsed = super().to_python(value)
        if parsed is None:
            return None
        return parsed.replace(tzinfo=None).replace(tzinfo=self.tz)


class PeriodCreateForm(StyledFormMixin, forms.Form):
    year = forms.IntegerField(label=_("Year"), min_value=2018, max_value=2100)
    regulation_label = forms.CharField(
        label=_("Regulation"),
        max_length=120,
        initial="Permenkumham 25/2023",
        help_text=_("The regulation the assessment of this year follows."),
    )


class StageWindowsForm(StyledFormMixin, forms.Form):
    """Opening and closing of every stage, as wall-clock times (WIB); each unit reaches them in its own zone."""

    def __init__(self, *args: Any, windows: dict[str, tuple[dt.datetime, dt.datetime]], **kwargs: Any) -> None:
        self.stage_fields: list[tuple[Stage, str, str]] = []
        super().__init__(*args, **kwargs)
        for stage in Stage:
            opens, closes = windows.get(stage, (None, None))
            self.fields[f"{stage}_opens"] = LocalDateTimeField(
                label=_("%(stage)s opens") % {"stage": stage.label}, initial=opens
            )
            self.fields[f"{stage}_closes"] = LocalDateTimeField(
                label=_("%(stage)s closes") % {"stage": stage.label}, initial=closes
            )
            self.stage_fields.append((stage, f"{stage}_opens", f"{stage}_closes"))
        self._restyle()

    def _restyle(self) -> None:
        for field in self.fields.values():
            field.widget.attrs["class"] = "form-control"

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        for _stage, opens, closes in self.stage_fields:
            if cleaned.get(opens) and cleaned.get(closes) and cleaned[closes] <= cleaned[opens]:
                self.add_error(closes, _("A stage must close after it opens."))
        return cleaned

    def rows(self) -> list[tuple[Stage, forms.BoundField, forms.BoundField]]:
        return [(stage, self[opens], self[closes]) for stage, opens, closes in self.stage_fields]


class DeadlineExtensionForm(StyledFormMixin, forms.Form):
    unit = forms.CharField(label=_("Unit code"), max_length=40)
    stage = forms.ChoiceField(label=_("Stage"), choices=Stage.choices, initial=Stage.PENILAIAN_MANDIRI)
    closes_at = forms.DateTimeField(
        label=_("New deadline (the unit's local time)"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%d-%m-%Y %H:%M"],
    )
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 3}), max_length=2000)


class TransitionForm(forms.Form):
    confirm = forms.BooleanField(required=True)
