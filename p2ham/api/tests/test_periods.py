"""API v1 for periods and instruments (issue 3, item 6; ../shared/API.md).

Every endpoint and method has an allowed and a refused case; refused writes change nothing; the tree writes
carry an ``If-Match`` ETag and a stale one gets 409.
"""

from __future__ import annotations

import copy
import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.utils.dateparse import parse_datetime

from p2ham.api.tests.helpers import assert_error
from p2ham.audit.models import AuditEntry
from p2ham.instruments.defaults import default_trees, load_default_instruments
from p2ham.instruments.models import AnswerOption, AnswerScale, Criterion, Indicator, Instrument
from p2ham.instruments.selectors import instrument_tree
from p2ham.instruments.services import criterion_save, instrument_new_version
from p2ham.organizations.models import UnitType
from p2ham.periods.models import Period, Stage, StageWindow
from p2ham.periods.services import period_create, period_transition

pytestmark = pytest.mark.django_db

PERIODS_URL = "/api/v1/periods"
YEAR = 2027
REGULATION = "Permenkumham 25/2023"
PAGE_KEYS = {"count", "next", "previous", "results"}
WIB = dt.timezone(dt.timedelta(hours=7))
STAGES = [str(stage) for stage in Stage]
DEFAULT_CODES = sorted(tree["code"] for tree in default_trees())
NEW_CODE = "lainnya"
PEMAS = next(t for t in default_trees() if t["code"] == "pemasyarakatan")
PEMAS_CRITERIA = [c["code"] for c in PEMAS["criteria"]]
PEMAS_INDICATORS = sum(len(c["indicators"]) for c in PEMAS["criteria"])


def period_url(year: int = YEAR) -> str:
    return f"{PERIODS_URL}/{year}"


def move_url(move: str, year: int = YEAR) -> str:
    return f"{PERIODS_URL}/{year}/{move}"


def instrument_url(year: int = YEAR) -> str:
    return f"{PERIODS_URL}/{year}/instrument"


def instruments_url(year: int = YEAR) -> str:
    return f"{PERIODS_URL}/{year}/instruments"


def detail_url(code: str, year: int = YEAR) -> str:
    return f"{PERIODS_URL}/{year}/instruments/{code}"


def new_tree(code: str = NEW_CODE, unit_type: str = NEW_CODE) -> dict[str, Any]:
    """A realistic tree: the default Pemasyarakatan instrument, renamed for a fresh unit type."""
    tree = copy.deepcopy(PEMAS)
    tree["code"] = code
    tree["name"] = "Instrumen P2HAM unit lainnya"
    tree["unit_types"] = [unit_type]
    return tree


def counts() -> tuple[int, int, int, int, int]:
    return (
        Instrument.objects.count(),
        Criterion.objects.count(),
        Indicator.objects.count(),
        AnswerScale.objects.count(),
        AnswerOption.objects.count(),
    )


def stored_tree(code: str = "pemasyarakatan", year: int = YEAR) -> dict[str, Any]:
    return instrument_tree(Instrument.objects.get(period__year=year, code=code, current=True))


def audit_actions(prefix: str) -> list[str]:
    return list(AuditEntry.objects.filter(action__startswith=prefix).values_list("action", flat=True))


def put_json(client: Any, url: str, data: Any, etag: str | None) -> Any:
    headers = {"HTTP_IF_MATCH": etag} if etag is not None else {}
    return client.put(url, data, format="json", **headers)


@pytest.fixture
def period(tree) -> Period:
    """A draft period with the default windows and no instrument."""
    return period_create(actor=None, year=YEAR, regulation_label=REGULATION)


@pytest.fixture
def ready_period(period: Period) -> Period:
    """A draft period with the default instruments: ready to open."""
    load_default_instruments(actor=None, period=period)
    return period


@pytest.fixture
def open_period(ready_period: Period) -> Period:
    return period_transition(actor=None, period=ready_period, to=Period.Status.OPEN)


@pytest.fixture
def closed_period(open_period: Period) -> Period:
    return period_transition(actor=None, period=open_period, to=Period.Status.CLOSED)


@pytest.fixture
def other_type(tree) -> UnitType:
    """A unit type no instrument covers."""
    return UnitType.objects.create(code=NEW_CODE, name="Lainnya", cohort="lainnya", order=99)


# --- GET /periods ----------------------------------------------------------------------------------------------


def test_period_list_is_paginated_newest_first(client_for, operator):
    period_create(actor=None, year=2026, regulation_label=REGULATION)
    period_create(actor=None, year=2027, regulation_label=REGULATION)

    response = client_for(operator).get(PERIODS_URL)

    assert response.status_code == 200
    body = response.json()
    assert set(body) == PAGE_KEYS
    assert body["count"] == 2
    assert body["next"] is None and body["previous"] is None
    assert [row["year"] for row in body["results"]] == [2027, 2026]
    assert body["results"][0] == {
        "year": 2027,
        "regulation_label": REGULATION,
        "status": "draft",
        "opened_at": None,
        "closed_at": None,
    }


def test_period_list_pages_with_page_size(client_for, operator):
    for year in (2024, 2025, 2026):
        period_create(actor=None, year=year, regulation_label=REGULATION)

    body = client_for(operator).get(PERIODS_URL, {"page_size": 2, "page": 2}).json()

    assert body["count"] == 3
    assert [row["year"] for row in body["results"]] == [2024]
    assert body["next"] is None
    assert body["previous"]


