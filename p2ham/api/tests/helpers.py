"""Assertions shared by the API tests."""

from __future__ import annotations

from typing import Any

ERROR_KEYS = {"detail", "code", "errors"}


def assert_error(response: Any, status: int, code: str | None = None) -> dict[str, Any]:
    """The response is an API error with the uniform body ``{"detail", "code", "errors"}`` (API.md)."""
    assert response.status_code == status, (response.status_code, response.content[:500])
    assert response["Content-Type"].startswith("application/json"), response["Content-Type"]
    body = response.json()
    assert set(body) == ERROR_KEYS, body
    assert isinstance(body["detail"], str) and body["detail"], body
    assert isinstance(body["code"], str) and body["code"], body
    assert isinstance(body["errors"], dict), body
    if code is not None:
        assert body["code"] == code, body
    return body


def bearer(raw: str) -> dict[str, str]:
    """Request kwargs sending ``raw`` as a bearer token."""
    return {"HTTP_AUTHORIZATION": f"Bearer {raw}"}
