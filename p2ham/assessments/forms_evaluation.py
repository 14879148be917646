"""The evaluation decision form: the same decision for one unit (a row's buttons) or many (the ticked rows)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from p2ham.organizations.models import Unit

ELIGIBLE, NOT_ELIGIBLE = "eligible", "not_eligible"
# One page of the list holds 50 rows; a few more allows for a page that grew while it was open.
MAX_UNITS = 100
REASONS_MAX = 4000


class UnitCodesField(forms.ModelMultipleChoiceField):
    """Units by code, refused before any query when there are too many of them."""

    def clean(self, value: Any) -> Any:
        if value and len(value) > MAX_UNITS:
            raise ValidationError(_("Decide for at most %(n)s units at a time.") % {"n": MAX_UNITS}, code="too_many")
        return super().clean(value)


class EvaluationDecisionForm(forms.Form):
    units = UnitCodesField(
        queryset=Unit.objects.none(),
        to_field_name="code",
        label=_("Units"),
        error_messages={
            "required": _("Tick at least one unit."),
            "invalid_choice": _("%(value)s is not a unit you can evaluate."),
        },
    )
    decision = forms.ChoiceField(
        label=_("Decision"),
        choices=[(ELIGIBLE, _("Passed (lolos)")), (NOT_ELIGIBLE, _("Did not pass (tidak lolos)"))],
        widget=forms.RadioSelect(attrs={"class": "form-check-input"}),
        error_messages={"required": _("Choose “passed” or “did not pass”.")},
    )
    reasons = forms.CharField(
        label=_("Reasons"),
        required=False,
        max_length=REASONS_MAX,
        widget=forms.Textarea(attrs={"rows": 4, "class": "form-control", "aria-describedby": "reasons-help"}),
        help_text=_("Required when the units did not pass; the units read them in their Surat Keterangan."),
    )
    confirm = forms.BooleanField(
        label=_("I am sure: these units did not pass and will not fill in the self-assessment"),
        required=False,
        widget=forms.CheckboxInput(attrs={"class": "form-check-input"}),
    )

    def __init__(self, *args: Any, units: QuerySet[Unit], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["units"].queryset = units  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("decision") == NOT_ELIGIBLE:
            if not data.get("reasons", "").strip():
                self.add_error("reasons", _("Give the reasons why the units do not pass."))
            if not data.get("confirm"):
                self.add_error("confirm", _("Tick the confirmation to record that the units did not pass."))
        return data

    def full_clean(self) -> None:
        super().full_clean()
        # Screen readers announce the error with the field: point the field at its message.
        for name in ("reasons", "confirm"):
            if name in self.errors:
                attrs = self.fields[name].widget.attrs
                attrs["aria-invalid"] = "true"
                attrs["aria-describedby"] = f"{attrs.get('aria-describedby', '')} {name}-error".strip()

    @property
    def eligible(self) -> bool:
        return self.cleaned_data["decision"] == ELIGIBLE
