"""The organisation endpoints: provinces, unit types and units, scoped by the permission policy."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from p2ham.api.tests.helpers import assert_error
from p2ham.organizations.models import UnitType
from p2ham.organizations.reference import DEFAULT_UNIT_TYPES
from p2ham.organizations.tests.factories import UnitFactory

pytestmark = pytest.mark.django_db

UNITS_URL = "/api/v1/units"
ALL_CODES = {"KEMENHAM", "DITJEN-HAM", "KANWIL-81", "KANWIL-12", "LAPAS-AMBON", "RUTAN-AMBON", "LAPAS-MEDAN"}
PAGE_KEYS = {"count", "next", "previous", "results"}


def codes(response) -> set[str]:
    assert response.status_code == 200, response.content[:500]
    return {row["code"] for row in response.json()["results"]}


def ordered_codes(response) -> list[str]:
    assert response.status_code == 200, response.content[:500]
    return [row["code"] for row in response.json()["results"]]


# --- provinces and unit types ----------------------------------------------------------------------------------


def test_provinces_are_the_38_of_the_data_migration(client_for, operator):
    response = client_for(operator).get("/api/v1/provinces")

    assert response.status_code == 200
    body = response.json()
    assert set(body) == PAGE_KEYS
    assert body["count"] == 38
    assert len(body["results"]) == 38
    assert body["next"] is None and body["previous"] is None


def test_province_rows_carry_code_name_and_time_zone(client_for, operator):
    rows = client_for(operator).get("/api/v1/provinces").json()["results"]

    maluku = next(r for r in rows if r["code"] == "81")
    assert maluku == {"code": "81", "name": "Maluku", "timezone": "Asia/Jayapura", "zone": "WIT"}
    assert [r["code"] for r in rows] == sorted(r["code"] for r in rows)


def test_provinces_paginate(client_for, operator):
    body = client_for(operator).get("/api/v1/provinces", {"page_size": 10, "page": 4}).json()

    assert body["count"] == 38
    assert len(body["results"]) == 8
    assert body["next"] is None
    assert "page=3" in body["previous"]


def test_unit_types_list_the_reference_types(client_for, operator):
    response = client_for(operator).get("/api/v1/unit-types")

    assert response.status_code == 200
    body = response.json()
    assert set(body) == PAGE_KEYS
    assert body["count"] == len(DEFAULT_UNIT_TYPES)
    assert [(r["code"], r["name"], r["cohort"]) for r in body["results"]] == list(DEFAULT_UNIT_TYPES)


@pytest.mark.parametrize("url", ["/api/v1/provinces", "/api/v1/unit-types", UNITS_URL, "/api/v1/units/LAPAS-AMBON"])
def test_organisation_endpoints_need_authentication(api, tree, url):
    response = api.get(url)

    assert_error(response, 401, "not_authenticated")


# --- unit list: scope ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("actor", "expected"),
    [
        ("operator", {"LAPAS-AMBON"}),
        ("kepala", {"LAPAS-AMBON"}),
        ("sibling_operator", {"RUTAN-AMBON"}),
        ("kanwil", {"KANWIL-81", "LAPAS-AMBON", "RUTAN-AMBON"}),
        ("other_kanwil", {"KANWIL-12", "LAPAS-MEDAN"}),
        ("ditjen", ALL_CODES),
        ("verifier", ALL_CODES),
        ("admin_user", ALL_CODES),
        ("outsider", set()),
    ],
)
def test_unit_list_is_scoped_by_policy(request, client_for, actor, expected):
    user = request.getfixturevalue(actor)

    response = client_for(user).get(UNITS_URL)

    assert codes(response) == expected
    assert response.json()["count"] == len(expected)


def test_operator_sees_only_own_unit(client_for, operator):
    assert codes(client_for(operator).get(UNITS_URL)) == {"LAPAS-AMBON"}


def test_kanwil_does_not_see_another_province(client_for, kanwil):
    assert "LAPAS-MEDAN" not in codes(client_for(kanwil).get(UNITS_URL))


def test_other_kanwil_does_not_see_ambon(client_for, other_kanwil):
    seen = codes(client_for(other_kanwil).get(UNITS_URL))

    assert not seen & {"KANWIL-81", "LAPAS-AMBON", "RUTAN-AMBON"}


def test_outsider_sees_an_empty_page(client_for, outsider):
    body = client_for(outsider).get(UNITS_URL).json()

    assert body == {"count": 0, "next": None, "previous": None, "results": []}


def test_unit_list_shape(client_for, ditjen):
    body = client_for(ditjen).get(UNITS_URL).json()

    assert set(body) == PAGE_KEYS
    assert body["count"] == 7


def test_unit_row_fields(client_for, kanwil):
    rows = client_for(kanwil).get(UNITS_URL).json()["results"]

    row = next(r for r in rows if r["code"] == "LAPAS-AMBON")
    assert row["name"] == "Lapas Kelas IIA Ambon"
    assert row["type"] == "lapas"
    assert row["type_name"] == UnitType.objects.get(code="lapas").name
    assert row["institution"] == "KEMENIMIPAS"
    assert row["parent"] == "KANWIL-81"
    assert row["province"] == "81"
    assert row["province_name"] == "Maluku"
    assert row["timezone"] == "Asia/Jayapura"
    assert row["active"] is True


def test_root_unit_has_no_parent(client_for, ditjen):
    rows = client_for(ditjen).get(UNITS_URL, {"q": "KEMENHAM"}).json()["results"]

    assert [(r["code"], r["parent"]) for r in rows] == [("KEMENHAM", None)]


# --- unit list: filters ----------------------------------------------------------------------------------------


def test_filter_by_type(client_for, ditjen):
    assert codes(client_for(ditjen).get(UNITS_URL, {"type": "lapas"})) == {"LAPAS-AMBON", "LAPAS-MEDAN"}


def test_filter_by_province(client_for, ditjen):
    assert codes(client_for(ditjen).get(UNITS_URL, {"province": "81"})) == {"KANWIL-81", "LAPAS-AMBON", "RUTAN-AMBON"}


def test_filter_by_parent(client_for, ditjen):
    assert codes(client_for(ditjen).get(UNITS_URL, {"parent": "KANWIL-81"})) == {"LAPAS-AMBON", "RUTAN-AMBON"}


def test_filter_by_parent_within_own_scope(client_for, kanwil):
    assert codes(client_for(kanwil).get(UNITS_URL, {"parent": "KANWIL-81"})) == {"LAPAS-AMBON", "RUTAN-AMBON"}


def test_filters_combine(client_for, ditjen):
    response = client_for(ditjen).get(UNITS_URL, {"type": "lapas", "province": "81"})

    assert codes(response) == {"LAPAS-AMBON"}


def test_filter_never_widens_the_scope(client_for, other_kanwil):
    response = client_for(other_kanwil).get(UNITS_URL, {"province": "81"})

    assert response.json()["count"] == 0


def test_search_matches_name_case_insensitively(client_for, ditjen):
    assert codes(client_for(ditjen).get(UNITS_URL, {"q": "aMbOn"})) == {"LAPAS-AMBON", "RUTAN-AMBON"}


def test_search_matches_code(client_for, ditjen):
    assert codes(client_for(ditjen).get(UNITS_URL, {"q": "kanwil-12"})) == {"KANWIL-12"}


def test_search_matches_address(client_for, ditjen, tree):
    UnitFactory(code="BAPAS-AMBON", name="Bapas Ambon", parent=tree.kanwil_maluku, address="Jl. Pattimura No. 7")

    assert codes(client_for(ditjen).get(UNITS_URL, {"q": "pattimura"})) == {"BAPAS-AMBON"}


def test_blank_search_lists_everything(client_for, ditjen):
    assert codes(client_for(ditjen).get(UNITS_URL, {"q": ""})) == ALL_CODES


@pytest.mark.parametrize(("value", "expected"), [("false", {"UPT-TUTUP"}), ("true", ALL_CODES)])
def test_filter_by_active(client_for, ditjen, tree, value, expected):
    UnitFactory(code="UPT-TUTUP", name="UPT yang ditutup", parent=tree.kanwil_maluku, active=False)

    assert codes(client_for(ditjen).get(UNITS_URL, {"active": value})) == expected


def test_without_active_filter_inactive_units_are_listed_too(client_for, ditjen, tree):
    UnitFactory(code="UPT-TUTUP", name="UPT yang ditutup", parent=tree.kanwil_maluku, active=False)

    assert codes(client_for(ditjen).get(UNITS_URL)) == ALL_CODES | {"UPT-TUTUP"}


def test_default_order_is_by_name(client_for, ditjen):
    rows = client_for(ditjen).get(UNITS_URL).json()["results"]

    names = [r["name"] for r in rows]
    assert names == sorted(names)


def test_ordering_by_code(client_for, ditjen):
    assert ordered_codes(client_for(ditjen).get(UNITS_URL, {"ordering": "code"})) == sorted(ALL_CODES)


def test_ordering_by_code_descending(client_for, ditjen):
    response = client_for(ditjen).get(UNITS_URL, {"ordering": "-code"})

    assert ordered_codes(response) == sorted(ALL_CODES, reverse=True)


def test_ordering_by_name_descending(client_for, ditjen):
    rows = client_for(ditjen).get(UNITS_URL, {"ordering": "-name"}).json()["results"]

    names = [r["name"] for r in rows]
    assert names == sorted(names, reverse=True)


def test_ordering_by_province(client_for, ditjen):
    rows = client_for(ditjen).get(UNITS_URL, {"ordering": "province"}).json()["results"]

    provinces = [r["province"] for r in rows]
    assert provinces == sorted(provinces)


def test_ordering_by_type_follows_the_type_order(client_for, ditjen):
    rows = client_for(ditjen).get(UNITS_URL, {"ordering": "type"}).json()["results"]

    rank = {code: i for i, (code, _name, _cohort) in enumerate(DEFAULT_UNIT_TYPES)}
    ranks = [rank[r["type"]] for r in rows]
    assert ranks == sorted(ranks)
    assert rows[0]["code"] == "KEMENHAM"


# --- unit list: bad parameters ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"type": "kapal-selam"}, "type"),
        ({"province": "99"}, "province"),
        ({"parent": "TIDAK-ADA"}, "parent"),
        ({"ordering": "password"}, "ordering"),
        ({"active": "mungkin"}, "active"),
    ],
)
def test_bad_filter_value_is_400_naming_the_parameter(client_for, ditjen, params, field):
    response = client_for(ditjen).get(UNITS_URL, params)

    body = assert_error(response, 400, "invalid")
    assert list(body["errors"]) == [field]
    assert body["errors"][field] and all(isinstance(m, str) for m in body["errors"][field])


def test_parent_outside_scope_is_400_like_an_unknown_parent(client_for, operator):
    response = client_for(operator).get(UNITS_URL, {"parent": "KANWIL-12"})

    body = assert_error(response, 400, "invalid")
    assert list(body["errors"]) == ["parent"]


def test_own_kanwil_as_parent_is_outside_an_operators_scope(client_for, operator):
    response = client_for(operator).get(UNITS_URL, {"parent": "KANWIL-81"})

    assert_error(response, 400, "invalid")


def test_outside_and_unknown_parent_are_indistinguishable(client_for, operator):
    client = client_for(operator)

    outside = client.get(UNITS_URL, {"parent": "LAPAS-MEDAN"}).json()
    unknown = client.get(UNITS_URL, {"parent": "LAPAS-MEDAM"}).json()

    assert outside["errors"]["parent"][0].replace("LAPAS-MEDAN", "X") == unknown["errors"]["parent"][0].replace(
        "LAPAS-MEDAM", "X"
    )


def test_several_bad_parameters_are_all_reported(client_for, ditjen):
    response = client_for(ditjen).get(UNITS_URL, {"type": "kapal-selam", "province": "99", "ordering": "x"})

    body = assert_error(response, 400, "invalid")
    assert set(body["errors"]) == {"type", "province", "ordering"}


# --- unit list: pagination and queries -------------------------------------------------------------------------


def test_page_size_limits_the_page(client_for, ditjen):
    body = client_for(ditjen).get(UNITS_URL, {"page_size": 3, "ordering": "code"}).json()

    assert body["count"] == 7
    assert [r["code"] for r in body["results"]] == sorted(ALL_CODES)[:3]
    assert body["previous"] is None
    assert "page=2" in body["next"]
    assert "page_size=3" in body["next"]


def test_following_next_walks_every_unit_once(client_for, ditjen):
    client = client_for(ditjen)
    seen: list[str] = []
    url = f"{UNITS_URL}?page_size=3&ordering=code"
    while url:
        body = client.get(url).json()
        seen += [r["code"] for r in body["results"]]
        url = body["next"]

    assert seen == sorted(ALL_CODES)


def test_last_page_has_no_next(client_for, ditjen):
    body = client_for(ditjen).get(UNITS_URL, {"page_size": 3, "page": 3}).json()

    assert len(body["results"]) == 1
    assert body["next"] is None
    assert body["previous"] is not None


def test_page_beyond_the_end_is_404_with_error_body(client_for, ditjen):
    response = client_for(ditjen).get(UNITS_URL, {"page_size": 3, "page": 9})

    assert_error(response, 404)


def test_query_count_does_not_grow_with_the_page(client_for, kanwil, tree):
    for _ in range(50):
        UnitFactory(parent=tree.kanwil_maluku)
    client = client_for(kanwil)
    client.get(UNITS_URL)  # first use of the token records last_used_at; keep that write out of the counts

    with CaptureQueriesContext(connection) as small:
        small_page = client.get(UNITS_URL, {"page_size": 5})
    with CaptureQueriesContext(connection) as large:
        large_page = client.get(UNITS_URL, {"page_size": 50})

    assert len(small_page.json()["results"]) == 5
    assert len(large_page.json()["results"]) == 50
    assert small.captured_queries, "the list must hit the database"
    assert len(small.captured_queries) == len(large.captured_queries)


# --- unit detail -----------------------------------------------------------------------------------------------


def test_unit_detail_in_scope(client_for, operator):
    response = client_for(operator).get("/api/v1/units/LAPAS-AMBON")

    assert response.status_code == 200
    body = response.json()
    assert body["code"] == "LAPAS-AMBON"
    assert body["parent"] == "KANWIL-81"
    assert body["type"] == "lapas"
    assert body["timezone"] == "Asia/Jayapura"


def test_kanwil_sees_detail_of_a_unit_below(client_for, kanwil):
    assert client_for(kanwil).get("/api/v1/units/RUTAN-AMBON").status_code == 200


def test_unit_detail_matches_the_list_row(client_for, ditjen):
    client = client_for(ditjen)

    row = next(r for r in client.get(UNITS_URL).json()["results"] if r["code"] == "RUTAN-AMBON")

    assert client.get("/api/v1/units/RUTAN-AMBON").json() == row


@pytest.mark.parametrize(
    ("actor", "code"),
    [
        ("operator", "LAPAS-MEDAN"),
        ("operator", "RUTAN-AMBON"),
        ("operator", "KANWIL-81"),
        ("kanwil", "LAPAS-MEDAN"),
        ("other_kanwil", "LAPAS-AMBON"),
        ("outsider", "LAPAS-AMBON"),
    ],
)
def test_unit_outside_scope_is_404(request, client_for, actor, code):
    user = request.getfixturevalue(actor)

    response = client_for(user).get(f"/api/v1/units/{code}")

    assert_error(response, 404, "not_found")


def test_unknown_unit_is_404(client_for, ditjen):
    response = client_for(ditjen).get("/api/v1/units/TIDAK-ADA")

    body = assert_error(response, 404, "not_found")
    assert body["errors"] == {}


def test_outside_and_unknown_unit_bodies_are_identical(client_for, operator):
    client = client_for(operator)

    outside = client.get("/api/v1/units/LAPAS-MEDAN")
    unknown = client.get("/api/v1/units/TIDAK-ADA")

    assert outside.status_code == unknown.status_code == 404
    assert outside.json() == unknown.json()
