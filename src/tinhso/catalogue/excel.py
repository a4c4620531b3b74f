"""The catalogue as one Excel workbook: import (all or nothing, with a row-by-row report) and export.

Layout: four sheets, the first row of each holds the column headings below (in any order; extra columns
are ignored). Rows of the three child sheets belong to the procedure named in their first column and keep
their order: the n-th row of a procedure is its n-th document, step or fee. Choices accept the Vietnamese
label or the code; yes/no cells accept “Có”/“Không” (or x, 1, 0, blank = the default).

Sheet ``Thủ tục`` — one row per procedure:
    Mã thủ tục*            national code, digit groups and dots (e.g. 1.001193); type it as text
    Tên thủ tục*
    Mã lĩnh vực*           an existing field's code, or a new one (then Tên lĩnh vực is required)
    Tên lĩnh vực
    Cấp thực hiện*         Cấp tỉnh | Cấp xã (province | commune)
    Cơ quan thực hiện      agency identifiers separated by “;” (e.g. 000.00.03.H41; 000.00.10.H41)
    Thời hạn*              a whole number (0: the same day)
    Đơn vị thời hạn        ngày làm việc | giờ làm việc (default: ngày làm việc)
    Căn cứ pháp lý
    Kết quả thực hiện*
    Mức độ DVC trực tuyến  Toàn trình | Một phần | Không cung cấp trực tuyến (default: Một phần)
    Lý do chưa toàn trình  required unless Toàn trình
    Biểu mẫu điện tử       JSON Schema of the e-form (see eforms.py), or blank
    Số quyết định công bố  the decision announcing the procedure (e.g. 125/QĐ-UBND), or blank
    Ngày ban hành quyết định   a date (dd/mm/yyyy or an Excel date), or blank
    Ngày có hiệu lực       the date the announced procedure takes effect, or blank; the publicity
                           indicator counts the version as published on time when the catalogue publishes
                           it no later than this date

Sheet ``Thành phần hồ sơ``:
    Mã thủ tục* | Tên giấy tờ* | Số bản chính (default 1) | Số bản sao (default 0) |
    Bắt buộc (default Có) | Dùng lại từ hồ sơ trước (default Không) |
    Tệp mẫu (the stored name of a template already uploaded through the admin; blank for none)

Sheet ``Quy trình`` (from receiving to returning the result):
    Mã thủ tục* | Vai trò* (Tiếp nhận | Xử lý | Phê duyệt | Trả kết quả) |
    Cơ quan thực hiện bước (identifier; blank = the receiving agency) |
    Cơ quan phối hợp ngoài danh bạ (e.g. Thuế tỉnh; blank unless the step is at a body outside the
    directory) | Thời gian* (whole number in the procedure's unit; the steps add up to Thời hạn) |
    Nội dung công việc

Sheet ``Phí lệ phí``:
    Mã thủ tục* | Nội dung* | Số tiền (đồng)* (a whole number of đồng; a free procedure has no row)

A procedure that does not exist is created; one that exists gets a new version when anything differs, or
its draft updated; one that is the same is left alone. Imported versions are drafts unless ``publish``.
"""

from __future__ import annotations

import datetime
import io
import json
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from tinhso.catalogue.models import (
    CODE_PATTERN,
    FeeBasis,
    Field,
    Level,
    OnlineLevel,
    RequiredDocument,
    StepRole,
    TimeUnit,
    validate_field_code,
)
from tinhso.catalogue.services import (
    DocumentLine,
    FeeLine,
    StepLine,
    VersionContent,
    apply_content,
    content_errors,
    content_of,
)
from tinhso.common import tabular
from tinhso.directory.identifiers import normalise_identifier
from tinhso.directory.models import Agency, fold_for_search

