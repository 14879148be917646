from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DeclarationsConfig(AppConfig):
    name = "p2ham.declarations"
    label = "declarations"
    verbose_name = _("Declarations (pencanangan)")
    default_auto_field = "django.db.models.BigAutoField"
