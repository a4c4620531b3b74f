"""The notice service's numbers in the operations centre (group ``platform``): deliveries sent and failed in
a period and the delivery rate — one query on the small monthly counts (``DeliveryMonth``) kept with each
outcome, the deliveries themselves only for a part month — and how long the oldest pending delivery has
waited (one query on the few pending ones); scoped by the agency on whose behalf a notice was sent, and each
linked to the list of the deliveries behind it."""

from __future__ import annotations

import datetime
from decimal import Decimal
from urllib.parse import urlencode

from django.db.models import Count, Min, Q, Sum
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from tinhso.common.indicators import VIETNAM, ModuleIndicator, Reader, ReadQuery, percent, register
from tinhso.common.notices.models import Delivery, DeliveryMonth

SENT, FAILED, PENDING = Delivery.Status.SENT, Delivery.Status.FAILED, Delivery.Status.PENDING
STATUS_PARAM = {SENT: "da-gui", FAILED: "that-bai", PENDING: "dang-cho"}
NO_AGENCY = "khong"


def _scoped(rows, query: ReadQuery):
    return rows if query.agency_ids is None else rows.filter(agency_id__in=query.agency_ids)


def _whole_months(query: ReadQuery) -> tuple[datetime.date, datetime.date] | None:
    """The whole months inside ``[start, end)`` (``[first, last)`` by their first days), if any."""
    first = query.start if query.start.day == 1 else _next_month(query.start)
    last = query.end.replace(day=1)
    return (first, last) if first < last else None


def _next_month(day: datetime.date) -> datetime.date:
    return (day.replace(day=28) + datetime.timedelta(days=4)).replace(day=1)


def _edges(query: ReadQuery) -> list[tuple[datetime.date, datetime.date]]:
    """The parts of ``[start, end)`` that are not whole months: read from the deliveries themselves."""
    whole = _whole_months(query)
    if whole is None:
        return [(query.start, query.end)]
    return [(a, b) for a, b in ((query.start, whole[0]), (whole[1], query.end)) if a < b]


def _moment(day: datetime.date) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time(), tzinfo=VIETNAM)


_SUMS = {"sent": Coalesce(Sum("sent"), 0), "failed": Coalesce(Sum("failed"), 0)}
_COUNTS = {"sent": Count("pk", filter=Q(status=SENT)), "failed": Count("pk", filter=Q(status=FAILED))}


def _months(query: ReadQuery):
    whole = _whole_months(query)
    if whole is None:
        return DeliveryMonth.objects.none()
    rows = DeliveryMonth.objects.filter(month__gte=whole[0], month__lt=whole[1])
    return rows if query.agency_ids is None else rows.filter(agency_key__in=query.agency_ids)


def _edge(query: ReadQuery, since: datetime.date, until: datetime.date):
    """Deliveries that ended between two dates that are not month boundaries (sent or failed then)."""
    a, b = _moment(since), _moment(until)
    return _scoped(Delivery.objects.filter(Q(status=SENT, sent_at__gte=a, sent_at__lt=b)
                                           | Q(status=FAILED, failed_at__gte=a, failed_at__lt=b)), query)


def _add(into: dict, key, row: dict) -> None:
    counts = into.setdefault(key, {"sent": 0, "failed": 0})
    counts["sent"] += row["sent"]
    counts["failed"] += row["failed"]


def _outcomes(query: ReadQuery) -> dict:
    """Sent and failed in the period: one query on the monthly counts for a period of whole months (as the
    operations centre's are), plus the deliveries of any part month at its ends."""
    total = {"sent": 0, "failed": 0}
    if _whole_months(query):
        _add({None: total}, None, _months(query).aggregate(**_SUMS))
    for since, until in _edges(query):
        _add({None: total}, None, _edge(query, since, until).aggregate(**_COUNTS))
    return total


def _outcomes_by(query: ReadQuery, dimension: str) -> dict:
    if dimension not in ("agency", "month"):
        raise ValueError(f"notices cannot be broken down by {dimension!r}")
    found: dict = {}
    if _whole_months(query):
        key = "agency_key" if dimension == "agency" else "month"
        for row in _months(query).values(key).annotate(**_SUMS).order_by():
            _add(found, (row[key] or None) if dimension == "agency" else row[key], row)
    for since, until in _edges(query):
        rows = _edge(query, since, until)
        if dimension == "agency":
            for row in rows.values("agency_id").annotate(**_COUNTS).order_by():
                _add(found, row["agency_id"], row)
        else:
            _add(found, since.replace(day=1), rows.aggregate(**_COUNTS))
    return {key: counts for key, counts in found.items() if counts["sent"] or counts["failed"]}


def _pending(query: ReadQuery):
    return _scoped(Delivery.objects.filter(status=PENDING, created_at__lte=query.at), query)


