from django.contrib import admin

from p2ham.reviews.models import AdjustmentRule, ReasonCode


@admin.register(ReasonCode)
class ReasonCodeAdmin(admin.ModelAdmin):
    list_display = ("code", "label", "active", "order")
    list_editable = ("active", "order")
    search_fields = ("code", "label")


@admin.register(AdjustmentRule)
class AdjustmentRuleAdmin(admin.ModelAdmin):
    list_display = ("kind", "min_points", "max_points")