PROCEDURES, DOCUMENTS, ROUTE, FEES = "Thủ tục", "Thành phần hồ sơ", "Quy trình", "Phí lệ phí"
CODE = "Mã thủ tục"
COLUMNS: dict[str, list[str]] = {
    PROCEDURES: [
        CODE, "Tên thủ tục", "Mã lĩnh vực", "Tên lĩnh vực", "Cấp thực hiện", "Cơ quan thực hiện", "Thời hạn",
        "Đơn vị thời hạn", "Căn cứ pháp lý", "Kết quả thực hiện", "Mức độ DVC trực tuyến",
        "Lý do chưa toàn trình", "Biểu mẫu điện tử", "Số quyết định công bố", "Ngày ban hành quyết định",
        "Ngày có hiệu lực", "Sổ đăng ký nhận kết quả",
    ],
    DOCUMENTS: [
        CODE, "Tên giấy tờ", "Số bản chính", "Số bản sao", "Bắt buộc", "Dùng lại từ hồ sơ trước", "Tệp mẫu",
    ],
    ROUTE: [
        CODE, "Vai trò", "Cơ quan thực hiện bước", "Cơ quan phối hợp ngoài danh bạ", "Thời gian",
        "Nội dung công việc",
    ],
    FEES: [CODE, "Nội dung", "Số tiền (đồng)", "Cách tính", "Số bản đã gồm", "Đối tượng được miễn"],
}
REQUIRED: dict[str, set[str]] = {
    PROCEDURES: {CODE, "Tên thủ tục", "Mã lĩnh vực", "Cấp thực hiện", "Thời hạn", "Kết quả thực hiện"},
    DOCUMENTS: {CODE, "Tên giấy tờ"},
    ROUTE: {CODE, "Vai trò", "Thời gian"},
    FEES: {CODE, "Nội dung", "Số tiền (đồng)"},
}
# Where a service's complaint about a field lands in the workbook.
_COLUMN_OF = {
    "name": "Tên thủ tục", "field": "Mã lĩnh vực", "level": "Cấp thực hiện", "time_limit": "Thời hạn",
    "time_unit": "Đơn vị thời hạn", "result": "Kết quả thực hiện", "online_level": "Mức độ DVC trực tuyến",
    "online_limit_reason": "Lý do chưa toàn trình", "eform_schema": "Biểu mẫu điện tử",
    "decision_number": "Số quyết định công bố", "decision_date": "Ngày ban hành quyết định",
    "effective_from": "Ngày có hiệu lực", "result_handler": "Sổ đăng ký nhận kết quả",
}
DATE_COLUMNS = frozenset({"Ngày ban hành quyết định", "Ngày có hiệu lực"})
_YES, _NO = {"co", "x", "1", "true", "yes"}, {"khong", "0", "false", "no"}


# The platform's one import report (``common.tabular``), counting procedures and what became of each.
ImportFileError = tabular.ImportFileError
RowError = tabular.RowError


@dataclass
class ImportReport(tabular.ImportReport):
    """What a catalogue import did or, with errors, why it wrote nothing: per procedure, created, given a new
    version, its draft updated, or unchanged."""

    procedures: int = 0
    outcomes: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))

    def add_sheet_error(self, sheet: str, row: int, column: str, message: str) -> None:
        self.add_error(row, column, message, sheet)

    def summary(self) -> str:
        if not self.ok:
            return super().summary()
        counts = {key: len(self.outcomes.get(key, [])) for key in ("created", "new_version", "draft_updated",
                                                                   "unchanged")}
        text = _("%(procedures)d thủ tục: %(created)d tạo mới, %(new_version)d phiên bản mới, "
                 "%(draft_updated)d cập nhật bản nháp, %(unchanged)d không đổi.") % {
            "procedures": self.procedures, **counts}
        if self.dry_run:
            text += " " + _("(Chạy thử: chưa ghi gì.)")
        return text


@dataclass
class _Row:
    sheet: str
    number: int
    cells: dict[str, Any]


@dataclass
class _Procedure:
    row: _Row
    code: str
    values: dict[str, Any] = field(default_factory=dict)
    agencies: list[Agency] = field(default_factory=list)
    documents: list[tuple[_Row, DocumentLine]] = field(default_factory=list)
    steps: list[tuple[_Row, StepLine]] = field(default_factory=list)
    fees: list[tuple[_Row, FeeLine]] = field(default_factory=list)


# --------------------------------------------------------------------------------------------- import