def test_period_list_refuses_anonymous(api, period):
    assert_error(api.get(PERIODS_URL), 401, "not_authenticated")


def test_period_list_refuses_an_account_without_a_role(client_for, outsider, period):
    assert_error(client_for(outsider).get(PERIODS_URL), 403)


# --- GET /periods/{year} ---------------------------------------------------------------------------------------


def test_period_detail_has_the_nine_stage_windows_in_order(client_for, operator, period):
    response = client_for(operator).get(period_url())

    assert response.status_code == 200
    body = response.json()
    assert body["year"] == YEAR and body["status"] == "draft"
    assert [w["stage"] for w in body["windows"]] == STAGES
    for window in body["windows"]:
        assert set(window) == {"stage", "stage_name", "opens_at", "closes_at", "opens_local", "closes_local"}
        assert window["stage_name"] == str(Stage(window["stage"]).label)
        assert parse_datetime(window["closes_at"]) > parse_datetime(window["opens_at"])


def test_period_detail_self_assessment_closes_30_september_2359_jakarta(client_for, operator, period):
    windows = {w["stage"]: w for w in client_for(operator).get(period_url()).json()["windows"]}
    assert windows[Stage.PENILAIAN_MANDIRI]["closes_local"] == f"{YEAR}-09-30T23:59"  # read locally in every zone

    window = windows[Stage.PENILAIAN_MANDIRI]
    assert window["stage_name"] == "Self-assessment"
    assert parse_datetime(window["closes_at"]) == dt.datetime(YEAR, 9, 30, 23, 59, tzinfo=WIB)
    assert parse_datetime(window["opens_at"]) == dt.datetime(YEAR, 7, 15, 0, 0, tzinfo=WIB)


def test_period_detail_summarises_the_instruments(client_for, kanwil, ready_period):
    body = client_for(kanwil).get(period_url()).json()

    summaries = {i["code"]: i for i in body["instruments"]}
    assert sorted(summaries) == DEFAULT_CODES
    assert summaries["pemasyarakatan"] == {
        "code": "pemasyarakatan",
        "name": PEMAS["name"],
        "version": 1,
        "current": True,
        "frozen": False,
        "unit_types": sorted(PEMAS["unit_types"]),
    }


def test_period_detail_of_an_unknown_year_is_404(client_for, operator, period):
    assert_error(client_for(operator).get(period_url(2031)), 404, "not_found")


def test_period_detail_refuses_anonymous(api, period):
    assert_error(api.get(period_url()), 401, "not_authenticated")


# --- POST /periods ---------------------------------------------------------------------------------------------


def test_admin_creates_a_draft_period_with_nine_windows(client_for, admin_user):
    response = client_for(admin_user).post(PERIODS_URL, {"year": 2028, "regulation_label": REGULATION}, format="json")

    assert response.status_code == 201, response.content[:500]
    body = response.json()
    assert body["year"] == 2028 and body["status"] == "draft" and body["regulation_label"] == REGULATION
    assert [w["stage"] for w in body["windows"]] == STAGES
    self_assessment = next(w for w in body["windows"] if w["stage"] == Stage.PENILAIAN_MANDIRI)
    assert parse_datetime(self_assessment["closes_at"]) == dt.datetime(2028, 9, 30, 23, 59, tzinfo=WIB)
    assert body["instruments"] == []
    period = Period.objects.get(year=2028)
    assert period.windows.count() == 9


def test_period_creation_is_audited_with_the_actor(client_for, admin_user):
    client_for(admin_user).post(PERIODS_URL, {"year": 2028, "regulation_label": REGULATION}, format="json")

    entry = AuditEntry.objects.get(action="period.create")
    assert entry.actor == admin_user
    assert entry.data == {"year": 2028}


@pytest.mark.parametrize("role", ["ditjen", "kanwil", "operator", "verifier"])
def test_only_admin_creates_periods(request, client_for, role):
    user = request.getfixturevalue(role)

    response = client_for(user).post(PERIODS_URL, {"year": 2028, "regulation_label": REGULATION}, format="json")

    assert_error(response, 403, "permission_denied")
    assert Period.objects.count() == 0
    assert StageWindow.objects.count() == 0


def test_period_creation_refuses_anonymous(api, tree):
    response = api.post(PERIODS_URL, {"year": 2028, "regulation_label": REGULATION}, format="json")

    assert_error(response, 401, "not_authenticated")
    assert Period.objects.count() == 0


def test_duplicate_year_is_400_on_year_and_creates_nothing(client_for, admin_user, period):
    response = client_for(admin_user).post(PERIODS_URL, {"year": YEAR, "regulation_label": "Lain"}, format="json")

    body = assert_error(response, 400, "invalid")
    assert "year" in body["errors"] and body["errors"]["year"][0]
    assert Period.objects.count() == 1
    assert StageWindow.objects.count() == 9
    assert Period.objects.get().regulation_label == REGULATION


@pytest.mark.parametrize("year", [1990, 2017, 2101, "dua ribu", None])
def test_year_out_of_range_is_400_on_year(client_for, admin_user, year):
    response = client_for(admin_user).post(PERIODS_URL, {"year": year, "regulation_label": REGULATION}, format="json")

    body = assert_error(response, 400, "invalid")
    assert list(body["errors"]) == ["year"]
    assert Period.objects.count() == 0


def test_missing_regulation_label_is_400(client_for, admin_user):
    response = client_for(admin_user).post(PERIODS_URL, {"year": 2028}, format="json")

    body = assert_error(response, 400, "invalid")
    assert "regulation_label" in body["errors"]
    assert Period.objects.count() == 0


