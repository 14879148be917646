"""The public side of the results (no login): what P2HAM is, the units awarded the predicate in a published
year — a list with filters and a map of Indonesia — and the verification of a certificate (piagam) by its code.

Only published determinations are shown, and of them only the awarded units whose predicate stands: nothing
about a unit that was not awarded is public. The pages are light (no chart library; the map is an optional
layer over a table that says the same) and work without JavaScript.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_GET

from p2ham.core.middleware import client_ip_from_request
from p2ham.organizations.models import Province, UnitType
from p2ham.results import documents, selectors
from p2ham.results.models import Certificate

PAGE_SIZE = 50
# The pages are cached by the visitor's browser only (``private``): they carry a CSRF token (the language
# switch) and, for a signed-in official, the navigation, which a shared cache must not hand to anyone else.
PAGE_SECONDS = 300
VERIFY_SECONDS = 60  # a revocation shows within a minute
# Certificate look-ups per client address and minute: plenty for people, too few to walk the code space
# (80 random bits make guessing hopeless anyway; the limit keeps scrapers from hammering the database).
VERIFY_PER_MINUTE = getattr(settings, "P2HAM_VERIFY_PER_MINUTE", 60)
CODE_CHARS = re.compile(r"[^A-Z0-9]")
CODE_MAX = 32
MISREAD = str.maketrans({"0": "O", "1": "I", "8": "B"})


def _public(
    request: HttpRequest, template: str, context: dict[str, Any], *, active: str, status: int = 200
) -> HttpResponse:
    """A public page: the public navigation needs the latest published year (for its "awarded units" link)."""
    years = context["years"] if "years" in context else selectors.published_years()
    frame = {"public_active": active, "public_latest_year": years[0] if years else None}
    return render(request, template, {**frame, **context}, status=status)


# ---------------------------------------------------------------- rate limit


def _throttled(request: HttpRequest) -> bool:
    """True when this client address has made more than ``VERIFY_PER_MINUTE`` look-ups in the current minute
    (a fixed window in the shared cache: the same limit across all app servers when the cache is Redis)."""
    ip = client_ip_from_request(request) or "unknown"
    key = f"p2ham:verify:{ip}"
    if cache.add(key, 1, timeout=60):
        return False
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add() and incr()
        cache.add(key, 1, timeout=60)
        return False
    return count > VERIFY_PER_MINUTE


def _too_many(request: HttpRequest) -> HttpResponse:
    response = _public(request, "results/public_throttled.html", {}, active="verify", status=429)
    response["Retry-After"] = "60"
    return response


def normalize_code(raw: str) -> str:
    """A code as people type it (lower case, spaces, dashes anywhere) in its printed form ``ABCD-EFGH-…``."""
    # Codes are base32 (A–Z, 2–7): a 0, 1 or 8 typed from the paper can only be an O, I or B.
    chars = CODE_CHARS.sub("", (raw or "").upper()).translate(MISREAD)[:CODE_MAX]
    return "-".join(chars[i : i + 4] for i in range(0, len(chars), 4))


# ---------------------------------------------------------------- home and results


@require_GET
@cache_control(private=True, max_age=PAGE_SECONDS)
def home(request: HttpRequest) -> HttpResponse:
    """What P2HAM is, in plain words, with the way to the results and to the verification of a piagam."""
    years = selectors.published_years()
    latest = years[0] if years else None
    awarded = sum(selectors.public_counts_by_province(year=latest).values()) if latest else 0
    return _public(
        request, "results/public_home.html", {"years": years, "latest": latest, "awarded": awarded}, active="home"
    )


@dataclass(frozen=True)
class ProvinceCount:
    province: Province
    count: int
    url: str  # the list filtered to the province


def _choice(value: str, allowed: set[str]) -> str:
    value = (value or "").strip()[:40]
    return value if value in allowed else ""


@require_GET
@cache_control(private=True, max_age=PAGE_SECONDS)
def results(request: HttpRequest, year: int) -> HttpResponse:
    """The awarded units of a published year: filters by province and unit type, a map and a table of the
    provinces (whose links filter the list), the list itself paginated."""
    years = selectors.published_years()
    if year not in years:
        raise Http404
    provinces = list(Province.objects.order_by("code"))
    unit_types = list(UnitType.objects.order_by("order", "name"))
    province = _choice(request.GET.get("provinsi", ""), {p.code for p in provinces})
    unit_type = _choice(request.GET.get("jenis", ""), {t.code for t in unit_types})
    page = Paginator(selectors.public_results(year=year, province=province, unit_type=unit_type), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    counts = selectors.public_counts_by_province(year=year, unit_type=unit_type)
    base = reverse("public:results", args=[year])

    def link(code: str) -> str:
        params = {"provinsi": code, **({"jenis": unit_type} if unit_type else {})}
        return f"{base}?{urlencode(params)}"

    by_province = [ProvinceCount(p, counts.get(p.code, 0), link(p.code)) for p in provinces]
    map_data = {
        "regions": {
            row.province.code: {"name": row.province.name, "count": row.count, "url": row.url} for row in by_province
        },
        "legend": _("Awarded units"),
    }
    chosen_province = next((p for p in provinces if p.code == province), None)
    chosen_type = next((t for t in unit_types if t.code == unit_type), None)
    return _public(
        request,
        "results/public_results.html",
        {
            "year": year,
            "years": years,
            "page_obj": page,
            "provinces": provinces,
            "unit_types": unit_types,
            "province": province,
            "unit_type": unit_type,
            "chosen_province": chosen_province,
            "chosen_type": chosen_type,
            "by_province": [row for row in by_province if row.count],
            "total": sum(counts.values()),
            "map_data": map_data,
            "filtered": bool(province or unit_type),
        },
        active="results",
    )


# ---------------------------------------------------------------- certificate verification


def _published(certificate: Certificate | None) -> Certificate | None:
    """A certificate is public once its determination is published; before that it is unknown."""
    if certificate is None or not certificate.result.determination.published:
        return None
    return certificate


@require_GET
def verify_form(request: HttpRequest) -> HttpResponse:
    """Type a code (``?kode=``): the form sends it to the code's own page; works without JavaScript."""
    raw = request.GET.get("kode")
    if raw is None:
        return _public(request, "results/public_verify.html", {"state": "form", "typed": ""}, active="verify")
    # Not counted here: the code's own page, where the look-up happens, counts it.
    code = normalize_code(raw)
    if not code:
        return _public(
            request,
            "results/public_verify.html",
            {"state": "form", "typed": raw[:60], "error": _("Type the code printed under the QR code.")},
            active="verify",
            status=400,
        )
    return redirect("public:verify", code=code)


