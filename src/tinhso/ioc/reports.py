"""Exports and the supervision report (báo cáo giám sát): any table as XLSX; plan against actual per
indicator with notes, late dossiers by agency and what remains to be done, as PDF and XLSX."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.template.loader import render_to_string
from django.utils import timezone
from openpyxl import Workbook

from tinhso.common.rendering import report_pdf as _report_pdf
from tinhso.common.rendering import workbook_bytes
from tinhso.common.rendering import write_sheet as _write
from tinhso.ioc import selectors
from tinhso.ioc.models import ReportedValue, ReportStatus, Source
from tinhso.ioc.periods import Period


@dataclass
class SupervisionReport:
    period: Period
    generated_at: datetime.datetime
    assessments: list[selectors.Assessment]
    late: list[selectors.BreakdownRow]
    remaining: list[selectors.Assessment]
    notes: dict[int, str]

    def plan_rows(self) -> list[list]:
        rows = []
        for a in self.assessments:
            rows.append([a.indicator.name, a.indicator.unit, a.target, a.value,
                         a.achieved, a.status_label, self.notes.get(a.indicator.pk, "")])
        return rows

    def late_rows(self) -> list[list]:
        """Section II: agency, settled, settled late, running overdue (the PDF and the XLSX print these)."""
        return [[r.label, r["returned"], r["late"], r["overdue"]] for r in self.late]

    def remaining_rows(self) -> list[list]:
        """Section III: the indicators not met or at risk, with the unit the PDF writes after each number."""
        return [[a.indicator.name, a.target, a.value, a.status_label, a.indicator.unit] for a in self.remaining]


def supervision_report(scope: selectors.Scope, period: Period) -> SupervisionReport:
    assessments = selectors.overview(scope, period)
    late = selectors.late_by_agency(scope, period)
    remaining = [a for a in assessments if a.status in (selectors.AT_RISK, selectors.NOT_MET)]
    # The notes the reporting agencies wrote for the very periods whose values the report shows.
    shown = {(a.indicator.pk, a.value_period.key) for a in assessments
             if a.indicator.source != Source.COMPUTED and a.value_period is not None}
    notes: dict[int, str] = {}
    rows = scope.filter(ReportedValue.objects.filter(indicator_id__in={pk for pk, _ in shown},
                                                     status=ReportStatus.APPROVED).exclude(note=""))
    for indicator_id, period_key, note in rows.order_by("period", "agency_id").values_list(
            "indicator_id", "period", "note"):
        if (indicator_id, period_key) in shown:
            notes[indicator_id] = "; ".join(filter(None, [notes.get(indicator_id), note]))
    for a in assessments:
        if a.formula is not None and a.formula.no_data:
            notes[a.indicator.pk] = "Chưa có dữ liệu."
    return SupervisionReport(period, timezone.now(), assessments, late, remaining, notes)


PLAN_HEADERS = ["Chỉ số", "Đơn vị tính", "Chỉ tiêu", "Thực hiện", "% đạt", "Đánh giá", "Ghi chú"]
LATE_HEADERS = ["Cơ quan", "Đã giải quyết", "Trễ hạn", "Đang quá hạn"]


def report_xlsx(report: SupervisionReport) -> bytes:
    book = Workbook()
    plan = book.active
    plan.title = "Ke hoach - thuc hien"
    _write(plan, f"Báo cáo giám sát — kết quả thực hiện so với kế hoạch, {report.period.label}", PLAN_HEADERS,
           report.plan_rows())
    late = book.create_sheet("Ho so tre han")
    _write(late, f"Hồ sơ trễ hạn, quá hạn theo cơ quan — {report.period.label}", LATE_HEADERS,
           report.late_rows())
    remaining = book.create_sheet("Nhiem vu con lai")
    _write(remaining, "Những chỉ tiêu cần tập trung thực hiện", ["Chỉ số", "Chỉ tiêu", "Thực hiện", "Đánh giá"],
           [row[:4] for row in report.remaining_rows()])
    return workbook_bytes(book)


@dataclass(frozen=True)
class ReportHeading:
    """The heading block of the printed report: the superior body, the issuing body and the place name."""

    superior: str = ""
    issuer: str = ""
    place: str = ""


def report_pdf(report: SupervisionReport, heading: ReportHeading = ReportHeading()) -> bytes:
    """The report laid out as a Vietnamese administrative report (Decree 30/2020/NĐ-CP): A4, the issuing
    body opposite the national motto, place and date, numbered sections, tables whose header row repeats
    on every page and "Trang X/Y" at the foot of each page."""
    html = render_to_string("ioc/report.html", {"report": report, "heading": heading,
                                                "issued": timezone.localtime(report.generated_at)})
    return _report_pdf(html)
