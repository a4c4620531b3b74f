"""The synchronisation with the national public-service portal, for the operations centre
(``tinhso.common.indicators``): dossiers synchronised in a period, changes waiting and failed now, and how
long the oldest waiting change has waited. Each reads the outbox with one aggregate (grouped for a breakdown)
on indexed columns, within the agencies in view (the dossier's receiving agency)."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Count, Min, QuerySet
from django.urls import reverse
from django.utils.http import urlencode

from tinhso.common.indicators import ModuleIndicator, Reader, ReadQuery, register
from tinhso.exchange.models import OutboxEntry, OutboxStatus

GROUP = "exchange"  # ioc.models.Group.EXCHANGE (the operations centre's value; this app does not import it)


def _in_view(entries: QuerySet, query: ReadQuery) -> QuerySet:
    if query.agency_ids is not None:
        entries = entries.filter(agency_id__in=query.agency_ids)
    return entries


def _synchronised(query: ReadQuery) -> QuerySet:
    return _in_view(OutboxEntry.objects.filter(status=OutboxStatus.DELIVERED, delivered_at__gte=query.since,
                                               delivered_at__lt=query.until), query)


def _records(status: str):
    def url(query: ReadQuery, dimension, key) -> str:
        params = {"trang-thai": status}
        if dimension == "agency" and key is not None:
            params["co-quan"] = key
        return f"{reverse('exchange:portal')}?{urlencode(params)}"

    return url


def _hours(oldest, at) -> Decimal | None:
    if oldest is None:
        return None
    return (Decimal((at - oldest).total_seconds()) / 3600).quantize(Decimal("0.1"), ROUND_HALF_UP)


def _synced_counts(query: ReadQuery) -> dict:
    row = _synchronised(query).aggregate(dossiers=Count("dossier_id", distinct=True), changes=Count("id"))
    return {"dossiers": row["dossiers"], "changes": row["changes"]}


def _synced_by(query: ReadQuery, dimension: str) -> dict:
    rows = (_synchronised(query).order_by().values("agency_id")
            .annotate(dossiers=Count("dossier_id", distinct=True), changes=Count("id")))
    return {row["agency_id"]: {"dossiers": row["dossiers"], "changes": row["changes"]} for row in rows}


def _open_rows(query: ReadQuery, dimension: str | None) -> dict:
    """The waiting and failed changes counted in one grouped query — status (and agency), changes,
    dossiers, oldest — shared by the three live indicators, which the operations centre asks in turn for
    one query. A query names the moment its counts are taken (``at``): the answer is kept for that very
    query only, so a page reads the outbox once and the next page afresh."""
    key = (query, dimension)
    cached = _recent.get(key)
    if cached is not None:
        return cached
    fields = ["status"] + (["agency_id"] if dimension else [])
    rows = (_in_view(OutboxEntry.objects.filter(status__in=[OutboxStatus.PENDING, OutboxStatus.DEAD]), query)
            .order_by().values(*fields)
            .annotate(changes=Count("id"), dossiers=Count("dossier_id", distinct=True), oldest=Min("created_at")))
    result: dict = {}
    for row in rows:
        counts = {"changes": row["changes"], "dossiers": row["dossiers"],
                  "oldest_hours": _hours(row["oldest"], query.at)}
        result[(row["status"], row.get("agency_id"))] = counts
    if len(_recent) > 256:
        _recent.clear()
    _recent[key] = result
    return result


_recent: dict = {}
EMPTY = {"changes": 0, "dossiers": 0, "oldest_hours": None}


def _open(status: str):
    def counts(query: ReadQuery) -> dict:
        return _open_rows(query, None).get((status, None), EMPTY)

    def counts_by(query: ReadQuery, dimension: str) -> dict:
        return {agency: counts for (kind, agency), counts in _open_rows(query, dimension).items() if kind == status}

    return counts, counts_by


_pending_counts, _pending_by = _open(OutboxStatus.PENDING)
_dead_counts, _dead_by = _open(OutboxStatus.DEAD)

OPEN_COLUMNS = (("changes", "Thay đổi"), ("dossiers", "Hồ sơ"), ("oldest_hours", "Chờ lâu nhất (giờ)"))
SOURCE = "Kết nối, chia sẻ dữ liệu với Cổng Dịch vụ công quốc gia (NĐ 107/2021/NĐ-CP)"

register(
    ModuleIndicator(
        code="dvcqg-ho-so-dong-bo", formula="exchange.portal_synchronised",
        name="Hồ sơ đã đồng bộ trạng thái lên Cổng Dịch vụ công quốc gia",
        name_en="Dossiers synchronised with the national public-service portal", unit="hồ sơ",
        direction="higher", group=GROUP, additive=False, decimals=0,
        reader=Reader(counts=_synced_counts, counts_by=_synced_by, value=lambda c: Decimal(c["dossiers"]),
                      dimensions=(), columns=(("dossiers", "Hồ sơ"), ("changes", "Thay đổi trạng thái")),
                      records=_records("delivered")),
        definition="Số hồ sơ có ít nhất một thay đổi trạng thái được Cổng Dịch vụ công quốc gia xác nhận đã nhận "
                   "trong kỳ.",
        legal_source=SOURCE,
    ),
    ModuleIndicator(
        code="dvcqg-thay-doi-cho-gui", formula="exchange.portal_pending",
        name="Thay đổi trạng thái hồ sơ đang chờ gửi Cổng Dịch vụ công quốc gia",
        name_en="Status changes waiting for the national public-service portal", unit="thay đổi",
        direction="lower", group=GROUP, additive=True, decimals=0, live=True,
        reader=Reader(counts=_pending_counts, counts_by=_pending_by, value=lambda c: Decimal(c["changes"]),
                      dimensions=(), columns=OPEN_COLUMNS, records=_records("pending")),
        definition="Số thay đổi trạng thái hồ sơ chưa được cổng quốc gia xác nhận (đang gửi hoặc chờ gửi lại), tại "
                   "thời điểm xem.",
        legal_source=SOURCE,
    ),
    ModuleIndicator(
        code="dvcqg-thay-doi-loi", formula="exchange.portal_failed",
        name="Thay đổi trạng thái hồ sơ gửi Cổng Dịch vụ công quốc gia bị lỗi",
        name_en="Status changes the national public-service portal failed to take", unit="thay đổi",
        direction="lower", group=GROUP, additive=True, decimals=0, live=True,
        reader=Reader(counts=_dead_counts, counts_by=_dead_by, value=lambda c: Decimal(c["changes"]),
                      dimensions=(), columns=OPEN_COLUMNS, records=_records("dead")),
        definition="Số thay đổi bị cổng quốc gia từ chối hoặc gửi không thành sau số lần thử tối đa, chờ quản trị "
                   "viên xử lý, tại thời điểm xem.",
        legal_source=SOURCE,
    ),
    ModuleIndicator(
        code="dvcqg-cho-lau-nhat", formula="exchange.portal_oldest_pending",
        name="Thời gian chờ lâu nhất của thay đổi chưa đồng bộ Cổng Dịch vụ công quốc gia",
        name_en="Age of the oldest change waiting for the national portal", unit="giờ",
        direction="lower", group=GROUP, additive=False, decimals=1, live=True,
        reader=Reader(counts=_pending_counts, counts_by=_pending_by, value=lambda c: c["oldest_hours"],
                      dimensions=(), columns=OPEN_COLUMNS, records=_records("pending")),
        definition="Số giờ từ khi thay đổi trạng thái chờ lâu nhất được ghi nhận đến thời điểm xem.",
        legal_source=SOURCE,
    ),
)
