"""The self-assessment screens through the test client: the list in each role's scope, the assessment page
(editable for the unit's operators, read-only for everyone else), and every link the pages print resolving
to a real URL. The helpers here are shared by the other ``test_views_*`` modules."""

from __future__ import annotations

import datetime as dt
import re
from html.parser import HTMLParser
from typing import Any
from urllib.parse import urlsplit

import pytest
import time_machine
from django.conf import settings
from django.contrib.messages import get_messages
from django.db import connection
from django.db.models import F
from django.test.utils import CaptureQueriesContext
from django.urls import Resolver404, resolve, reverse

from p2ham.assessments import services
from p2ham.assessments.models import Assessment, Comment, Evidence
from p2ham.assessments.tests.fixtures import fill_in, pdf_upload
from p2ham.organizations.tests.factories import UnitFactory
from p2ham.periods.deadlines import REFERENCE_TZ
from p2ham.periods.models import Stage, StageWindow

pytestmark = pytest.mark.django_db

S = Assessment.Status
LIST = reverse("assessments:list")
HTMX = {"HTTP_HX_REQUEST": "true"}


# ---------------------------------------------------------------- helpers (shared with test_views_*.py)


def english(client: Any) -> None:
    """Assertions read the English source strings: the interface is Indonesian unless the cookie says so."""
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"


def url(name: str, assessment: Assessment, *args: Any) -> str:
    """An assessment URL by name: ``url("answer", a, "K1.01")``."""
    return reverse(f"assessments:{name}", args=[assessment.period.year, assessment.unit.code, *args])


def page_url(assessment: Assessment, code: str = "") -> str:
    anchor = "#ind-" + code.replace(".", "-") if code else ""
    return url("page", assessment) + anchor


def messages_of(response: Any) -> list[str]:
    return [str(m.message) for m in get_messages(response.wsgi_request)]


def force_status(assessment: Assessment, status: str) -> Assessment:
    """Put the assessment in ``status`` directly: the transitions themselves are tested with the services."""
    Assessment.objects.filter(pk=assessment.pk).update(status=status, version=F("version") + 1)
    assessment.refresh_from_db()
    return assessment


def window_day(period: Any, stage: str, *, end: bool = True) -> dt.date:
    window = StageWindow.objects.get(period=period, stage=stage)
    return (window.closes_at if end else window.opens_at).astimezone(REFERENCE_TZ).date()


def after_the_deadline(period: Any) -> Any:
    """A clock the day after the self-assessment window closed (the Kanwil review has just opened). Log in
    inside it: a session opened before would have expired."""
    day = window_day(period, Stage.PENILAIAN_MANDIRI) + dt.timedelta(days=1)
    return time_machine.travel(dt.datetime.combine(day, dt.time(10, 0), tzinfo=REFERENCE_TZ), tick=False)


def indicator_codes(response: Any) -> list[str]:
    """The indicators the assessment page shows, in order."""
    return [row.indicator.code for c in response.context["criteria"] for row in c.indicators]


def list_codes(response: Any) -> list[str]:
    return [a.unit.code for a in response.context["page_obj"].object_list]


class _Targets(HTMLParser):
    ATTRIBUTES = frozenset({"href", "action", "hx-get", "hx-post", "hx-put", "hx-delete", "data-chunked-url"})

    def __init__(self) -> None:
        super().__init__()
        self.found: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.found += [v for k, v in attrs if k in self.ATTRIBUTES and v and v.startswith("/")]


def link_targets(html: str) -> list[str]:
    """Every site-relative link and form target in the HTML (``href``, ``action``, htmx and upload URLs)."""
    parser = _Targets()
    parser.feed(html)
    return parser.found


def unresolved(html: str) -> list[str]:
    """The link targets that no URL pattern answers (static files are served outside the URLconf)."""
    missing = []
    for target in link_targets(html):
        path = urlsplit(target).path
        if path.startswith(settings.STATIC_URL):
            continue
        try:
            resolve(path)
        except Resolver404:
            missing.append(target)
    return missing


@pytest.fixture(autouse=True)
def _english(client):
    english(client)


# ---------------------------------------------------------------- the list


