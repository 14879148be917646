"""Public verification of a declaration statement (the QR code on the PDF leads here)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_GET

from p2ham.declarations.models import DeclarationUnit


@require_GET
@cache_control(max_age=300, public=True)
def verify_statement(request: HttpRequest, code: str) -> HttpResponse:
    """Anyone holding the paper can check it: which unit, which year, signed or not. Nothing else is shown."""
    participant = (
        DeclarationUnit.objects.select_related("unit__province", "declaration__period")
        .filter(verification_code=code.strip().upper()[:16])
        .first()
    )
    return render(
        request,
        "declarations/verify.html",
        {"participant": participant, "code": code[:16]},
        status=200 if participant else 404,
    )
