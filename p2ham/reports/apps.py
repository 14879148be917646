from django.apps import AppConfig


class ReportsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "p2ham.reports"
    verbose_name = "Dashboards and exports"