@require_GET
@cache_control(private=True, max_age=VERIFY_SECONDS)
def verify(request: HttpRequest, code: str) -> HttpResponse:
    """VALID, REVOKED (with the date and the reason) or UNKNOWN (404: a scraper learns nothing from a miss)."""
    if _throttled(request):
        return _too_many(request)
    certificate = _published(selectors.certificate_by_code(normalize_code(code)))
    if certificate is None:
        return _public(
            request,
            "results/public_verify.html",
            {"state": "unknown", "typed": code[: CODE_MAX + 8]},
            active="verify",
            status=404,
        )
    result = certificate.result
    return _public(
        request,
        "results/public_verify.html",
        {
            "state": "valid" if certificate.valid else "revoked",
            "certificate": certificate,
            "result": result,
            "unit": result.unit,
            "typed": certificate.code,
            "decree": documents.decree_of(result),
        },
        active="verify",
    )


@require_GET
@cache_control(private=True, max_age=VERIFY_SECONDS)
def verify_json(request: HttpRequest, code: str) -> JsonResponse:
    """The same answer as data: ``{"status": "valid" | "revoked" | "unknown", …}``."""
    if _throttled(request):
        response = JsonResponse({"detail": "Too many requests.", "code": "throttled"}, status=429)
        response["Retry-After"] = "60"
        return response
    certificate = _published(selectors.certificate_by_code(normalize_code(code)))
    if certificate is None:
        return JsonResponse({"status": "unknown"}, status=404)
    result = certificate.result
    decree = documents.decree_of(result)
    data: dict[str, Any] = {
        "status": "valid" if certificate.valid else "revoked",
        "code": certificate.code,
        "unit": {"code": result.unit.code, "name": result.unit.name, "province": result.unit.province.name},
        "year": result.period.year,
        "decree": {"number": decree.number, "date": decree.date.isoformat()},
        "issued_at": certificate.issued_at.isoformat(),
        "revoked_at": certificate.revoked_at.isoformat() if certificate.revoked_at else None,
    }
    return JsonResponse(data)
