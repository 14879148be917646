"""Reading uploaded .csv / .xlsx tables for imports, refusing files that would import wrongly."""

from __future__ import annotations

import csv
import io
import zipfile
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext as _
from openpyxl import load_workbook
from openpyxl.utils.exceptions import InvalidFileException


class TableFileError(Exception):
    """The file as a whole cannot be read; the message is for the user."""


@dataclass(frozen=True)
class TableRow:
    number: int  # the row number as the user sees it in their spreadsheet (header is row 1)
    values: dict[str, str]
    # Columns whose cell held a number in the spreadsheet (long numbers there have lost digits).
    numeric_columns: frozenset[str] = frozenset()


def _normalise_header(name: object, aliases: dict[str, str]) -> str:
    key = str(name or "").strip().lower().replace(" ", "_")
    return aliases.get(key, key)


def read_table(data: bytes, filename: str, aliases: dict[str, str]) -> tuple[list[str], list[TableRow]]:
    """Parse CSV (UTF-8, comma/semicolon/tab) or XLSX bytes into header and non-empty rows."""
    if data.startswith(b"PK\x03\x04"):
        return _read_xlsx(data, aliases)
    if filename.lower().endswith((".xlsx", ".xlsm", ".xls")):
        raise TableFileError(_("The file is not a valid Excel (.xlsx) workbook."))
    return _read_csv(data, aliases)


def _read_csv(data: bytes, aliases: dict[str, str]) -> tuple[list[str], list[TableRow]]:
    if b"\x00" in data[:4096]:
        raise TableFileError(_("The file is not a CSV text file. Upload a .csv (UTF-8) or .xlsx file."))
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise TableFileError(
            _(
                "The file is not valid UTF-8 text (problem at byte %(position)s). "
                "In Excel choose “Save as → CSV UTF-8”, or upload the .xlsx file itself."
            )
            % {"position": exc.start}
        ) from None
    if not text.strip():
        raise TableFileError(_("The file is empty."))
    first_line = text.splitlines()[0]
    delimiter = max((",", ";", "\t"), key=first_line.count)
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    try:
        raw_rows = list(reader)
    except csv.Error as exc:
        raise TableFileError(_("The CSV file is malformed: %(error)s") % {"error": exc}) from None
    header = [_normalise_header(h, aliases) for h in raw_rows[0]]
    rows = []
    for index, raw in enumerate(raw_rows[1:], start=2):
        if not any(cell.strip() for cell in raw):
            continue
        values = {header[i]: (raw[i].strip() if i < len(raw) else "") for i in range(len(header))}
        rows.append(TableRow(index, values))
    return header, rows


# An .xlsx is a zip: refuse archives that would unpack into far more than any real import (zip bombs).
MAX_UNPACKED_BYTES = 50 * 1024 * 1024
MAX_ZIP_ENTRIES = 500
MAX_ROWS = 20000


def _check_archive(data: bytes) -> None:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            entries = archive.infolist()
    except (zipfile.BadZipFile, ValueError, OSError):
        raise TableFileError(_("The file is not a valid Excel (.xlsx) workbook.")) from None
    unpacked = sum(entry.file_size for entry in entries)
    if len(entries) > MAX_ZIP_ENTRIES or unpacked > MAX_UNPACKED_BYTES:
        raise TableFileError(_("The workbook is too large to import. Split it into smaller files."))


def _open_workbook(data: bytes) -> Any:
    _check_archive(data)
    try:
        return load_workbook(io.BytesIO(data), read_only=False, data_only=False)
    except (InvalidFileException, zipfile.BadZipFile, KeyError, ValueError, OSError):
        raise TableFileError(_("The file is not a valid Excel (.xlsx) workbook.")) from None


def _read_sheet(sheet: Any, aliases: dict[str, str]) -> tuple[list[str], list[TableRow]]:
    """Header and non-empty rows of one sheet; merged cells and formulas are refused."""
    if sheet.merged_cells.ranges:
        merged = ", ".join(str(r) for r in list(sheet.merged_cells.ranges)[:5])
        raise TableFileError(
            _("The sheet “%(sheet)s” has merged cells (%(cells)s). Unmerge them so every row has its own values.")
            % {"sheet": sheet.title, "cells": merged}
        )
    formulas = [cell.coordinate for row in sheet.iter_rows() for cell in row if cell.data_type == "f"]
    if formulas:
        raise TableFileError(
            _("The sheet “%(sheet)s” contains formulas (%(cells)s). Replace them with plain values and upload again.")
            % {"sheet": sheet.title, "cells": ", ".join(formulas[:5]) + ("…" if len(formulas) > 5 else "")}
        )
    if sheet.max_row > MAX_ROWS:
        raise TableFileError(
            _("The sheet “%(sheet)s” has more than %(rows)s rows. Split it into smaller files.")
            % {"sheet": sheet.title, "rows": MAX_ROWS}
        )
    all_rows = list(sheet.iter_rows(values_only=True))
    if not all_rows:
        return [], []
    header = [_normalise_header(h, aliases) for h in all_rows[0]]
    rows = []
    for index, raw in enumerate(all_rows[1:], start=2):
        cells = ["" if v is None else _cell_text(v) for v in raw]
        if not any(cells):
            continue
        values = {header[i]: (cells[i] if i < len(cells) else "") for i in range(len(header)) if header[i]}
        numeric = frozenset(header[i] for i, v in enumerate(raw) if i < len(header) and isinstance(v, (int, float)))
        rows.append(TableRow(index, values, numeric))
    return header, rows


def _read_xlsx(data: bytes, aliases: dict[str, str]) -> tuple[list[str], list[TableRow]]:
    header, rows = _read_sheet(_open_workbook(data).worksheets[0], aliases)
    if not header:
        raise TableFileError(_("The file is empty."))
    return header, rows


def read_workbook(data: bytes, sheets: dict[str, dict[str, str]]) -> dict[str, tuple[list[str], list[TableRow]]]:
    """Read the named sheets (name -> header aliases) of an .xlsx file; a missing sheet is an error."""
    if not data.startswith(b"PK\x03\x04"):
        raise TableFileError(_("The file is not a valid Excel (.xlsx) workbook."))
    workbook = _open_workbook(data)
    by_name = {sheet.title.strip().lower(): sheet for sheet in workbook.worksheets}
    missing = [name for name in sheets if name not in by_name]
    if missing:
        raise TableFileError(
            _("The workbook lacks the sheet(s): %(names)s. Start from an exported instrument.")
            % {"names": ", ".join(missing)}
        )
    return {name: _read_sheet(by_name[name], aliases) for name, aliases in sheets.items()}


def _cell_text(value: object) -> str:
    # Excel stores NIPs typed as numbers as floats; 18 digits survive only as int.
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()
