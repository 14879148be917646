from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from p2ham.core.forms import StyledFormMixin
from p2ham.instruments.models import EVIDENCE_KINDS, AnswerScale, Instrument
from p2ham.organizations.models import UnitType
from p2ham.periods.models import Period

WEIGHT: dict[str, Any] = {"max_digits": 7, "decimal_places": 2, "min_value": Decimal("0.01")}
PERCENT: dict[str, Any] = {"max_digits": 5, "decimal_places": 2, "min_value": Decimal("0"), "max_value": Decimal("100")}


class CriterionForm(StyledFormMixin, forms.Form):
    code = forms.RegexField(
        label=_("Code"), regex=r"^[A-Za-z0-9][A-Za-z0-9._-]{0,19}$", max_length=20, help_text=_("For example K1.")
    )
    name = forms.CharField(label=_("Name"), max_length=200)
    weight = forms.DecimalField(
        label=_("Weight"), help_text=_("Relative to the other criteria; must be above 0."), **WEIGHT
    )


class IndicatorForm(StyledFormMixin, forms.Form):
    code = forms.RegexField(
        label=_("Code"),
        regex=r"^[A-Za-z0-9][A-Za-z0-9._-]{0,19}$",
        max_length=20,
        help_text=_("Unique in the instrument, for example K1.03."),
    )
    question = forms.CharField(label=_("Question"), widget=forms.Textarea(attrs={"rows": 3}))
    guidance_unit = forms.CharField(
        label=_("Guidance for the unit"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    guidance_verifier = forms.CharField(
        label=_("Guidance for the verifier"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    scale = forms.ModelChoiceField(label=_("Answer scale"), queryset=AnswerScale.objects.none())
    weight = forms.DecimalField(label=_("Weight"), initial=Decimal("1"), **WEIGHT)
    mandatory = forms.BooleanField(label=_("Mandatory: the predicate needs a score above 0 here"), required=False)
    evidence_required = forms.BooleanField(label=_("Evidence (data dukung) required"), required=False, initial=True)
    evidence_min_files = forms.IntegerField(label=_("Minimum number of files"), min_value=0, max_value=20, initial=1)
    evidence_kinds = forms.MultipleChoiceField(
        label=_("Allowed file kinds"),
        choices=[(k, k.upper()) for k in EVIDENCE_KINDS],
        widget=forms.CheckboxSelectMultiple,
        required=False,
        initial=["pdf", "jpeg", "png"],
    )
    evidence_max_mb = forms.IntegerField(label=_("Largest file (MB)"), min_value=1, max_value=500, initial=20)
    continues_code = forms.RegexField(
        label=_("Continues last year's indicator (code)"),
        regex=r"^[A-Za-z0-9][A-Za-z0-9._-]{0,19}$",
        max_length=20,
        required=False,
    )

    def __init__(self, *args: Any, instrument: Instrument, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["scale"].queryset = instrument.scales.order_by("code")  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if cleaned.get("evidence_required") and not cleaned.get("evidence_kinds"):
            self.add_error("evidence_kinds", _("Choose at least one file kind when evidence is required."))
        return cleaned


class ScaleForm(StyledFormMixin, forms.Form):
    """A scale with up to six options; empty option rows are ignored."""

    ROWS = 6
    code = forms.RegexField(
        label=_("Code"),
        regex=r"^[a-z0-9][a-z0-9_-]{0,39}$",
        max_length=40,
        help_text=_("Lowercase letters, digits, dashes, underscores."),
    )
    name = forms.CharField(label=_("Name"), max_length=120)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for row in range(self.ROWS):
            self.fields[f"label_{row}"] = forms.CharField(
                label=_("Option %(n)s") % {"n": row + 1}, max_length=80, required=False
            )
            self.fields[f"score_{row}"] = forms.DecimalField(
                label=_("Score of option %(n)s") % {"n": row + 1}, required=False, **PERCENT
            )
            for name in (f"label_{row}", f"score_{row}"):
                self.fields[name].widget.attrs["class"] = "form-control"

    def option_rows(self) -> list[tuple[forms.BoundField, forms.BoundField]]:
        return [(self[f"label_{row}"], self[f"score_{row}"]) for row in range(self.ROWS)]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        options = []
        for row in range(self.ROWS):
            label, score = (cleaned.get(f"label_{row}") or "").strip(), cleaned.get(f"score_{row}")
            if label and score is None:
                self.add_error(f"score_{row}", _("Give the score of this option (0–100)."))
            elif score is not None and not label:
                self.add_error(f"label_{row}", _("Give the label of this option."))
            elif label:
                options.append((label, score))
        if len(options) < 2 and not self.errors:
            raise forms.ValidationError(_("A scale needs at least two options."))
        cleaned["options"] = options
        return cleaned


class InstrumentSettingsForm(StyledFormMixin, forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200)
    regulation_label = forms.CharField(label=_("Regulation"), max_length=120, required=False)
    predicate_threshold = forms.DecimalField(
        label=_("Predicate threshold"), help_text=_("Default 80: the total a unit needs for the predicate."), **PERCENT
    )
    bonus_cap = forms.DecimalField(label=_("Largest total bonus (points)"), **PERCENT)
    penalty_cap = forms.DecimalField(label=_("Largest total penalty (points)"), **PERCENT)
    unit_types = forms.ModelMultipleChoiceField(
        label=_("Unit types"), queryset=UnitType.objects.all(), widget=forms.CheckboxSelectMultiple
    )


class NewVersionForm(StyledFormMixin, forms.Form):
    change_note = forms.CharField(
        label=_("Why does the instrument need a correction?"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=2000,
    )


class CloneForm(StyledFormMixin, forms.Form):
    period = forms.ModelChoiceField(  # type: ignore[var-annotated]
        label=_("Into the draft period"), queryset=Period.objects.none(), empty_label=None
    )

    def __init__(self, *args: Any, periods: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["period"].queryset = periods  # type: ignore[attr-defined]