# --- POST /periods/{year}/{open,close,archive,reopen} -------------------------------------------------------------


def test_admin_opens_a_ready_period(client_for, admin_user, ready_period):
    response = client_for(admin_user).post(move_url("open"))

    assert response.status_code == 200, response.content[:500]
    body = response.json()
    assert body["status"] == "open"
    assert body["opened_at"]
    ready_period.refresh_from_db()
    assert ready_period.status == Period.Status.OPEN


def test_opening_writes_an_audit_entry(client_for, admin_user, ready_period):
    client_for(admin_user).post(move_url("open"))

    entry = AuditEntry.objects.get(action="period.open")
    assert entry.actor == admin_user
    assert entry.data == {"from": "draft", "to": "open"}


def test_opening_freezes_the_instruments(client_for, admin_user, ready_period):
    client_for(admin_user).post(move_url("open"))

    instruments = client_for(admin_user).get(period_url()).json()["instruments"]
    assert sorted(i["code"] for i in instruments) == DEFAULT_CODES
    assert all(i["frozen"] for i in instruments)


def test_opening_without_instruments_is_409_and_changes_nothing(client_for, admin_user, period):
    response = client_for(admin_user).post(move_url("open"))

    body = assert_error(response, 409, "illegal_transition")
    assert "instrument" in body["detail"].lower()
    period.refresh_from_db()
    assert period.status == Period.Status.DRAFT
    assert period.opened_at is None
    assert audit_actions("period.open") == []


def test_opening_with_a_stage_without_window_is_409(client_for, admin_user, ready_period):
    ready_period.windows.filter(stage=Stage.VERIFIKASI).delete()

    response = client_for(admin_user).post(move_url("open"))

    assert_error(response, 409, "illegal_transition")
    ready_period.refresh_from_db()
    assert ready_period.status == Period.Status.DRAFT
    assert not Instrument.objects.filter(frozen=True).exists()


def test_closing_a_draft_is_409(client_for, admin_user, ready_period):
    response = client_for(admin_user).post(move_url("close"))

    assert_error(response, 409, "illegal_transition")
    ready_period.refresh_from_db()
    assert ready_period.status == Period.Status.DRAFT
    assert ready_period.closed_at is None


def test_archiving_a_draft_is_409(client_for, admin_user, ready_period):
    assert_error(client_for(admin_user).post(move_url("archive")), 409, "illegal_transition")
    ready_period.refresh_from_db()
    assert ready_period.status == Period.Status.DRAFT


def test_reopening_a_draft_is_409(client_for, admin_user, ready_period):
    """``reopen`` is the move closed → open; on a draft it is illegal, not a synonym of ``open``."""
    response = client_for(admin_user).post(move_url("reopen"))

    assert_error(response, 409, "illegal_transition")
    ready_period.refresh_from_db()
    assert ready_period.status == Period.Status.DRAFT
    assert audit_actions("period.") == ["period.create"]


def test_a_second_period_cannot_open_while_one_is_open(client_for, admin_user, open_period):
    second = period_create(actor=None, year=YEAR + 1, regulation_label=REGULATION)
    load_default_instruments(actor=None, period=second)

    response = client_for(admin_user).post(move_url("open", YEAR + 1))

    assert_error(response, 409, "illegal_transition")
    second.refresh_from_db()
    assert second.status == Period.Status.DRAFT
    assert not second.instruments.filter(frozen=True).exists()
    assert Period.objects.filter(status=Period.Status.OPEN).get() == open_period


def test_admin_closes_an_open_period(client_for, admin_user, open_period):
    response = client_for(admin_user).post(move_url("close"))

    assert response.status_code == 200
    assert response.json()["status"] == "closed"
    assert response.json()["closed_at"]
    assert AuditEntry.objects.get(action="period.close").actor == admin_user


def test_admin_reopens_a_closed_period(client_for, admin_user, closed_period):
    response = client_for(admin_user).post(move_url("reopen"))

    assert response.status_code == 200
    assert response.json()["status"] == "open"
    assert AuditEntry.objects.get(action="period.reopen").actor == admin_user


def test_admin_archives_a_closed_period(client_for, admin_user, closed_period):
    response = client_for(admin_user).post(move_url("archive"))

    assert response.status_code == 200
    assert response.json()["status"] == "archived"
    assert AuditEntry.objects.get(action="period.archive").actor == admin_user


def test_archiving_an_open_period_is_409(client_for, admin_user, open_period):
    assert_error(client_for(admin_user).post(move_url("archive")), 409, "illegal_transition")
    open_period.refresh_from_db()
    assert open_period.status == Period.Status.OPEN


def test_reopening_an_archived_period_is_409(client_for, admin_user, closed_period):
    period_transition(actor=None, period=closed_period, to=Period.Status.ARCHIVED)

    assert_error(client_for(admin_user).post(move_url("reopen")), 409, "illegal_transition")
    closed_period.refresh_from_db()
    assert closed_period.status == Period.Status.ARCHIVED


def test_an_unknown_move_is_404(client_for, admin_user, ready_period):
    assert_error(client_for(admin_user).post(move_url("publish")), 404, "not_found")
    ready_period.refresh_from_db()
    assert ready_period.status == Period.Status.DRAFT


def test_a_move_of_an_unknown_year_is_404(client_for, admin_user, ready_period):
    assert_error(client_for(admin_user).post(move_url("open", 2031)), 404, "not_found")