def import_catalogue(file, *, publish: bool = False, dry_run: bool = False) -> ImportReport:
    """Bring the catalogue to what the workbook says; every row is checked first and nothing is written
    unless every row is right."""
    report = ImportReport(dry_run=dry_run)
    try:
        sheets = _read_workbook(file)
    except ImportFileError as exc:
        report.add_sheet_error("—", 0, "", str(exc))
        return report
    rows = {name: _rows(name, sheets.get(name), report) for name in COLUMNS}
    if not report.ok:
        return report
    procedures = _parse_procedures(rows[PROCEDURES], report)
    _parse_documents(rows[DOCUMENTS], procedures, report)
    _parse_steps(rows[ROUTE], procedures, report)
    _parse_fees(rows[FEES], procedures, report)
    new_fields: dict[str, Field] = {}
    contents = _contents(procedures, new_fields, publish, report)
    report.procedures = len(procedures)
    if not report.ok:
        return report
    with transaction.atomic():
        for new_field in new_fields.values():
            new_field.save()
        for code, content in contents.items():
            try:
                outcome = apply_content(code, content, publish_now=publish)
            except ValidationError as exc:
                for message in exc.messages:
                    report.add_sheet_error(PROCEDURES, procedures[code].row.number, CODE, message)
                continue
            report.outcomes[outcome].append(code)
        if dry_run or not report.ok:
            transaction.set_rollback(True)
    if not report.ok:
        report.outcomes.clear()
    return report


def _read_workbook(file) -> dict[str, list[tuple]]:
    """Every sheet, read by the platform's one reader: bounded in size, checked as a ZIP before openpyxl."""
    return tabular.read_workbook(tabular.content_of(file))


def _rows(name: str, table: list[tuple] | None, report: ImportReport) -> list[_Row]:
    """The sheet's rows as dicts by heading; blank rows are skipped, row numbers are Excel's."""
    if table is None:
        if name == PROCEDURES:
            report.add_sheet_error(name, 0, "", f"Thiếu sheet “{name}”.")
        return []
    if not table:
        report.add_sheet_error(name, 1, "", "Sheet trống: dòng 1 phải là tiêu đề cột.")
        return []
    header = [str(cell).strip() if cell is not None else "" for cell in table[0]]
    for column in COLUMNS[name]:
        if column in REQUIRED[name] and column not in header:
            report.add_sheet_error(name, 1, column, f"Thiếu cột “{column}”.")
    rows = []
    for number, values in enumerate(table[1:], start=2):
        cells = {heading: _cell(value) for heading, value in zip(header, values, strict=False) if heading}
        if any(value not in (None, "") for value in cells.values()):
            rows.append(_Row(name, number, cells))
    return rows


def _cell(value: Any) -> Any:
    if isinstance(value, str):
        value = value.strip()
        return value or None
    return value


def _text(row: _Row, column: str, report: ImportReport, *, required: bool = False) -> str:
    value = row.cells.get(column)
    if value is None:
        if required:
            report.add_sheet_error(row.sheet, row.number, column, "Không được để trống.")
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value)


def _whole(row: _Row, column: str, report: ImportReport, default: int | None = None) -> int | None:
    value = row.cells.get(column)
    if value is None:
        if default is None:
            report.add_sheet_error(row.sheet, row.number, column, "Không được để trống.")
        return default
    if isinstance(value, bool):
        value = None
    elif isinstance(value, float) and value.is_integer():
        value = int(value)
    elif isinstance(value, str) and value.replace(".", "").isdigit():
        value = int(value.replace(".", ""))  # 1.000.000 written with thousands dots
    if not isinstance(value, int) or value < 0:
        report.add_sheet_error(row.sheet, row.number, column, f"Phải là số nguyên không âm, không phải “{value}”.")
        return None
    return value


def _choice(row: _Row, column: str, choices, report: ImportReport, default: str | None = None) -> str | None:
    value = row.cells.get(column)
    if value is None:
        if default is None:
            report.add_sheet_error(row.sheet, row.number, column, "Không được để trống.")
        return default
    folded = fold_for_search(str(value))
    for code, label in choices.choices:
        if folded in (fold_for_search(code), fold_for_search(str(label))):
            return code
    allowed = ", ".join(str(label) for label in choices.labels)
    report.add_sheet_error(row.sheet, row.number, column, f"“{value}” không hợp lệ; chọn một trong: {allowed}.")
    return None


