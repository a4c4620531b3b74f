"""Every change to the agency directory: import and export of agencies as XLSX or CSV.

The column layout (:data:`COLUMNS`) is the same for both formats and both directions, so an export can be
edited in a spreadsheet and imported back. An import checks every row first and writes nothing unless the
whole file is good; re-importing a file changes nothing.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.utils.translation import gettext as _

from tinhso.common import tabular
from tinhso.common.tabular import FORMATS, ImportFileError, ImportReport, RowError  # noqa: F401 — the import API
from tinhso.directory.identifiers import normalise_identifier, validate_identifier
from tinhso.directory.models import Agency
from tinhso.geo.models import Commune, Province

# The import/export layout, in order: column name → what it holds (shown in the XLSX guide sheet).
COLUMNS: dict[str, str] = {
    "identifier": "Mã định danh điện tử (bắt buộc), ví dụ 000.00.12.H41 hoặc H37.02.02",
    "name": "Tên cơ quan, đơn vị (bắt buộc)",
    "short_name": "Tên viết tắt",
    "parent_identifier": "Mã định danh của cơ quan cấp trên (có thể nằm ở dòng sau trong tệp)",
    "level": "Cấp (bắt buộc): " + ", ".join(f"{v} ({label})" for v, label in Agency.Level.choices),
    "kind": "Loại cơ quan (bắt buộc): " + ", ".join(f"{v} ({label})" for v, label in Agency.Kind.choices),
    "province_code": "Mã tỉnh, thành phố phục vụ (danh mục 2025), bắt buộc với cấp tỉnh và cấp xã",
    "commune_code": "Mã xã, phường, đặc khu phục vụ, bắt buộc với cấp xã",
    "address": "Địa chỉ",
    "phone": "Điện thoại",
    "email": "Thư điện tử",
    "website": "Trang thông tin điện tử",
    "valid_from": "Hoạt động từ ngày (dd/mm/yyyy hoặc yyyy-mm-dd)",
    "valid_to": "Hoạt động đến ngày, để trống nếu đang hoạt động",
    "succeeded_by_identifier": "Mã định danh của cơ quan kế thừa khi giải thể, sáp nhập",
}
REQUIRED_COLUMNS = ("identifier", "name", "level", "kind")
_TEXT_FIELDS = ("name", "short_name", "address", "phone", "email", "website")
_DATE_FIELDS = ("valid_from", "valid_to")


# ---------------------------------------------------------------------------------------------- import


@dataclass
class _Row:
    number: int
    cells: dict[str, Any]
    identifier: str = ""
    values: dict[str, Any] = field(default_factory=dict)
    parent: str | None = None
    succeeded_by: str | None = None
    province_id: int | None = None
    commune_id: int | None = None
    unit_unknown: bool = False


def import_agencies(file, format: str | None = None, *, dry_run: bool = False) -> ImportReport:
    """Create or update agencies from an XLSX or CSV file; all rows or none.

    ``file`` is a path, bytes or a binary file object; ``format`` is ``"xlsx"`` or ``"csv"`` (guessed from
    the file's name when omitted). Rows are matched to agencies by identifier, so importing the same file
    twice changes nothing. A column left out of the file leaves that field of existing agencies as it is.
    """
    report = ImportReport(dry_run=dry_run)
    try:
        table = tabular.read_table(file, format)
    except ImportFileError as exc:
        report.add_error(1, "", str(exc))
        return report
    present = tabular.check_header(table.header, COLUMNS, REQUIRED_COLUMNS, report)
    if not report.ok:
        return report
    rows = [_Row(number, cells) for number, cells in table.rows]
    report.rows = len(rows)
    existing = _validate(rows, present, report)
    if not report.ok:
        return report
    with transaction.atomic():
        _write(rows, present, existing, report)
        if dry_run:
            transaction.set_rollback(True)
    return report


def _code_candidates(code: str) -> list[str]:
    """Codes typed as numbers lose their leading zeros in a spreadsheet: try the padded forms too."""
    code = str(code).strip()
    return [code, code.zfill(2), code.zfill(5)] if code.isdigit() else [code]


def _units_by_code(model: type[Province | Commune], codes: Iterable[str]) -> dict[str, Any]:
    wanted = {candidate for code in codes for candidate in _code_candidates(code)}
    found = {unit.code: unit for unit in model.objects.filter(code__in=wanted)}
    return {
        code: next((found[c] for c in _code_candidates(code) if c in found), None) for code in codes
    }


def _validate(rows: list[_Row], present: set[str], report: ImportReport) -> dict[str, Agency]:
    """Check every row against the file and the database; return the existing agencies by identifier."""
    first_row_of: dict[str, int] = {}
    for row in rows:
        _validate_cells(row, present, report)
        if row.identifier:
            if row.identifier in first_row_of:
                report.add_error(
                    row.number, "identifier",
                    _("Mã định danh %(identifier)s trùng với dòng %(row)d.")
                    % {"identifier": row.identifier, "row": first_row_of[row.identifier]},
                )
            else:
                first_row_of[row.identifier] = row.number

    referenced = {r.identifier for r in rows} | {r.parent for r in rows if r.parent} | {
        r.succeeded_by for r in rows if r.succeeded_by
    }
    existing = {
        agency.identifier: agency for agency in Agency.objects.filter(identifier__in=referenced - {""})
    }
    in_file = set(first_row_of)
    for row in rows:
        links = (("parent_identifier", row.parent), ("succeeded_by_identifier", row.succeeded_by))
        for column, target in links:
            if not target:
                continue
            if target == row.identifier:
                message = (
                    _("Cơ quan không thể trực thuộc chính nó.") if column == "parent_identifier"
                    else _("Cơ quan không thể kế thừa chính nó.")
                )
                report.add_error(row.number, column, message)
            elif target not in in_file and target not in existing:
                report.add_error(
                    row.number, column,
                    _("Không tìm thấy cơ quan có mã định danh %(identifier)s trong tệp hay trong danh bạ.")
                    % {"identifier": target},
                )
    _validate_units(rows, present, existing, report)
    _validate_levels(rows, report)
    _validate_no_cycles(rows, present, report)
    return existing


def _validate_cells(row: _Row, present: set[str], report: ImportReport) -> None:
    cells = row.cells
    raw_identifier = cells.get("identifier", "")
    row.identifier = normalise_identifier(raw_identifier)
    try:
        validate_identifier(row.identifier)
    except ValidationError as exc:
        report.add_error(row.number, "identifier", " ".join(exc.messages))
        row.identifier = ""
    for name in _TEXT_FIELDS:
        if name not in present:
            continue
        value = str(cells.get(name, ""))
        try:
            row.values[name] = Agency._meta.get_field(name).clean(value, None)
        except ValidationError as exc:
            report.add_error(row.number, name, " ".join(exc.messages))
    for name, choices in (("level", Agency.Level.choices), ("kind", Agency.Kind.choices)):
        value = cells.get(name, "")
        try:
            code = tabular.parse_choice(value, choices) if value else None
        except ValueError:
            code = None
        if code is None:
            allowed = ", ".join(f"{c} ({label})" for c, label in choices)
            message = (
                _("Giá trị “%(value)s” không hợp lệ; dùng một trong: %(allowed)s.")
                % {"value": value, "allowed": allowed}
                if value else _("Không được để trống; dùng một trong: %(allowed)s.") % {"allowed": allowed}
            )
            report.add_error(row.number, name, message)
        else:
            row.values[name] = code
    for name in _DATE_FIELDS:
        if name not in present:
            continue
        value = cells.get(name, "")
        if value == "":
            row.values[name] = None
            continue
        try:
            row.values[name] = tabular.parse_date(value)
        except ValueError as exc:
            report.add_error(row.number, name, _("Ngày “%(value)s” không hợp lệ: %(reason)s") % {
                "value": value, "reason": exc})
    start, end = row.values.get("valid_from"), row.values.get("valid_to")
    if start and end and end < start:
        report.add_error(row.number, "valid_to", _("Ngày kết thúc hoạt động không được trước ngày bắt đầu."))
    if "parent_identifier" in present:
        row.parent = normalise_identifier(cells.get("parent_identifier")) or None
    if "succeeded_by_identifier" in present:
        row.succeeded_by = normalise_identifier(cells.get("succeeded_by_identifier")) or None


def _validate_units(
    rows: list[_Row], present: set[str], existing: dict[str, Agency], report: ImportReport,
) -> None:
    """Resolve the province and commune of every row (one query each) and check they fit together."""
    provinces = _units_by_code(Province, {str(r.cells.get("province_code", "")) for r in rows} - {""})
    communes = _units_by_code(Commune, {str(r.cells.get("commune_code", "")) for r in rows} - {""})
    for row in rows:
        current = existing.get(row.identifier)
        row.province_id = current.province_id if current else None
        row.commune_id = current.commune_id if current else None
        if "province_code" in present:
            code = str(row.cells.get("province_code", ""))
            province = provinces.get(code) if code else None
            if code and province is None:
                row.unit_unknown = True
                report.add_error(
                    row.number, "province_code", _("Không có tỉnh, thành phố mã %(code)s.") % {"code": code},
                )
            row.province_id = province.pk if province else None
        if "commune_code" in present:
            code = str(row.cells.get("commune_code", ""))
            commune = communes.get(code) if code else None
            if code and commune is None:
                row.unit_unknown = True
                message = _("Không có xã, phường, đặc khu mã %(code)s.") % {"code": code}
                report.add_error(row.number, "commune_code", message)
                continue
            row.commune_id = commune.pk if commune else None
            if commune is not None:
                if row.province_id is None:
                    row.province_id = commune.province_id
                elif commune.province_id != row.province_id:
                    report.add_error(
                        row.number, "commune_code", _("Xã, phường không thuộc tỉnh, thành phố đã ghi."),
                    )


def _validate_levels(rows: list[_Row], report: ImportReport) -> None:
    for row in rows:
        level = row.values.get("level")
        if row.unit_unknown:
            continue
        if level == Agency.Level.COMMUNE and row.commune_id is None:
            report.add_error(
                row.number, "commune_code", _("Cơ quan cấp xã phải ghi mã xã, phường, đặc khu phục vụ."),
            )
        elif level == Agency.Level.PROVINCE and row.province_id is None:
            report.add_error(
                row.number, "province_code", _("Cơ quan cấp tỉnh phải ghi mã tỉnh, thành phố phục vụ."),
            )


def _validate_no_cycles(rows: list[_Row], present: set[str], report: ImportReport) -> None:
    """The hierarchy the file would leave must be a tree: walk up from every row."""
    parent_of = dict(Agency.objects.values_list("identifier", "parent__identifier"))
    if "parent_identifier" in present:
        parent_of.update({row.identifier: row.parent for row in rows if row.identifier})
    for row in rows:
        seen = {row.identifier}
        current = parent_of.get(row.identifier)
        while current is not None:
            if current in seen:
                report.add_error(
                    row.number, "parent_identifier",
                    _("Quan hệ cấp trên tạo thành vòng lặp qua %(identifier)s.") % {"identifier": current},
                )
                break
            seen.add(current)
            current = parent_of.get(current)


def _in_parent_order(rows: list[_Row]) -> list[_Row]:
    """Rows ordered so that a parent given in the file is written before its children."""
    by_identifier = {row.identifier: row for row in rows}
    ordered: list[_Row] = []
    done: set[str] = set()
    for row in rows:
        chain = []
        current: _Row | None = row
        while current is not None and current.identifier not in done:
            chain.append(current)
            done.add(current.identifier)
            current = by_identifier.get(current.parent) if current.parent else None
        ordered.extend(reversed(chain))
    return ordered


def _write(rows: list[_Row], present: set[str], existing: dict[str, Agency], report: ImportReport) -> None:
    saved: dict[str, Agency] = dict(existing)
    deferred: list[tuple[Agency, str]] = []
    for row in _in_parent_order(rows):
        agency = existing.get(row.identifier)
        created = agency is None
        if created:
            agency = Agency(identifier=row.identifier)
        before = _state(agency)
        for name, value in row.values.items():
            setattr(agency, name, value)
        agency.province_id = row.province_id
        agency.commune_id = row.commune_id
        if "parent_identifier" in present:
            agency.parent = saved[row.parent] if row.parent else None
        if "succeeded_by_identifier" in present:
            successor = saved.get(row.succeeded_by) if row.succeeded_by else None
            if row.succeeded_by and successor is None:
                deferred.append((agency, row.succeeded_by))
            else:
                agency.succeeded_by = successor
        if created:
            agency.save()
            report.created.append(agency.identifier)
        elif _state(agency) != before:
            agency.save()
            report.updated.append(agency.identifier)
        else:
            report.unchanged.append(agency.identifier)
        saved[agency.identifier] = agency
    for agency, successor in deferred:
        # The successor came later in the file; a second save links them.
        if agency.succeeded_by_id != saved[successor].pk:
            agency.succeeded_by = saved[successor]
            agency.save(update_fields=["succeeded_by"])
            if agency.identifier in report.unchanged:
                report.unchanged.remove(agency.identifier)
                report.updated.append(agency.identifier)


def _state(agency: Agency) -> tuple:
    return tuple(getattr(agency, f.attname) for f in Agency._meta.concrete_fields if f.name != "search_text")


# ---------------------------------------------------------------------------------------------- export


def export_agencies(queryset: QuerySet[Agency], format: str) -> bytes:
    """The agencies in the import layout, as an XLSX workbook (with a guide sheet) or UTF-8 CSV."""
    agencies = queryset.select_related("parent", "succeeded_by", "province", "commune").order_by("identifier")
    table = (_export_row(agency) for agency in agencies.iterator(chunk_size=1000))
    return tabular.write_table(format, list(COLUMNS), table, sheet="co_quan", guide=COLUMNS,
                               widths=(16, 48, 16, 18, 10, 26, 12, 12, 40, 16, 28, 28, 12, 12, 18))


def _export_row(agency: Agency) -> list[Any]:
    return [
        agency.identifier,
        agency.name,
        agency.short_name,
        agency.parent.identifier if agency.parent else "",
        agency.level,
        agency.kind,
        agency.province.code if agency.province else "",
        agency.commune.code if agency.commune else "",
        agency.address,
        agency.phone,
        agency.email,
        agency.website,
        agency.valid_from,
        agency.valid_to,
        agency.succeeded_by.identifier if agency.succeeded_by else "",
    ]