@pytest.mark.parametrize("role", ["ditjen", "kanwil", "operator"])
def test_only_admin_moves_a_period(request, client_for, ready_period, role):
    user = request.getfixturevalue(role)

    response = client_for(user).post(move_url("open"))

    assert_error(response, 403, "permission_denied")
    ready_period.refresh_from_db()
    assert ready_period.status == Period.Status.DRAFT
    assert audit_actions("period.open") == []


def test_moving_a_period_refuses_anonymous(api, ready_period):
    assert_error(api.post(move_url("open")), 401, "not_authenticated")
    ready_period.refresh_from_db()
    assert ready_period.status == Period.Status.DRAFT


# --- GET /periods/{year}/instrument?unit_type= -----------------------------------------------------------------


def test_instrument_for_a_unit_type_is_the_whole_tree(client_for, operator, ready_period):
    response = client_for(operator).get(instrument_url(), {"unit_type": "lapas"})

    assert response.status_code == 200
    body = response.json()
    assert body["code"] == "pemasyarakatan"
    assert "lapas" in body["unit_types"]
    scales = {s["code"]: s for s in body["scales"]}
    assert sorted(scales) == sorted(s["code"] for s in PEMAS["scales"])
    for scale in PEMAS["scales"]:
        served = [(o["label"], Decimal(o["score"])) for o in scales[scale["code"]]["options"]]
        assert served == [(o["label"], Decimal(o["score"])) for o in scale["options"]]
    assert [c["code"] for c in body["criteria"]] == PEMAS_CRITERIA
    first = body["criteria"][0]["indicators"][0]
    assert first["code"] == PEMAS["criteria"][0]["indicators"][0]["code"]
    assert first["question"]
    assert first["scale"] in scales
    assert {"guidance_unit", "guidance_verifier", "weight", "mandatory", "evidence", "continues"} <= set(first)
    assert sum(len(c["indicators"]) for c in body["criteria"]) == PEMAS_INDICATORS


def test_instrument_for_a_unit_type_carries_an_etag(client_for, operator, ready_period):
    response = client_for(operator).get(instrument_url(), {"unit_type": "lapas"})

    assert response["ETag"].startswith('"') and response["ETag"].endswith('"')


def test_instrument_etag_is_the_same_as_the_detail_etag(client_for, admin_user, ready_period):
    """A client that read the tree by unit type can write it back with that ETag."""
    by_type = client_for(admin_user).get(instrument_url(), {"unit_type": "rutan"})
    by_code = client_for(admin_user).get(detail_url("pemasyarakatan"))

    assert by_type["ETag"] == by_code["ETag"]


@pytest.mark.parametrize("role", ["operator", "kanwil", "other_kanwil", "verifier", "ditjen", "admin_user"])
def test_every_role_reads_the_instrument(request, client_for, ready_period, role):
    user = request.getfixturevalue(role)

    response = client_for(user).get(instrument_url(), {"unit_type": "kanim"})

    assert response.status_code == 200
    assert response.json()["code"] == "imigrasi"


def test_instrument_refuses_anonymous(api, ready_period):
    assert_error(api.get(instrument_url(), {"unit_type": "lapas"}), 401, "not_authenticated")


def test_instrument_refuses_an_account_without_a_role(client_for, outsider, ready_period):
    assert_error(client_for(outsider).get(instrument_url(), {"unit_type": "lapas"}), 403)


def test_instrument_without_unit_type_is_400(client_for, operator, ready_period):
    body = assert_error(client_for(operator).get(instrument_url()), 400, "invalid")

    assert list(body["errors"]) == ["unit_type"]


def test_instrument_with_unknown_unit_type_is_400(client_for, operator, ready_period):
    body = assert_error(client_for(operator).get(instrument_url(), {"unit_type": "kapal"}), 400, "invalid")

    assert list(body["errors"]) == ["unit_type"]
    assert "kapal" in body["errors"]["unit_type"][0]


def test_instrument_for_a_unit_type_no_instrument_covers_is_404(client_for, operator, ready_period, other_type):
    assert_error(client_for(operator).get(instrument_url(), {"unit_type": NEW_CODE}), 404, "not_found")


def test_instrument_of_an_unknown_year_is_404(client_for, operator, ready_period):
    assert_error(client_for(operator).get(instrument_url(2031), {"unit_type": "lapas"}), 404, "not_found")


# --- GET /periods/{year}/instruments ---------------------------------------------------------------------------


def test_instrument_list_is_paginated(client_for, operator, ready_period):
    """API.md: lists are paginated as {count, next, previous, results}."""
    response = client_for(operator).get(instruments_url())

    assert response.status_code == 200
    body = response.json()
    assert isinstance(body, dict) and set(body) == PAGE_KEYS, body
    assert body["count"] == len(DEFAULT_CODES)
    assert sorted(row["code"] for row in body["results"]) == DEFAULT_CODES


def test_instrument_list_refuses_anonymous(api, ready_period):
    assert_error(api.get(instruments_url()), 401, "not_authenticated")


def test_instrument_list_of_an_unknown_year_is_404(client_for, operator, ready_period):
    assert_error(client_for(operator).get(instruments_url(2031)), 404, "not_found")


