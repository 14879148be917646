"""Fixtures for the API tests: clients that ask for English, and bearer-token clients per actor."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from rest_framework.test import APIClient

from p2ham.api.services import token_issue


@pytest.fixture
def api() -> APIClient:
    """An anonymous client asking for English, so assertions on messages do not depend on translations."""
    return APIClient(HTTP_ACCEPT_LANGUAGE="en")


@pytest.fixture
def client_for() -> Callable[[Any], APIClient]:
    """``client_for(user)``: a client authenticated with a fresh bearer token of that user."""

    def make(user: Any) -> APIClient:
        raw, _token = token_issue(user=user)
        client = APIClient(HTTP_ACCEPT_LANGUAGE="en")
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
        return client

    return make