def _yes_no(row: _Row, column: str, default: bool, report: ImportReport) -> bool:
    value = row.cells.get(column)
    if value is None:
        return default
    if isinstance(value, bool):
        return value
    folded = fold_for_search(str(value))
    if folded in _YES:
        return True
    if folded in _NO:
        return False
    report.add_sheet_error(row.sheet, row.number, column, f"“{value}” không hợp lệ; ghi “Có” hoặc “Không”.")
    return default


def _date(row: _Row, column: str, report: ImportReport) -> datetime.date | None:
    """A date cell: an Excel date, or text as dd/mm/yyyy (the way dates are written in Vietnam) or ISO."""
    value = row.cells.get(column)
    if value is None:
        return None
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    try:
        return tabular.parse_date(value)  # the one date reader: day first or ISO, never month first
    except ValueError:
        report.add_sheet_error(row.sheet, row.number, column,
                               f"“{value}” không phải ngày; ghi theo dạng ngày/tháng/năm.")
        return None


def _code(row: _Row, report: ImportReport) -> str | None:
    value = row.cells.get(CODE)
    if value is None:
        report.add_sheet_error(row.sheet, row.number, CODE, "Không được để trống.")
        return None
    if not isinstance(value, str):
        # 1.004220 typed as a number comes back as 1.00422: the trailing zero is lost for good.
        report.add_sheet_error(row.sheet, row.number, CODE,
                               "Mã thủ tục phải được nhập dạng văn bản (Text), không phải số.")
        return None
    if not CODE_PATTERN.fullmatch(value):
        report.add_sheet_error(row.sheet, row.number, CODE, f"“{value}” không phải mã thủ tục (ví dụ 1.001193).")
        return None
    return value


def _parse_procedures(rows: list[_Row], report: ImportReport) -> dict[str, _Procedure]:
    procedures: dict[str, _Procedure] = {}
    wanted_agencies = {
        normalise_identifier(part)
        for row in rows for part in _text(row, "Cơ quan thực hiện", report).split(";") if part.strip()
    }
    agencies = {agency.identifier: agency for agency in Agency.objects.filter(identifier__in=wanted_agencies)}
    for row in rows:
        code = _code(row, report)
        if code is None:
            continue
        if code in procedures:
            report.add_sheet_error(row.sheet, row.number, CODE,
                             f"Mã {code} đã có ở dòng {procedures[code].row.number}.")
            continue
        item = _Procedure(row, code)
        item.values = {
            "name": _text(row, "Tên thủ tục", report, required=True),
            "field_code": _text(row, "Mã lĩnh vực", report, required=True),
            "field_name": _text(row, "Tên lĩnh vực", report),
            "level": _choice(row, "Cấp thực hiện", Level, report),
            "time_limit": _whole(row, "Thời hạn", report),
            "time_unit": _choice(row, "Đơn vị thời hạn", TimeUnit, report, TimeUnit.WORKING_DAYS),
            "legal_basis": _text(row, "Căn cứ pháp lý", report),
            "result": _text(row, "Kết quả thực hiện", report, required=True),
            "online_level": _choice(row, "Mức độ DVC trực tuyến", OnlineLevel, report, OnlineLevel.PARTIAL),
            "online_limit_reason": _text(row, "Lý do chưa toàn trình", report),
            "eform_schema": _json(row, "Biểu mẫu điện tử", report),
            "decision_number": _text(row, "Số quyết định công bố", report),
            "decision_date": _date(row, "Ngày ban hành quyết định", report),
            "effective_from": _date(row, "Ngày có hiệu lực", report),
            "result_handler": _text(row, "Sổ đăng ký nhận kết quả", report),
        }
        for part in _text(row, "Cơ quan thực hiện", report).split(";"):
            identifier = normalise_identifier(part)
            if not identifier:
                continue
            if identifier in agencies:
                item.agencies.append(agencies[identifier])
            else:
                report.add_sheet_error(row.sheet, row.number, "Cơ quan thực hiện",
                                 f"Không có cơ quan mã định danh {identifier} trong danh bạ.")
        procedures[code] = item
    return procedures


