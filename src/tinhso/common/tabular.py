"""Tables from and to spreadsheets: the platform's one XLSX/CSV import and export (agencies, villages, the
procedure catalogue, reported values, and every registry).

An import reads the first sheet of an XLSX workbook or a UTF-8 CSV file (a byte-order mark, semicolons and
tabs as separators are fine) whose first row names the columns, in any order. Every row is checked before
anything is written and each problem is reported by row (as a spreadsheet numbers it: the header is row 1),
column and a message in Vietnamese (:class:`ImportReport`); the caller writes nothing unless the whole file
is good. An export writes the same layout, so a file can be exported, edited in a spreadsheet and imported
back.

Cells are parsed by one set of functions, so every import reads a date, a number or a choice the same way:

- dates ``dd/mm/yyyy`` (also ``d/m/yyyy`` and ``dd-mm-yyyy``) or ISO ``yyyy-mm-dd``, never ``mm/dd/yyyy``;
  spreadsheet date cells as they are;
- date-times the same, followed by ``HH:MM`` or ``HH:MM:SS``, in the province's time zone;
- numbers with a decimal comma or point (``18,5`` and ``18.5``); with both, the last one is the decimal
  separator and the other groups thousands (``1.234,5`` and ``1,234.5``);
- choices by their code or their Vietnamese label, ignoring case and diacritics.

Files are judged by content and size, never by name alone: XLSX is a ZIP whose members and unpacked size are
bounded before openpyxl reads it (no ZIP bomb), CSV must be UTF-8 text.
"""

from __future__ import annotations

import csv
import datetime
import io
import re
import unicodedata
import zipfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from tinhso.common.text import fold

FORMATS = ("xlsx", "csv")
FORMULA_PREFIXES = ("=", "+", "-", "@")

# Bounds on what an import reads (a spreadsheet of a province's registry is far below them).
MAX_FILE_BYTES = 50 * 1024 * 1024
MAX_ZIP_MEMBERS = 2_000
MAX_UNPACKED_BYTES = 400 * 1024 * 1024
MAX_ROWS = 500_000


class ImportFileError(Exception):
    """The file cannot be read at all (not an XLSX workbook, not UTF-8 text, too large…)."""


@dataclass(frozen=True)
class RowError:
    """One thing wrong with a file: the row as a spreadsheet numbers it (header = 1), the column, why."""

    row: int
    column: str
    message: str
    sheet: str = ""

    def __str__(self) -> str:
        text = _("Dòng %(row)d, cột %(column)s: %(message)s") % {
            "row": self.row, "column": self.column or "—", "message": self.message}
        return f"{self.sheet}: {text}" if self.sheet else text


@dataclass
class ImportReport:
    """What an import did (or, with errors, why it did nothing), row by row."""

    rows: int = 0
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    dry_run: bool = False

    @property
    def ok(self) -> bool:
        return not self.errors

    def add_error(self, row: int, column: str, message: str, sheet: str = "") -> None:
        self.errors.append(RowError(row, column, str(message), sheet))

    def summary(self) -> str:
        if not self.ok:
            return _("Tệp có %(count)d lỗi; không có thay đổi nào được ghi.") % {"count": len(self.errors)}
        text = _("%(rows)d dòng: %(created)d tạo mới, %(updated)d cập nhật, %(unchanged)d không đổi.") % {
            "rows": self.rows, "created": len(self.created), "updated": len(self.updated),
            "unchanged": len(self.unchanged),
        }
        if self.dry_run:
            text += " " + _("(Chạy thử: chưa ghi gì.)")
        return text

    def lines(self) -> list[str]:
        return [self.summary(), *(str(error) for error in sorted(
            self.errors, key=lambda e: (e.sheet, e.row)))]


# -- reading ------------------------------------------------------------------------------------------------


def format_of(file, format: str | None = None) -> str:
    """``xlsx`` or ``csv``: as asked, else from the file's name."""
    if format is None:
        name = str(file) if isinstance(file, str | Path) else getattr(file, "name", "") or ""
        format = Path(name).suffix.lstrip(".").lower()
    format = (format or "").lower()
    if format not in FORMATS:
        raise ImportFileError(_("Tệp phải là Excel (.xlsx) hoặc CSV (.csv)."))
    return format


