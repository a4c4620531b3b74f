"""The registries from and to XLSX/CSV with the platform's one helper (``common.tabular``): press agencies
(keyed by name), spokespeople (keyed by agency identifier, name and start date) and website licences (keyed
by licence number). Every row is checked before anything is written; any error and nothing is written, the
report naming row, column and reason. An export writes the same layout, so a file can be exported, edited
and imported back.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.db import transaction

from tinhso.common import audit, tabular
from tinhso.directory.identifiers import normalise_identifier
from tinhso.directory.models import Agency
from tinhso.media.models import (
    LicenceState,
    PressAgency,
    PressKind,
    PressLevel,
    SiteKind,
    SpeakerRole,
    Spokesperson,
    WebsiteLicence,
)


def _text(length: int, required: bool = False) -> Callable:
    return lambda value: tabular.parse_text(value, max_length=length, required=required)


def _date(value):
    return tabular.parse_date(value) if value not in ("", None) else None


def _choice(choices) -> Callable:
    return lambda value: tabular.parse_choice(value, choices)


def _agency(value) -> Agency:
    found = Agency.objects.filter(identifier=normalise_identifier(str(value or ""))).first()
    if found is None:
        raise ValueError(f"Không có cơ quan mã định danh “{value}” trong danh mục.")
    return found


@dataclass(frozen=True)
class Layout:
    model: type
    columns: dict[str, tuple[str, Callable]]  # column → (guide, parser)
    required: tuple[str, ...]
    key: tuple[str, ...]  # the columns that find an existing row
    sheet: str

    def row_of(self, record) -> list:
        return [getattr(record, name) if name != "agency" else record.agency.identifier for name in self.columns]


LAYOUTS = {
    "press": Layout(PressAgency, {
        "name": ("Tên cơ quan báo chí", _text(255, True)),
        "kind": ("Loại: newspaper, radio_tv, magazine, resident_office, correspondent", _choice(PressKind.choices)),
        "level": ("local hoặc central", _choice(PressLevel.choices)),
        "parent_name": ("Cơ quan chủ quản trung ương", _text(255)),
        "licence_number": ("Số giấy phép hoạt động", _text(60)),
        "licence_date": ("Ngày cấp phép (dd/mm/yyyy)", _date),
        "head_name": ("Tổng biên tập, người đứng đầu", _text(150)),
        "address": ("Địa chỉ", _text(300)),
        "phone": ("Điện thoại", _text(50)),
        "email": ("Thư điện tử", _text(254)),
        "valid_from": ("Hoạt động từ ngày (dd/mm/yyyy)", _date),
        "valid_to": ("Đến ngày (dd/mm/yyyy)", _date),
    }, ("name", "kind", "level"), ("name",), "co_quan_bao_chi"),
    "spokespeople": Layout(Spokesperson, {
        "agency": ("Mã định danh cơ quan", _agency),
        "role": ("spokesperson (người phát ngôn) hoặc authorised (được ủy quyền)", _choice(SpeakerRole.choices)),
        "name": ("Họ tên", _text(150, True)),
        "position": ("Chức vụ", _text(150, True)),
        "phone": ("Điện thoại", _text(50)),
        "email": ("Thư điện tử", _text(254)),
        "decision": ("Quyết định giao, ủy quyền", _text(100)),
        "valid_from": ("Từ ngày (dd/mm/yyyy)", tabular.parse_date),
        "valid_to": ("Đến ngày (dd/mm/yyyy)", _date),
    }, ("agency", "role", "name", "position", "valid_from"), ("agency", "name", "valid_from"), "nguoi_phat_ngon"),
    "licences": Layout(WebsiteLicence, {
        "licence_number": ("Số giấy phép", _text(60, True)),
        "kind": ("general_website hoặc social_network", _choice(SiteKind.choices)),
        "domain": ("Tên miền", _text(253, True)),
        "holder_name": ("Tổ chức được cấp phép", _text(255, True)),
        "holder_tax_code": ("Mã số thuế", _text(14, True)),
        "holder_email": ("Thư điện tử của tổ chức", _text(254)),
        "holder_phone": ("Điện thoại của tổ chức", _text(50)),
        "issued_on": ("Ngày cấp (dd/mm/yyyy)", tabular.parse_date),
        "expires_on": ("Ngày hết hạn (dd/mm/yyyy)", tabular.parse_date),
        "scope": ("Phạm vi, nội dung được cấp phép", _text(5000)),
        "state": ("in_force hoặc revoked", _choice(LicenceState.choices)),
    }, ("licence_number", "kind", "domain", "holder_name", "holder_tax_code", "issued_on", "expires_on"),
        ("licence_number",), "giay_phep"),
}


def import_registry(kind: str, file, *, format: str | None = None, dry_run: bool = False,
                    actor=None) -> tabular.ImportReport:
    """Read the whole file, check every row, then write all of it in one transaction (or nothing)."""
    layout = LAYOUTS[kind]
    report = tabular.ImportReport(dry_run=dry_run)
    try:
        table = tabular.read_table(file, format)
    except tabular.ImportFileError as error:
        report.add_error(1, "", str(error))
        return report
    present = tabular.check_header(table.header, layout.columns, layout.required, report)
    if not report.ok:
        return report
    parsed = []
    for number, cells in table.rows:
        report.rows += 1
        values = {}
        for name in present:
            raw = cells.get(name)
            if raw in ("", None) and name not in layout.required:
                values[name] = "" if name not in ("licence_date", "valid_from", "valid_to") else None
                continue
            try:
                values[name] = layout.columns[name][1](raw)
            except ValueError as error:
                report.add_error(number, name, str(error))
        if kind == "licences" and values.get("issued_on") and values.get("expires_on") \
                and values["expires_on"] < values["issued_on"]:
            report.add_error(number, "expires_on", "Ngày hết hạn trước ngày cấp.")
        if kind == "spokespeople" and values.get("valid_to") and values["valid_to"] < values["valid_from"]:
            report.add_error(number, "valid_to", "Đến ngày trước từ ngày.")
        parsed.append((number, values))
    if not report.ok:
        return report
    with transaction.atomic():
        for _number, values in parsed:
            key = {name: values[name] for name in layout.key}
            record = layout.model.objects.filter(**key).first()
            label = " / ".join(str(getattr(v, "identifier", v)) for v in key.values())
            if record is None:
                layout.model.objects.create(**values)
                report.created.append(label)
                continue
            changed = {name: value for name, value in values.items() if getattr(record, name) != value}
            if changed:
                for name, value in changed.items():
                    setattr(record, name, value)
                record.save()
                report.updated.append(label)
            else:
                report.unchanged.append(label)
        audit.record("action", layout.model, actor=actor if getattr(actor, "pk", None) else None,
                     summary=f"Nhập {kind}: {report.summary()}"[:300],
                     after={"action": f"media.import.{kind}", "created": len(report.created),
                            "updated": len(report.updated)})
        if dry_run:
            transaction.set_rollback(True)
    return report


def export_registry(kind: str, format: str = "xlsx") -> bytes:
    layout = LAYOUTS[kind]
    records = layout.model.objects.all()
    if kind == "spokespeople":
        records = records.select_related("agency").order_by("agency__identifier", "role", "name")
    rows = [layout.row_of(record) for record in records]
    return tabular.write_table(format, list(layout.columns), rows, sheet=layout.sheet,
                               guide={name: guide for name, (guide, _parser) in layout.columns.items()})
