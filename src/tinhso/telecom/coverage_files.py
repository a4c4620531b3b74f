"""Village coverage answered from files alone, without the database (``tinhso telecom coverage``).

- stations: the OpenCellID CSV layout (``opencellid.read_cells``);
- villages: a CSV with the header ``commune_code,code,name,latitude,longitude``;
- ranges (optional): a CSV with the header ``technology,range_m`` (technology 2G, 3G, 4G or 5G, the range in
  metres); a technology the file leaves out keeps its default (:data:`DEFAULT_RANGES`, the registry's rural
  ones).

A village has mobile broadband when a 3G, 4G or 5G station lies within that technology's range of it
(geodesic distance, WGS 84). The answer is the sorted list of the codes of the villages without it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from tinhso.common import spatial, tabular
from tinhso.telecom.opencellid import Cell, read_cells

DEFAULT_RANGES = {"2G": 5000, "3G": 3000, "4G": 2000, "5G": 500}
BROADBAND = ("3G", "4G", "5G")
VILLAGE_COLUMNS = ("commune_code", "code", "name", "latitude", "longitude")
RANGE_COLUMNS = ("technology", "range_m")


@dataclass(frozen=True)
class VillagePoint:
    row: int
    commune_code: str
    code: str
    name: str
    latitude: float
    longitude: float


def _table(content: bytes, columns, required, report: tabular.ImportReport):
    table = tabular.table_of(tabular.csv_rows(content))
    tabular.check_header(table.header, columns, required, report)
    return table


def read_villages(content: bytes, report: tabular.ImportReport) -> list[VillagePoint]:
    table = _table(content, VILLAGE_COLUMNS, VILLAGE_COLUMNS, report)
    if not report.ok:
        return []
    villages, seen = [], {}
    for number, row in table.rows:
        report.rows += 1
        before = len(report.errors)
        code = str(row.get("code", "")).strip()
        if not code:
            report.add_error(number, "code", "Thiếu mã thôn, bản.")
        key = (str(row.get("commune_code", "")).strip(), code)
        if code and key in seen:
            report.add_error(number, "code", f"Mã {code} của xã {key[0]} đã có ở dòng {seen[key]}.")
        seen.setdefault(key, number)
        position = {}
        for name, low, high in (("latitude", -90, 90), ("longitude", -180, 180)):
            try:
                value = float(tabular.parse_decimal(row.get(name, ""), minimum=low, maximum=high))
            except ValueError as error:
                report.add_error(number, name, str(error))
                continue
            position[name] = value
        if len(report.errors) == before:
            villages.append(VillagePoint(number, key[0], code, str(row.get("name", "")).strip(),
                                         position["latitude"], position["longitude"]))
    return villages


def read_ranges(content: bytes, report: tabular.ImportReport) -> dict[str, float]:
    ranges = dict(DEFAULT_RANGES)
    table = _table(content, RANGE_COLUMNS, RANGE_COLUMNS, report)
    if not report.ok:
        return ranges
    seen: dict[str, int] = {}
    for number, row in table.rows:
        report.rows += 1
        technology = str(row.get("technology", "")).strip().upper()
        if technology not in DEFAULT_RANGES:
            report.add_error(number, "technology", f"“{row.get('technology', '')}” không phải 2G, 3G, 4G hoặc 5G.")
            continue
        if technology in seen:
            report.add_error(number, "technology", f"{technology} đã có ở dòng {seen[technology]}.")
            continue
        seen[technology] = number
        try:
            ranges[technology] = float(tabular.parse_decimal(row.get("range_m", ""), minimum=1, maximum=100_000))
        except ValueError as error:
            report.add_error(number, "range_m", str(error))
    return ranges


def uncovered(cells: list[Cell], villages: list[VillagePoint], ranges: dict[str, float]) -> list[str]:
    """The sorted codes of the villages that no 3G, 4G or 5G cell reaches."""
    sources = [c for c in cells if c.technology in BROADBAND]
    covered = spatial.covered_points(
        np.array([v.latitude for v in villages]), np.array([v.longitude for v in villages]),
        np.array([c.latitude for c in sources]), np.array([c.longitude for c in sources]),
        np.array([ranges[c.technology] for c in sources], dtype=float))
    return sorted(v.code for v, hit in zip(villages, covered, strict=True) if not hit)


def read_all(stations: bytes, villages: bytes, ranges: bytes | None):
    """The three files read, each with its own report (``ImportFileError`` when one cannot be read at all)."""
    reports = {"stations": tabular.ImportReport(), "villages": tabular.ImportReport(),
               "ranges": tabular.ImportReport()}
    cells = read_cells(stations, reports["stations"])
    points = read_villages(villages, reports["villages"])
    table = read_ranges(ranges, reports["ranges"]) if ranges is not None else dict(DEFAULT_RANGES)
    return cells, points, table, reports
