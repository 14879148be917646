"""Forms of the follow-up screens: they check the shape of what was typed; the services decide the rest (who may,
in which state, the due date, the files' content) and their refusals are put back on the same form."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from p2ham.core.forms import StyledFormMixin
from p2ham.results.services import FOLLOW_UP_FILE_KINDS, FOLLOW_UP_FILE_MB, FOLLOW_UP_FILES_MAX, TEXT_MAX

DUE_DAYS = 90  # the due date the confirmation forms propose: about one quarter
BULK_MAX = 100  # actions confirmed in one bulk submission (a page holds 50)
# What the file picker offers; the content of each file is checked again by the service, whatever its name.
ACCEPT = ".pdf,.jpg,.jpeg,.png,.webp,.docx,.xlsx"
PLACEHOLDERS = ("{indicator}", "{question}")


def _date_input() -> forms.DateInput:
    return forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class ConfirmForm(StyledFormMixin, forms.Form):
    action = forms.CharField(
        label=_("Action the unit must take"),
        max_length=TEXT_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": _("Describe what the unit must do.")},
    )
    due_date = forms.DateField(
        label=_("Due date"),
        widget=_date_input(),
        error_messages={"required": _("Enter the due date."), "invalid": _("Enter the due date as a date.")},
    )


class DismissForm(StyledFormMixin, forms.Form):
    reason = forms.CharField(
        label=_("Why no follow-up is needed"),
        max_length=TEXT_MAX,
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": _("Give the reason why this action is not needed.")},
    )


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one field: the cleaned value is a list (possibly empty)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": ACCEPT}))
        super().__init__(*args, **kwargs)

    def clean(self, data: Any, initial: Any = None) -> Any:
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(d, initial) for d in data if d]
        return [single(data, initial)] if data else []


class ReportForm(StyledFormMixin, forms.Form):
    report = forms.CharField(
        label=_("What the unit did"),
        max_length=TEXT_MAX,
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={"required": _("Describe what the unit did.")},
    )
    # Not ``files``: a form already has an attribute of that name (the uploaded files).
    attachments = MultipleFileField(
        label=_("Evidence files"),
        required=False,
        help_text=_(
            "Photos, documents or spreadsheets showing what was done: %(kinds)s, up to %(mb)s MB each, "
            "at most %(n)s files per action."
        )
        % {
            "kinds": ", ".join(k.upper() for k in FOLLOW_UP_FILE_KINDS),
            "mb": FOLLOW_UP_FILE_MB,
            "n": FOLLOW_UP_FILES_MAX,
        },
    )

    def clean_attachments(self) -> list[Any]:
        files = self.cleaned_data.get("attachments") or []
        if len(files) > FOLLOW_UP_FILES_MAX:
            raise forms.ValidationError(
                _("At most %(n)s files per follow-up action.") % {"n": FOLLOW_UP_FILES_MAX}, code="too_many"
            )
        return list(files)


CLOSE, SEND_BACK = "close", "send_back"


class ReviewForm(StyledFormMixin, forms.Form):
    note = forms.CharField(
        label=_("Note for the unit"),
        max_length=TEXT_MAX,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Required when you send the report back: say what is still missing."),
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        # The decision is the submit button pressed (two buttons, one form): not a field to fill in.
        decision = self.data.get("decision", "")
        if decision not in (CLOSE, SEND_BACK):
            raise forms.ValidationError(_("Choose to close the action or to send it back."), code="decision")
        data["decision"] = decision
        return data

    @property
    def accept(self) -> bool:
        return self.cleaned_data["decision"] == CLOSE


class BulkConfirmForm(StyledFormMixin, forms.Form):
    action = forms.CharField(
        label=_("Action the units must take"),
        max_length=TEXT_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_(
            "The same text for every ticked action. {indicator} is replaced by each action's indicator code, "
            "{question} by its indicator."
        ),
        error_messages={"required": _("Describe what the units must do.")},
    )
    due_date = forms.DateField(
        label=_("Due date"),
        widget=_date_input(),
        error_messages={"required": _("Enter the due date."), "invalid": _("Enter the due date as a date.")},
    )

    def text_for(self, action: Any) -> str:
        """The template filled in for one action (plain replacement: nothing else in the text is interpreted)."""
        text = str(self.cleaned_data["action"])
        return text.replace("{indicator}", action.indicator_code).replace("{question}", action.indicator_question)