# --- POST /periods/{year}/instruments --------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["admin_user", "ditjen"])
def test_admin_and_ditjen_add_an_instrument(request, client_for, period, other_type, role):
    user = request.getfixturevalue(role)

    response = client_for(user).post(instruments_url(), new_tree(), format="json")

    assert response.status_code == 201, response.content[:800]
    body = response.json()
    assert body["code"] == NEW_CODE and body["version"] == 1
    assert body["unit_types"] == [NEW_CODE]
    assert [c["code"] for c in body["criteria"]] == PEMAS_CRITERIA
    assert response["ETag"]
    instrument = Instrument.objects.get(period=period, code=NEW_CODE)
    assert instrument.indicators.count() == PEMAS_INDICATORS
    assert AuditEntry.objects.get(action="instrument.create").actor == user


def test_an_added_instrument_is_served_for_its_unit_type(client_for, admin_user, operator, period, other_type):
    created = client_for(admin_user).post(instruments_url(), new_tree(), format="json")

    response = client_for(operator).get(instrument_url(), {"unit_type": NEW_CODE})

    assert response.status_code == 200
    assert response.json() == created.json()
    assert response["ETag"] == created["ETag"]


@pytest.mark.parametrize("role", ["kanwil", "operator", "verifier"])
def test_other_roles_cannot_add_an_instrument(request, client_for, period, other_type, role):
    user = request.getfixturevalue(role)
    before = counts()

    response = client_for(user).post(instruments_url(), new_tree(), format="json")

    assert_error(response, 403, "permission_denied")
    assert counts() == before


def test_adding_an_instrument_refuses_anonymous(api, period, other_type):
    assert_error(api.post(instruments_url(), new_tree(), format="json"), 401, "not_authenticated")
    assert Instrument.objects.count() == 0


def test_adding_an_instrument_to_an_open_period_is_409(client_for, admin_user, open_period, other_type):
    before = counts()

    response = client_for(admin_user).post(instruments_url(), new_tree(), format="json")

    assert_error(response, 409, "illegal_transition")
    assert counts() == before


def test_adding_an_instrument_to_an_unknown_year_is_404(client_for, admin_user, period, other_type):
    assert_error(client_for(admin_user).post(instruments_url(2031), new_tree(), format="json"), 404, "not_found")
    assert Instrument.objects.count() == 0


def test_adding_an_instrument_with_a_code_already_used_is_400(client_for, admin_user, ready_period, other_type):
    before = counts()

    response = client_for(admin_user).post(instruments_url(), new_tree(code="pemasyarakatan"), format="json")

    body = assert_error(response, 400, "invalid")
    assert "code" in body["errors"]
    assert counts() == before


def test_adding_an_instrument_for_a_covered_unit_type_is_400(client_for, admin_user, ready_period):
    before = counts()

    response = client_for(admin_user).post(instruments_url(), new_tree(unit_type="lapas"), format="json")

    body = assert_error(response, 400, "invalid")
    assert "unit_types" in body["errors"]
    assert "lapas" in body["errors"]["unit_types"][0]
    assert counts() == before


def _set(path: list[Any], value: Any):
    def change(tree: dict[str, Any]) -> None:
        node: Any = tree
        for key in path[:-1]:
            node = node[key]
        node[path[-1]] = value

    return change


def _duplicate_indicator_code(tree: dict[str, Any]) -> None:
    tree["criteria"][0]["indicators"][1]["code"] = tree["criteria"][0]["indicators"][0]["code"]


def _duplicate_indicator_code_across_criteria(tree: dict[str, Any]) -> None:
    tree["criteria"][1]["indicators"][0]["code"] = tree["criteria"][0]["indicators"][0]["code"]


def _without_criteria(tree: dict[str, Any]) -> None:
    del tree["criteria"]


INVALID_TREES = [
    pytest.param(_set(["criteria", 0, "weight"], "0"), "criteria[0].weight", id="criterion-weight-zero"),
    pytest.param(_set(["criteria", 1, "weight"], "-1"), "criteria[1].weight", id="criterion-weight-negative"),
    pytest.param(
        _set(["criteria", 0, "indicators", 2, "weight"], "0"),
        "criteria[0].indicators[2].weight",
        id="indicator-weight-zero",
    ),
    pytest.param(
        _set(["criteria", 2, "indicators", 0, "weight"], "-1"),
        "criteria[2].indicators[0].weight",
        id="indicator-weight-negative",
    ),
    pytest.param(_set(["criteria", 0, "weight"], "banyak"), "criteria[0].weight", id="criterion-weight-not-a-number"),
    pytest.param(
        _set(["scales", 0, "options", 0, "score"], "101"), "scales[0].options[0].score", id="option-score-101"
    ),
    pytest.param(
        _set(["scales", 1, "options", 1, "score"], "-5"), "scales[1].options[1].score", id="option-score-negative"
    ),
    pytest.param(_duplicate_indicator_code, "criteria[0].indicators[1].code", id="duplicate-indicator-code"),
    pytest.param(
        _duplicate_indicator_code_across_criteria,
        "criteria[1].indicators[0].code",
        id="duplicate-indicator-code-across-criteria",
    ),
    pytest.param(
        _set(["criteria", 0, "indicators", 0, "scale"], "ya_tidak"),
        "criteria[0].indicators[0].scale",
        id="unknown-scale",
    ),
    pytest.param(_set(["unit_types"], ["kapal"]), "unit_types[0]", id="unknown-unit-type"),
    pytest.param(_without_criteria, "criteria", id="missing-criteria"),
    pytest.param(_set(["criteria"], []), "criteria", id="empty-criteria"),
    pytest.param(_set(["scales", 0, "options"], [{"label": "Ada", "score": "100"}]), "scales[0].options", id="one-opt"),
    pytest.param(_set(["predicate_threshold"], "120"), "predicate_threshold", id="threshold-over-100"),
    pytest.param(
        _set(["criteria", 0, "indicators", 0, "evidence", "kinds"], ["exe"]),
        "criteria[0].indicators[0].evidence.kinds",
        id="unknown-file-kind",
    ),
]


