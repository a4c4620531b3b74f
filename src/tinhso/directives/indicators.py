"""The register's indicators for the operations centre (``tinhso.common.indicators``), computed from the tasks.

Counted as the Government Office reports the tasks the Government assigns (standards §11): a task is due in
the period when its approved due moment falls in it (cancelled tasks aside); done on time and done late are
counted apart; an open task whose due moment has passed is overdue. Two rates follow:

- on-time rate = tasks done on time ÷ tasks due in the period × 100 %;
- completion rate (the Government Office's) = tasks done ÷ (tasks done + tasks overdue and open) × 100 %;

and a live count of the open tasks overdue now. Scope (``ReadQuery.agency_ids``): the whole province, or the
office keeping the register, sees every task; other agencies the tasks they lead. Each number drills down
to the register, filtered to the tasks behind it. One aggregate query per number or breakdown, on the
``(due_at, done_on_time)`` index.
"""

from __future__ import annotations

import datetime
from decimal import Decimal
from urllib.parse import urlencode

from django.db.models import Count, DateField, Q
from django.db.models.functions import TruncMonth
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from tinhso.common.indicators import ModuleIndicator, Reader, ReadQuery, percent, register

GROUP = "directives"
LEGAL = "QĐ 42/2014/QĐ-TTg, sửa đổi bởi QĐ 23/2018/QĐ-TTg (theo dõi, đánh giá kết quả thực hiện nhiệm vụ được giao)"


def _tasks(query: ReadQuery):
    from tinhso.directives.models import DirectivesOffice, Task, TaskState

    tasks = Task.objects.exclude(state=TaskState.CANCELLED)
    if query.agency_ids is not None:
        offices = set(DirectivesOffice.objects.values_list("agency_id", flat=True))
        if not offices & set(query.agency_ids):
            tasks = tasks.filter(lead_agency_id__in=query.agency_ids)
    return tasks


def _in_period(query: ReadQuery):
    return _tasks(query).filter(due_at__gte=query.since, due_at__lt=query.until)


def _period_sums(query: ReadQuery) -> dict:
    from tinhso.directives.models import OPEN_STATES, TaskState

    moment = min(query.at, query.until)
    done = Q(state=TaskState.DONE)
    return {
        "due": Count("pk"),
        "done_on_time_n": Count("pk", filter=done & Q(done_on_time=True)),
        "done_late_n": Count("pk", filter=done & Q(done_on_time=False)),
        "overdue_open_n": Count("pk", filter=Q(state__in=OPEN_STATES) & Q(due_at__lt=moment)),
    }


def _clean(row: dict) -> dict:
    return {"due": row.get("due") or 0, "done_on_time": row.get("done_on_time_n") or 0,
            "done_late": row.get("done_late_n") or 0, "overdue_open": row.get("overdue_open_n") or 0}


def _period_counts(query: ReadQuery) -> dict:
    return _clean(_in_period(query).aggregate(**_period_sums(query)))


def _period_counts_by(query: ReadQuery, dimension: str) -> dict:
    rows = _in_period(query)
    if dimension == "agency":
        field = "lead_agency_id"
    elif dimension == "month":
        rows = rows.annotate(due_month=TruncMonth("due_at", output_field=DateField()))
        field = "due_month"
    else:
        return {}
    return {row[field]: _clean(row) for row in rows.values(field).annotate(**_period_sums(query)).order_by()}


def _overdue_counts(query: ReadQuery) -> dict:
    from tinhso.directives.models import OPEN_STATES

    return _tasks(query).filter(state__in=OPEN_STATES, due_at__lt=query.at).aggregate(overdue_open=Count("pk"))


def _overdue_counts_by(query: ReadQuery, dimension: str) -> dict:
    from tinhso.directives.models import OPEN_STATES

    if dimension != "agency":
        return {}
    rows = (_tasks(query).filter(state__in=OPEN_STATES, due_at__lt=query.at).values("lead_agency_id")
            .annotate(overdue_open=Count("pk")).order_by())
    return {row["lead_agency_id"]: {"overdue_open": row["overdue_open"]} for row in rows}


def _register(**params) -> str:
    query = urlencode({k: v for k, v in params.items() if v not in (None, "")})
    return reverse("directives:register") + (f"?{query}" if query else "")


