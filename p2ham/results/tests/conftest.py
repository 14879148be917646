"""Service messages are asserted in the English source text; pages are requested in the users' language."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.utils import translation


@pytest.fixture(autouse=True)
def _english_messages() -> Iterator[None]:
    # A request through the test client still activates the request's own language (Indonesian by default).
    with translation.override("en"):
        yield