@pytest.mark.parametrize(("change", "where"), INVALID_TREES)
def test_an_invalid_tree_is_400_keyed_by_its_path_and_creates_nothing(
    client_for, admin_user, period, other_type, change, where
):
    tree = new_tree()
    change(tree)
    before = counts()

    response = client_for(admin_user).post(instruments_url(), tree, format="json")

    body = assert_error(response, 400, "invalid")
    assert where in body["errors"], body["errors"]
    assert all(isinstance(m, str) and m for m in body["errors"][where])
    assert counts() == before
    assert audit_actions("instrument.") == []


def test_every_problem_of_a_tree_is_reported_at_once(client_for, admin_user, period, other_type):
    tree = new_tree()
    tree["criteria"][0]["weight"] = "0"
    tree["scales"][0]["options"][0]["score"] = "101"
    tree["unit_types"] = ["kapal"]

    body = assert_error(client_for(admin_user).post(instruments_url(), tree, format="json"), 400, "invalid")

    assert {"criteria[0].weight", "scales[0].options[0].score", "unit_types[0]"} <= set(body["errors"])


@pytest.mark.parametrize(
    "weight",
    [
        pytest.param("0.001", id="rounds-to-zero"),
        pytest.param("99999.999", id="too-many-digits"),
    ],
)
def test_a_weight_the_database_cannot_hold_is_400_not_500(client_for, admin_user, period, other_type, weight):
    """API.md: never a 500 for bad input. Weights are stored with two decimals and at most 7 digits."""
    tree = new_tree()
    tree["criteria"][0]["weight"] = weight
    before = counts()

    response = client_for(admin_user).post(instruments_url(), tree, format="json")

    body = assert_error(response, 400, "invalid")
    assert "criteria[0].weight" in body["errors"], body["errors"]
    assert counts() == before


@pytest.mark.parametrize("payload", [[], "instrumen", 42], ids=["list", "string", "number"])
def test_a_body_that_is_not_a_tree_is_400(client_for, admin_user, period, payload):
    response = client_for(admin_user).post(instruments_url(), payload, format="json")

    assert_error(response, 400, "invalid")
    assert Instrument.objects.count() == 0


# --- GET /periods/{year}/instruments/{code} --------------------------------------------------------------------


def test_instrument_detail_is_the_tree_with_an_etag(client_for, kanwil, ready_period):
    response = client_for(kanwil).get(detail_url("bhp"))

    assert response.status_code == 200
    assert response["ETag"]
    body = response.json()
    assert body["code"] == "bhp" and body["version"] == 1
    assert body["unit_types"] == ["bhp"]
    assert body == stored_tree("bhp")


def test_instrument_detail_etag_is_stable_between_reads(client_for, operator, ready_period):
    first = client_for(operator).get(detail_url("pemasyarakatan"))
    second = client_for(operator).get(detail_url("pemasyarakatan"))

    assert first["ETag"] == second["ETag"]


def test_instrument_detail_etags_differ_between_instruments(client_for, operator, ready_period):
    etags = {client_for(operator).get(detail_url(code))["ETag"] for code in DEFAULT_CODES}

    assert len(etags) == len(DEFAULT_CODES)


def test_instrument_detail_reads_an_earlier_or_later_version(client_for, ditjen, open_period):
    current = Instrument.objects.get(period=open_period, code="pemasyarakatan")
    instrument_new_version(actor=None, instrument=current, change_note="Perbaikan redaksi K1.01")

    in_force = client_for(ditjen).get(detail_url("pemasyarakatan"))
    draft = client_for(ditjen).get(detail_url("pemasyarakatan"), {"version": 2})
    first = client_for(ditjen).get(detail_url("pemasyarakatan"), {"version": 1})

    assert in_force.json()["version"] == 1
    assert draft.status_code == 200 and draft.json()["version"] == 2
    assert first.json()["version"] == 1
    assert draft["ETag"] != in_force["ETag"] == first["ETag"]


def test_instrument_detail_of_an_unknown_version_is_404(client_for, operator, ready_period):
    assert_error(client_for(operator).get(detail_url("pemasyarakatan"), {"version": 9}), 404, "not_found")


def test_instrument_detail_of_an_unknown_code_is_404(client_for, operator, ready_period):
    assert_error(client_for(operator).get(detail_url("kapal")), 404, "not_found")


def test_instrument_detail_of_another_year_is_404(client_for, operator, ready_period):
    period_create(actor=None, year=YEAR + 1, regulation_label=REGULATION)

    assert_error(client_for(operator).get(detail_url("pemasyarakatan", YEAR + 1)), 404, "not_found")


def test_instrument_detail_refuses_anonymous(api, ready_period):
    assert_error(api.get(detail_url("pemasyarakatan")), 401, "not_authenticated")


# --- PUT /periods/{year}/instruments/{code} --------------------------------------------------------------------


def edited(tree: dict[str, Any]) -> dict[str, Any]:
    """The tree with a new name, its last criterion dropped and a new weight on the first."""
    changed = copy.deepcopy(tree)
    changed["name"] = "Instrumen Pemasyarakatan (revisi)"
    changed["criteria"] = changed["criteria"][:2]
    changed["criteria"][0]["weight"] = "55"
    return changed


