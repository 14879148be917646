import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from p2ham.organizations.tests.factories import UnitFactory

pytestmark = pytest.mark.django_db


def list_codes(response):
    return [u.code for u in response.context["page"].object_list]


def test_unit_list_requires_login(client, tree):
    response = client.get(reverse("organizations:unit_list"))
    assert response.status_code == 302


def test_operator_lists_only_own_unit(client, operator):
    client.force_login(operator)
    response = client.get(reverse("organizations:unit_list"))
    assert response.status_code == 200
    assert list_codes(response) == ["LAPAS-AMBON"]


def test_kanwil_lists_its_region_and_not_another_province(client, kanwil):
    client.force_login(kanwil)
    codes = list_codes(client.get(reverse("organizations:unit_list")))
    assert set(codes) == {"KANWIL-81", "LAPAS-AMBON", "RUTAN-AMBON"}


def test_other_kanwil_does_not_list_ambon(client, other_kanwil):
    client.force_login(other_kanwil)
    codes = list_codes(client.get(reverse("organizations:unit_list")))
    assert "LAPAS-AMBON" not in codes
    assert set(codes) == {"KANWIL-12", "LAPAS-MEDAN"}


def test_outsider_gets_an_empty_list_with_guidance(client, outsider):
    client.force_login(outsider)
    response = client.get(reverse("organizations:unit_list"))
    assert list_codes(response) == []
    assert "alert" in response.content.decode()


def test_filters_search_and_sort(client, ditjen):
    client.force_login(ditjen)
    url = reverse("organizations:unit_list")
    assert list_codes(client.get(url, {"province": "81", "type": "lapas"})) == ["LAPAS-AMBON"]
    assert set(list_codes(client.get(url, {"q": "ambon"}))) == {"LAPAS-AMBON", "RUTAN-AMBON"}
    assert set(list_codes(client.get(url, {"parent": "KANWIL-12"}))) == {"LAPAS-MEDAN"}
    by_code = list_codes(client.get(url, {"sort": "-code"}))
    assert by_code == sorted(by_code, reverse=True)
    # An unknown sort key falls back to the default instead of failing.
    assert client.get(url, {"sort": "nonsense; drop"}).status_code == 200


def test_htmx_request_gets_the_table_partial(client, ditjen):
    client.force_login(ditjen)
    response = client.get(reverse("organizations:unit_list"), HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert "<table" in html
    assert "<html" not in html


def test_unit_list_query_count_does_not_grow_with_rows(client, ditjen, tree):
    client.force_login(ditjen)
    url = reverse("organizations:unit_list")
    client.get(url)  # warm the session and grant caches
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    for i in range(40):
        UnitFactory(code=f"EXTRA-{i:02d}", parent=tree.kanwil_maluku)
    with CaptureQueriesContext(connection) as many:
        response = client.get(url)
    assert len(response.context["page"].object_list) == 47
    assert len(many) == len(few)


def test_unit_detail_in_scope(client, kanwil, tree, operator):
    client.force_login(kanwil)
    response = client.get(reverse("organizations:unit_detail", args=["LAPAS-AMBON"]))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Lapas Kelas IIA Ambon" in html
    assert "Operator Ambon" in html  # kanwil may see the people of its region


def test_unit_detail_outside_scope_is_404(client, operator, sibling_operator, other_kanwil):
    client.force_login(operator)
    assert client.get(reverse("organizations:unit_detail", args=["RUTAN-AMBON"])).status_code == 404
    assert client.get(reverse("organizations:unit_detail", args=["LAPAS-MEDAN"])).status_code == 404
    assert client.get(reverse("organizations:unit_detail", args=["NOPE"])).status_code == 404
    client.force_login(other_kanwil)
    assert client.get(reverse("organizations:unit_detail", args=["LAPAS-AMBON"])).status_code == 404


def test_operator_does_not_see_people_list(client, operator):
    client.force_login(operator)
    response = client.get(reverse("organizations:unit_detail", args=["LAPAS-AMBON"]))
    assert response.context["people"] is None


def test_unit_detail_shows_time_in_the_units_zone(client, ditjen, tree):
    client.force_login(ditjen)
    html = client.get(reverse("organizations:unit_detail", args=["LAPAS-AMBON"])).content.decode()
    assert " WIT" in html
    html = client.get(reverse("organizations:unit_detail", args=["LAPAS-MEDAN"])).content.decode()
    assert " WIB" in html


def test_history_restore_gets_the_full_page_and_responses_vary_on_htmx(client, ditjen):
    client.force_login(ditjen)
    response = client.get(
        reverse("organizations:unit_list"), HTTP_HX_REQUEST="true", HTTP_HX_HISTORY_RESTORE_REQUEST="true"
    )
    assert "<html" in response.content.decode()
    assert "HX-Request" in response["Vary"]
