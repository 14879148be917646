"""The instrument as a plain tree (dict): the one format of the default data files, the Excel round trip
and the API. ``validate_tree`` checks a tree completely and reports every problem with its place."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from django.utils.translation import gettext as _

from p2ham.instruments.models import EVIDENCE_KINDS

CODE_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,19}$")
SLUG_RE = re.compile(r"^[a-z0-9][a-z0-9_-]{0,39}$")
RESERVED_CODES = frozenset({"defaults"})  # a path segment of the API


@dataclass
class TreeError:
    where: str  # e.g. "criteria[2].indicators[4].weight", or "indicators row 7, weight" for a spreadsheet
    message: str


@dataclass
class TreeResult:
    data: dict[str, Any] = field(default_factory=dict)  # normalised: Decimals, ints, bools, stripped strings
    errors: list[TreeError] = field(default_factory=list)

    @property
    def valid(self) -> bool:
        return not self.errors


def _decimal(value: Any) -> Decimal | None:
    """A number with at most two decimals (what the database keeps); anything else is None."""
    try:
        number = Decimal(str(value).strip().replace(",", "."))
    except (InvalidOperation, ValueError):
        return None
    if not number.is_finite() or number != number.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP):
        return None
    return number


def _bool(value: Any) -> bool | None:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in {"1", "true", "ya", "yes", "y", "wajib"}:
        return True
    if text in {"0", "false", "tidak", "no", "n", ""}:
        return False
    return None


def validate_tree(tree: Any, *, unit_type_codes: set[str], where: dict[str, str] | None = None) -> TreeResult:
    """Check an instrument tree; ``where`` maps tree paths to friendlier places (spreadsheet rows)."""
    result = TreeResult()
    places = where or {}

    def err(path: str, message: str) -> None:
        result.errors.append(TreeError(places.get(path, path), message))

    if not isinstance(tree, dict):
        err("", _("The instrument must be an object with code, name, scales and criteria."))
        return result
    data: dict[str, Any] = {}
    code = str(tree.get("code", "")).strip()
    if not SLUG_RE.match(code) or code in RESERVED_CODES:
        err("code", _("The instrument code must be 1–40 lowercase letters, digits, dashes or underscores."))
    data["code"] = code
    data["name"] = str(tree.get("name", "")).strip()
    if not data["name"] or len(data["name"]) > 200:
        err("name", _("The instrument needs a name of at most 200 characters."))
    data["regulation"] = str(tree.get("regulation", "")).strip()[:120]
    types = tree.get("unit_types") or []
    if not isinstance(types, list) or not types:
        err("unit_types", _("Name at least one unit type."))
        types = []
    data["unit_types"] = [str(t).strip() for t in types]
    for index, type_code in enumerate(data["unit_types"]):
        if type_code not in unit_type_codes:
            err(f"unit_types[{index}]", _("Unknown unit type “%(code)s”.") % {"code": type_code})
    if len(set(data["unit_types"])) != len(data["unit_types"]):
        err("unit_types", _("A unit type is listed twice."))
    for key, default in (("predicate_threshold", "80"), ("bonus_cap", "10"), ("penalty_cap", "20")):
        number = _decimal(tree.get(key, default))
        if number is None or not Decimal(0) <= number <= Decimal(100):
            err(key, _("Must be a number from 0 to 100, with at most two decimals."))
        data[key] = number

    scales: list[dict[str, Any]] = []
    scale_codes: set[str] = set()
    raw_scales = tree.get("scales")
    if not isinstance(raw_scales, list) or not raw_scales:
        err("scales", _("Define at least one answer scale."))
        raw_scales = []
    for s_index, raw in enumerate(raw_scales):
        path = f"scales[{s_index}]"
        raw = raw if isinstance(raw, dict) else {}
        s_code = str(raw.get("code", "")).strip()
        if not SLUG_RE.match(s_code):
            err(f"{path}.code", _("A scale code must be lowercase letters, digits, dashes or underscores."))
        elif s_code in scale_codes:
            err(f"{path}.code", _("Duplicate scale code “%(code)s”.") % {"code": s_code})
        scale_codes.add(s_code)
        options = []
        raw_options = raw.get("options")
        if not isinstance(raw_options, list) or len(raw_options) < 2:
            err(f"{path}.options", _("A scale needs at least two options."))
            raw_options = []
        labels: set[str] = set()
        for o_index, option in enumerate(raw_options):
            o_path = f"{path}.options[{o_index}]"
            option = option if isinstance(option, dict) else {}
            label = str(option.get("label", "")).strip()
            if not label or len(label) > 80:
                err(f"{o_path}.label", _("An option needs a label of at most 80 characters."))
            elif label.lower() in labels:
                err(f"{o_path}.label", _("Duplicate option “%(label)s”.") % {"label": label})
            labels.add(label.lower())
            score = _decimal(option.get("score"))
            if score is None or not Decimal(0) <= score <= Decimal(100):
                err(f"{o_path}.score", _("An option score must be a number from 0 to 100, with at most two decimals."))
            options.append({"label": label, "score": score})
        scales.append({"code": s_code, "name": str(raw.get("name", "")).strip()[:120] or s_code, "options": options})
    data["scales"] = scales

    criteria: list[dict[str, Any]] = []
    criterion_codes: set[str] = set()
    indicator_codes: set[str] = set()
    raw_criteria = tree.get("criteria")
    if not isinstance(raw_criteria, list) or not raw_criteria:
        err("criteria", _("Define at least one criterion."))
        raw_criteria = []
    for c_index, raw in enumerate(raw_criteria):
        path = f"criteria[{c_index}]"
        raw = raw if isinstance(raw, dict) else {}
        c_code = str(raw.get("code", "")).strip()
        if not CODE_RE.match(c_code):
            err(f"{path}.code", _("A code must be 1–20 letters, digits, dots, dashes or underscores."))
        elif c_code in criterion_codes:
            err(f"{path}.code", _("Duplicate criterion code “%(code)s”.") % {"code": c_code})
        criterion_codes.add(c_code)
        name = str(raw.get("name", "")).strip()
        if not name or len(name) > 200:
            err(f"{path}.name", _("A criterion needs a name of at most 200 characters."))
        weight = _decimal(raw.get("weight"))
        if weight is None or weight <= 0 or weight >= Decimal("100000"):
            err(
                f"{path}.weight",
                _("A weight must be a number greater than 0 and below 100000, with at most two decimals."),
            )
        indicators = []
        raw_indicators = raw.get("indicators")
        if not isinstance(raw_indicators, list) or not raw_indicators:
            err(f"{path}.indicators", _("A criterion needs at least one indicator."))
            raw_indicators = []
        for i_index, item in enumerate(raw_indicators):
            indicators.append(_indicator(item, f"{path}.indicators[{i_index}]", err, scale_codes, indicator_codes))
        criteria.append({"code": c_code, "name": name, "weight": weight, "indicators": indicators})
    data["criteria"] = criteria
    result.data = data
    return result


def _indicator(item: Any, path: str, err: Any, scale_codes: set[str], seen: set[str]) -> dict[str, Any]:
    item = item if isinstance(item, dict) else {}
    code = str(item.get("code", "")).strip()
    if not CODE_RE.match(code):
        err(f"{path}.code", _("A code must be 1–20 letters, digits, dots, dashes or underscores."))
    elif code in seen:
        err(f"{path}.code", _("Duplicate indicator code “%(code)s”.") % {"code": code})
    seen.add(code)
    question = str(item.get("question", "")).strip()
    if not question:
        err(f"{path}.question", _("An indicator needs a question."))
    scale = str(item.get("scale", "")).strip()
    if scale not in scale_codes:
        err(f"{path}.scale", _("Unknown answer scale “%(code)s”.") % {"code": scale})
    weight = _decimal(item.get("weight", "1"))
    if weight is None or weight <= 0 or weight >= Decimal("100000"):
        err(
            f"{path}.weight", _("A weight must be a number greater than 0 and below 100000, with at most two decimals.")
        )
    mandatory = _bool(item.get("mandatory", False))
    if mandatory is None:
        err(f"{path}.mandatory", _("Use yes or no."))
    evidence = item.get("evidence") if isinstance(item.get("evidence"), dict) else {}
    required = _bool(evidence.get("required", True))
    if required is None:
        err(f"{path}.evidence.required", _("Use yes or no."))
    kinds = evidence.get("kinds", ["pdf", "jpeg", "png"])
    if isinstance(kinds, str):
        kinds = [k.strip().lower() for k in kinds.replace(";", ",").split(",") if k.strip()]
    kinds = [str(k).lower() for k in kinds] if isinstance(kinds, list) else []
    unknown = [k for k in kinds if k not in EVIDENCE_KINDS]
    if unknown or (required and not kinds):
        err(
            f"{path}.evidence.kinds",
            _("File kinds must be chosen from: %(kinds)s.") % {"kinds": ", ".join(EVIDENCE_KINDS)},
        )
    try:
        min_files = int(str(evidence.get("min_files", 1)).strip())
        max_mb = int(str(evidence.get("max_mb", 20)).strip())
    except ValueError:
        min_files, max_mb = -1, -1
    if not 0 <= min_files <= 20:
        err(f"{path}.evidence.min_files", _("The minimum number of files must be 0 to 20."))
    if not 1 <= max_mb <= 500:
        err(f"{path}.evidence.max_mb", _("The largest file size must be 1 to 500 MB."))
    continues = str(item.get("continues", "") or "").strip()
    if continues and not CODE_RE.match(continues):
        err(f"{path}.continues", _("A code must be 1–20 letters, digits, dots, dashes or underscores."))
    return {
        "code": code,
        "question": question,
        "guidance_unit": str(item.get("guidance_unit", "") or "").strip(),
        "guidance_verifier": str(item.get("guidance_verifier", "") or "").strip(),
        "scale": scale,
        "weight": weight,
        "mandatory": bool(mandatory),
        "evidence": {"required": bool(required), "min_files": min_files, "kinds": kinds, "max_mb": max_mb},
        "continues": continues,
    }