def test_anonymous_is_sent_to_the_login_page(client, assessment):
    for target in [LIST, page_url(assessment)]:
        response = client.get(target)
        assert response.status_code == 302
        assert response.url.startswith(reverse("accounts:login"))


def test_anonymous_gets_nothing_anywhere(client, assessment, operator):
    evidence = services.evidence_add(
        actor=operator, assessment=assessment, indicator_code="K1.01", uploaded=pdf_upload()
    )
    session = services.upload_start(
        actor=operator, assessment=assessment, indicator_code="K1.01", name="a.pdf", size=100
    )
    gets = [
        url("comments", assessment, "K1.01"),
        url("submit", assessment),
        reverse("assessments:evidence_download", args=[evidence.pk]),
        reverse("assessments:evidence_preview", args=[evidence.pk]),
        reverse("assessments:upload_chunk", args=[session.pk]),
    ]
    posts = [
        url("answer", assessment, "K1.01"),
        url("evidence_upload", assessment, "K1.01"),
        url("upload_start", assessment, "K1.01"),
        url("comments", assessment, "K1.01"),
        url("submit", assessment),
        url("kanwil_review", assessment, "mulai"),
        reverse("assessments:evidence_remove", args=[evidence.pk]),
    ]
    for target, response in [(t, client.get(t)) for t in gets] + [(t, client.post(t, {"confirm": "1"})) for t in posts]:
        assert response.status_code == 302, target
        assert response.url.startswith(reverse("accounts:login")), target
    assert Evidence.objects.get(pk=evidence.pk).current
    assert Assessment.objects.get(pk=assessment.pk).status == S.DRAFT
    assert not Comment.objects.exists()


def test_an_outsider_is_refused_the_list(client, assessment, outsider):
    client.force_login(outsider)
    assert client.get(LIST).status_code == 403


def test_without_an_open_period_the_list_says_so(client, tree, ditjen, operator):
    for user in (ditjen, operator):
        client.force_login(user)
        response = client.get(LIST)
        assert response.status_code == 200
        assert "No period is open." in response.content.decode()


def test_an_operator_with_one_assessment_goes_straight_to_it(client, assessment, sibling_assessment, operator):
    client.force_login(operator)
    response = client.get(LIST)
    assert response.status_code == 302
    assert response.url == page_url(assessment)
    # With a filter the list itself is shown, still only the unit's own assessment.
    response = client.get(LIST, {"q": "ambon"})
    assert response.status_code == 200
    assert list_codes(response) == ["LAPAS-AMBON"]


def test_the_head_of_the_unit_also_goes_straight_to_it(client, assessment, kepala):
    client.force_login(kepala)
    assert client.get(LIST).url == page_url(assessment)


def test_a_kanwil_sees_its_province_only(client, assessment, sibling_assessment, medan_assessment, kanwil):
    client.force_login(kanwil)
    response = client.get(LIST)
    assert response.status_code == 200
    assert sorted(list_codes(response)) == ["LAPAS-AMBON", "RUTAN-AMBON"]
    html = response.content.decode()
    assert "Lapas Kelas I Medan" not in html
    assert page_url(assessment) in html
    assert page_url(medan_assessment) not in html
    # Asking for the other province by its filter shows nothing of it either.
    assert list_codes(client.get(LIST, {"province": "12"})) == []


def test_the_other_kanwil_sees_only_medan(client, assessment, medan_assessment, other_kanwil):
    client.force_login(other_kanwil)
    assert list_codes(client.get(LIST)) == ["LAPAS-MEDAN"]