def _waiting(query: ReadQuery, row: dict) -> dict:
    oldest = row["oldest"]
    minutes = int((query.at - oldest).total_seconds() // 60) if oldest else 0
    return {"pending": row["pending"], "minutes": max(minutes, 0)}


def _oldest(query: ReadQuery) -> dict:
    return _waiting(query, _pending(query).aggregate(pending=Count("pk"), oldest=Min("created_at")))


def _oldest_by(query: ReadQuery, dimension: str) -> dict:
    if dimension != "agency":
        raise ValueError(f"pending notices cannot be broken down by {dimension!r}")
    grouped = _pending(query).values("agency_id").annotate(pending=Count("pk"), oldest=Min("created_at")).order_by()
    return {row["agency_id"]: _waiting(query, row) for row in grouped}


def _records(status: str, dated: bool):
    def records(query: ReadQuery, dimension: str | None, key) -> str:
        params = {"trang-thai": STATUS_PARAM[status]}
        if dated:
            params.update({"tu": f"{query.start:%d/%m/%Y}",
                           "den": f"{query.end - datetime.timedelta(days=1):%d/%m/%Y}"})
        if dimension == "agency":
            params["co-quan"] = NO_AGENCY if key is None else key
        elif dimension == "month" and key is not None:
            last = (key.replace(day=28) + datetime.timedelta(days=4)).replace(day=1) - datetime.timedelta(days=1)
            params.update({"tu": f"{key:%d/%m/%Y}", "den": f"{last:%d/%m/%Y}"})
        return f"{reverse('notices:deliveries')}?{urlencode(params)}"
    return records


_NOTE = _("Thông báo gửi thay mặt cơ quan (hồ sơ, phản ánh) được tính cho cơ quan đó; thông báo của tài khoản "
          "(xác minh, đặt lại mật khẩu) chỉ tính cho cả tỉnh.")
_UNKNOWN = _("Không thuộc cơ quan nào (tài khoản)")
_OUTCOME_COLUMNS = (("sent", _("Đã gửi")), ("failed", _("Không thành công")))


def _count_reader(key: str, status: str) -> Reader:
    return Reader(counts=_outcomes, counts_by=_outcomes_by, value=lambda counts: Decimal(counts[key]),
                  dimensions=("month",), columns=_OUTCOME_COLUMNS, unknown=_UNKNOWN, note=_NOTE,
                  records=_records(status, dated=True))


SENT_INDICATOR = ModuleIndicator(
    code="thong-bao-da-gui", formula="notices.sent",
    name=_("Số lượt thông báo đã gửi (thư điện tử, tin nhắn)"), name_en="Notices delivered (e-mail, SMS)",
    unit=_("lượt"), direction="higher", group="platform", reader=_count_reader("sent", SENT),
    definition=_("Số lượt gửi thư điện tử và tin nhắn SMS được máy chủ thư hoặc cổng tin nhắn nhận trong kỳ "
                 "(mỗi kênh của một thông báo là một lượt)."),
    additive=True, decimals=0)

FAILED_INDICATOR = ModuleIndicator(
    code="thong-bao-gui-loi", formula="notices.failed",
    name=_("Số lượt thông báo gửi không thành công"), name_en="Notices that failed",
    unit=_("lượt"), direction="lower", group="platform", reader=_count_reader("failed", FAILED),
    definition=_("Số lượt gửi thư điện tử và tin nhắn SMS đã hết số lần thử lại hoặc bị từ chối hẳn trong kỳ, "
                 "đang chờ quản trị viên xử lý và gửi lại."),
    additive=True, decimals=0)

RATE_INDICATOR = ModuleIndicator(
    code="ty-le-gui-thong-bao-thanh-cong", formula="notices.delivery_rate",
    name=_("Tỷ lệ thông báo gửi thành công"), name_en="Notice delivery rate",
    unit="%", direction="higher", group="platform",
    reader=Reader(counts=_outcomes, counts_by=_outcomes_by,
                  value=lambda counts: percent(counts["sent"], counts["sent"] + counts["failed"]),
                  dimensions=("month",), columns=_OUTCOME_COLUMNS, unknown=_UNKNOWN, note=_NOTE,
                  records=_records(FAILED, dated=True)),
    definition=_("Lượt gửi thành công ÷ (lượt gửi thành công + lượt gửi không thành công) kết thúc trong kỳ "
                 "× 100%."),
    decimals=2)

OLDEST_PENDING_INDICATOR = ModuleIndicator(
    code="thong-bao-cho-lau-nhat", formula="notices.oldest_pending",
    name=_("Thời gian chờ của thông báo chờ gửi lâu nhất"), name_en="Oldest pending notice",
    unit=_("phút"), direction="lower", group="platform",
    reader=Reader(counts=_oldest, counts_by=_oldest_by, value=lambda counts: Decimal(counts["minutes"]),
                  dimensions=(), columns=(("pending", _("Đang chờ gửi")), ("minutes", _("Chờ lâu nhất (phút)"))),
                  unknown=_UNKNOWN, note=_NOTE, records=_records(PENDING, dated=False)),
    definition=_("Số phút từ khi thông báo chờ gửi lâu nhất được tạo đến thời điểm xem (đang thử lại hoặc chưa "
                 "được gửi); 0 khi không có thông báo nào chờ."),
    decimals=0, live=True)

register(SENT_INDICATOR, FAILED_INDICATOR, RATE_INDICATOR, OLDEST_PENDING_INDICATOR)
