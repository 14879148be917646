from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from p2ham.core.forms import StyledFormMixin
from p2ham.declarations.models import Witness
from p2ham.organizations.models import Unit

WITNESS_ROWS = 4


class DeclarationForm(StyledFormMixin, forms.Form):
    requester_unit = forms.ModelChoiceField(label=_("Requesting unit"), queryset=Unit.objects.none(), empty_label=None)
    units = forms.ModelMultipleChoiceField(
        label=_("Participating units"),
        queryset=Unit.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Usually the Kanwil itself and its Pemasyarakatan and Imigrasi units."),
    )
    planned_date = forms.DateField(
        label=_("Planned date"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    planned_venue = forms.CharField(label=_("Planned venue"), max_length=200)
    declarer_name = forms.CharField(label=_("Declarer's name"), max_length=150)
    declarer_position = forms.CharField(label=_("Declarer's position"), max_length=200)
    cover_letter = forms.FileField(
        label=_("Cover letter (PDF or DOCX, optional)"),
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": ".pdf,.docx"}),
    )

    def __init__(self, *args: Any, requesters: Any, participants: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["requester_unit"].queryset = requesters  # type: ignore[attr-defined]
        self.fields["units"].queryset = participants  # type: ignore[attr-defined]
        for row in range(WITNESS_ROWS):
            self.fields[f"w{row}_name"] = forms.CharField(
                label=_("Witness %(n)s: name") % {"n": row + 1}, max_length=150, required=False
            )
            self.fields[f"w{row}_position"] = forms.CharField(
                label=_("Witness %(n)s: position") % {"n": row + 1}, max_length=200, required=False
            )
            self.fields[f"w{row}_institution"] = forms.CharField(
                label=_("Witness %(n)s: institution") % {"n": row + 1}, max_length=200, required=False
            )
            self.fields[f"w{row}_kind"] = forms.ChoiceField(
                label=_("Witness %(n)s: kind") % {"n": row + 1},
                choices=Witness.Kind.choices,
                required=False,
                initial=Witness.Kind.FORKOPIMDA,
            )
            for suffix in ("name", "position", "institution", "kind"):
                widget = self.fields[f"w{row}_{suffix}"].widget
                widget.attrs["class"] = "form-select" if suffix == "kind" else "form-control"

    def main_fields(self) -> list[forms.BoundField]:
        names = (
            "requester_unit",
            "units",
            "planned_date",
            "planned_venue",
            "declarer_name",
            "declarer_position",
            "cover_letter",
        )
        return [self[name] for name in names if name in self.fields]

    def witness_rows(self) -> list[list[forms.BoundField]]:
        return [
            [self[f"w{row}_{s}"] for s in ("name", "position", "institution", "kind")] for row in range(WITNESS_ROWS)
        ]

    def witnesses(self) -> list[tuple[str, str, str, str]]:
        rows = []
        for row in range(WITNESS_ROWS):
            name, position, institution = (
                str(self.cleaned_data.get(f"w{row}_{s}", "") or "") for s in ("name", "position", "institution")
            )
            if name.strip() or position.strip() or institution.strip():
                kind = str(self.cleaned_data.get(f"w{row}_kind") or Witness.Kind.OTHER)
                rows.append((name, position, institution, kind))
        return rows


class NoteForm(StyledFormMixin, forms.Form):
    note = forms.CharField(
        label=_("Notes for the requester"), widget=forms.Textarea(attrs={"rows": 3}), required=False, max_length=4000
    )


class ApproveForm(StyledFormMixin, forms.Form):
    witness_name = forms.CharField(label=_("Ditjen HAM witness: name"), max_length=150)
    witness_position = forms.CharField(label=_("Ditjen HAM witness: position"), max_length=200, required=False)
    note = forms.CharField(
        label=_("Technical direction (optional)"),
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
        max_length=4000,
    )


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": "image/jpeg,image/png,image/webp"}))
        super().__init__(*args, **kwargs)

    def clean(self, data: Any, initial: Any = None) -> Any:
        single = super().clean
        if isinstance(data, (list, tuple)):
            return [single(d, initial) for d in data]
        return [single(data, initial)] if data else []


class CeremonyForm(StyledFormMixin, forms.Form):
    actual_date = forms.DateField(
        label=_("Date held"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    actual_venue = forms.CharField(label=_("Venue"), max_length=200)
    present = forms.MultipleChoiceField(
        label=_("Witnesses present"), widget=forms.CheckboxSelectMultiple, required=False
    )
    minutes = forms.FileField(
        label=_("Minutes (berita acara), PDF or image"),
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": ".pdf,image/jpeg,image/png"}),
    )
    photos = MultipleFileField(label=_("Photos of the ceremony"), required=False)

    def __init__(self, *args: Any, witnesses: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["present"].choices = [  # type: ignore[attr-defined]
            (str(w.pk), f"{w.name} — {w.position}, {w.institution} ({w.get_kind_display()})") for w in witnesses
        ]


class SignUploadForm(StyledFormMixin, forms.Form):
    file = forms.FileField(
        label=_("Wet-signed scan (PDF or image)"),
        widget=forms.ClearableFileInput(attrs={"accept": ".pdf,image/jpeg,image/png,image/webp"}),
    )


class SignInAppForm(StyledFormMixin, forms.Form):
    password = forms.CharField(
        label=_("Your password, to confirm it is you"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )
