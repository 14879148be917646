"""The Indonesian catalogue is complete, compiled, and covers the strings the code uses."""

from __future__ import annotations

import ast
import gettext
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
PO = ROOT / "locale" / "id" / "LC_MESSAGES" / "django.po"
MO = PO.with_suffix(".mo")


def parse_po(path: Path) -> list[dict[str, object]]:
    """Entries of a .po file: msgid, msgid_plural, msgstr(s), flags."""
    entries: list[dict[str, object]] = []
    current: dict[str, object] = {}
    key = ""
    for line in [*path.read_text(encoding="utf-8").splitlines(), ""]:
        if not line.strip():
            if "msgid" in current:
                entries.append(current)
            current, key = {}, ""
            continue
        if line.startswith("#,"):
            current["flags"] = {f.strip() for f in line[2:].split(",")}
        elif line.startswith("#"):
            continue
        elif line.startswith('"'):
            current[key] = str(current[key]) + ast.literal_eval(line)
        else:
            key, _, value = line.partition(" ")
            current[key] = ast.literal_eval(value)
    return entries


ENTRIES = [e for e in parse_po(PO) if e["msgid"]]


def test_every_entry_is_translated_and_not_fuzzy():
    untranslated = [e["msgid"] for e in ENTRIES if not (e.get("msgstr") or e.get("msgstr[0]"))]
    fuzzy = [e["msgid"] for e in ENTRIES if "fuzzy" in e.get("flags", set())]  # type: ignore[operator]
    assert untranslated == []
    assert fuzzy == []


def test_compiled_catalogue_matches_the_po_file():
    with MO.open("rb") as fh:
        compiled = gettext.GNUTranslations(fh)
    stale = [
        e["msgid"] for e in ENTRIES if "msgid_plural" not in e and compiled.gettext(str(e["msgid"])) != e["msgstr"]
    ]
    assert stale == [], "run `make messages` (compilemessages) after editing django.po"


def test_placeholders_survive_translation():
    pattern = re.compile(r"%\(\w+\)s")
    # Indonesian has one plural form: it carries the placeholders of the English plural ("One item" has none).
    broken = [
        e["msgid"]
        for e in ENTRIES
        if set(pattern.findall(str(e.get("msgid_plural") or e["msgid"])))
        != set(pattern.findall(str(e.get("msgstr") or e.get("msgstr[0]"))))
    ]
    assert broken == []


@pytest.mark.parametrize("suffix", [".html", ".py"])
def test_literal_strings_in_code_are_in_the_catalogue(suffix):
    known = {str(e["msgid"]) for e in ENTRIES}
    if suffix == ".html":
        pattern = re.compile(r"""{%\s*translate\s+"([^"]+)"\s*%}""")
    else:
        pattern = re.compile(r"""\b_\(\s*"((?:[^"\\]|\\.)+)"\s*\)""")
    missing = []
    for path in (ROOT / "p2ham").rglob(f"*{suffix}"):
        if "tests" in path.parts or "migrations" in path.parts:
            continue
        for text in pattern.findall(path.read_text(encoding="utf-8")):
            text = text.encode().decode("unicode_escape").encode("latin-1").decode("utf-8") if "\\" in text else text
            if text not in known:
                missing.append(f"{path.relative_to(ROOT)}: {text}")
    assert missing == [], "run `make messages` and translate the new strings"