def _period_records(status: str | None = None):
    def records(query: ReadQuery, dimension: str | None = None, key=None) -> str:
        start, last = query.start, query.end - datetime.timedelta(days=1)
        if dimension == "month" and isinstance(key, datetime.date):
            start = key
            last = (key.replace(day=28) + datetime.timedelta(days=4)).replace(day=1) - datetime.timedelta(days=1)
        return _register(**{"han-tu": f"{start:%d/%m/%Y}", "han-den": f"{last:%d/%m/%Y}", "han": status,
                            "co-quan": key if dimension == "agency" else None})

    return records


def _overdue_records(query: ReadQuery, dimension: str | None = None, key=None) -> str:
    return _register(han="overdue", **{"co-quan": key if dimension == "agency" else None})


PERIOD_COLUMNS = (
    ("due", _("Đến hạn trong kỳ")), ("done_on_time", _("Hoàn thành đúng hạn")),
    ("done_late", _("Hoàn thành trễ hạn")), ("overdue_open", _("Quá hạn chưa hoàn thành")),
)


def _on_time_rate(counts) -> Decimal | None:
    return percent(counts.get("done_on_time", 0), counts.get("due", 0))


def _completion_rate(counts) -> Decimal | None:
    done = counts.get("done_on_time", 0) + counts.get("done_late", 0)
    return percent(done, done + counts.get("overdue_open", 0))


register(
    ModuleIndicator(
        code="nhiem-vu-hoan-thanh-dung-han", formula="directives.done_on_time_rate",
        name="Tỷ lệ nhiệm vụ được giao hoàn thành đúng hạn", name_en="Assigned tasks done on time",
        unit="%", direction="higher", group=GROUP,
        reader=Reader(counts=_period_counts, counts_by=_period_counts_by, value=_on_time_rate,
                      dimensions=("month",), columns=PERIOD_COLUMNS, records=_period_records()),
        definition="Số nhiệm vụ hoàn thành đúng hạn ÷ số nhiệm vụ đến hạn trong kỳ × 100% (nhiệm vụ đến hạn trong "
                   "kỳ khi hạn hiện hành — sau gia hạn được chấp thuận — rơi vào kỳ; không tính nhiệm vụ đã hủy; "
                   "đúng hạn khi cơ quan chủ trì báo cáo hoàn thành trước hạn và được Văn phòng xác nhận).",
        legal_source=LEGAL),
    ModuleIndicator(
        code="ty-le-hoan-thanh-nhiem-vu", formula="directives.completion_rate",
        name="Tỷ lệ hoàn thành nhiệm vụ được giao", name_en="Completion rate of assigned tasks",
        unit="%", direction="higher", group=GROUP,
        reader=Reader(counts=_period_counts, counts_by=_period_counts_by, value=_completion_rate,
                      dimensions=("month",), columns=PERIOD_COLUMNS, records=_period_records()),
        definition="Số nhiệm vụ đã hoàn thành (đúng hạn và trễ hạn) ÷ (số nhiệm vụ đã hoàn thành + số nhiệm vụ quá "
                   "hạn chưa hoàn thành) × 100%, với các nhiệm vụ đến hạn trong kỳ — cách Văn phòng Chính phủ báo "
                   "cáo kết quả thực hiện nhiệm vụ được giao.",
        legal_source=LEGAL),
    ModuleIndicator(
        code="nhiem-vu-qua-han", formula="directives.overdue_open",
        name="Số nhiệm vụ được giao quá hạn chưa hoàn thành", name_en="Assigned tasks overdue and open",
        unit="nhiệm vụ", direction="lower", group=GROUP, live=True, additive=True, decimals=0,
        reader=Reader(counts=_overdue_counts, counts_by=_overdue_counts_by,
                      value=lambda counts: Decimal(counts.get("overdue_open") or 0), dimensions=(),
                      columns=(("overdue_open", _("Quá hạn chưa hoàn thành")),), records=_overdue_records),
        definition="Số nhiệm vụ chưa được xác nhận hoàn thành mà hạn hiện hành đã qua, tại thời điểm xem.",
        legal_source=LEGAL),
)