@pytest.mark.parametrize("who", ["ditjen", "verifier"])
def test_national_roles_see_every_assessment(request, client, assessment, sibling_assessment, medan_assessment, who):
    client.force_login(request.getfixturevalue(who))
    response = client.get(LIST)
    assert response.status_code == 200
    assert sorted(list_codes(response)) == ["LAPAS-AMBON", "LAPAS-MEDAN", "RUTAN-AMBON"]


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"status": "submitted"}, ["RUTAN-AMBON"]),
        ({"status": "draft"}, ["LAPAS-AMBON", "LAPAS-MEDAN"]),
        ({"status": "nonsense"}, ["LAPAS-AMBON", "LAPAS-MEDAN", "RUTAN-AMBON"]),
        ({"province": "81"}, ["LAPAS-AMBON", "RUTAN-AMBON"]),
        ({"province": "12"}, ["LAPAS-MEDAN"]),
        ({"type": "rutan"}, ["RUTAN-AMBON"]),
        ({"type": "lapas"}, ["LAPAS-AMBON", "LAPAS-MEDAN"]),
        ({"q": "medan"}, ["LAPAS-MEDAN"]),
        ({"q": "RUTAN-AMB"}, ["RUTAN-AMBON"]),
        ({"q": "nowhere"}, []),
        ({"province": "81", "type": "lapas"}, ["LAPAS-AMBON"]),
    ],
)
def test_the_list_filters(client, assessment, sibling_assessment, medan_assessment, ditjen, params, expected):
    force_status(sibling_assessment, S.SUBMITTED)
    client.force_login(ditjen)
    response = client.get(LIST, params)
    assert response.status_code == 200
    assert sorted(list_codes(response)) == expected
    if not expected:
        assert "No assessment matches these filters." in response.content.decode()


def test_the_list_sorts(client, assessment, sibling_assessment, medan_assessment, ditjen):
    force_status(sibling_assessment, S.SUBMITTED)
    client.force_login(ditjen)
    by_name = ["LAPAS-MEDAN", "LAPAS-AMBON", "RUTAN-AMBON"]  # Lapas Kelas I … < Lapas Kelas IIA … < Rutan …
    assert list_codes(client.get(LIST)) == by_name
    assert list_codes(client.get(LIST, {"sort": "unit"})) == by_name
    assert list_codes(client.get(LIST, {"sort": "-unit"})) == by_name[::-1]
    assert list_codes(client.get(LIST, {"sort": "provinsi"}))[0] == "LAPAS-MEDAN"  # 12 before 81
    assert list_codes(client.get(LIST, {"sort": "-provinsi"}))[-1] == "LAPAS-MEDAN"
    assert list_codes(client.get(LIST, {"sort": "-status"}))[0] == "RUTAN-AMBON"  # submitted after draft
    assert list_codes(client.get(LIST, {"sort": "DROP TABLE"})) == by_name  # unknown: by name
    # The sort links keep the filters and flip the current order.
    html = client.get(LIST, {"sort": "unit", "province": "81"}).content.decode()
    assert 'href="?province=81&amp;sort=-unit"' in html


def test_the_list_is_paginated(client, sa_period, assessment, sibling_assessment, tree, ditjen):
    for n in range(49):
        unit = UnitFactory(code=f"LAPAS-X{n:02d}", name=f"Lapas Uji {n:02d}", parent=tree.kanwil_maluku)
        Assessment.objects.create(period=sa_period, unit=unit, instrument=assessment.instrument)
    client.force_login(ditjen)
    first = client.get(LIST)
    assert len(list_codes(first)) == 50
    assert first.context["page_obj"].paginator.count == 51
    assert "Page 1 of 2" in first.content.decode()
    assert 'href="?page=2"' in first.content.decode()
    second = client.get(LIST, {"page": 2})
    assert list_codes(second) == ["RUTAN-AMBON"]  # the last one by name
    assert not set(list_codes(first)) & set(list_codes(second))
    assert list_codes(client.get(LIST, {"page": "abc"})) == list_codes(first)


def test_the_list_runs_the_same_queries_for_2_and_4_assessments(
    client, sa_period, tree, ditjen, assessment, sibling_assessment
):
    client.force_login(ditjen)

    def count() -> tuple[int, int]:
        client.get(LIST)  # warm-up: per-process caches
        with CaptureQueriesContext(connection) as queries:
            response = client.get(LIST)
        assert response.status_code == 200
        return len(queries), len(list_codes(response))

    two, shown = count()
    assert shown == 2
    services.evaluation_decide(actor=ditjen, period=sa_period, unit=tree.lapas_medan, eligible=True)
    services.evaluation_decide(actor=ditjen, period=sa_period, unit=tree.kanwil_maluku, eligible=True)
    four, shown = count()
    assert shown == 4
    assert two == four