def content_of(file, max_bytes: int = MAX_FILE_BYTES) -> bytes:
    """The bytes of an uploaded file, a path or bytes, refused past ``max_bytes``."""
    if isinstance(file, bytes):
        data = file
    elif isinstance(file, str | Path):
        data = Path(file).read_bytes()
    else:
        if hasattr(file, "seek"):
            file.seek(0)
        data = file.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise ImportFileError(_("Tệp quá lớn (tối đa %(mb)d MB).") % {"mb": max_bytes // (1024 * 1024)})
    return data


@dataclass
class Table:
    """A sheet read from a file: the header (column names, stripped and in lower case) and the non-empty
    rows as (row number, {column: cell}), numbered as a spreadsheet shows them."""

    header: list[str]
    rows: list[tuple[int, dict[str, Any]]]
    sheet: str = ""


def read_table(file, format: str | None = None, *, sheet: str | int = 0) -> Table:
    """The first sheet (or the sheet named ``sheet``) of an XLSX workbook, or a CSV file, as a :class:`Table`."""
    fmt = format_of(file, format)
    content = content_of(file)
    if fmt == "xlsx":
        sheets = read_workbook(content)
        if isinstance(sheet, int):
            if not sheets:
                raise ImportFileError(_("Tệp Excel không có trang tính nào."))
            name, rows = next(iter(sheets.items()))
        else:
            if sheet not in sheets:
                raise ImportFileError(_("Tệp Excel thiếu trang tính “%(sheet)s”.") % {"sheet": sheet})
            name, rows = sheet, sheets[sheet]
        return table_of(rows, name)
    return table_of(csv_rows(content))


def table_of(raw: list[Sequence], sheet: str = "") -> Table:
    if not raw:
        raise ImportFileError(_("Tệp trống: dòng đầu tiên phải là tiêu đề cột."))
    if len(raw) > MAX_ROWS + 1:
        raise ImportFileError(_("Tệp có quá nhiều dòng (tối đa %(rows)d).") % {"rows": MAX_ROWS})
    header = [str(cell or "").strip().lower() for cell in raw[0]]
    while header and not header[-1]:
        header.pop()
    rows = []
    for index, values in enumerate(raw[1:], start=2):
        cells = {name: cell(values[i] if i < len(values) else None) for i, name in enumerate(header)}
        if any(value not in ("", None) for value in cells.values()):
            rows.append((index, cells))
    return Table(header, rows, sheet)


def check_zip(content: bytes) -> zipfile.ZipFile:
    """Open an Office file's ZIP container after bounding its members and unpacked size (no ZIP bomb)."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(content))
        members = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise ImportFileError(_("Không đọc được tệp Excel (.xlsx): tệp không phải là bảng tính hợp lệ.")) from exc
    if len(members) > MAX_ZIP_MEMBERS or sum(m.file_size for m in members) > MAX_UNPACKED_BYTES:
        raise ImportFileError(_("Tệp Excel có cấu trúc bất thường (quá nhiều thành phần hoặc dung lượng giải "
                                "nén quá lớn)."))
    return archive


def read_workbook(content: bytes) -> dict[str, list[tuple]]:
    """Every sheet of an XLSX workbook: name → its rows of cell values."""
    import openpyxl

    check_zip(content)
    try:
        workbook = openpyxl.load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError, TypeError) as exc:
        raise ImportFileError(_("Không đọc được tệp Excel (.xlsx): tệp không phải là bảng tính hợp lệ.")) from exc
    try:
        sheets = {}
        for worksheet in workbook.worksheets:
            rows = []
            for row in worksheet.iter_rows(values_only=True):
                rows.append(row)
                if len(rows) > MAX_ROWS + 1:
                    raise ImportFileError(_("Tệp có quá nhiều dòng (tối đa %(rows)d).") % {"rows": MAX_ROWS})
            sheets[worksheet.title] = rows
        return sheets
    finally:
        workbook.close()


def csv_rows(content: bytes) -> list[list[str]]:
    """The rows of a UTF-8 CSV file (with or without a byte-order mark), separated by commas, semicolons or
    tabs, whichever the header line uses most."""
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ImportFileError(_("Tệp CSV phải được mã hoá UTF-8.")) from exc
    if "\x00" in text:
        raise ImportFileError(_("Tệp CSV chứa ký tự không hợp lệ (NUL)."))
    first_line = text.split("\n", 1)[0]
    delimiter = max((",", ";", "\t"), key=first_line.count)
    try:
        return list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
    except csv.Error as exc:
        raise ImportFileError(_("Không đọc được tệp CSV: %(error)s") % {"error": exc}) from exc


def cell(value: Any) -> Any:
    """A cell as text (or a date, a date-time); numbers typed into a spreadsheet lose nothing but a trailing
    ``.0``; the export's guard against formula injection is undone."""
    if value is None:
        return ""
    if isinstance(value, datetime.datetime):
        return value if (value.hour, value.minute, value.second) != (0, 0, 0) else value.date()
    if isinstance(value, datetime.date):
        return value
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    text = str(value).strip()
    if len(text) > 1 and text[0] == "'" and text[1] in FORMULA_PREFIXES:
        text = text[1:]
    return text


def check_header(header: Sequence[str], columns: Iterable[str], required: Iterable[str], report: ImportReport,
                 sheet: str = "") -> set[str]:
    """Report unknown, repeated and missing required columns; return the columns present."""
    known = set(columns)
    seen: set[str] = set()
    for name in header:
        if name not in known:
            report.add_error(1, name or "—", _("Cột không có trong bố cục nhập (xem tài liệu các cột)."), sheet)
        elif name in seen:
            report.add_error(1, name, _("Cột bị lặp lại."), sheet)
        seen.add(name)
    for name in required:
        if name not in seen:
            report.add_error(1, name, _("Thiếu cột bắt buộc."), sheet)
    return seen


# -- cells --------------------------------------------------------------------------------------------------


def parse_choice(value: Any, choices: Iterable[tuple[str, Any]]) -> str:
    """A choice by its code or its label, ignoring case and diacritics; ValueError names the choices."""
    wanted = fold(str(value))
    choices = list(choices)
    for code, label in choices:
        if wanted in (fold(code), fold(str(label))):
            return code
    raise ValueError(_("Giá trị không hợp lệ; chọn một trong: %(choices)s.") % {
        "choices": ", ".join(f"{code} ({label})" for code, label in choices)})


_DATE = re.compile(r"^(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})$")
_ISO_DATE = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$")


def parse_date(value: Any) -> datetime.date:
    """A date written ``dd/mm/yyyy`` (or ``d/m/yyyy``, ``dd-mm-yyyy``, ``dd.mm.yyyy``) or ``yyyy-mm-dd``;
    never read as ``mm/dd/yyyy``. ValueError with a Vietnamese message otherwise."""
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    text = str(value).strip()
    match = _ISO_DATE.match(text)
    if match:
        year, month, day = (int(g) for g in match.groups())
    else:
        match = _DATE.match(text)
        if not match:
            raise ValueError(_("Ngày phải viết dạng ngày/tháng/năm (dd/mm/yyyy), ví dụ 05/02/2027."))
        day, month, year = (int(g) for g in match.groups())
    try:
        return datetime.date(year, month, day)
    except ValueError:
        raise ValueError(_("Ngày %(value)s không có trong lịch.") % {"value": text}) from None


_TIME = re.compile(r"^(\d{1,2}):(\d{2})(?::(\d{2}))?$")


def parse_datetime(value: Any) -> datetime.datetime:
    """A date-time: a date as :func:`parse_date` reads it, then ``HH:MM`` or ``HH:MM:SS`` (a ``T`` between
    them is fine), read in the province's time zone unless it carries its own offset."""
    if isinstance(value, datetime.datetime):
        return value if timezone.is_aware(value) else timezone.make_aware(value)
    if isinstance(value, datetime.date):
        return timezone.make_aware(datetime.datetime.combine(value, datetime.time()))
    text = str(value).strip()
    try:
        parsed = datetime.datetime.fromisoformat(text)
    except ValueError:
        parsed = None
    if parsed is not None and "/" not in text:
        return parsed if timezone.is_aware(parsed) else timezone.make_aware(parsed)
    date_part, _sep, time_part = text.replace("T", " ").partition(" ")
    day = parse_date(date_part)
    time_part = time_part.strip()
    if not time_part:
        return timezone.make_aware(datetime.datetime.combine(day, datetime.time()))
    match = _TIME.match(time_part)
    if not match:
        raise ValueError(_("Thời điểm phải viết dạng dd/mm/yyyy HH:MM, ví dụ 05/02/2027 14:30."))
    hour, minute, second = int(match.group(1)), int(match.group(2)), int(match.group(3) or 0)
    try:
        return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour, minute, second)))
    except ValueError:
        raise ValueError(_("Giờ %(value)s không hợp lệ.") % {"value": time_part}) from None


