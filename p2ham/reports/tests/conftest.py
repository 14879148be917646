"""Service messages and export headers are asserted in the English source text; pages are requested in the
users' language (set the language cookie to read English)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.utils import translation


@pytest.fixture(autouse=True)
def _english_messages() -> Iterator[None]:
    with translation.override("en"):
        yield
