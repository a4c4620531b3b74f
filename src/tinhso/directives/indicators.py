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

from tinhso.common.indicators import VIETNAM, ModuleIndicator, Reader, ReadQuery, percent, register

GROUP = "directives"
LEGAL = "QĐ 42/2014/QĐ-TTg, sửa đổi bởi QĐ 23/2018/QĐ-TTg (theo dõi, đánh giá kết quả thực hiện nhiệm vụ được giao)"


def _agencies_in_view(query: ReadQuery) -> list[int] | None:
    """None: every agency's tasks; otherwise the lead agencies whose tasks count."""
    from tinhso.directives.models import DirectivesOffice

    if query.agency_ids is None:
        return None
    offices = set(DirectivesOffice.objects.values_list("agency_id", flat=True))
    return None if offices & set(query.agency_ids) else list(query.agency_ids)


def _tasks(query: ReadQuery):
    from tinhso.directives.models import Task, TaskState

    tasks = Task.objects.exclude(state=TaskState.CANCELLED)
    agencies = _agencies_in_view(query)
    return tasks if agencies is None else tasks.filter(lead_agency_id__in=agencies)


def _months(query: ReadQuery):
    from tinhso.directives.rollups import TaskMonth

    months = TaskMonth.objects.all()
    agencies = _agencies_in_view(query)
    return months if agencies is None else months.filter(lead_agency_id__in=agencies)


def _month_start(day: datetime.date) -> datetime.datetime:
    return datetime.datetime.combine(day.replace(day=1), datetime.time(), tzinfo=VIETNAM)


def _open_this_month_before(query: ReadQuery, moment: datetime.datetime, by: str | None = None):
    """Open tasks due in ``moment``'s month before ``moment`` (and in the period): the one part of the counts
    the monthly rows cannot answer, read from the tasks of that one month."""
    from tinhso.directives.models import OPEN_STATES

    since = max(query.since, _month_start(rollups_month(moment)))
    tasks = _tasks(query).filter(state__in=OPEN_STATES, due_at__gte=since, due_at__lt=moment)
    if by is None:
        return tasks.count()
    return dict(tasks.values_list(by).annotate(n=Count("pk")).order_by())


def rollups_month(moment: datetime.datetime) -> datetime.date:
    from tinhso.directives.rollups import month_of

    return month_of(moment)


def _aligned(query: ReadQuery) -> bool:
    return query.start.day == 1 and query.end.day == 1


def _from_rows(rows, by: str | None) -> dict:
    """Rollup sums (``sums``) as the counts of each key (or of the whole, when ``by`` is None)."""
    from tinhso.directives import rollups

    found: dict = {}
    for row in rows:
        key = row[by] if by else None
        counts = found.setdefault(key, {"due": 0, "done_on_time": 0, "done_late": 0, "overdue_open": 0})
        n = row["n"] or 0
        counts["due"] += n
        if row["bucket"] == rollups.ON_TIME:
            counts["done_on_time"] += n
        elif row["bucket"] == rollups.LATE:
            counts["done_late"] += n
    return found


def _period_counts_fast(query: ReadQuery, by: str | None) -> dict:
    """The period's counts from the monthly rows: due and done by month; the open tasks of months before the
    moment's month are overdue, those of its month only when due before the moment (read from the tasks)."""
    from tinhso.directives import rollups

    moment = min(query.at, query.until)
    months = _months(query).filter(month__gte=query.start, month__lt=query.end)
    found = _from_rows(rollups.sums(months, by), by)
    current = rollups_month(moment)
    past_open = rollups.sums(months.filter(bucket=rollups.OPEN, month__lt=current), by)
    for row in past_open:
        found.setdefault(row[by] if by else None, {"due": 0, "done_on_time": 0, "done_late": 0,
                                                   "overdue_open": 0})["overdue_open"] += row["n"] or 0
    if query.start <= current < query.end:
        field = {"lead_agency_id": "lead_agency_id", "month": None, None: None}[by]
        if by == "month":
            extra = {current: _open_this_month_before(query, moment)}
        elif field:
            extra = _open_this_month_before(query, moment, field)
        else:
            extra = {None: _open_this_month_before(query, moment)}
        for key, n in extra.items():
            if n:
                found.setdefault(key, {"due": 0, "done_on_time": 0, "done_late": 0, "overdue_open": 0})[
                    "overdue_open"] += n
    return found


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
    if _aligned(query):
        return _period_counts_fast(query, None).get(None, _clean({}))
    return _clean(_in_period(query).aggregate(**_period_sums(query)))


def _period_counts_by(query: ReadQuery, dimension: str) -> dict:
    if dimension not in ("agency", "month"):
        return {}
    if _aligned(query):
        return _period_counts_fast(query, "lead_agency_id" if dimension == "agency" else "month")
    rows = _in_period(query)
    if dimension == "agency":
        field = "lead_agency_id"
    else:
        rows = rows.annotate(due_month=TruncMonth("due_at", output_field=DateField()))
        field = "due_month"
    return {row[field]: _clean(row) for row in rows.values(field).annotate(**_period_sums(query)).order_by()}


def _overdue_now(query: ReadQuery, by: str | None) -> dict:
    """Open tasks overdue at ``query.at``: the open rows of the months before its month, and the open tasks of
    its month due before it."""
    from tinhso.directives import rollups

    current = rollups_month(query.at)
    rows = rollups.sums(_months(query).filter(bucket=rollups.OPEN, month__lt=current), by)
    found: dict = {}
    for row in rows:
        key = row[by] if by else None
        found[key] = found.get(key, 0) + (row["n"] or 0)
    whole = ReadQuery(datetime.date(1900, 1, 1), datetime.date(2100, 1, 1), query.agency_ids, query.at)
    extra = _open_this_month_before(whole, query.at, by) if by else {None: _open_this_month_before(whole, query.at)}
    for key, n in extra.items():
        found[key] = found.get(key, 0) + n
    return found


def _overdue_counts(query: ReadQuery) -> dict:
    return {"overdue_open": _overdue_now(query, None).get(None, 0)}


def _overdue_counts_by(query: ReadQuery, dimension: str) -> dict:
    if dimension != "agency":
        return {}
    return {key: {"overdue_open": n} for key, n in _overdue_now(query, "lead_agency_id").items() if n}


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
