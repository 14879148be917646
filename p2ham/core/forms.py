"""Shared form behaviour: Bootstrap classes and accessible error wiring on every widget."""

from __future__ import annotations

from typing import Any

from django import forms


class StyledFormMixin:
    """Give widgets Bootstrap classes; mark invalid fields and tie them to their error text."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[call-arg]
        for field in self.fields.values():  # type: ignore[attr-defined]
            widget = field.widget
            if isinstance(widget, (forms.CheckboxInput, forms.CheckboxSelectMultiple, forms.RadioSelect)):
                css = "form-check-input"
            elif isinstance(widget, (forms.Select, forms.SelectMultiple)):
                css = "form-select"
            else:
                css = "form-control"
            widget.attrs["class"] = f"{widget.attrs.get('class', '')} {css}".strip()

    def full_clean(self) -> None:
        super().full_clean()  # type: ignore[misc]
        for name in self.errors:  # type: ignore[attr-defined]
            if name in self.fields:  # type: ignore[attr-defined]
                bound = self[name]  # type: ignore[index]
                attrs = self.fields[name].widget.attrs  # type: ignore[attr-defined]
                attrs["class"] = f"{attrs.get('class', '')} is-invalid".strip()
                attrs["aria-invalid"] = "true"
                described = [f"{bound.auto_id}_error"]
                if self.fields[name].help_text:  # type: ignore[attr-defined]
                    described.insert(0, f"{bound.auto_id}_helptext")
                attrs["aria-describedby"] = " ".join(described)
