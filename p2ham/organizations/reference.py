"""Reference data shipped with the platform: the 38 provinces and the default unit types.

Both are loaded by a data migration so every database (including the test database) has them; unit
types stay editable data afterwards.
"""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

DATA_DIR = Path(__file__).resolve().parent / "data"

# code, name, ranking cohort
DEFAULT_UNIT_TYPES: list[tuple[str, str, str]] = [
    ("kementerian", "Kementerian / Lembaga", "pusat"),
    ("eselon1", "Unit Eselon I", "pusat"),
    ("kanwil", "Kantor Wilayah", "kanwil"),
    ("lapas", "Lembaga Pemasyarakatan (Lapas)", "pemasyarakatan"),
    ("rutan", "Rumah Tahanan Negara (Rutan)", "pemasyarakatan"),
    ("lpka", "Lembaga Pembinaan Khusus Anak (LPKA)", "pemasyarakatan"),
    ("bapas", "Balai Pemasyarakatan (Bapas)", "pemasyarakatan"),
    ("rupbasan", "Rumah Penyimpanan Benda Sitaan Negara (Rupbasan)", "pemasyarakatan"),
    ("kanim", "Kantor Imigrasi", "imigrasi"),
    ("rudenim", "Rumah Detensi Imigrasi (Rudenim)", "imigrasi"),
    ("bhp", "Balai Harta Peninggalan (BHP)", "bhp"),
    ("pemda", "Pemerintah Daerah", "pemda"),
    ("opd", "Perangkat Daerah (OPD)", "pemda"),
    ("uptd", "Unit Pelaksana Teknis Daerah (UPTD)", "pemda"),
]


def province_rows() -> list[dict[str, str]]:
    with (DATA_DIR / "provinces.csv").open(encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def load_reference_data(province_model: Any, unit_type_model: Any) -> None:
    """Create or update the provinces and add missing default unit types (migration and tests)."""
    for row in province_rows():
        province_model.objects.update_or_create(
            code=row["code"], defaults={"name": row["name"], "timezone": row["timezone"], "zone": row["zone"]}
        )
    for order, (code, name, cohort) in enumerate(DEFAULT_UNIT_TYPES):
        unit_type_model.objects.get_or_create(code=code, defaults={"name": name, "cohort": cohort, "order": order})
