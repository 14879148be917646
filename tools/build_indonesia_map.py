#!/usr/bin/env python3
"""Build the jsVectorMap map "indonesia" from the npm package @svg-maps/indonesia.

Usage (from the repository root; needs only the Python standard library):

    cd /tmp && npm pack @svg-maps/indonesia@1.0.0
    python3 tools/build_indonesia_map.py /tmp/svg-maps-indonesia-1.0.0.tgz

The source may be the .tgz from `npm pack` or the package's extracted index.js. The output
(default p2ham/core/static/vendor/indonesia-map/indonesia.js) is committed; nothing runs at build time.

What the script changes in the source data (CC BY 4.0 asks modifications to be indicated; the same
list is in the output's header and in ATTRIBUTION):
- each region is keyed by its BPS two-digit province code (from p2ham/organizations/data/provinces.csv)
  instead of the ISO 3166-2 id, and named with the BPS province name;
- coordinates are moved so the map starts at (0, 0) (the SVG's viewBox starts at y=29) and rounded to
  0.1 unit (the map is 793 units wide), which also drops segments that become empty.
"""

from __future__ import annotations

import argparse
import csv
import io
import itertools
import json
import re
import sys
import tarfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PROVINCES_CSV = ROOT / "p2ham" / "organizations" / "data" / "provinces.csv"
DEFAULT_OUTPUT = ROOT / "p2ham" / "core" / "static" / "vendor" / "indonesia-map" / "indonesia.js"
PACKAGE = "@svg-maps/indonesia"
MAP_NAME = "indonesia"

# ISO 3166-2:ID id used by svg-maps -> (BPS code, the name svg-maps gives it, checked so a wrong row fails loudly).
ISO_TO_BPS = {
    "id-ac": ("11", "Aceh"),
    "id-su": ("12", "Sumatera Utara"),
    "id-sb": ("13", "Sumatera Barat"),
    "id-ri": ("14", "Riau"),
    "id-ja": ("15", "Jambi"),
    "id-ss": ("16", "Sumatera Selatan"),
    "id-be": ("17", "Bengkulu"),
    "id-la": ("18", "Lampung"),
    "id-bb": ("19", "Bangka Belitung"),
    "id-kr": ("21", "Kepulauan Riau"),
    "id-jk": ("31", "Jakarta Raya"),
    "id-jb": ("32", "Jawa Barat"),
    "id-jt": ("33", "Jawa Tengah"),
    "id-yo": ("34", "Yogyakarta"),
    "id-ji": ("35", "Jawa Timur"),
    "id-bt": ("36", "Banten"),
    "id-ba": ("51", "Bali"),
    "id-nb": ("52", "Nusa Tenggara Barat"),
    "id-nt": ("53", "Nusa Tenggara Timur"),
    "id-kb": ("61", "Kalimantan Barat"),
    "id-kt": ("62", "Kalimantan Tengah"),
    "id-ks": ("63", "Kalimantan Selatan"),
    "id-ki": ("64", "Kalimantan Timur"),
    "id-ku": ("65", "Kalimantan Utara"),
    "id-sa": ("71", "Sulawesi Utara"),
    "id-st": ("72", "Sulawesi Tengah"),
    "id-sn": ("73", "Sulawesi Selatan"),
    "id-sg": ("74", "Sulawesi Tenggara"),
    "id-go": ("75", "Gorontalo"),
    "id-sr": ("76", "Sulawesi Barat"),
    "id-ma": ("81", "Maluku"),
    "id-mu": ("82", "Maluku Utara"),
    "id-pa": ("91", "Papua"),
    "id-pb": ("92", "Papua Barat"),
}

# Provinces created in 2022 have no shape of their own: their area is part of the old province's shape.
PARENT = {"93": "91", "94": "91", "95": "91", "96": "92"}

TOKEN = re.compile(r"[A-Za-z]|[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?")

Point = tuple[float, float]


def read_source(path: Path) -> dict:
    if path.suffix in {".tgz", ".gz"}:
        with tarfile.open(path) as tar:
            member = tar.extractfile("package/index.js")
            if member is None:
                raise SystemExit(f"{path}: no package/index.js")
            text = io.TextIOWrapper(member, encoding="utf-8").read()
            pkg = tar.extractfile("package/package.json")
            meta = json.load(pkg) if pkg else {}
            if meta.get("name") != PACKAGE:
                raise SystemExit(f"{path}: not {PACKAGE} (found {meta.get('name')!r})")
    else:
        text = path.read_text(encoding="utf-8")
    # index.js is `export default {...JSON...}`.
    start = text.index("{")
    end = text.rindex("}") + 1
    return json.loads(text[start:end])