# ---------------------------------------------------------------- the assessment page


def test_the_operator_gets_editable_forms(client, assessment, operator):
    client.force_login(operator)
    response = client.get(page_url(assessment))
    assert response.status_code == 200
    html = response.content.decode()
    assert 'type="radio"' in html
    assert 'class="evidence-upload' in html
    assert 'enctype="multipart/form-data"' in html
    assert f'hx-post="{url("answer", assessment, "K1.01")}"' in html
    assert f'data-chunked-url="{url("upload_start", assessment, "K1.01")}"' in html
    assert "Check what is missing" in html  # the operator prepares; only the head submits
    assert response.context["can_edit"] and not response.context["can_submit"]


@pytest.mark.parametrize("who", ["kepala", "kanwil", "ditjen", "verifier"])
def test_others_read_the_page_without_forms(request, client, assessment, operator, who):
    services.evidence_add(actor=operator, assessment=assessment, indicator_code="K1.01", uploaded=pdf_upload())
    client.force_login(request.getfixturevalue(who))
    response = client.get(page_url(assessment))
    assert response.status_code == 200
    html = response.content.decode()
    assert 'type="radio"' not in html
    assert "evidence-upload" not in html
    assert 'type="file"' not in html
    assert "/jawaban/" not in html
    assert "/hapus/" not in html
    assert "sop.pdf" in html  # the files are listed, to read
    assert "You can read this assessment." in html
    assert not response.context["can_edit"]


def test_the_head_of_the_unit_is_offered_the_submission(client, assessment, kepala):
    client.force_login(kepala)
    response = client.get(page_url(assessment))
    assert response.context["can_submit"]
    assert "Review and submit" in response.content.decode()


@pytest.mark.parametrize("who", ["sibling_operator", "other_kanwil", "outsider", "medan_operator"])
def test_the_page_is_not_found_outside_the_scope(request, client, assessment, who):
    client.force_login(request.getfixturevalue(who))
    assert client.get(page_url(assessment)).status_code == 404


def test_an_unknown_year_or_unit_is_not_found(client, assessment, ditjen, tree):
    client.force_login(ditjen)
    assert client.get(reverse("assessments:page", args=[1999, "LAPAS-AMBON"])).status_code == 404
    assert client.get(reverse("assessments:page", args=[assessment.period.year, "NOPE"])).status_code == 404
    # A unit without an assessment (not evaluated yet).
    assert client.get(reverse("assessments:page", args=[assessment.period.year, "RUTAN-AMBON"])).status_code == 404


def _answer(assessment, operator, code):
    indicator = assessment.instrument.indicators.get(code=code)
    services.answer_save(
        actor=operator,
        assessment=assessment,
        indicator_code=code,
        option_id=indicator.scale.options.all()[0].pk,
        note="",
    )


def test_the_unanswered_filter(client, assessment, operator):
    _answer(assessment, operator, "K1.01")
    _answer(assessment, operator, "K2.02")
    client.force_login(operator)
    everything = indicator_codes(client.get(page_url(assessment)))
    response = client.get(page_url(assessment), {"tampil": "belum-dijawab"})
    shown = indicator_codes(response)
    assert shown == [c for c in everything if c not in ("K1.01", "K2.02")]
    html = response.content.decode()
    assert 'id="ind-K1-01"' not in html
    assert 'id="ind-K1-02"' in html
    assert 'aria-current="page" href="?tampil=belum-dijawab"' in html
    # The progress still counts the whole assessment.
    assert response.context["page"].answered == 2


def test_the_missing_evidence_filter(client, assessment, operator):
    # K1.08 needs one file, K1.01 two: one file completes K1.08 only.
    for code in ("K1.08", "K1.01"):
        services.evidence_add(
            actor=operator, assessment=assessment, indicator_code=code, uploaded=pdf_upload(extra=code.encode())
        )
    _answer(assessment, operator, "K1.02")  # answered, but still without evidence
    client.force_login(operator)
    shown = indicator_codes(client.get(page_url(assessment), {"tampil": "bukti-kurang"}))
    assert "K1.08" not in shown
    assert {"K1.01", "K1.02", "K1.09"} <= set(shown)
    # An unknown filter shows everything.
    assert "K1.08" in indicator_codes(client.get(page_url(assessment), {"tampil": "apa"}))