def parse_decimal(value: Any, *, max_digits: int | None = None, decimal_places: int | None = None,
                  minimum: Decimal | None = None, maximum: Decimal | None = None) -> Decimal:
    """A number with a decimal comma or point (with both, the last one is the decimal separator), bounded by
    what its column holds (``max_digits``/``decimal_places`` as the model field) and by ``minimum``/``maximum``."""
    if isinstance(value, bool):
        raise ValueError(_("Phải là một số."))
    if isinstance(value, int | Decimal):
        number = Decimal(value)
    elif isinstance(value, float):
        number = Decimal(repr(value))
    else:
        text = str(value).strip().replace(" ", "").replace("\u00a0", "")
        if "," in text and "." in text:
            decimal_mark = "," if text.rfind(",") > text.rfind(".") else "."
            thousands = "." if decimal_mark == "," else ","
            text = text.replace(thousands, "").replace(decimal_mark, ".")
        elif "," in text:
            text = text.replace(",", ".")
        if not re.fullmatch(r"[+-]?(\d+(\.\d*)?|\.\d+)", text):
            raise ValueError(_("Phải là một số (dấu thập phân là dấu phẩy hoặc dấu chấm)."))
        try:
            number = Decimal(text)
        except InvalidOperation:
            raise ValueError(_("Phải là một số.")) from None
    if not number.is_finite():
        raise ValueError(_("Phải là một số."))
    if decimal_places is not None:
        exponent = number.as_tuple().exponent
        if isinstance(exponent, int) and -exponent > decimal_places:
            raise ValueError(_("Tối đa %(places)d chữ số sau dấu thập phân.") % {"places": decimal_places})
    if max_digits is not None:
        whole_digits = max_digits - (decimal_places or 0)
        if abs(number) >= Decimal(10) ** whole_digits:
            raise ValueError(_("Số quá lớn (tối đa %(digits)d chữ số phần nguyên).") % {"digits": whole_digits})
    if minimum is not None and number < minimum:
        raise ValueError(_("Không được nhỏ hơn %(minimum)s.") % {"minimum": minimum})
    if maximum is not None and number > maximum:
        raise ValueError(_("Không được lớn hơn %(maximum)s.") % {"maximum": maximum})
    return number


