"""Reading cells in the OpenCellID CSV layout, for the registry's first picture of a province and for the
command that answers coverage questions from files (``tinhso telecom coverage``).

Layout (standards §10): ``radio,mcc,net,area,cell,unit,lon,lat,range,samples,changeable,created,updated,
averageSignal``. OpenCellID's full export carries that header; its per-country files start with the first
cell instead, so a file whose first row begins with a radio value is read with the columns in that order.
``radio`` is GSM (2G), UMTS (3G), LTE (4G), NR (5G) or CDMA (counted as 2G: not mobile broadband); ``net``
is the mobile network code (Vietnam's MCC is 452); ``lon``/``lat`` are WGS 84 degrees; ``range`` is
OpenCellID's own estimate in metres, kept but not used for coverage (the registry's ranges are).
"""

from __future__ import annotations

from dataclasses import dataclass

from tinhso.common import tabular

COLUMNS = ("radio", "mcc", "net", "area", "cell", "unit", "lon", "lat", "range", "samples", "changeable",
           "created", "updated", "averagesignal")
REQUIRED = ("radio", "mcc", "net", "area", "cell", "lon", "lat")
RADIO_TECHNOLOGY = {"GSM": "2G", "CDMA": "2G", "UMTS": "3G", "LTE": "4G", "NR": "5G"}


@dataclass(frozen=True)
class Cell:
    row: int
    radio: str
    technology: str
    mcc: str
    net: str
    area: str
    cell: str
    longitude: float
    latitude: float
    range_m: int | None

    @property
    def code(self) -> str:
        return f"OCID-{self.radio}-{self.mcc}-{self.net}-{self.area}-{self.cell}"


def read_cells(content: bytes, report: tabular.ImportReport, *, sheet: str = "") -> list[Cell]:
    """Every cell of an OpenCellID CSV file; problems go to ``report`` with the row and column."""
    rows = tabular.csv_rows(content)
    if not rows:
        report.add_error(1, "radio", "Tệp trống.", sheet)
        return []
    first = [str(c).strip() for c in rows[0]]
    if first and first[0].upper() in RADIO_TECHNOLOGY:
        header, data, start = list(COLUMNS), rows, 1
    else:
        header = [c.lower() for c in first]
        while header and not header[-1]:
            header.pop()
        data, start = rows[1:], 2
        tabular.check_header(header, COLUMNS, REQUIRED, report, sheet)
        if not report.ok:
            return []
    cells = []
    for number, values in enumerate(data, start=start):
        if not any(str(v).strip() for v in values):
            continue
        row = {name: (str(values[i]).strip() if i < len(values) else "") for i, name in enumerate(header)}
        report.rows += 1
        errors_before = len(report.errors)
        radio = row.get("radio", "").upper()
        if radio not in RADIO_TECHNOLOGY:
            report.add_error(number, "radio", f"“{row.get('radio', '')}” không phải GSM, UMTS, LTE, NR hoặc CDMA.",
                             sheet)
        codes = {}
        for name in ("mcc", "net", "area", "cell"):
            value = row.get(name, "")
            if not value.isdigit():
                report.add_error(number, name, f"“{value}” phải là số nguyên không âm.", sheet)
            codes[name] = value
        position = {}
        for name, low, high in (("lon", -180, 180), ("lat", -90, 90)):
            try:
                value = float(row.get(name, "").replace(",", "."))
            except ValueError:
                report.add_error(number, name, f"“{row.get(name, '')}” không phải là số (độ thập phân).", sheet)
                continue
            if not low <= value <= high:
                report.add_error(number, name, f"{value} nằm ngoài khoảng {low}…{high} độ.", sheet)
                continue
            position[name] = value
        range_m = None
        if row.get("range"):
            try:
                range_m = int(float(row["range"]))
            except ValueError:
                report.add_error(number, "range", f"“{row['range']}” không phải là số mét.", sheet)
        if len(report.errors) == errors_before:
            cells.append(Cell(number, radio, RADIO_TECHNOLOGY[radio], codes["mcc"], codes["net"].lstrip("0").zfill(2),
                              codes["area"], codes["cell"], position["lon"], position["lat"], range_m))
    return cells