def _json(row: _Row, column: str, report: ImportReport) -> dict | None:
    value = row.cells.get(column)
    if value is None:
        return None
    try:
        parsed = json.loads(str(value))
    except ValueError as exc:
        report.add_sheet_error(row.sheet, row.number, column, f"Không phải JSON hợp lệ: {exc}.")
        return None
    return parsed if parsed else None


def _owner(row: _Row, procedures: dict[str, _Procedure], report: ImportReport) -> _Procedure | None:
    code = _code(row, report)
    if code is None:
        return None
    if code not in procedures:
        report.add_sheet_error(row.sheet, row.number, CODE, f"Thủ tục {code} không có trong sheet “{PROCEDURES}”.")
        return None
    return procedures[code]


def _parse_documents(rows: list[_Row], procedures: dict[str, _Procedure], report: ImportReport) -> None:
    templates = {row.cells["Tệp mẫu"] for row in rows if row.cells.get("Tệp mẫu")}
    known = set(RequiredDocument.objects.filter(template__in=templates).values_list("template", flat=True))
    for row in rows:
        owner = _owner(row, procedures, report)
        template = _text(row, "Tệp mẫu", report)
        if template and template not in known:
            report.add_sheet_error(row.sheet, row.number, "Tệp mẫu",
                             f"Không có tệp mẫu “{template}”; hãy tải tệp lên qua trang quản trị.")
        line = DocumentLine(
            name=_text(row, "Tên giấy tờ", report, required=True),
            originals=_whole(row, "Số bản chính", report, 1) or 0,
            copies=_whole(row, "Số bản sao", report, 0) or 0,
            required=_yes_no(row, "Bắt buộc", True, report),
            reusable=_yes_no(row, "Dùng lại từ hồ sơ trước", False, report),
            template=template,
        )
        if owner is not None:
            owner.documents.append((row, line))


def _parse_steps(rows: list[_Row], procedures: dict[str, _Procedure], report: ImportReport) -> None:
    wanted = {normalise_identifier(row.cells.get("Cơ quan thực hiện bước")) for row in rows} - {""}
    agencies = {agency.identifier: agency for agency in Agency.objects.filter(identifier__in=wanted)}
    for row in rows:
        owner = _owner(row, procedures, report)
        identifier = normalise_identifier(row.cells.get("Cơ quan thực hiện bước"))
        if identifier and identifier not in agencies:
            report.add_sheet_error(row.sheet, row.number, "Cơ quan thực hiện bước",
                             f"Không có cơ quan mã định danh {identifier} trong danh bạ.")
        line = StepLine(
            role=_choice(row, "Vai trò", StepRole, report) or "",
            share=_whole(row, "Thời gian", report) or 0,
            agency=agencies.get(identifier),
            partner=_text(row, "Cơ quan phối hợp ngoài danh bạ", report),
            description=_text(row, "Nội dung công việc", report),
        )
        if owner is not None:
            owner.steps.append((row, line))


def _parse_fees(rows: list[_Row], procedures: dict[str, _Procedure], report: ImportReport) -> None:
    for row in rows:
        owner = _owner(row, procedures, report)
        line = FeeLine(
            description=_text(row, "Nội dung", report, required=True),
            amount=_whole(row, "Số tiền (đồng)", report) or 0,
            basis=_choice(row, "Cách tính", FeeBasis, report, default=FeeBasis.DOSSIER) or FeeBasis.DOSSIER,
            included_copies=_whole(row, "Số bản đã gồm", report, 0) or 0,
            exemption=_text(row, "Đối tượng được miễn", report),
        )
        if owner is not None:
            owner.fees.append((row, line))


