from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PeriodsConfig(AppConfig):
    name = "p2ham.periods"
    label = "periods"
    verbose_name = _("Periods")
    default_auto_field = "django.db.models.BigAutoField"
