"""Rebuild the vendored legacy-unit files from the `vietnamadminunits` package (MIT).

Usage (from the project's root, with the project's virtualenv)::

    pip download --no-deps vietnamadminunits==1.0.4 -d /tmp/vau && unzip -o /tmp/vau/*.whl -d /tmp/vau
    .venv/bin/python src/tinhso/geo/data/rebuild.py /tmp/vau/vietnamadminunits/data

It writes, next to this file:

- ``legacy_units.json.gz``: the 63 provinces, 696 districts and 10,035 wards in force until 30/6/2025,
  each ward with the names of the 2025 communes it went into (the main one first);
- ``commune_centroids.csv.gz``: an approximate centre point of each 2025 commune (for demo data).

Successors are written as names, not codes, and matched to the communes of `vietnam-provinces` when
``tinhso geo load`` runs: the two lists number some communes differently, names agree.
"""

from __future__ import annotations

import csv
import gzip
import io
import json
import sqlite3
import sys
from collections import defaultdict
from pathlib import Path

from vietnam_provinces import Ward

from tinhso.geo.naming import spelling_key

HERE = Path(__file__).resolve().parent
SOURCE = "vietnamadminunits 1.0.4 (MIT License, Copyright (c) 2025 Tran Ngoc Minh Hieu)"


def _kind(name: str, kinds: dict[str, str]) -> str:
    for prefix, kind in kinds.items():
        if name.startswith(prefix):
            return kind
    raise ValueError(f"no kind for {name!r}")


PROVINCE_KINDS = {"Thành phố": "thanh_pho", "Tỉnh": "tinh"}
DISTRICT_KINDS = {"Quận": "quan", "Huyện": "huyen", "Thị xã": "thi_xa", "Thành phố": "thanh_pho"}
WARD_KINDS = {"Phường": "phuong", "Thị trấn": "thi_tran", "Xã": "xa"}


def _clean(name: str) -> str:
    """Single spaces and the usual capitalisation of two-word kinds ("Thành Phố" → "Thành phố")."""
    name = " ".join(name.split())
    for wrong, right in (("Thành Phố ", "Thành phố "), ("Thị Trấn ", "Thị trấn "), ("Thị Xã ", "Thị xã ")):
        if name.startswith(wrong):
            name = right + name.removeprefix(wrong)
    return name


def _write_gzip(path: Path, text: str) -> None:
    # mtime=0 keeps the file byte-identical when the data did not change.
    with path.open("wb") as raw, gzip.GzipFile(fileobj=raw, mode="wb", mtime=0, compresslevel=9) as out:
        out.write(text.encode())


def main(source_dir: Path) -> None:
    db = sqlite3.connect(source_dir / "dataset.db")
    conversion = json.loads((source_dir / "converter_2025.json").read_text())
    communes_by_key = {(f"{int(w.province_code):02d}", spelling_key(w.name)): w.name for w in Ward.iter_all()}

    # The dataset's 2025 units: key -> the name vietnam-provinces uses, and the centre point.
    new_name, centroids = {}, []
    for province_code, name, province_key, ward_key, lat, lon in db.execute(
        "select provinceCode, ward, provinceKey, wardKey, wardLat, wardLon from admin_units"
    ):
        package_name = communes_by_key.get((province_code, spelling_key(name)))
        if package_name is None:
            raise SystemExit(f"2025 commune not in vietnam-provinces: {province_code} {name}")
        new_name[(province_key, ward_key)] = package_name
        centroids.append((province_code, package_name, f"{lat:.5f}", f"{lon:.5f}"))

    provinces, districts, wards = {}, {}, {}
    legacy_key = {}
    for row in db.execute(
        "select provinceCode, province, districtCode, district, wardCode, ward,"
        " provinceKey, districtKey, wardKey"
        " from admin_units_legacy order by provinceCode, districtCode, wardCode"
    ):
        p_code, p_name, d_code, d_name, w_code, w_name, p_key, d_key, w_key = row
        p_name, d_name = _clean(p_name), _clean(d_name)
        provinces[p_code] = [p_code, p_name, _kind(p_name, PROVINCE_KINDS)]
        districts[d_code] = [d_code, d_name, _kind(d_name, DISTRICT_KINDS), p_code, None]
        if w_code:
            w_name = _clean(w_name)
            wards[w_code] = [w_code, w_name, _kind(w_name, WARD_KINDS), d_code, []]
            legacy_key[f"{p_key}_{d_key}_{w_key}"] = ("ward", w_code)
        else:  # island districts without wards became special zones (đặc khu) whole
            legacy_key[f"{p_key}_{d_key}_"] = ("district", d_code)

    whole = defaultdict(list)
    for province_key, units in conversion["DICT_PROVINCE_WARD_NO_DIVIDED"].items():
        for ward_key, olds in units.items():
            for old in olds:
                if old in legacy_key:
                    whole[legacy_key[old]].append(new_name[(province_key, ward_key)])
    for province_key, olds in conversion["DICT_PROVINCE_WARD_DIVIDED"].items():
        for old, parts in olds.items():
            names = [new_name[(province_key, part["newWardKey"])] for part in parts]
            main = next(new_name[(province_key, p["newWardKey"])] for p in parts if p["isDefaultNewWard"])
            whole[legacy_key[old]] = [main] + [n for n in names if n != main]

    for (level, code), names in whole.items():
        if level == "ward":
            wards[code][4] = names
        else:
            districts[code][4] = names[0]
    unmapped = [code for code, ward in wards.items() if not ward[4]]
    print(f"{len(provinces)} provinces, {len(districts)} districts, {len(wards)} wards; "
          f"{len(unmapped)} wards without successor", file=sys.stderr)

    payload = {
        "source": SOURCE,
        "provinces": list(provinces.values()),
        "districts": list(districts.values()),
        "wards": list(wards.values()),
    }
    _write_gzip(HERE / "legacy_units.json.gz", json.dumps(payload, ensure_ascii=False, separators=(",", ":")))
    text = io.StringIO()
    writer = csv.writer(text, lineterminator="\n")
    writer.writerow(["province_code", "name", "latitude", "longitude"])
    writer.writerows(sorted(centroids))
    _write_gzip(HERE / "commune_centroids.csv.gz", text.getvalue())


if __name__ == "__main__":
    main(Path(sys.argv[1]))