def parse_int(value: Any, *, minimum: int | None = None, maximum: int | None = None) -> int:
    """A whole number (``1.000`` and ``1,000`` group thousands; ``12.0`` from a spreadsheet is 12)."""
    if isinstance(value, int) and not isinstance(value, bool):
        number = value
    else:
        text = str(value).strip().replace(" ", "")
        if re.fullmatch(r"[+-]?\d{1,3}([.,]\d{3})+", text):
            text = text.replace(".", "").replace(",", "")
        text = re.sub(r"\.0+$", "", text)
        if not re.fullmatch(r"[+-]?\d+", text):
            raise ValueError(_("Phải là một số nguyên."))
        number = int(text)
    if minimum is not None and number < minimum:
        raise ValueError(_("Không được nhỏ hơn %(minimum)s.") % {"minimum": minimum})
    if maximum is not None and number > maximum:
        raise ValueError(_("Không được lớn hơn %(maximum)s.") % {"maximum": maximum})
    return number


_TRUE = {"co", "x", "yes", "true", "1", "dung", "c"}
_FALSE = {"khong", "no", "false", "0", "sai", "k", ""}


def parse_bool(value: Any) -> bool:
    """Yes or no: ``có``/``không``, ``x``/empty, ``1``/``0``, ``yes``/``no``, ``true``/``false``."""
    if isinstance(value, bool):
        return value
    folded = fold(str(value))
    if folded in _TRUE:
        return True
    if folded in _FALSE:
        return False
    raise ValueError(_("Phải là “có” hoặc “không”."))