def parse_path(d: str) -> list[list[Point]]:
    """Absolute points of each subpath. svg-maps paths only use m/M, l/L (implicit) and z/Z."""
    tokens = TOKEN.findall(d)
    subpaths: list[list[Point]] = []
    current: list[Point] = []
    x = y = 0.0
    start = (0.0, 0.0)
    command = ""
    i = 0
    while i < len(tokens):
        token = tokens[i]
        if token.isalpha():
            command = token
            i += 1
            if command in "zZ":
                if current:
                    subpaths.append(current)
                current = []
                x, y = start
            elif command not in "mMlL":
                raise ValueError(f"unsupported path command {command!r}")
            continue
        dx, dy = float(tokens[i]), float(tokens[i + 1])
        i += 2
        relative = command.islower()
        nx, ny = (x + dx, y + dy) if relative else (dx, dy)
        if command in "mM":
            if current:
                subpaths.append(current)
            current = [(nx, ny)]
            start = (nx, ny)
            command = "l" if relative else "L"  # following pairs are implicit lineto
        else:
            current.append((nx, ny))
        x, y = nx, ny
    if current:
        subpaths.append(current)
    return subpaths


def number(value: int) -> str:
    """A coordinate held in tenths, written as short as possible: 15 -> "1.5", -5 -> "-.5", 20 -> "2"."""
    sign = "-" if value < 0 else ""
    whole, tenth = divmod(abs(value), 10)
    if tenth == 0:
        return f"{sign}{whole}"
    return f"{sign}{whole if whole else ''}.{tenth}"


def join_numbers(values: list[str]) -> str:
    out = values[0]
    for value in values[1:]:
        out += value if value.startswith("-") else " " + value
    return out


def encode(subpaths: list[list[Point]], dx: float, dy: float) -> str:
    parts = []
    for points in subpaths:
        tenths = [(round((px + dx) * 10), round((py + dy) * 10)) for px, py in points]
        deduped = [tenths[0]]
        for point in tenths[1:]:
            if point != deduped[-1]:
                deduped.append(point)
        if len(deduped) > 1 and deduped[-1] == deduped[0]:
            deduped.pop()  # z closes the shape anyway
        if len(deduped) < 3:
            continue  # an island smaller than the rounding step
        first = deduped[0]
        moves = [number(first[0]), number(first[1])]
        deltas = []
        for (ax, ay), (bx, by) in itertools.pairwise(deduped):
            deltas += [number(bx - ax), number(by - ay)]
        parts.append("M" + join_numbers(moves) + "l" + join_numbers(deltas) + "z")
    return "".join(parts)


def load_provinces() -> dict[str, str]:
    with PROVINCES_CSV.open(encoding="utf-8", newline="") as handle:
        return {row["code"]: row["name"] for row in csv.DictReader(handle)}


def build(source: dict) -> str:
    provinces = load_provinces()
    min_x, min_y, width, height = (float(v) for v in source["viewBox"].split())
    paths: dict[str, dict[str, str]] = {}
    for location in source["locations"]:
        iso = location["id"]
        if iso not in ISO_TO_BPS:
            raise SystemExit(f"unknown region {iso} ({location['name']})")
        code, expected = ISO_TO_BPS[iso]
        if location["name"] != expected:
            raise SystemExit(f"{iso}: expected {expected!r}, source says {location['name']!r}")
        paths[code] = {"path": encode(parse_path(location["path"]), -min_x, -min_y), "name": provinces[code]}
    missing = sorted(set(provinces) - set(paths) - set(PARENT))
    if missing or set(PARENT.values()) - set(paths):
        raise SystemExit(f"provinces without a shape or a parent: {missing}")

    data = {"width": round(width), "height": round(height), "paths": dict(sorted(paths.items()))}
    body = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    parent = json.dumps(PARENT, separators=(",", ":"))
    return (
        '/*! jsVectorMap map "indonesia": Indonesia\'s 34 provinces (before 2022), keyed by BPS province code.\n'
        " * Generated by tools/build_indonesia_map.py from @svg-maps/indonesia 1.0.0\n"
        " * (https://github.com/VictorCazanave/svg-maps), map by Bashir Arrohman, licensed CC BY 4.0\n"
        " * (https://creativecommons.org/licenses/by/4.0/). Changes: regions re-keyed by BPS code and renamed\n"
        " * with BPS names; coordinates shifted to start at 0,0 and rounded to 0.1. Do not edit by hand.\n"
        " * P2HAM_MAP_PARENT: provinces created in 2022 -> the old province whose shape contains them. */\n"
        '"use strict";\n'
        f"window.P2HAM_MAP_PARENT=Object.freeze({parent});\n"
        f'if(window.jsVectorMap)window.jsVectorMap.addMap("{MAP_NAME}",{body});\n'
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("source", type=Path, help="svg-maps-indonesia-1.0.0.tgz from `npm pack`, or its index.js")
    parser.add_argument("-o", "--output", type=Path, default=DEFAULT_OUTPUT)
    args = parser.parse_args(argv)
    output = build(read_source(args.source))
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(output, encoding="utf-8")
    print(f"wrote {args.output} ({len(output.encode()):,} bytes)", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
