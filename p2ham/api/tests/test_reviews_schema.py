"""The OpenAPI schema describes the verification, assignment and panel endpoints with their errors, and real
responses have exactly the fields it documents."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from django.utils import timezone

from p2ham.api.tests.test_assessments_schema import conforms, resolve, response_schema
from p2ham.assessments.tests.fixtures import pdf_upload, png_upload
from p2ham.reviews import services, services_panel
from p2ham.reviews.models import Verdict

pytestmark = pytest.mark.django_db

A = "/api/v1/periods/{year}/assessments/{unit_code}"
P = "/api/v1/periods/{year}"
WRITE = {"400", "403", "404", "409"}
OPERATIONS = [
    (A + "/verification", "get", {"200", "401", "404"}),
    (A + "/answers/{indicator_code}/verification", "put", {"200"} | WRITE),
    (A + "/return", "post", {"201"} | WRITE),
    (A + "/resubmit", "post", {"200"} | WRITE),
    (A + "/resume", "post", {"200"} | WRITE),
    (A + "/verify", "post", {"200"} | WRITE),
    (A + "/verifiers", "get", {"200", "403", "404"}),
    (A + "/verifiers", "post", {"201"} | WRITE),
    (A + "/verifiers/{username}", "delete", {"204", "403", "404", "409"}),
    (A + "/panel/assessors", "get", {"200", "403", "404"}),
    (A + "/panel/assessors", "post", {"200", "201"} | WRITE),
    (A + "/panel/assessors/{username}", "delete", {"204", "403", "404", "409"}),
    (P + "/assignments/verifiers", "post", {"200", "400", "403", "404"}),
    (P + "/assignments/panels", "post", {"200", "400", "403", "404"}),
    (P + "/workload", "get", {"200", "401", "403", "404"}),
    (A + "/panel", "get", {"200", "401", "404"}),
    (A + "/panel/scores/{indicator_code}", "put", {"200"} | WRITE),
    (A + "/panel/submit", "post", {"200"} | WRITE),
    (A + "/panel/moderate", "post", {"200"} | WRITE),
    (A + "/panel/finish", "post", {"200"} | WRITE),
    (A + "/panel/conflict", "post", {"200"} | WRITE),
    (A + "/adjustments", "post", {"201", "413", "415"} | WRITE),
    (A + "/adjustments/{id}", "delete", {"204", "403", "404", "409"}),
    (A + "/adjustments/{id}/document", "get", {"200", "404"}),
    (A + "/veto", "post", {"200", "201"} | WRITE),
    (A + "/veto", "delete", {"204", "403", "404", "409"}),
    (A + "/field-visits", "post", {"201", "413", "415"} | WRITE),
    (A + "/field-visits/{id}/photos/{photo_id}", "get", {"200", "404"}),
]


@pytest.fixture
def schema(client_for, operator) -> dict[str, Any]:
    response = client_for(operator).get("/api/v1/schema", {"format": "json"})
    assert response.status_code == 200
    return response.json()


@pytest.mark.parametrize(("path", "method", "statuses"), OPERATIONS)
def test_operation_is_documented_with_its_errors(schema, path, method, statuses):
    assert path in schema["paths"], sorted(p for p in schema["paths"] if "assess" in p)
    responses = schema["paths"][path][method]["responses"]
    assert statuses <= set(responses), sorted(responses)
    for status in statuses - {"200", "201", "204"}:
        error = resolve(schema, responses[status]["content"]["application/json"]["schema"])
        assert {"detail", "code", "errors"} <= set(error["properties"])


@pytest.mark.parametrize(
    "path, method",
    [
        (A + "/answers/{indicator_code}/verification", "put"),
        (A + "/panel/scores/{indicator_code}", "put"),
        (A + "/panel/moderate", "post"),
    ],
)
def test_stale_saves_document_the_current_value(schema, path, method):
    assert "current" in resolve(schema, response_schema(schema, path, method, "409"))["properties"]


def test_uploads_are_documented_as_multipart(schema):
    for path in (A + "/adjustments", A + "/field-visits"):
        content = schema["paths"][path]["post"]["requestBody"]["content"]
        assert {"multipart/form-data", "application/json"} <= set(content)


@pytest.mark.parametrize("path", [A + "/verifiers", A + "/panel/assessors", P + "/workload"])
def test_lists_are_paginated(schema, path):
    page = resolve(schema, response_schema(schema, path, "get", "200"))

    assert {"count", "next", "previous", "results"} <= set(page["properties"])


def test_verification_responses_have_exactly_the_documented_fields(
    schema, client_for, verifier, kepala, in_verification
):
    a, code = in_verification, "K1.01"
    url = f"/api/v1/periods/{a.period.year}/assessments/{a.unit.code}"
    api = client_for(verifier)
    saved = api.put(f"{url}/answers/{code}/verification", {"verdict": "accepted", "version": 0}).json()
    assert not conforms(
        schema, response_schema(schema, A + "/answers/{indicator_code}/verification", "put", "200"), saved
    )
    services.verification_save(
        actor=verifier,
        assessment=a,
        indicator_code="K1.02",
        verdict=Verdict.NEEDS_REPAIR,
        reason_code="lainnya",
        note="Perbaiki",
    )
    due = (timezone.localdate() + dt.timedelta(days=5)).isoformat()
    returned = api.post(f"{url}/return", {"due_date": due}, format="json").json()
    assert not conforms(schema, response_schema(schema, A + "/return", "post", "201"), returned)

    detail = client_for(kepala).get(f"{url}/verification").json()
    assert detail["open_round"] is not None
    assert not conforms(schema, response_schema(schema, A + "/verification", "get", "200"), detail)
    resubmitted = client_for(kepala).post(f"{url}/resubmit").json()
    assert not conforms(schema, response_schema(schema, A + "/resubmit", "post", "200"), resubmitted)
    detail = api.get(f"{url}/verification").json()
    assert any(r["change"] for r in detail["indicators"])
    assert not conforms(schema, response_schema(schema, A + "/verification", "get", "200"), detail)
    # The check itself bites.
    detail["indicators"][0]["verification"]["extra"] = 1
    assert conforms(schema, response_schema(schema, A + "/verification", "get", "200"), detail)


def test_panel_response_has_exactly_the_documented_fields(schema, client_for, ditjen, assessors, in_panel):
    a = in_panel
    url = f"/api/v1/periods/{a.period.year}/assessments/{a.unit.code}"
    for person in assessors:
        for indicator in a.instrument.indicators.select_related("scale"):
            services_panel.panel_score_save(
                actor=person,
                assessment=a,
                indicator_code=indicator.code,
                option_id=indicator.scale.options.first().pk,
            )
        services_panel.panel_submit(actor=person, assessment=a)
    chair = client_for(assessors[0])
    adjustment = chair.post(
        f"{url}/adjustments",
        {"kind": "ikm", "points": "1", "justification": "IKM", "document": pdf_upload()},
        format="multipart",
    ).json()
    assert not conforms(schema, response_schema(schema, A + "/adjustments", "post", "201"), adjustment)
    changes = json.dumps([{"indicator": "K1.01", "option_label": "Ada", "note": "Dicek"}])
    visit = chair.post(
        f"{url}/field-visits",
        {
            "visited_on": timezone.localdate().isoformat(),
            "participants": "Tim",
            "findings": "Sesuai",
            "photos": [png_upload()],
            "changes": changes,
        },
        format="multipart",
    ).json()
    assert not conforms(schema, response_schema(schema, A + "/field-visits", "post", "201"), visit)
    chair.post(f"{url}/veto", {"reasons": "Pungli"})

    for viewer in (chair, client_for(ditjen)):
        page = viewer.get(f"{url}/panel").json()
        assert page["adjustments"] and page["field_visits"] and page["veto"] and page["totals"]
        assert not conforms(schema, response_schema(schema, A + "/panel", "get", "200"), page)
    finished = chair.post(f"{url}/panel/finish").json()
    assert not conforms(schema, response_schema(schema, A + "/panel/finish", "post", "200"), finished)
    page = chair.get(f"{url}/panel").json()
    assert page["result"]["vetoed"] is True
    assert not conforms(schema, response_schema(schema, A + "/panel", "get", "200"), page)


def test_assignment_responses_have_exactly_the_documented_fields(schema, client_for, ditjen, verifier, in_verification):
    a = in_verification
    url, year = f"/api/v1/periods/{a.period.year}/assessments/{a.unit.code}", a.period.year
    api = client_for(ditjen)

    for path, got in (
        (A + "/verifiers", api.get(f"{url}/verifiers").json()),
        (P + "/workload", api.get(f"/api/v1/periods/{year}/workload").json()),
    ):
        assert got["results"] and not conforms(schema, response_schema(schema, path, "get", "200"), got)
    bulk = api.post(
        f"/api/v1/periods/{year}/assignments/verifiers", {"username": "verifikator", "province": "81"}, format="json"
    ).json()
    assert not conforms(schema, response_schema(schema, P + "/assignments/verifiers", "post", "200"), bulk)
