from django.db import migrations

from p2ham.organizations.reference import DEFAULT_UNIT_TYPES, load_reference_data


def load(apps, schema_editor):
    load_reference_data(apps.get_model("organizations", "Province"), apps.get_model("organizations", "UnitType"))


def unload(apps, schema_editor):
    apps.get_model("organizations", "UnitType").objects.filter(
        code__in=[c for c, _, _ in DEFAULT_UNIT_TYPES], unit__isnull=True
    ).delete()
    apps.get_model("organizations", "Province").objects.filter(unit__isnull=True, institution__isnull=True).delete()


class Migration(migrations.Migration):
    dependencies = [("organizations", "0001_initial")]
    operations = [migrations.RunPython(load, unload)]
