from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.http import HttpRequest

from p2ham.core.admin import PolicyAdmin
from p2ham.organizations.models import Institution, Province, Unit, UnitType
from p2ham.organizations.services import UNIT_FIELDS, check_unit_parent, unit_save


@admin.register(Province)
class ProvinceAdmin(PolicyAdmin):
    list_display = ("code", "name", "zone", "timezone")
    search_fields = ("code", "name")


@admin.register(Institution)
class InstitutionAdmin(PolicyAdmin):
    list_display = ("code", "name", "kind", "province")
    list_filter = ("kind",)
    search_fields = ("code", "name")


@admin.register(UnitType)
class UnitTypeAdmin(PolicyAdmin):
    list_display = ("code", "name", "cohort", "order")
    list_editable = ("order",)
    search_fields = ("code", "name", "cohort")


class UnitAdminForm(forms.ModelForm):
    class Meta:
        model = Unit
        fields = ("code", "name", "unit_type", "institution", "parent", "province", "address", "active")

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if self.instance.pk is not None:
            try:
                check_unit_parent(self.instance, cleaned.get("parent"))
            except ValidationError as exc:
                self.add_error(None, exc)
        return cleaned


@admin.register(Unit)
class UnitAdmin(PolicyAdmin):
    form = UnitAdminForm
    list_display = ("code", "name", "unit_type", "province", "parent", "active")
    list_filter = ("unit_type", "active", "province")
    search_fields = ("code", "name")
    list_select_related = ("unit_type", "province", "parent")
    autocomplete_fields = ("parent",)
    fields = ("code", "name", "unit_type", "institution", "parent", "province", "address", "active")
    list_per_page = 50

    def save_model(self, request: HttpRequest, obj: Unit, form: Any, change: bool) -> None:
        # Through the service: it keeps the tree paths right and writes the audit entry.
        fields = {name: form.cleaned_data[name] for name in UNIT_FIELDS}
        saved = unit_save(actor=request.user, code=form.cleaned_data["code"], unit=obj if change else None, **fields)
        obj.pk, obj.path, obj.depth = saved.pk, saved.path, saved.depth

    def log_addition(self, request: HttpRequest, obj: Any, message: Any) -> Any:
        return admin.ModelAdmin.log_addition(self, request, obj, message)  # unit_save audited it

    def log_change(self, request: HttpRequest, obj: Any, message: Any) -> Any:
        return admin.ModelAdmin.log_change(self, request, obj, message)
