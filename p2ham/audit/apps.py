from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "p2ham.audit"
    label = "audit"
    default_auto_field = "django.db.models.BigAutoField"
