"""The monthly report on assigned tasks for the People's Committee's meeting (PDF and XLSX), in the layout of
a Vietnamese administrative report through the platform's one rendering path (``common.rendering``).

Counted as the Government Office reports (standards §11): a task is due in the month when its (approved)
due moment falls in it; done on time and done late are counted apart; open tasks are on time or overdue at
the end of the month (or now, for the current month). Tasks by lead agency, the overdue ones listed.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.db.models import Count, Q
from django.template.loader import render_to_string
from django.utils import timezone
from openpyxl import Workbook

from tinhso.common.indicators import percent
from tinhso.common.rendering import report_pdf, workbook_bytes, write_sheet
from tinhso.common.workdays import VIETNAM, to_local, working_days_between
from tinhso.directives import selectors
from tinhso.directives.models import OPEN_STATES, DirectivesOffice, TaskState


def parse_month(text: str | None) -> datetime.date:
    """``2026-11`` (or ``11/2026``) as the month's first day; the current month when unreadable."""
    today = timezone.localdate()
    value = (text or "").strip()
    for fmt in ("%Y-%m", "%m/%Y"):
        try:
            parsed = datetime.datetime.strptime(value, fmt).date()
            if 2000 <= parsed.year <= 2100:
                return parsed
        except ValueError:
            continue
    return today.replace(day=1)


def _next_month(month: datetime.date) -> datetime.date:
    return (month.replace(day=28) + datetime.timedelta(days=4)).replace(day=1)


@dataclass
class AgencyRow:
    agency: str
    done_on_time: int = 0
    done_late: int = 0
    open_on_time: int = 0
    overdue: int = 0

    @property
    def due(self) -> int:
        return self.done_on_time + self.done_late + self.overdue

    @property
    def on_time_rate(self):
        return percent(self.done_on_time, self.due)


@dataclass
class MonthlyReport:
    month: datetime.date
    at: datetime.datetime
    rows: list[AgencyRow] = field(default_factory=list)
    overdue: list = field(default_factory=list)
    office: str = ""

    @property
    def total(self) -> AgencyRow:
        total = AgencyRow("Tổng cộng")
        for row in self.rows:
            total.done_on_time += row.done_on_time
            total.done_late += row.done_late
            total.open_on_time += row.open_on_time
            total.overdue += row.overdue
        return total

    @property
    def label(self) -> str:
        return f"tháng {self.month:%m/%Y}"


def monthly(user, month: datetime.date) -> MonthlyReport:
    """The month's figures for the tasks ``user`` may see, by lead agency, in one grouped query."""
    start = datetime.datetime.combine(month, datetime.time(), tzinfo=VIETNAM)
    end = datetime.datetime.combine(_next_month(month), datetime.time(), tzinfo=VIETNAM)
    at = min(timezone.now(), end)
    tasks = selectors.tasks_for(user).filter(due_at__gte=start, due_at__lt=end).exclude(state=TaskState.CANCELLED)
    done = Q(state=TaskState.DONE)
    open_ = Q(state__in=OPEN_STATES)
    grouped = (tasks.values("lead_agency__name").annotate(
        n_on_time=Count("pk", filter=done & Q(done_on_time=True)),
        n_late=Count("pk", filter=done & Q(done_on_time=False)),
        n_open=Count("pk", filter=open_ & Q(due_at__gte=at)),
        n_overdue=Count("pk", filter=open_ & Q(due_at__lt=at)),
    ).order_by("lead_agency__name"))
    report = MonthlyReport(month=month, at=timezone.now())
    report.rows = [AgencyRow(row["lead_agency__name"], row["n_on_time"], row["n_late"], row["n_open"],
                             row["n_overdue"]) for row in grouped]
    report.rows.sort(key=lambda r: (-r.overdue, -r.done_late, r.agency))
    overdue = (tasks.filter(open_, due_at__lt=at).select_related("directive", "lead_agency")
               .order_by("lead_agency__name", "due_at"))
    report.overdue = [(task, working_days_between(task.due_at, at)) for task in overdue[:500]]
    office = DirectivesOffice.objects.select_related("agency").first()
    report.office = office.agency.name if office else ""
    return report


HEADERS = ["Cơ quan chủ trì", "Đến hạn trong kỳ", "Hoàn thành đúng hạn", "Hoàn thành trễ hạn",
           "Chưa đến hạn", "Quá hạn chưa hoàn thành", "Tỷ lệ đúng hạn (%)"]
OVERDUE_HEADERS = ["Cơ quan chủ trì", "Văn bản", "Nhiệm vụ", "Hạn", "Quá hạn (ngày làm việc)"]


def _row(row: AgencyRow) -> list:
    return [row.agency, row.due, row.done_on_time, row.done_late, row.open_on_time, row.overdue, row.on_time_rate]


def monthly_xlsx(report: MonthlyReport) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.title = "Theo co quan"
    write_sheet(sheet, f"Kết quả thực hiện nhiệm vụ được giao {report.label}", HEADERS,
                [*map(_row, report.rows), _row(report.total)])
    late = book.create_sheet("Nhiem vu qua han")
    write_sheet(late, f"Nhiệm vụ quá hạn chưa hoàn thành {report.label}", OVERDUE_HEADERS,
                [[task.lead_agency.name, task.directive.number, task.text,
                  f"{to_local(task.due_at):%d/%m/%Y}", days] for task, days in report.overdue])
    return workbook_bytes(book)


def monthly_pdf(report: MonthlyReport) -> bytes:
    issued = timezone.localtime(report.at)
    html = render_to_string("directives/monthly_print.html", {
        "report": report, "issued": issued,
        "heading": {"superior": "Ủy ban nhân dân tỉnh", "issuer": report.office or "Văn phòng"},
        "title": "Báo cáo", "subtitle": f"Tình hình thực hiện nhiệm vụ được giao {report.label}",
        "number_suffix": "BC-VP", "signer_role": "Chánh Văn phòng", "landscape": True,
        "generated_note": f"Số liệu tổng hợp lúc {issued:%H:%M} ngày {issued:%d/%m/%Y} "
                          "từ hệ thống theo dõi nhiệm vụ.",
        "recipients": ["Thường trực UBND tỉnh", "Các sở, ban, ngành, UBND các xã, phường", "Lưu: VT"],
    })
    return report_pdf(html)
