"""Reading a CSV file of villages (thôn, bản, tổ dân phố) and checking it row by row.

The format (UTF-8, comma-separated; a semicolon-separated file from a spreadsheet is accepted too)::

    commune_code,name,kind,code,latitude,longitude
    16681,Thôn 1,thôn,01,18.6796,105.6813
    16681,Bản Huồi Pục,bản,,,

``commune_code``, ``name`` and ``kind`` are required; ``code``, ``latitude`` and ``longitude`` are optional
columns: when a column is present its value replaces the stored one (an empty cell clears it), when it is
absent the stored value is kept. Nothing here touches the database: checks that need it (does the
commune exist, is a code taken) are the import service's.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from tinhso.geo.models import LATITUDE_RANGE, LONGITUDE_RANGE, Village
from tinhso.geo.naming import fold, spelling_key

COLUMNS = ("commune_code", "name", "kind", "code", "latitude", "longitude")
REQUIRED_COLUMNS = ("commune_code", "name", "kind")
OPTIONAL_COLUMNS = ("code", "latitude", "longitude")

KIND_WORDS = {
    "thon": Village.Kind.HAMLET,
    "ban": Village.Kind.HIGHLAND_HAMLET,
    "to dan pho": Village.Kind.RESIDENTIAL_GROUP,
    "tdp": Village.Kind.RESIDENTIAL_GROUP,
}
_SIX_PLACES = Decimal("0.000001")
_NAME_LENGTH = Village._meta.get_field("name").max_length
_CODE_LENGTH = Village._meta.get_field("code").max_length


@dataclass(frozen=True)
class RowProblem:
    """One thing wrong with a file: the row as a spreadsheet numbers it (header = 1), the column, why."""

    row: int
    column: str
    message: str

    def __str__(self) -> str:
        where = f"Dòng {self.row}" + (f", cột {self.column}" if self.column else "")
        return f"{where}: {self.message}"

    def sort_key(self) -> tuple[int, int]:
        return self.row, COLUMNS.index(self.column) if self.column in COLUMNS else -1


class VillageFileInvalid(Exception):
    """The file cannot be imported; ``problems`` says where and why. Nothing was written."""

    def __init__(self, problems: list[RowProblem]):
        self.problems = sorted(problems, key=RowProblem.sort_key)
        super().__init__("\n".join(str(p) for p in self.problems))


@dataclass(frozen=True)
class VillageRow:
    row: int
    commune_code: str
    name: str
    kind: str
    code: str = ""
    latitude: Decimal | None = None
    longitude: Decimal | None = None


@dataclass
class VillageFile:
    rows: list[VillageRow] = field(default_factory=list)
    problems: list[RowProblem] = field(default_factory=list)
    columns: tuple[str, ...] = COLUMNS


def read_village_file(content: bytes | str) -> VillageFile:
    """Parse and check every row; rows with a problem are left out of ``rows`` and reported instead."""
    result = VillageFile()
    if isinstance(content, bytes):
        try:
            content = content.decode("utf-8-sig")
        except UnicodeDecodeError as error:
            line = content[: error.start].count(b"\n") + 1
            message = "Tệp không phải mã UTF-8: hãy lưu lại tệp với mã hoá UTF-8."
            result.problems.append(RowProblem(line, "", message))
            return result
    content = content.removeprefix("\ufeff")
    first_line = content.split("\n", 1)[0]
    delimiter = ";" if ";" in first_line and "," not in first_line else ","
    reader = csv.DictReader(io.StringIO(content, newline=""), delimiter=delimiter)
    header = [(name or "").strip().lower() for name in (reader.fieldnames or [])]
    if not any(header):
        message = f"Tệp trống: dòng đầu phải là tiêu đề {','.join(COLUMNS)}."
        result.problems.append(RowProblem(1, "", message))
        return result
    reader.fieldnames = header
    for name in header:
        if name not in COLUMNS:
            message = f"Cột “{name}” không dùng được; các cột: {', '.join(COLUMNS)}."
            result.problems.append(RowProblem(1, name, message))
    for name in REQUIRED_COLUMNS:
        if name not in header:
            result.problems.append(RowProblem(1, name, f"Thiếu cột bắt buộc “{name}”."))
    if result.problems:
        return result
    result.columns = tuple(c for c in COLUMNS if c in header)

    seen_names: dict[tuple[str, str], int] = {}
    seen_codes: dict[tuple[str, str], int] = {}
    for record in reader:
        row = reader.line_num
        problems: list[RowProblem] = []
        if None in record:
            problems.append(RowProblem(row, "", "Dòng có nhiều ô hơn số cột của tiêu đề."))
        value = {name: (record.get(name) or "").strip() for name in COLUMNS}
        parsed = {
            "commune_code": _commune_code(value["commune_code"], row, problems),
            "name": _name(value["name"], row, problems),
            "kind": _kind(value["kind"], row, problems),
            "code": _code(value["code"], row, problems),
            "latitude": _coordinate(value["latitude"], "latitude", LATITUDE_RANGE, row, problems),
            "longitude": _coordinate(value["longitude"], "longitude", LONGITUDE_RANGE, row, problems),
        }
        if (parsed["latitude"] is None) != (parsed["longitude"] is None) and not any(
            p.column in {"latitude", "longitude"} for p in problems
        ):
            column = "longitude" if parsed["longitude"] is None else "latitude"
            problems.append(RowProblem(row, column, "Cần cả vĩ độ và kinh độ, hoặc bỏ trống cả hai."))
        if parsed["commune_code"] and parsed["name"]:
            key = (parsed["commune_code"], spelling_key(parsed["name"]))
            if key in seen_names:
                message = f"Trùng tên với dòng {seen_names[key]} (cùng xã/phường)."
                problems.append(RowProblem(row, "name", message))
            seen_names.setdefault(key, row)
        if parsed["commune_code"] and parsed["code"]:
            key = (parsed["commune_code"], parsed["code"])
            if key in seen_codes:
                message = f"Trùng mã với dòng {seen_codes[key]} (cùng xã/phường)."
                problems.append(RowProblem(row, "code", message))
            seen_codes.setdefault(key, row)
        if problems:
            result.problems.extend(problems)
        else:
            result.rows.append(VillageRow(row=row, **parsed))
    if not result.rows and not result.problems:
        result.problems.append(RowProblem(2, "", "Tệp không có dòng dữ liệu nào."))
    return result


def _commune_code(value: str, row: int, problems: list[RowProblem]) -> str:
    if not value:
        problems.append(RowProblem(row, "commune_code", "Thiếu mã xã/phường."))
        return ""
    if not value.isdigit() or len(value) > 5:
        message = f"Mã xã/phường “{value}” phải là số, tối đa 5 chữ số (ví dụ 16681)."
        problems.append(RowProblem(row, "commune_code", message))
        return ""
    return value.zfill(5)


def _name(value: str, row: int, problems: list[RowProblem]) -> str:
    name = " ".join(value.split())
    if not name:
        problems.append(RowProblem(row, "name", "Thiếu tên thôn, bản hoặc tổ dân phố."))
    elif len(name) > _NAME_LENGTH:
        problems.append(RowProblem(row, "name", f"Tên dài quá {_NAME_LENGTH} ký tự."))
    return name


def _kind(value: str, row: int, problems: list[RowProblem]) -> str:
    kind = KIND_WORDS.get(fold(value)) if value else None
    if kind is None:
        shown = f"“{value}”" if value else "trống"
        message = f"Loại {shown} không hợp lệ: dùng “thôn”, “bản” hoặc “tổ dân phố”."
        problems.append(RowProblem(row, "kind", message))
        return ""
    return kind


def _code(value: str, row: int, problems: list[RowProblem]) -> str:
    if len(value) > _CODE_LENGTH:
        problems.append(RowProblem(row, "code", f"Mã dài quá {_CODE_LENGTH} ký tự."))
    return value


_COORDINATE_LABELS = {"latitude": "Vĩ độ", "longitude": "Kinh độ"}


def _coordinate(
    value: str, column: str, bounds: tuple[Decimal, Decimal], row: int, problems: list[RowProblem],
) -> Decimal | None:
    label = _COORDINATE_LABELS[column]
    if not value:
        return None
    if value.count(",") == 1 and "." not in value:  # a decimal comma from a Vietnamese-locale spreadsheet
        value = value.replace(",", ".")
    try:
        number = Decimal(value)
    except InvalidOperation:
        number = None
    if number is None or not number.is_finite():
        problems.append(RowProblem(row, column, f"{label} “{value}” không phải là số (ví dụ 18.6796)."))
        return None
    low, high = bounds
    if not low <= number <= high:
        message = f"{label} {value} nằm ngoài lãnh thổ Việt Nam (từ {low} đến {high})."
        problems.append(RowProblem(row, column, message))
        return None
    return number.quantize(_SIX_PLACES, rounding=ROUND_HALF_UP)