@pytest.fixture
def read(client_for, admin_user, ready_period) -> tuple[dict[str, Any], str]:
    """The draft Pemasyarakatan instrument as the admin read it: (tree, ETag)."""
    response = client_for(admin_user).get(detail_url("pemasyarakatan"))
    assert response.status_code == 200
    return response.json(), response["ETag"]


def test_put_with_the_etag_replaces_the_tree(client_for, admin_user, read):
    tree, etag = read

    response = put_json(client_for(admin_user), detail_url("pemasyarakatan"), edited(tree), etag)

    assert response.status_code == 200, response.content[:800]
    body = response.json()
    assert body["name"] == "Instrumen Pemasyarakatan (revisi)"
    assert [c["code"] for c in body["criteria"]] == PEMAS_CRITERIA[:2]
    stored = stored_tree()
    assert stored == body
    assert Decimal(stored["criteria"][0]["weight"]) == Decimal("55")
    assert Indicator.objects.filter(instrument__code="pemasyarakatan").count() == sum(
        len(c["indicators"]) for c in PEMAS["criteria"][:2]
    )


def test_put_returns_a_new_etag(client_for, admin_user, read):
    tree, etag = read

    response = put_json(client_for(admin_user), detail_url("pemasyarakatan"), edited(tree), etag)

    assert response["ETag"] and response["ETag"] != etag
    assert client_for(admin_user).get(detail_url("pemasyarakatan"))["ETag"] == response["ETag"]


def test_put_is_audited(client_for, admin_user, read):
    tree, etag = read

    put_json(client_for(admin_user), detail_url("pemasyarakatan"), edited(tree), etag)

    entry = AuditEntry.objects.get(action="instrument.replace")
    assert entry.actor == admin_user
    assert entry.data == {"criteria_before": len(PEMAS_CRITERIA), "criteria_after": 2}


def test_ditjen_may_replace_a_draft_tree(client_for, ditjen, ready_period):
    client = client_for(ditjen)
    read = client.get(detail_url("bhp"))

    response = put_json(client, detail_url("bhp"), edited(read.json()), read["ETag"])

    assert response.status_code == 200
    assert stored_tree("bhp")["name"] == "Instrumen Pemasyarakatan (revisi)"


def test_the_etag_of_a_put_is_good_for_the_next_put(client_for, admin_user, read):
    tree, etag = read
    client = client_for(admin_user)
    first = put_json(client, detail_url("pemasyarakatan"), edited(tree), etag)
    again = first.json()
    again["name"] = "Instrumen Pemasyarakatan (revisi kedua)"

    second = put_json(client, detail_url("pemasyarakatan"), again, first["ETag"])

    assert second.status_code == 200
    assert stored_tree()["name"] == "Instrumen Pemasyarakatan (revisi kedua)"


def test_a_second_put_on_the_same_read_is_stale(client_for, admin_user, ditjen, read):
    """Two editors read the same tree; the second to write must not overwrite the first's change."""
    tree, etag = read
    assert put_json(client_for(ditjen), detail_url("pemasyarakatan"), edited(tree), etag).status_code == 200
    after_first = stored_tree()
    mine = copy.deepcopy(tree)
    mine["name"] = "Perubahan yang datang terlambat"

    response = put_json(client_for(admin_user), detail_url("pemasyarakatan"), mine, etag)

    assert_error(response, 409, "stale")
    assert stored_tree() == after_first


def test_put_without_if_match_is_428_and_changes_nothing(client_for, admin_user, read):
    tree, _etag = read
    before = stored_tree()

    response = put_json(client_for(admin_user), detail_url("pemasyarakatan"), edited(tree), None)

    body = assert_error(response, 428)
    assert "If-Match" in body["detail"]
    assert stored_tree() == before
    assert audit_actions("instrument.replace") == []


@pytest.mark.parametrize("etag", ['"0000000000"', "W/whatever"], ids=["other", "garbage"])
def test_put_with_a_wrong_etag_is_409_stale_and_changes_nothing(client_for, admin_user, read, etag):
    tree, _etag = read
    before = stored_tree()

    response = put_json(client_for(admin_user), detail_url("pemasyarakatan"), edited(tree), etag)

    assert_error(response, 409, "stale")
    assert stored_tree() == before
    assert audit_actions("instrument.replace") == []


def test_an_edit_through_the_screens_makes_the_etag_stale(client_for, admin_user, ditjen, read):
    """Any change to the tree, not only a PUT, must invalidate an ETag read before it."""
    tree, etag = read
    instrument = Instrument.objects.get(period__year=YEAR, code="pemasyarakatan")
    last = PEMAS_CRITERIA[-1]
    criterion_save(
        actor=ditjen,
        instrument=instrument,
        criterion=instrument.criteria.get(code=last),
        code=last,
        name="Inovasi layanan",
        weight=Decimal(30),
    )
    after_screen_edit = stored_tree()

    response = put_json(client_for(admin_user), detail_url("pemasyarakatan"), edited(tree), etag)

    assert_error(response, 409, "stale")
    assert stored_tree() == after_screen_edit


def test_put_on_a_frozen_instrument_is_409_and_changes_nothing(client_for, admin_user, open_period):
    client = client_for(admin_user)
    read = client.get(detail_url("pemasyarakatan"))
    before = stored_tree()

    response = put_json(client, detail_url("pemasyarakatan"), edited(read.json()), read["ETag"])

    assert_error(response, 409, "illegal_transition")
    assert stored_tree() == before
    assert audit_actions("instrument.replace") == []


