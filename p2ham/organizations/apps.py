from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OrganizationsConfig(AppConfig):
    name = "p2ham.organizations"
    label = "organizations"
    verbose_name = _("Organisation")
    default_auto_field = "django.db.models.BigAutoField"
