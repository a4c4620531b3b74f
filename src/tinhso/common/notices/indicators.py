"""The notice service's numbers in the operations centre (group ``platform``): deliveries sent and failed in
a period and the delivery rate — one query on the small daily counts (``DeliveryDay``) kept with each outcome
— and how long the oldest pending delivery has waited (one query on the few pending ones); scoped by the
agency on whose behalf a notice was sent, and each linked to the list of the deliveries behind it."""

from __future__ import annotations

import datetime
from decimal import Decimal
from urllib.parse import urlencode

from django.db.models import Count, Min, Sum
from django.db.models.functions import Coalesce, TruncMonth
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from tinhso.common.indicators import ModuleIndicator, Reader, ReadQuery, percent, register
from tinhso.common.notices.models import Delivery, DeliveryDay

SENT, FAILED, PENDING = Delivery.Status.SENT, Delivery.Status.FAILED, Delivery.Status.PENDING
STATUS_PARAM = {SENT: "da-gui", FAILED: "that-bai", PENDING: "dang-cho"}
NO_AGENCY = "khong"


def _scoped(rows, query: ReadQuery):
    return rows if query.agency_ids is None else rows.filter(agency_id__in=query.agency_ids)


def _days(query: ReadQuery):
    """The daily counts of the period (sent by the day sent, failed by the day they failed) in scope."""
    rows = DeliveryDay.objects.filter(day__gte=query.start, day__lt=query.end)
    return rows if query.agency_ids is None else rows.filter(agency_key__in=query.agency_ids)


_OUTCOMES = {"sent": Coalesce(Sum("sent"), 0), "failed": Coalesce(Sum("failed"), 0)}


def _outcomes(query: ReadQuery) -> dict:
    return _days(query).aggregate(**_OUTCOMES)


def _outcomes_by(query: ReadQuery, dimension: str) -> dict:
    rows = _days(query)
    if dimension == "agency":
        grouped = rows.values("agency_key").annotate(**_OUTCOMES).order_by()
        return {row["agency_key"] or None: {"sent": row["sent"], "failed": row["failed"]} for row in grouped}
    if dimension == "month":
        grouped = rows.annotate(month=TruncMonth("day")).values("month").annotate(**_OUTCOMES).order_by()
        return {row["month"]: {"sent": row["sent"], "failed": row["failed"]} for row in grouped}
    raise ValueError(f"notices cannot be broken down by {dimension!r}")


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
