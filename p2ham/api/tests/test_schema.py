"""The OpenAPI 3 schema at ``/api/v1/schema`` must describe every endpoint, its parameters and its errors."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.urls import URLPattern, URLResolver

from p2ham.api import urls as api_urls

pytestmark = pytest.mark.django_db

SCHEMA_URL = "/api/v1/schema"
OPENAPI_JSON = "application/vnd.oai.openapi+json"
EXPECTED_OPERATIONS = [
    ("/api/v1/auth/token", "post"),
    ("/api/v1/auth/token", "delete"),
    ("/api/v1/me", "get"),
    ("/api/v1/units", "get"),
    ("/api/v1/units/{code}", "get"),
    ("/api/v1/provinces", "get"),
    ("/api/v1/unit-types", "get"),
]
HTTP_METHODS = {"get", "post", "put", "patch", "delete"}


@pytest.fixture
def schema(client_for, operator) -> dict[str, Any]:
    response = client_for(operator).get(SCHEMA_URL, {"format": "json"})
    assert response.status_code == 200
    return response.json()


def resolve(schema: dict[str, Any], node: dict[str, Any]) -> dict[str, Any]:
    """Follow a local ``$ref`` (``#/components/schemas/X``)."""
    while "$ref" in node:
        *_, kind, name = node["$ref"].split("/")
        node = schema["components"][kind][name]
    return node


def operations(schema: dict[str, Any]):
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            if method in HTTP_METHODS:
                yield path, method, operation


def json_schema_of(schema: dict[str, Any], response: dict[str, Any]) -> dict[str, Any]:
    return resolve(schema, response["content"]["application/json"]["schema"])


# --- the document ----------------------------------------------------------------------------------------------


def test_schema_as_json_with_format_parameter(client_for, operator):
    response = client_for(operator).get(SCHEMA_URL, {"format": "json"})

    assert response.status_code == 200
    assert response["Content-Type"].startswith(OPENAPI_JSON)
    assert response.json()["openapi"].startswith("3.")


def test_schema_as_json_by_accept_header(client_for, operator):
    response = client_for(operator).get(SCHEMA_URL, HTTP_ACCEPT=OPENAPI_JSON)

    assert response.status_code == 200
    assert response["Content-Type"].startswith(OPENAPI_JSON)
    assert response.json()["openapi"].startswith("3.")


def test_schema_defaults_to_yaml(client_for, operator):
    response = client_for(operator).get(SCHEMA_URL)

    assert response.status_code == 200
    assert response.content.decode().startswith("openapi: 3.")


def test_schema_has_title_and_version(schema):
    assert schema["info"]["title"]
    assert schema["info"]["version"]


@pytest.mark.parametrize(("path", "method"), EXPECTED_OPERATIONS)
def test_schema_contains_the_operation(schema, path, method):
    assert path in schema["paths"], sorted(schema["paths"])
    assert method in schema["paths"][path]


def _routes(patterns: list[Any], prefix: str = "") -> list[str]:
    found: list[str] = []
    for p in patterns:
        if isinstance(p, URLResolver):
            found += _routes(p.url_patterns, prefix + str(p.pattern))
        elif isinstance(p, URLPattern):
            found.append(prefix + str(p.pattern))
    return found


def test_every_api_route_is_in_the_schema(schema):
    documented = set(schema["paths"])
    routes = [r for r in _routes(api_urls.urlpatterns) if r != "schema"]

    missing = []
    for route in routes:
        path = "/api/v1/" + re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", route)
        if path not in documented:
            missing.append(path)
    assert not missing


# --- security --------------------------------------------------------------------------------------------------


def test_bearer_security_scheme_is_declared(schema):
    schemes = schema["components"]["securitySchemes"].values()

    assert any(s.get("type") == "http" and s.get("scheme", "").lower() == "bearer" for s in schemes)


def _bearer_scheme_names(schema: dict[str, Any]) -> set[str]:
    return {
        name
        for name, s in schema["components"]["securitySchemes"].items()
        if s.get("type") == "http" and s.get("scheme", "").lower() == "bearer"
    }


def test_protected_operations_accept_the_bearer_token(schema):
    bearer_names = _bearer_scheme_names(schema)

    for path, method, operation in operations(schema):
        if (path, method) == ("/api/v1/auth/token", "post"):
            continue
        requirements = operation.get("security", schema.get("security", []))
        assert any(set(r) & bearer_names for r in requirements), (path, method)


def test_requesting_a_token_needs_no_authentication(schema):
    operation = schema["paths"]["/api/v1/auth/token"]["post"]

    requirements = operation.get("security", schema.get("security", []))
    assert not requirements or {} in requirements


# --- requests and responses ------------------------------------------------------------------------------------


def test_token_request_body_has_username_and_password(schema):
    body = schema["paths"]["/api/v1/auth/token"]["post"]["requestBody"]
    request_schema = resolve(schema, body["content"]["application/json"]["schema"])

    assert {"username", "password"} <= set(request_schema["properties"])
    assert {"username", "password"} <= set(request_schema.get("required", []))


def test_token_response_has_token_and_expiry(schema):
    response = schema["paths"]["/api/v1/auth/token"]["post"]["responses"]["201"]

    assert set(json_schema_of(schema, response)["properties"]) == {"token", "expires_at"}


@pytest.mark.parametrize("status", ["400", "401", "403", "429"])
def test_token_request_documents_its_errors(schema, status):
    responses = schema["paths"]["/api/v1/auth/token"]["post"]["responses"]

    assert status in responses
    assert set(json_schema_of(schema, responses[status])["properties"]) == {"detail", "code", "errors"}


def test_error_component_has_detail_code_and_errors(schema):
    responses = schema["paths"]["/api/v1/units"]["get"]["responses"]
    error = json_schema_of(schema, responses["400"])

    assert set(error["properties"]) == {"detail", "code", "errors"}
    assert set(error["required"]) == {"detail", "code", "errors"}


def test_every_protected_operation_documents_the_401_error(schema):
    """API.md: the schema describes the error details; every protected call can answer 401."""
    undocumented = [
        f"{method.upper()} {path}"
        for path, method, operation in operations(schema)
        if (path, method) != ("/api/v1/auth/token", "post") and "401" not in operation["responses"]
    ]

    assert not undocumented


def test_unit_detail_documents_the_404(schema):
    responses = schema["paths"]["/api/v1/units/{code}"]["get"]["responses"]

    assert "404" in responses
    assert set(json_schema_of(schema, responses["404"])["properties"]) == {"detail", "code", "errors"}


def test_unit_detail_is_addressed_by_code(schema):
    parameters = schema["paths"]["/api/v1/units/{code}"]["get"]["parameters"]

    assert [(p["name"], p["in"], p["required"]) for p in parameters] == [("code", "path", True)]


def test_unit_list_documents_its_filters(schema):
    parameters = {p["name"]: p for p in schema["paths"]["/api/v1/units"]["get"]["parameters"]}

    assert {"type", "province", "parent", "q", "active", "ordering", "page", "page_size"} <= set(parameters)
    assert all(p["in"] == "query" for p in parameters.values())
    assert parameters["active"]["schema"]["type"] == "boolean"


def test_unit_list_documents_the_accepted_orderings(schema):
    parameters = {p["name"]: p for p in schema["paths"]["/api/v1/units"]["get"]["parameters"]}

    assert set(parameters["ordering"]["schema"]["enum"]) == {
        "name",
        "-name",
        "code",
        "-code",
        "type",
        "-type",
        "province",
        "-province",
    }


def test_unit_list_documents_bad_filters_as_400(schema):
    assert "400" in schema["paths"]["/api/v1/units"]["get"]["responses"]


@pytest.mark.parametrize("path", ["/api/v1/units", "/api/v1/provinces", "/api/v1/unit-types"])
def test_lists_are_documented_as_paginated(schema, path):
    page = json_schema_of(schema, schema["paths"][path]["get"]["responses"]["200"])

    assert {"count", "next", "previous", "results"} <= set(page["properties"])
    assert page["properties"]["results"]["type"] == "array"


def test_unit_schema_has_the_row_fields(schema):
    page = json_schema_of(schema, schema["paths"]["/api/v1/units"]["get"]["responses"]["200"])
    unit = resolve(schema, page["properties"]["results"]["items"])

    assert {"code", "name", "type", "parent", "province", "timezone", "active"} <= set(unit["properties"])


def test_me_schema_has_roles_with_unit_codes(schema):
    me = json_schema_of(schema, schema["paths"]["/api/v1/me"]["get"]["responses"]["200"])
    role = resolve(schema, me["properties"]["roles"]["items"])

    assert {"username", "full_name", "roles"} <= set(me["properties"])
    assert {"role", "unit_code"} <= set(role["properties"])
