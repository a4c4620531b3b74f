"""The office's spreadsheet of directives and tasks: import (all or nothing, row by row report) and export in
the same layout, through the platform's one table helper (``common.tabular``).

One row per task; the directive's columns repeat on each of its tasks' rows (a directive is the rows sharing
issuer, number and date). A directive already in the register is left as it is (its rows are reported
unchanged), so an exported file imports back without duplicating anything.
"""

from __future__ import annotations

from collections import OrderedDict

from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from tinhso.common import tabular
from tinhso.directives import services
from tinhso.directives.models import Directive, DirectiveKind, DueKind, Priority, ReportEvery
from tinhso.directory.identifiers import normalise_identifier
from tinhso.directory.models import Agency

COLUMNS = (
    "so_ky_hieu", "loai_van_ban", "ngay_ban_hanh", "co_quan_ban_hanh", "nguoi_ky", "chuc_vu_nguoi_ky", "trich_yeu",
    "ngay_hop", "chu_tri_cuoc_hop", "noi_dung_nhiem_vu", "co_quan_chu_tri", "co_quan_phoi_hop", "han_hoan_thanh",
    "so_ngay_lam_viec", "bao_cao_dinh_ky", "muc_do", "lanh_dao_giao",
)
REQUIRED = ("so_ky_hieu", "loai_van_ban", "ngay_ban_hanh", "co_quan_ban_hanh", "nguoi_ky", "trich_yeu",
            "noi_dung_nhiem_vu", "co_quan_chu_tri")
GUIDE = {
    "so_ky_hieu": gettext_lazy("Số, ký hiệu văn bản, ví dụ 125/TB-UBND (bắt buộc)"),
    "loai_van_ban": gettext_lazy("Thông báo kết luận, Chỉ thị, Công văn chỉ đạo, Biên bản họp, Kế hoạch (bắt buộc)"),
    "ngay_ban_hanh": gettext_lazy("Ngày ban hành dd/mm/yyyy (bắt buộc)"),
    "co_quan_ban_hanh": gettext_lazy("Mã định danh cơ quan ban hành, ví dụ 000.00.00.H41 (bắt buộc)"),
    "nguoi_ky": gettext_lazy("Họ tên người ký (bắt buộc)"),
    "chuc_vu_nguoi_ky": gettext_lazy("Chức vụ người ký"),
    "trich_yeu": gettext_lazy("Trích yếu văn bản (bắt buộc)"),
    "ngay_hop": gettext_lazy("Ngày họp được kết luận, dd/mm/yyyy"),
    "chu_tri_cuoc_hop": gettext_lazy("Người chủ trì cuộc họp"),
    "noi_dung_nhiem_vu": gettext_lazy("Nội dung nhiệm vụ (bắt buộc)"),
    "co_quan_chu_tri": gettext_lazy("Mã định danh cơ quan chủ trì (bắt buộc)"),
    "co_quan_phoi_hop": gettext_lazy("Mã định danh các cơ quan phối hợp, cách nhau bằng dấu chấm phẩy"),
    "han_hoan_thanh": gettext_lazy("Hạn hoàn thành dd/mm/yyyy; hoặc để trống và ghi số ngày làm việc; để trống "
                                   "cả hai cho nhiệm vụ thường xuyên"),
    "so_ngay_lam_viec": gettext_lazy("Số ngày làm việc kể từ ngày ban hành (theo lịch làm việc của tỉnh)"),
    "bao_cao_dinh_ky": gettext_lazy("Hằng tháng hoặc Hằng quý (bắt buộc với nhiệm vụ thường xuyên)"),
    "muc_do": gettext_lazy("Bình thường, Quan trọng hoặc Khẩn (mặc định Bình thường)"),
    "lanh_dao_giao": gettext_lazy("Lãnh đạo giao nhiệm vụ (mặc định người ký)"),
}


def _agencies(identifiers: set[str]) -> dict[str, Agency]:
    return {agency.identifier: agency for agency in Agency.objects.filter(identifier__in=identifiers)}


def import_directives(file, *, actor, format: str | None = None, dry_run: bool = False) -> tabular.ImportReport:
    """Read the file, check every row, then register every new directive with its tasks in one transaction;
    nothing is written when any row is wrong."""
    report = tabular.ImportReport(dry_run=dry_run)
    try:
        table = tabular.read_table(file, format)
    except tabular.ImportFileError as error:
        report.add_error(1, "", str(error))
        return report
    tabular.check_header(table.header, COLUMNS, REQUIRED, report)
    if not report.ok:
        return report
    wanted = set()
    for _row, cells in table.rows:
        for name in ("co_quan_ban_hanh", "co_quan_chu_tri"):
            wanted.add(normalise_identifier(str(cells.get(name) or "")))
        wanted |= {normalise_identifier(part) for part in str(cells.get("co_quan_phoi_hop") or "").split(";")
                   if part.strip()}
    agencies = _agencies(wanted)
    groups: OrderedDict = OrderedDict()
    for row, cells in table.rows:
        report.rows += 1
        parsed = _parse_row(row, cells, agencies, report)
        if parsed is None:
            continue
        directive, task = parsed
        key = (directive["issuer"].pk, directive["number"], directive["issued_on"])
        group = groups.setdefault(key, {"directive": directive, "tasks": [], "rows": []})
        group["tasks"].append(task)
        group["rows"].append(row)
    if not report.ok:
        return report
    try:
        with transaction.atomic():
            for (issuer_id, number, issued_on), group in groups.items():
                label = f"{number} ({issued_on:%d/%m/%Y})"
                if Directive.objects.filter(issuer_id=issuer_id, number=number, issued_on=issued_on).exists():
                    report.unchanged.append(label)
                    continue
                try:
                    services.register_directive(actor, tasks=group["tasks"], **group["directive"])
                except services.DirectiveError as error:
                    report.add_error(group["rows"][0], error.field or "", error.message)
                    continue
                report.created.append(label)
            if not report.ok or dry_run:
                raise _Rollback
    except _Rollback:
        pass
    return report


