"""The starting list of verification reasons and the ranges of adjustment points (both edited in the admin).

The labels are stored in Indonesian: they are data the verifiers read and choose from, not interface text."""

from decimal import Decimal

from django.db import migrations

REASONS = [
    ("bukti-tidak-ada", "Data dukung tidak dilampirkan"),
    ("bukti-tidak-relevan", "Data dukung tidak relevan dengan indikator"),
    ("bukti-tidak-lengkap", "Data dukung tidak lengkap"),
    ("bukti-tidak-terbaca", "Data dukung tidak terbaca atau rusak"),
    ("bukti-kedaluwarsa", "Data dukung tidak berlaku pada tahun penilaian"),
    ("jawaban-tidak-sesuai-bukti", "Jawaban tidak sesuai dengan data dukung"),
    ("tidak-ditandatangani", "Dokumen belum ditandatangani atau disahkan pejabat berwenang"),
    ("sarana-tidak-memadai", "Sarana dan prasarana tidak sesuai standar"),
    ("tidak-berlaku-unit", "Indikator tidak berlaku untuk jenis unit ini"),
    ("lainnya", "Lainnya (lihat catatan)"),
]

RULES = [
    ("wbk_wbbm", Decimal("0"), Decimal("5")),
    ("ikm", Decimal("0"), Decimal("5")),
    ("complaints", Decimal("-10"), Decimal("0")),
    ("negative_news", Decimal("-10"), Decimal("0")),
]


def forwards(apps, schema_editor):
    ReasonCode = apps.get_model("reviews", "ReasonCode")
    AdjustmentRule = apps.get_model("reviews", "AdjustmentRule")
    for order, (code, label) in enumerate(REASONS, start=1):
        ReasonCode.objects.get_or_create(code=code, defaults={"label": label, "order": order})
    for kind, low, high in RULES:
        AdjustmentRule.objects.get_or_create(kind=kind, defaults={"min_points": low, "max_points": high})


def backwards(apps, schema_editor):
    apps.get_model("reviews", "ReasonCode").objects.filter(code__in=[c for c, _ in REASONS]).delete()
    apps.get_model("reviews", "AdjustmentRule").objects.filter(kind__in=[k for k, _, _ in RULES]).delete()


class Migration(migrations.Migration):
    dependencies = [("reviews", "0001_verification_and_panel")]

    operations = [migrations.RunPython(forwards, backwards)]