def test_a_filter_with_nothing_left_says_so(client, assessment, operator):
    fill_in(assessment, operator)
    client.force_login(operator)
    response = client.get(page_url(assessment), {"tampil": "belum-dijawab"})
    assert indicator_codes(response) == []
    assert "Nothing left in this view" in response.content.decode()


def test_the_deadline_line_shows_the_days_left(client, assessment, operator, sa_period):
    today = window_day(sa_period, Stage.PENILAIAN_MANDIRI) - dt.timedelta(days=20)
    with time_machine.travel(dt.datetime.combine(today, dt.time(10, 0), tzinfo=REFERENCE_TZ), tick=False):
        client.force_login(operator)
        html = client.get(page_url(assessment)).content.decode()
    deadline = re.search(r'id="deadline">(.*?)</p>', html, re.S).group(1)
    assert "20 days left" in " ".join(deadline.split())
    assert "23.59 WIT" in deadline  # in Ambon's own time


def test_after_the_deadline_the_page_is_read_only_and_says_why(client, assessment, operator, sa_period):
    with after_the_deadline(sa_period):
        client.force_login(operator)  # the session of 10 hours ago would have expired
        response = client.get(page_url(assessment))
    html = response.content.decode()
    assert "The deadline passed on" in html
    assert 'type="radio"' not in html
    assert not response.context["can_edit"]


def test_a_not_eligible_unit_sees_the_reasons_and_the_letter(client, sa_period, declared, tree, ditjen, operator):
    services.evaluation_decide(
        actor=ditjen, period=sa_period, unit=tree.lapas_ambon, eligible=False, reasons="Belum ada <b>ramp</b>.\nDua."
    )
    client.force_login(operator)
    response = client.get(reverse("assessments:page", args=[sa_period.year, "LAPAS-AMBON"]))
    assert response.status_code == 200
    html = response.content.decode()
    assert "This unit did not pass the evaluation" in html
    assert "Belum ada &lt;b&gt;ramp&lt;/b&gt;.<br>Dua." in html
    assert f'href="{reverse("assessments:evaluation_letter", args=["LAPAS-AMBON"])}"' in html
    assert 'type="radio"' not in html
    assert "/kirim/" not in html


def test_after_a_send_back_the_note_is_shown(client, assessment, operator, kanwil):
    force_status(assessment, S.SUBMITTED)
    services.assessment_send_back(actor=kanwil, assessment=assessment, note="Lengkapi foto <ramp>.")
    client.force_login(operator)
    response = client.get(page_url(assessment))
    html = response.content.decode()
    assert "The Kanwil sent the assessment back on" in html
    assert "Lengkapi foto &lt;ramp&gt;." in html
    assert 'type="radio"' in html  # editable again


def test_the_kanwil_gets_the_review_forms_once_submitted(client, assessment, kanwil):
    client.force_login(kanwil)
    assert "review-heading" not in client.get(page_url(assessment)).content.decode()
    force_status(assessment, S.SUBMITTED)
    html = client.get(page_url(assessment)).content.decode()
    for action in ("mulai", "teruskan", "kembalikan"):
        assert f'action="{url("kanwil_review", assessment, action)}"' in html


# ---------------------------------------------------------------- every link resolves


def test_link_targets_are_found():
    html = '<a href="/a/?x=1#f">a</a><form action="/b/" hx-post="/c/"></form><div hx-get="/d/"></div><a href="?x">'
    assert link_targets(html) == ["/a/?x=1#f", "/b/", "/c/", "/d/"]
    assert unresolved('<a href="/penilaian/no/such/path/here/">x</a>') == ["/penilaian/no/such/path/here/"]