def parse_text(value: Any, *, max_length: int, required: bool = False) -> str:
    """Text bounded by its column's length; no control characters."""
    text = "" if value is None else str(value).strip()
    if required and not text:
        raise ValueError(_("Không được để trống."))
    if len(text) > max_length:
        raise ValueError(_("Dài quá %(length)d ký tự.") % {"length": max_length})
    if any(unicodedata.category(ch) == "Cc" and ch not in "\n\t" for ch in text):
        raise ValueError(_("Có ký tự điều khiển không hợp lệ."))
    return text


# -- writing ------------------------------------------------------------------------------------------------


def export_cell(value: Any) -> Any:
    """A value as it goes into a sheet: text stays text (guarded against formula injection)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "có" if value else "không"
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def write_xlsx(columns: Sequence[str], rows: Iterable[Sequence[Any]], *, sheet: str = "du_lieu",
               guide: dict[str, str] | None = None, widths: Sequence[int] | None = None) -> bytes:
    """A workbook in the import layout: the column names in row 1, one row per record; dates in
    ``dd/mm/yyyy``; a guide sheet describing each column when ``guide`` is given."""
    import openpyxl
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    workbook = openpyxl.Workbook()
    data = workbook.active
    data.title = sheet[:31]
    data.append(list(columns))
    for header in data[1]:
        header.font = Font(bold=True)
    for values in rows:
        data.append([None if value in ("", None) else export_cell(value) for value in values])
        for item in data[data.max_row]:
            if isinstance(item.value, str):
                item.data_type = "s"  # text stays text: never a formula, codes keep their leading zeros
            elif isinstance(item.value, datetime.datetime):
                item.value = timezone.localtime(item.value).replace(tzinfo=None) if timezone.is_aware(
                    item.value) else item.value
                item.number_format = "dd/mm/yyyy hh:mm"
            elif isinstance(item.value, datetime.date):
                item.number_format = "dd/mm/yyyy"
    data.freeze_panes = "A2"
    for index, width in enumerate(widths or [], start=1):
        data.column_dimensions[get_column_letter(index)].width = width
    if guide:
        sheet_guide = workbook.create_sheet("huong_dan")
        sheet_guide.append(["cột", "nội dung"])
        for header in sheet_guide[1]:
            header.font = Font(bold=True)
        for name, meaning in guide.items():
            sheet_guide.append([name, str(meaning)])
        sheet_guide.column_dimensions["A"].width = 26
        sheet_guide.column_dimensions["B"].width = 120
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def write_csv(columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> bytes:
    """UTF-8 CSV with a byte-order mark (spreadsheet programs then show Vietnamese correctly); dates
    ``dd/mm/yyyy``."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(list(columns))
    for values in rows:
        writer.writerow([csv_text(value) for value in values])
    return buffer.getvalue().encode("utf-8-sig")


def csv_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime.datetime):
        local = timezone.localtime(value) if timezone.is_aware(value) else value
        return f"{local:%d/%m/%Y %H:%M}"
    if isinstance(value, datetime.date):
        return f"{value:%d/%m/%Y}"
    return str(export_cell(value))


def write_table(format: str, columns: Sequence[str], rows: Iterable[Sequence[Any]], **xlsx_options) -> bytes:
    fmt = format_of(None, format)
    return write_xlsx(columns, rows, **xlsx_options) if fmt == "xlsx" else write_csv(columns, rows)
