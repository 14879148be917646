"""The evaluation documents: always Indonesian, what they say, dates in the right time zone, reasons escaped."""

import datetime as dt
import io

import pytest
from django.utils import translation
from pypdf import PdfReader

from p2ham.assessments import documents, selectors, services
from p2ham.assessments.models import Assessment

pytestmark = pytest.mark.django_db

# 15.30 UTC on 1 March: still 1 March in Jakarta (22.30 WIB), already 2 March in Ambon (00.30 WIT).
EVENING_UTC = dt.datetime(2027, 3, 1, 15, 30, tzinfo=dt.UTC)


def _text(data: bytes) -> str:
    reader = PdfReader(io.BytesIO(data))
    return "\n".join(page.extract_text() for page in reader.pages)


def _pages(data: bytes) -> int:
    return len(PdfReader(io.BytesIO(data)).pages)


def _ineligible(ditjen, period, unit, reasons) -> Assessment:
    assessment = services.evaluation_decide(actor=ditjen, period=period, unit=unit, eligible=False, reasons=reasons)
    return Assessment.objects.select_related("period", "evaluated_by", "unit__province", "unit__unit_type").get(
        pk=assessment.pk
    )


def test_the_minutes_list_the_eligible_units_per_province(ditjen, sa_period, assessment, medan_assessment):
    groups = selectors.eligible_by_province(user=ditjen, period=sa_period)
    data = documents.evaluation_minutes_pdf(period=sa_period, groups=groups, signer=ditjen, now=EVENING_UTC)
    assert data.startswith(b"%PDF")
    text = _text(data)
    assert f"BERITA ACARA HASIL EVALUASI PELAYANAN PUBLIK BERBASIS HAK ASASI MANUSIA TAHUN {sa_period.year}" in (
        " ".join(text.split())
    )
    assert "Senin, tanggal 1 Maret 2027" in text  # Jakarta's date, in Indonesian
    assert "Provinsi Maluku" in text
    assert "Provinsi Sumatera Utara" in text
    assert "Lapas Kelas IIA Ambon" in text
    assert "Lapas Kelas I Medan" in text
    assert "Jumlah unit kerja yang dinyatakan lolos: 2 unit kerja." in text
    assert "Direktur Jenderal Hak Asasi Manusia," in text
    assert ditjen.full_name in text
    assert _pages(data) == 1


def test_the_minutes_are_in_indonesian_whatever_the_reader_s_language(ditjen, sa_period, assessment):
    groups = selectors.eligible_by_province(user=ditjen, period=sa_period)
    with translation.override("en"):
        text = _text(documents.evaluation_minutes_pdf(period=sa_period, groups=groups, signer=ditjen, now=EVENING_UTC))
        assert translation.get_language() == "en"  # the reader's language is back afterwards
    assert "Senin" in text
    assert "Maret" in text
    assert "Monday" not in text


def test_the_minutes_of_one_province_say_so(ditjen, sa_period, assessment, tree):
    groups = selectors.eligible_by_province(user=ditjen, period=sa_period, province="81")
    text = _text(
        documents.evaluation_minutes_pdf(
            period=sa_period, groups=groups, signer=ditjen, province=tree.lapas_ambon.province
        )
    )
    assert "PROVINSI MALUKU" in text
    assert "Jumlah unit kerja yang dinyatakan lolos: 1 unit kerja." in text


def test_the_minutes_without_any_eligible_unit(sa_period):
    text = _text(documents.evaluation_minutes_pdf(period=sa_period, groups=[], signer=None))
    assert "Belum ada unit kerja yang dinyatakan lolos evaluasi." in text
    assert "Jumlah unit kerja yang dinyatakan lolos: 0 unit kerja." in text


def test_a_long_minutes_list_stays_readable(ditjen, sa_period, tree, kanwil):
    from p2ham.assessments.tests.fixtures import declare
    from p2ham.organizations.tests.factories import UnitFactory

    units = [
        UnitFactory(name=f"Lapas Uji {n:03d}", parent=tree.kanwil_maluku, province=tree.kanwil_maluku.province)
        for n in range(80)
    ]
    declare(sa_period, tree.kanwil_maluku, units, kanwil)
    services.evaluation_decide_many(actor=ditjen, period=sa_period, units=units, eligible=True, reasons="")
    groups = selectors.eligible_by_province(user=ditjen, period=sa_period)
    data = documents.evaluation_minutes_pdf(period=sa_period, groups=groups, signer=ditjen)
    text = _text(data)
    assert "Lapas Uji 000" in text
    assert "Lapas Uji 079" in text
    assert "80." in text
    assert "Jumlah unit kerja yang dinyatakan lolos: 80 unit kerja." in text
    assert _pages(data) > 1
    assert "Halaman 2 dari" in text


def test_the_letter_gives_the_unit_the_reasons(ditjen, sa_period, declared, tree):
    tree.lapas_ambon.address = "Jl. Kapitan Ulupaha No. 1\nAmbon"
    tree.lapas_ambon.save(update_fields=["address"])
    assessment = _ineligible(ditjen, sa_period, tree.lapas_ambon, "Tidak ada jalur landai.\nRuang laktasi belum ada.")
    data = documents.ineligibility_letter_pdf(assessment=assessment)
    text = _text(data)
    assert "SURAT KETERANGAN HASIL EVALUASI" in text
    assert f"TAHUN {sa_period.year}" in text
    assert "Kepala Lapas Kelas IIA Ambon" in text
    assert "Jl. Kapitan Ulupaha No. 1\nAmbon" in text
    assert "Provinsi Maluku" in text
    assert "TIDAK LOLOS" in text
    # Each line of the reasons stays a line.
    assert "Tidak ada jalur landai.\nRuang laktasi belum ada." in text
    assert ditjen.full_name in text
    assert _pages(data) == 1


def test_the_letter_escapes_the_reasons(ditjen, sa_period, declared, tree):
    assessment = _ineligible(ditjen, sa_period, tree.rutan_ambon, "<b>tebal</b> & <script>x</script>")
    text = _text(documents.ineligibility_letter_pdf(assessment=assessment))
    assert "<b>tebal</b> & <script>x</script>" in text


def test_the_letter_is_dated_in_the_unit_s_time_zone(ditjen, sa_period, declared, tree):
    assessment = _ineligible(ditjen, sa_period, tree.lapas_ambon, "Belum siap.")
    assessment.evaluated_at = EVENING_UTC
    text = _text(documents.ineligibility_letter_pdf(assessment=assessment))
    assert "2 Maret 2027" in text  # Ambon (WIT) is already on the next day
    assert "1 Maret 2027" not in text

    medan = _ineligible(ditjen, sa_period, tree.lapas_medan, "Belum siap.")
    medan.evaluated_at = EVENING_UTC
    assert "1 Maret 2027" in _text(documents.ineligibility_letter_pdf(assessment=medan))  # Medan (WIB)
