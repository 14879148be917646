from django.apps import AppConfig


class ResultsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "p2ham.results"
    verbose_name = "Results, certificates and follow-up"
