"""Forms of Ditjen HAM's determination screens: the decree, a correction, a re-determination and a revocation.

The forms check only the shape of what was typed (present, a date, not too long); the rules (who may, in what
state, the decree date not too far ahead) are the services'. Every irreversible step carries a confirmation
box that the form requires.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from p2ham.core.forms import StyledFormMixin
from p2ham.results.services import DECREE_MAX, TEXT_MAX

DATE_WIDGET = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
DATE_FORMATS = ["%Y-%m-%d", "%d-%m-%Y", "%d/%m/%Y"]


def _reason_field(label: Any, help_text: Any = "") -> forms.CharField:
    return forms.CharField(
        label=label,
        max_length=TEXT_MAX,
        help_text=help_text,
        widget=forms.Textarea(attrs={"rows": 3, "maxlength": TEXT_MAX}),
    )


def _decree_number(label: Any, help_text: Any = "") -> forms.CharField:
    return forms.CharField(
        label=label,
        max_length=DECREE_MAX,
        help_text=help_text,
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )


class DeterminationForm(StyledFormMixin, forms.Form):
    """The Minister's decree that freezes the ranking shown (``expected_count`` scored units)."""

    decree_number = _decree_number(
        _("Decree number"), help_text=_("As printed on the signed decree, e.g. M.HH-12.HA.01.01 TAHUN 2026.")
    )
    decree_date = forms.DateField(label=_("Decree date"), widget=DATE_WIDGET, input_formats=DATE_FORMATS)
    signatory_name = forms.CharField(label=_("Signed by"), max_length=120)
    signatory_title = forms.CharField(label=_("Signatory's position"), max_length=200)
    expected_count = forms.IntegerField(min_value=0, widget=forms.HiddenInput)
    confirm = forms.BooleanField(
        label=_("I have reviewed the ranking; this freezes the results"),
        help_text=_("The results cannot be changed afterwards, except unit by unit through an amending decree."),
    )

    @staticmethod
    def defaults(expected_count: int) -> dict[str, Any]:
        """The initial values: the usual signatory from the settings, and the number of units shown."""
        return {
            "signatory_name": getattr(settings, "P2HAM_DECREE_SIGNATORY_NAME", "") or "",
            "signatory_title": getattr(settings, "P2HAM_DECREE_SIGNATORY_TITLE", "") or "",
            "expected_count": expected_count,
        }


class CorrectionForm(StyledFormMixin, forms.Form):
    """Reopen one determined result: it goes back to its panel; the decreed result stays until re-determined."""

    reason = _reason_field(
        _("Reason for the correction"),
        _("What is wrong with the decreed result. The panel's chair and the audit log receive it."),
    )
    confirm = forms.BooleanField(label=_("Reopen this result: the panel's chair must finish the panel again"))


class RedeterminationForm(StyledFormMixin, forms.Form):
    """Determine named units again by an amending decree."""

    units = forms.TypedMultipleChoiceField(
        label=_("Units to determine again"),
        coerce=int,
        widget=forms.CheckboxSelectMultiple,
        error_messages={
            "required": _("Choose the units to determine again."),
            "invalid_choice": _("A chosen unit is no longer waiting for re-determination. Review the list again."),
        },
    )
    decree_number = _decree_number(_("Amending decree number"))
    decree_date = forms.DateField(label=_("Amending decree date"), widget=DATE_WIDGET, input_formats=DATE_FORMATS)
    reason = _reason_field(_("Reason"), _("Why these results change; kept with each result's history."))
    confirm = forms.BooleanField(
        label=_("I have reviewed the new results; the ranks of their cohorts are recomputed"),
    )

    def __init__(self, *args: Any, choices: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["units"].choices = choices  # type: ignore[attr-defined]


class RevokeForm(StyledFormMixin, forms.Form):
    """Revoke a certificate (and with it the predicate)."""

    reason = _reason_field(
        _("Reason for the revocation"),
        _(
            "Sent to the unit and its Kanwil and kept in the audit log. The public verification page shows the "
            "certificate as revoked, with the date."
        ),
    )
    confirm = forms.BooleanField(label=_("Revoke this certificate; this cannot be undone"))
