"""Where the unit lists come from: the `vietnam-provinces` package and the files vendored in ``data/``.

Each reader returns plain rows keyed by code, so that loading compares them with the database without
knowing the files' layout. See ``data/README.md`` for the files' origin and licence.
"""

from __future__ import annotations

import csv
import gzip
import io
import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from vietnam_provinces import Province as PackageProvince
from vietnam_provinces import VietNamDivisionType
from vietnam_provinces import Ward as PackageWard

DATA_DIR = Path(__file__).resolve().parent / "data"

PROVINCE_KINDS = {
    VietNamDivisionType.TINH: "tinh",
    VietNamDivisionType.THANH_PHO_TRUNG_UONG: "thanh_pho_trung_uong",
}
COMMUNE_KINDS = {
    VietNamDivisionType.XA: "xa",
    VietNamDivisionType.PHUONG: "phuong",
    VietNamDivisionType.DAC_KHU: "dac_khu",
}


def province_code(value: int | str) -> str:
    """The 2-digit form of a province code: 1, "1" and "01" are all "01"."""
    return f"{int(value):02d}"


def commune_code(value: int | str) -> str:
    """The 5-digit form of a commune code."""
    return f"{int(value):05d}"


@dataclass(frozen=True)
class ProvinceRow:
    code: str
    name: str
    kind: str
    codename: str
    phone_code: int


@dataclass(frozen=True)
class CommuneRow:
    code: str
    name: str
    kind: str
    province_code: str
    codename: str


def provinces() -> list[ProvinceRow]:
    """The 34 provincial units of the 2025 code list."""
    return [
        ProvinceRow(province_code(p.code), p.name, PROVINCE_KINDS[p.division_type], p.codename, p.phone_code)
        for p in PackageProvince.iter_all()
    ]


def communes() -> list[CommuneRow]:
    """The 3,321 commune-level units of the 2025 code list."""
    return [
        CommuneRow(
            code=commune_code(w.code), name=w.name, kind=COMMUNE_KINDS[w.division_type],
            province_code=province_code(w.province_code), codename=w.codename,
        )
        for w in PackageWard.iter_all()
    ]


def is_province_code(value: str) -> bool:
    """Whether ``value`` names one of the 34 provinces, without touching the database."""
    try:
        PackageProvince.from_code(int(value))
    except ValueError:
        return False
    return True


@dataclass(frozen=True)
class ProvinceSuccession:
    legacy_code: str
    legacy_name: str
    code: str
    name: str


def province_successions() -> list[ProvinceSuccession]:
    """Which 2025 province each of the 63 former provinces merged into (NQ 202/2025/QH15 Art. 1)."""
    with (DATA_DIR / "province_mapping_2025.csv").open(encoding="utf-8", newline="") as stream:
        return [ProvinceSuccession(**row) for row in csv.DictReader(stream)]


@dataclass(frozen=True)
class LegacyUnits:
    """The former provinces, districts and wards, as rows of the vendored file.

    provinces: [code, name, kind]; districts: [code, name, kind, province code, successor name or null];
    wards: [code, name, kind, district code, [successor names, the main one first]].
    """

    source: str
    provinces: list[list]
    districts: list[list]
    wards: list[list]


@cache
def legacy_units() -> LegacyUnits:
    with gzip.open(DATA_DIR / "legacy_units.json.gz", "rt", encoding="utf-8") as stream:
        return LegacyUnits(**json.load(stream))


@cache
def commune_centroids() -> dict[tuple[str, str], tuple[float, float]]:
    """Approximate centre of each 2025 commune, keyed by (province code, commune name)."""
    with gzip.open(DATA_DIR / "commune_centroids.csv.gz", "rb") as stream:
        rows = csv.DictReader(io.TextIOWrapper(stream, encoding="utf-8", newline=""))
        return {
            (row["province_code"], row["name"]): (float(row["latitude"]), float(row["longitude"]))
            for row in rows
        }