class _Rollback(Exception):
    pass


def _parse_row(row: int, cells: dict, agencies: dict, report: tabular.ImportReport):
    errors_before = len(report.errors)

    def get(name, parse, *args, **kwargs):
        value = cells.get(name)
        try:
            return parse(value, *args, **kwargs)
        except ValueError as error:
            report.add_error(row, name, str(error))
            return None

    def optional(name, parse, *args, **kwargs):
        return None if cells.get(name) in ("", None) else get(name, parse, *args, **kwargs)

    def agency(name):
        identifier = normalise_identifier(str(cells.get(name) or ""))
        found = agencies.get(identifier)
        if found is None:
            report.add_error(row, name, _("Không có cơ quan mã %(code)s trong danh mục.") % {"code": identifier or "—"})
        return found

    directive = {
        "number": get("so_ky_hieu", tabular.parse_text, max_length=60, required=True),
        "kind": get("loai_van_ban", tabular.parse_choice, DirectiveKind.choices),
        "issued_on": get("ngay_ban_hanh", tabular.parse_date),
        "issuer": agency("co_quan_ban_hanh"),
        "signer_name": get("nguoi_ky", tabular.parse_text, max_length=150, required=True),
        "signer_position": get("chuc_vu_nguoi_ky", tabular.parse_text, max_length=150) or "",
        "subject": get("trich_yeu", tabular.parse_text, max_length=500, required=True),
        "meeting_on": optional("ngay_hop", tabular.parse_date),
        "meeting_chair": get("chu_tri_cuoc_hop", tabular.parse_text, max_length=150) or "",
    }
    coordinating = []
    for part in str(cells.get("co_quan_phoi_hop") or "").split(";"):
        if part.strip():
            found = agencies.get(normalise_identifier(part))
            if found is None:
                report.add_error(row, "co_quan_phoi_hop", _("Không có cơ quan mã %(code)s trong danh mục.") % {
                    "code": normalise_identifier(part)})
            else:
                coordinating.append(found)
    due_on = optional("han_hoan_thanh", tabular.parse_date)
    days = optional("so_ngay_lam_viec", tabular.parse_int, minimum=1, maximum=1000)
    every = optional("bao_cao_dinh_ky", tabular.parse_choice, [c for c in ReportEvery.choices if c[0]]) or ""
    if due_on is not None and days is not None:
        report.add_error(row, "so_ngay_lam_viec", _("Chỉ ghi hạn hoàn thành hoặc số ngày làm việc, không ghi cả hai."))
    due_kind = DueKind.DATE if due_on else DueKind.WORKING_DAYS if days else DueKind.ONGOING
    given = any(cells.get(name) not in ("", None) for name in ("han_hoan_thanh", "so_ngay_lam_viec"))
    if due_kind == DueKind.ONGOING and not every and not given:
        report.add_error(row, "bao_cao_dinh_ky", _("Nhiệm vụ không có hạn phải có kỳ báo cáo định kỳ."))
    if due_on and directive["issued_on"] and due_on < directive["issued_on"]:
        report.add_error(row, "han_hoan_thanh", _("Hạn hoàn thành không được trước ngày ban hành văn bản."))
    task = services.TaskInput(
        text=get("noi_dung_nhiem_vu", tabular.parse_text, max_length=4000, required=True) or "",
        lead_agency=agency("co_quan_chu_tri"), coordinating=coordinating, due_kind=due_kind, due_on=due_on,
        due_working_days=days, report_every=every,
        priority=optional("muc_do", tabular.parse_choice, Priority.choices) or Priority.NORMAL,
        assigned_by_name=get("lanh_dao_giao", tabular.parse_text, max_length=150) or "")
    if len(report.errors) > errors_before:
        return None
    return directive, task


def export_rows(tasks):
    """The rows of ``tasks`` in the import layout."""
    for task in tasks.select_related("directive", "directive__issuer", "lead_agency").prefetch_related(
            "coordinating").order_by("directive__issued_on", "directive_id", "position", "pk"):
        d = task.directive
        yield [
            d.number, d.get_kind_display(), d.issued_on, d.issuer.identifier, d.signer_name, d.signer_position,
            d.subject, d.meeting_on, d.meeting_chair, task.text, task.lead_agency.identifier,
            ";".join(sorted(a.identifier for a in task.coordinating.all())),
            task.due_on, task.due_working_days, task.get_report_every_display() if task.report_every else "",
            task.get_priority_display(), task.assigned_by_name,
        ]


def export_table(tasks, format: str = "xlsx") -> bytes:
    return tabular.write_table(format, COLUMNS, export_rows(tasks), sheet="nhiem_vu",
                               guide={k: str(v) for k, v in GUIDE.items()})


def template() -> bytes:
    return tabular.write_xlsx(COLUMNS, [], sheet="nhiem_vu", guide={k: str(v) for k, v in GUIDE.items()})