def test_every_link_of_the_operators_pages_resolves(client, assessment, operator, kanwil):
    services.evidence_add(actor=operator, assessment=assessment, indicator_code="K1.01", uploaded=pdf_upload())
    first = services.evidence_add(
        actor=operator, assessment=assessment, indicator_code="K1.02", uploaded=pdf_upload(extra=b"1")
    )
    services.evidence_add(
        actor=operator, assessment=assessment, indicator_code="K1.02", uploaded=pdf_upload(extra=b"2"), replaces=first
    )
    services.comment_post(actor=kanwil, assessment=assessment, indicator_code="K1.01", body="Foto kurang jelas.")
    client.force_login(operator)
    pages = {
        "page": client.get(page_url(assessment)),
        "answer": client.post(url("answer", assessment, "K1.03"), {"option": "", "note": "x"}, **HTMX),
        "evidence": client.post(url("evidence_upload", assessment, "K1.01"), {"file": pdf_upload(extra=b"3")}, **HTMX),
        "comments": client.get(url("comments", assessment, "K1.01")),
        "comments_partial": client.get(url("comments", assessment, "K1.01"), **HTMX),
        "submit": client.get(url("submit", assessment)),
    }
    names = set()
    for name, response in pages.items():
        assert response.status_code == 200, name
        html = response.content.decode()
        assert unresolved(html) == [], name
        names |= {resolve(urlsplit(t).path).url_name for t in link_targets(html) if "/penilaian/" in t}
    # The hand-built URLs of the templates (``base`` + a suffix) are among those checked.
    assert {
        "page",
        "answer",
        "evidence_upload",
        "upload_start",
        "comments",
        "submit",
        "evidence_preview",
        "evidence_download",
        "evidence_remove",
    } <= names


def test_every_link_of_the_review_pages_resolves(client, sa_period, assessment, sibling_assessment, kanwil, ditjen):
    services.evaluation_decide(
        actor=ditjen, period=sa_period, unit=sibling_assessment.unit, eligible=False, reasons="Belum."
    )
    force_status(assessment, S.SUBMITTED)
    client.force_login(kanwil)
    for target in [
        page_url(assessment),
        url("page", sibling_assessment),
        url("submit", assessment),
        LIST,
        LIST + "?sort=-status&province=81",
    ]:
        response = client.get(target)
        assert response.status_code == 200, target
        assert unresolved(response.content.decode()) == [], target
    html = client.get(page_url(assessment)).content.decode()
    assert resolve(urlsplit(url("kanwil_review", assessment, "mulai")).path).url_name == "kanwil_review"
    assert url("kanwil_review", assessment, "kembalikan") in link_targets(html)


# ---------------------------------------------------------------- the unit page and the home page


def test_the_unit_page_shows_the_assessment(client, assessment, operator):
    client.force_login(operator)
    response = client.get(reverse("organizations:unit_detail", args=["LAPAS-AMBON"]))
    assert response.status_code == 200
    html = response.content.decode()
    assert f"Self-assessment {assessment.period.year}" in html
    assert "Being filled in" in html
    assert f'href="{page_url(assessment)}"' in html
    assert unresolved(html) == []


def test_the_unit_page_of_a_not_eligible_unit_links_the_letter(client, sa_period, declared, tree, ditjen, kanwil):
    services.evaluation_decide(actor=ditjen, period=sa_period, unit=tree.rutan_ambon, eligible=False, reasons="X")
    client.force_login(kanwil)
    html = client.get(reverse("organizations:unit_detail", args=["RUTAN-AMBON"])).content.decode()
    assert "Not eligible" in html
    assert reverse("assessments:evaluation_letter", args=["RUTAN-AMBON"]) in html
    assert reverse("assessments:page", args=[sa_period.year, "RUTAN-AMBON"]) not in html


def test_the_operators_home_page_has_the_self_assessment_button(client, assessment, operator):
    client.force_login(operator)
    html = client.get(reverse("core:home")).content.decode()
    assert f"Self-assessment {assessment.period.year}</a>" in html
    assert f'href="{page_url(assessment)}"' in html


def test_the_home_page_has_no_button_before_the_evaluation(client, sa_period, declared, operator):
    client.force_login(operator)
    html = client.get(reverse("core:home")).content.decode()
    assert f"Self-assessment {sa_period.year}</a>" not in html
