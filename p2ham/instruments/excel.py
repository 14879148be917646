"""The instrument as an Excel workbook, both ways, so Ditjen HAM staff can draft next year's in a spreadsheet.

Sheets: ``instrumen`` (setting / value), ``skala`` (one row per option), ``kriteria``, ``indikator``.
Reading builds the same tree as the data files and the API, and reports problems by sheet, row and column.
"""

from __future__ import annotations

import io
from typing import Any

from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font

from p2ham.core.spreadsheet import safe_cell
from p2ham.core.tabular import TableFileError, read_workbook

SETTINGS_SHEET, SCALES_SHEET, CRITERIA_SHEET, INDICATORS_SHEET = "instrumen", "skala", "kriteria", "indikator"
SETTINGS = ("code", "name", "regulation", "unit_types", "predicate_threshold", "bonus_cap", "penalty_cap")
SCALE_COLUMNS = ("scale_code", "scale_name", "option_label", "option_score")
CRITERION_COLUMNS = ("code", "name", "weight")
INDICATOR_COLUMNS = (
    "criterion",
    "code",
    "question",
    "guidance_unit",
    "guidance_verifier",
    "scale",
    "weight",
    "mandatory",
    "evidence_required",
    "evidence_min_files",
    "evidence_kinds",
    "evidence_max_mb",
    "continues",
)
WIDTHS = {"question": 60, "guidance_unit": 50, "guidance_verifier": 50, "name": 40, "scale_name": 30}


def _sheet(workbook: Workbook, title: str, columns: tuple[str, ...], rows: list[list[Any]]) -> None:
    sheet = workbook.create_sheet(title)
    for index, column in enumerate(columns):
        letter = chr(ord("A") + index)
        sheet.column_dimensions[letter].width = WIDTHS.get(column, 16)
    header = []
    for column in columns:
        cell = WriteOnlyCell(sheet, value=column)
        cell.font = Font(bold=True)
        header.append(cell)
    sheet.append(header)
    wrap = Alignment(wrap_text=True, vertical="top")
    for row in rows:
        cells = []
        for value in row:
            cell = WriteOnlyCell(sheet, value=safe_cell(value))
            cell.alignment = wrap
            cells.append(cell)
        sheet.append(cells)


def tree_to_xlsx(tree: dict[str, Any]) -> bytes:
    """An instrument tree as an .xlsx workbook (text cells never start a formula)."""
    workbook = Workbook(write_only=True)
    settings_rows = [[key, ", ".join(tree[key]) if key == "unit_types" else str(tree.get(key, ""))] for key in SETTINGS]
    _sheet(workbook, SETTINGS_SHEET, ("setting", "value"), settings_rows)
    _sheet(
        workbook,
        SCALES_SHEET,
        SCALE_COLUMNS,
        [[s["code"], s["name"], o["label"], str(o["score"])] for s in tree["scales"] for o in s["options"]],
    )
    _sheet(
        workbook,
        CRITERIA_SHEET,
        CRITERION_COLUMNS,
        [[c["code"], c["name"], str(c["weight"])] for c in tree["criteria"]],
    )
    _sheet(
        workbook,
        INDICATORS_SHEET,
        INDICATOR_COLUMNS,
        [
            [
                c["code"],
                i["code"],
                i["question"],
                i["guidance_unit"],
                i["guidance_verifier"],
                i["scale"],
                str(i["weight"]),
                "ya" if i["mandatory"] else "tidak",
                "ya" if i["evidence"]["required"] else "tidak",
                i["evidence"]["min_files"],
                ", ".join(i["evidence"]["kinds"]),
                i["evidence"]["max_mb"],
                i["continues"],
            ]
            for c in tree["criteria"]
            for i in c["indicators"]
        ],
    )
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _unsafe(value: str) -> str:
    # An exported text cell that began with = + - @ was prefixed with ' to keep it from running as a formula.
    return value[1:] if value.startswith("'") and value[1:2] in ("=", "+", "-", "@") else value


