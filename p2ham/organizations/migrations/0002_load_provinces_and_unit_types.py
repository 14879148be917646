from django.db import migrations

from p2ham.organizations.reference import DEFAULT_UNIT_TYPES, province_rows


def load(apps, schema_editor):
    Province = apps.get_model("organizations", "Province")
    UnitType = apps.get_model("organizations", "UnitType")
    for row in province_rows():
        Province.objects.update_or_create(
            code=row["code"], defaults={"name": row["name"], "timezone": row["timezone"], "zone": row["zone"]}
        )
    for order, (code, name, cohort) in enumerate(DEFAULT_UNIT_TYPES):
        UnitType.objects.get_or_create(code=code, defaults={"name": name, "cohort": cohort, "order": order})


def unload(apps, schema_editor):
    apps.get_model("organizations", "UnitType").objects.filter(
        code__in=[c for c, _, _ in DEFAULT_UNIT_TYPES], unit__isnull=True
    ).delete()
    apps.get_model("organizations", "Province").objects.filter(unit__isnull=True, institution__isnull=True).delete()


class Migration(migrations.Migration):
    dependencies = [("organizations", "0001_initial")]
    operations = [migrations.RunPython(load, unload)]
