from django.apps import AppConfig


class ReviewsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "p2ham.reviews"
    verbose_name = "Verification and panel"