def _contents(
    procedures: dict[str, _Procedure], new_fields: dict[str, Field], publish: bool, report: ImportReport,
) -> dict[str, VersionContent]:
    """The content each procedure row describes, checked by the same rules the services apply."""
    field_codes = {item.values["field_code"] for item in procedures.values()}
    fields = {item.code: item for item in Field.objects.filter(code__in=field_codes)}
    contents = {}
    for code, item in procedures.items():
        values = item.values
        if None in (values["level"], values["time_limit"], values["time_unit"], values["online_level"]):
            continue
        field_code = values["field_code"]
        found = fields.get(field_code) or new_fields.get(field_code)
        if found is None and field_code:
            try:
                validate_field_code(field_code)
            except ValidationError as exc:
                report.add_sheet_error(item.row.sheet, item.row.number, "Mã lĩnh vực", exc.messages[0])
                continue
            if not values["field_name"]:
                report.add_sheet_error(item.row.sheet, item.row.number, "Tên lĩnh vực",
                                 f"Lĩnh vực {field_code} chưa có: phải ghi tên lĩnh vực.")
                continue
            found = new_fields[field_code] = Field(code=field_code, name=values["field_name"])
        if found is None:
            continue
        content = VersionContent(
            name=values["name"], field=found, level=values["level"], time_limit=values["time_limit"],
            time_unit=values["time_unit"], legal_basis=values["legal_basis"], result=values["result"],
            online_level=values["online_level"], online_limit_reason=values["online_limit_reason"],
            eform_schema=values["eform_schema"], decision_number=values["decision_number"],
            decision_date=values["decision_date"], effective_from=values["effective_from"],
            result_handler=values["result_handler"], agencies=tuple(item.agencies),
            documents=tuple(line for _, line in item.documents), fees=tuple(line for _, line in item.fees),
            steps=tuple(line for _, line in item.steps),
        )
        for name, messages in content_errors(content, for_publishing=publish).items():
            for message in messages:
                if name == "steps":
                    where = item.steps[0][0] if item.steps else item.row
                    report.add_sheet_error(where.sheet, where.number, "Thời gian" if item.steps else CODE, message)
                else:
                    report.add_sheet_error(item.row.sheet, item.row.number, _COLUMN_OF.get(name, ""), message)
        contents[code] = content
    return contents


# --------------------------------------------------------------------------------------------- export


def export_catalogue(versions) -> bytes:
    """The versions (with their children prefetched, see selectors.versions_for_export) as a workbook
    that :func:`import_catalogue` reads back to the same content."""
    workbook = Workbook()
    workbook.remove(workbook.active)
    tables = {name: [] for name in COLUMNS}
    for version in versions:
        code = version.procedure.code
        content = content_of(version)
        tables[PROCEDURES].append([
            code, content.name, content.field.code, content.field.name, Level(content.level).label,
            "; ".join(agency.identifier for agency in content.agencies), content.time_limit,
            TimeUnit(content.time_unit).label, content.legal_basis, content.result,
            OnlineLevel(content.online_level).label, content.online_limit_reason,
            json.dumps(content.eform_schema, ensure_ascii=False) if content.eform_schema else None,
            content.decision_number or None, content.decision_date, content.effective_from,
            content.result_handler or None,
        ])
        for line in content.documents:
            tables[DOCUMENTS].append([
                code, line.name, line.originals, line.copies, _yes_no_text(line.required),
                _yes_no_text(line.reusable), line.template or None,
            ])
        for step in content.steps:
            tables[ROUTE].append([
                code, StepRole(step.role).label, step.agency.identifier if step.agency else None,
                step.partner or None, step.share, step.description or None,
            ])
        for fee in content.fees:
            tables[FEES].append([code, fee.description, fee.amount, FeeBasis(fee.basis).label,
                                 fee.included_copies or None, fee.exemption or None])
    for name, columns in COLUMNS.items():
        sheet = workbook.create_sheet(name)
        sheet.append(columns)
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        dates = [index for index, column in enumerate(columns, start=1) if column in DATE_COLUMNS]
        for values in tables[name]:
            sheet.append(values)
            sheet.cell(row=sheet.max_row, column=1).number_format = "@"  # codes stay text
            for index in dates:
                sheet.cell(row=sheet.max_row, column=index).number_format = "DD/MM/YYYY"
        sheet.freeze_panes = "B2"
        for index, column in enumerate(columns, start=1):
            sheet.column_dimensions[get_column_letter(index)].width = max(14, min(60, len(column) + 4))
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _yes_no_text(value: bool) -> str:
    return "Có" if value else "Không"