def xlsx_to_tree(data: bytes) -> tuple[dict[str, Any], dict[str, str], list[tuple[str, str]]]:
    """Read a workbook into (tree, places, sheet errors); places map tree paths to "sheet, row, column"."""
    sheets = read_workbook(data, {SETTINGS_SHEET: {}, SCALES_SHEET: {}, CRITERIA_SHEET: {}, INDICATORS_SHEET: {}})
    errors: list[tuple[str, str]] = []
    required = {
        SETTINGS_SHEET: ("setting", "value"),
        SCALES_SHEET: SCALE_COLUMNS,
        CRITERIA_SHEET: CRITERION_COLUMNS,
        INDICATORS_SHEET: INDICATOR_COLUMNS,
    }
    for name, columns in required.items():
        header = sheets[name][0]
        for column in columns:
            if column not in header:
                errors.append(
                    (
                        _("sheet %(sheet)s, row 1") % {"sheet": name},
                        _("Required column “%(column)s” is missing.") % {"column": column},
                    )
                )
    if errors:
        return {}, {}, errors

    def place(sheet: str, row: int, column: str) -> str:
        return _("sheet %(sheet)s, row %(row)s, column %(column)s") % {"sheet": sheet, "row": row, "column": column}

    places: dict[str, str] = {}
    tree: dict[str, Any] = {}
    for row in sheets[SETTINGS_SHEET][1]:
        key = row.values.get("setting", "").strip()
        if key in SETTINGS:
            value = _unsafe(row.values.get("value", ""))
            tree[key] = [t.strip() for t in value.split(",") if t.strip()] if key == "unit_types" else value
            places[key] = place(SETTINGS_SHEET, row.number, "value")
    scales: dict[str, dict[str, Any]] = {}
    for row in sheets[SCALES_SHEET][1]:
        code = row.values["scale_code"]
        scale = scales.setdefault(code, {"code": code, "name": _unsafe(row.values["scale_name"]), "options": []})
        s_index = list(scales).index(code)
        o_index = len(scale["options"])
        scale["options"].append({"label": _unsafe(row.values["option_label"]), "score": row.values["option_score"]})
        places[f"scales[{s_index}].code"] = place(SCALES_SHEET, row.number, "scale_code")
        places[f"scales[{s_index}].options"] = place(SCALES_SHEET, row.number, "option_label")
        places[f"scales[{s_index}].options[{o_index}].label"] = place(SCALES_SHEET, row.number, "option_label")
        places[f"scales[{s_index}].options[{o_index}].score"] = place(SCALES_SHEET, row.number, "option_score")
    tree["scales"] = list(scales.values())
    criteria: dict[str, dict[str, Any]] = {}
    for c_index, row in enumerate(sheets[CRITERIA_SHEET][1]):
        code = row.values["code"]
        criteria[code] = {
            "code": code,
            "name": _unsafe(row.values["name"]),
            "weight": row.values["weight"],
            "indicators": [],
        }
        for column in CRITERION_COLUMNS:
            places[f"criteria[{c_index}].{column}"] = place(CRITERIA_SHEET, row.number, column)
        places[f"criteria[{c_index}].indicators"] = place(CRITERIA_SHEET, row.number, "code")
    for row in sheets[INDICATORS_SHEET][1]:
        v = row.values
        criterion = criteria.get(v["criterion"])
        if criterion is None:
            errors.append(
                (
                    place(INDICATORS_SHEET, row.number, "criterion"),
                    _("Unknown criterion “%(code)s”: add it to the kriteria sheet.") % {"code": v["criterion"]},
                )
            )
            continue
        c_index = list(criteria).index(v["criterion"])
        i_index = len(criterion["indicators"])
        criterion["indicators"].append(
            {
                "code": v["code"],
                "question": _unsafe(v["question"]),
                "guidance_unit": _unsafe(v["guidance_unit"]),
                "guidance_verifier": _unsafe(v["guidance_verifier"]),
                "scale": v["scale"],
                "weight": v["weight"],
                "mandatory": v["mandatory"],
                "evidence": {
                    "required": v["evidence_required"],
                    "min_files": v["evidence_min_files"],
                    "kinds": v["evidence_kinds"],
                    "max_mb": v["evidence_max_mb"],
                },
                "continues": v["continues"],
            }
        )
        base = f"criteria[{c_index}].indicators[{i_index}]"
        for column, key in (
            ("code", "code"),
            ("question", "question"),
            ("scale", "scale"),
            ("weight", "weight"),
            ("mandatory", "mandatory"),
            ("evidence_required", "evidence.required"),
            ("evidence_min_files", "evidence.min_files"),
            ("evidence_kinds", "evidence.kinds"),
            ("evidence_max_mb", "evidence.max_mb"),
            ("continues", "continues"),
        ):
            places[f"{base}.{key}"] = place(INDICATORS_SHEET, row.number, column)
    tree["criteria"] = list(criteria.values())
    return tree, places, errors


__all__ = ["TableFileError", "tree_to_xlsx", "xlsx_to_tree"]