def test_put_on_an_instrument_of_a_closed_period_is_409(client_for, admin_user, closed_period):
    client = client_for(admin_user)
    read = client.get(detail_url("pemasyarakatan"))
    before = stored_tree()

    response = put_json(client, detail_url("pemasyarakatan"), edited(read.json()), read["ETag"])

    assert_error(response, 409, "illegal_transition")
    assert stored_tree() == before


def test_put_on_the_draft_correction_of_a_frozen_instrument_is_allowed(client_for, admin_user, open_period):
    current = Instrument.objects.get(period=open_period, code="pemasyarakatan")
    instrument_new_version(actor=None, instrument=current, change_note="Perbaikan bobot")
    client = client_for(admin_user)
    read = client.get(detail_url("pemasyarakatan"), {"version": 2})

    response = client.put(
        f"{detail_url('pemasyarakatan')}?version=2", edited(read.json()), format="json", HTTP_IF_MATCH=read["ETag"]
    )

    assert response.status_code == 200, response.content[:500]
    assert response.json()["version"] == 2
    assert stored_tree()["name"] == PEMAS["name"]  # the version in force is untouched


def test_put_of_a_tree_with_another_code_is_400_and_changes_nothing(client_for, admin_user, read):
    tree, etag = read
    other = edited(tree)
    other["code"] = "bhp"
    before = stored_tree()

    response = put_json(client_for(admin_user), detail_url("pemasyarakatan"), other, etag)

    body = assert_error(response, 400, "invalid")
    assert "code" in body["errors"]
    assert stored_tree() == before
    assert stored_tree("bhp")["name"] != other["name"]


@pytest.mark.parametrize(("change", "where"), INVALID_TREES)
def test_put_of_an_invalid_tree_is_400_and_changes_nothing(client_for, admin_user, read, change, where):
    tree, etag = read
    tree = copy.deepcopy(tree)
    change(tree)
    before = (stored_tree(), counts())

    response = put_json(client_for(admin_user), detail_url("pemasyarakatan"), tree, etag)

    body = assert_error(response, 400, "invalid")
    assert where in body["errors"], body["errors"]
    assert (stored_tree(), counts()) == before


def test_put_moving_onto_a_unit_type_of_another_instrument_is_400(client_for, admin_user, read):
    tree, etag = read
    tree = copy.deepcopy(tree)
    tree["unit_types"] = [*tree["unit_types"], "kanim"]
    before = stored_tree()

    response = put_json(client_for(admin_user), detail_url("pemasyarakatan"), tree, etag)

    body = assert_error(response, 400, "invalid")
    assert "unit_types" in body["errors"]
    assert stored_tree() == before


@pytest.mark.parametrize("role", ["kanwil", "operator", "verifier"])
def test_other_roles_cannot_replace_a_tree(request, client_for, read, role):
    tree, etag = read
    user = request.getfixturevalue(role)
    before = stored_tree()

    response = put_json(client_for(user), detail_url("pemasyarakatan"), edited(tree), etag)

    assert_error(response, 403, "permission_denied")
    assert stored_tree() == before


def test_replacing_a_tree_refuses_anonymous(api, read):
    tree, etag = read
    before = stored_tree()

    assert_error(put_json(api, detail_url("pemasyarakatan"), edited(tree), etag), 401, "not_authenticated")
    assert stored_tree() == before


def test_put_of_an_unknown_instrument_is_404(client_for, admin_user, read):
    tree, etag = read

    assert_error(put_json(client_for(admin_user), detail_url("kapal"), tree, etag), 404, "not_found")


# --- schema ----------------------------------------------------------------------------------------------------


@pytest.fixture
def schema(client_for, operator) -> dict[str, Any]:
    response = client_for(operator).get("/api/v1/schema", {"format": "json"})
    assert response.status_code == 200
    return response.json()


@pytest.mark.parametrize(
    ("path", "method"),
    [
        ("/api/v1/periods", "get"),
        ("/api/v1/periods", "post"),
        ("/api/v1/periods/{year}", "get"),
        ("/api/v1/periods/{year}/{move}", "post"),
        ("/api/v1/periods/{year}/instrument", "get"),
        ("/api/v1/periods/{year}/instruments", "get"),
        ("/api/v1/periods/{year}/instruments", "post"),
        ("/api/v1/periods/{year}/instruments/{code}", "get"),
        ("/api/v1/periods/{year}/instruments/{code}", "put"),
    ],
)
def test_schema_lists_the_period_and_instrument_operations(schema, path, method):
    assert path in schema["paths"], sorted(schema["paths"])
    assert method in schema["paths"][path]


def test_schema_documents_unit_type_as_a_required_query_parameter(schema):
    parameters = {p["name"]: p for p in schema["paths"]["/api/v1/periods/{year}/instrument"]["get"]["parameters"]}

    assert parameters["unit_type"]["in"] == "query"
    assert parameters["unit_type"]["required"] is True


def test_schema_documents_if_match_and_the_conflicts_of_put(schema):
    operation = schema["paths"]["/api/v1/periods/{year}/instruments/{code}"]["put"]
    headers = {p["name"]: p for p in operation["parameters"] if p["in"] == "header"}

    assert headers["If-Match"]["required"] is True
    assert {"400", "403", "404", "409", "428"} <= set(operation["responses"])


def test_schema_documents_the_conflict_of_a_period_move(schema):
    responses = schema["paths"]["/api/v1/periods/{year}/{move}"]["post"]["responses"]

    assert {"403", "404", "409"} <= set(responses)
