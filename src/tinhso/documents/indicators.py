"""The document registers' indicators for the operations centre (``tinhso.common.indicators``): documents
sent and received electronically (count and share), incoming documents handled on time. Each reads the
registers with one aggregate (grouped by agency for the breakdown), within the agencies in view, and drills
down to the register it counts."""

from __future__ import annotations

from decimal import Decimal

from django.db.models import Count, F, Q, QuerySet
from django.urls import reverse
from django.utils.http import urlencode

from tinhso.common.indicators import ModuleIndicator, Reader, ReadQuery, percent, register
from tinhso.documents.models import (
    Channel,
    IncomingDocument,
    OutgoingDocument,
    Recipient,
    SignatureVerdict,
)

GROUP = "documents"  # ioc.models.Group.DOCUMENTS (the operations centre's value; this app does not import it)
SOURCE = "NĐ 30/2020/NĐ-CP; QĐ 28/2018/QĐ-TTg về gửi, nhận văn bản điện tử giữa các cơ quan"


def _in_view(rows: QuerySet, query: ReadQuery, agency_field: str) -> QuerySet:
    if query.agency_ids is not None:
        rows = rows.filter(**{f"{agency_field}__in": query.agency_ids})
    return rows


def _aggregate(rows: QuerySet, agency_field: str, dimension: str | None, **counts) -> dict:
    if dimension is None:
        return rows.aggregate(**counts)
    grouped = rows.order_by().values(agency_field).annotate(**counts)
    return {row.pop(agency_field): row for row in grouped}


def _sent(query: ReadQuery, dimension: str | None = None) -> dict:
    rows = _in_view(Recipient.objects.filter(document__issued_on__gte=query.start, document__issued_on__lt=query.end,
                                             document__number__isnull=False), query, "document__agency_id")
    return _aggregate(rows, "document__agency_id", dimension, recipients=Count("id"),
                      electronic=Count("id", filter=~Q(organ_id="")))


def _received(query: ReadQuery, dimension: str | None = None) -> dict:
    rows = _in_view(IncomingDocument.objects.filter(arrived_at__gte=query.since, arrived_at__lt=query.until),
                    query, "agency_id")
    return _aggregate(rows, "agency_id", dimension, received=Count("id"),
                      electronic=Count("id", filter=~Q(channel=Channel.PAPER)))


def _handled(query: ReadQuery, dimension: str | None = None) -> dict:
    rows = _in_view(IncomingDocument.objects.filter(completed_at__gte=query.since, completed_at__lt=query.until,
                                                    handling_due__isnull=False), query, "agency_id")
    return _aggregate(rows, "agency_id", dimension, completed=Count("id"),
                      on_time=Count("id", filter=Q(completed_at__lte=F("handling_due"))))


def _signed(query: ReadQuery, dimension: str | None = None) -> dict:
    rows = _in_view(OutgoingDocument.objects.filter(issued_on__gte=query.start, issued_on__lt=query.end,
                                                    number__isnull=False), query, "agency_id")
    return _aggregate(rows, "agency_id", dimension, issued=Count("id", distinct=True),
                      signed=Count("id", filter=Q(attachments__signature=SignatureVerdict.VALID), distinct=True))


def _records(name: str, **params):
    def url(query: ReadQuery, dimension, key) -> str:
        values = {"nam": query.start.year, **params}
        if dimension == "agency" and key is not None:
            values["co-quan"] = key
        return f"{reverse(name)}?{urlencode(values)}"

    return url


def _reader(counts, value, columns, records) -> Reader:
    return Reader(counts=counts, counts_by=counts, value=value, dimensions=(), columns=columns, records=records)


SENT_COLUMNS = (("recipients", "Nơi nhận"), ("electronic", "Gửi điện tử"))
RECEIVED_COLUMNS = (("received", "Văn bản đến"), ("electronic", "Nhận điện tử"))

register(
    ModuleIndicator(
        code="van-ban-di-dien-tu", formula="documents.sent_electronically",
        name="Số lượt văn bản đi gửi điện tử", name_en="Outgoing documents sent electronically", unit="lượt",
        direction="higher", group=GROUP, additive=True, decimals=0,
        reader=_reader(_sent, lambda c: Decimal(c.get("electronic") or 0), SENT_COLUMNS,
                       _records("documents:outgoing")),
        definition="Số lượt gửi văn bản đi (mỗi nơi nhận một lượt) tới cơ quan trong danh bạ, bằng gói điện tử, của "
                   "các văn bản ban hành trong kỳ.",
        legal_source=SOURCE),
    ModuleIndicator(
        code="ty-le-van-ban-di-dien-tu", formula="documents.sent_electronically_share",
        name="Tỷ lệ văn bản đi gửi điện tử", name_en="Share of outgoing documents sent electronically", unit="%",
        direction="higher", group=GROUP,
        reader=_reader(_sent, lambda c: percent(c.get("electronic") or 0, c.get("recipients") or 0), SENT_COLUMNS,
                       _records("documents:outgoing")),
        definition="Lượt gửi điện tử ÷ tổng số lượt gửi (cả nơi nhận bản giấy) của văn bản ban hành trong kỳ × 100%.",
        legal_source=SOURCE),
    ModuleIndicator(
        code="ty-le-van-ban-den-dien-tu", formula="documents.received_electronically_share",
        name="Tỷ lệ văn bản đến nhận điện tử", name_en="Share of incoming documents received electronically",
        unit="%", direction="higher", group=GROUP,
        reader=_reader(_received, lambda c: percent(c.get("electronic") or 0, c.get("received") or 0),
                       RECEIVED_COLUMNS, _records("documents:incoming")),
        definition="Văn bản đến nhận qua trục liên thông hoặc trong nền tảng ÷ tổng số văn bản đến vào sổ trong kỳ "
                   "× 100%.",
        legal_source=SOURCE),
    ModuleIndicator(
        code="van-ban-di-ky-so", formula="documents.signed_digitally_share",
        name="Tỷ lệ văn bản đi ký số", name_en="Share of outgoing documents signed digitally", unit="%",
        direction="higher", group=GROUP,
        reader=_reader(_signed, lambda c: percent(c.get("signed") or 0, c.get("issued") or 0),
                       (("issued", "Văn bản ban hành"), ("signed", "Có chữ ký số hợp lệ")),
                       _records("documents:outgoing")),
        definition="Văn bản đi ban hành trong kỳ có ít nhất một tệp PDF mang chữ ký số hợp lệ của cơ quan ÷ văn bản "
                   "đi ban hành trong kỳ × 100%.",
        legal_source="NĐ 30/2020/NĐ-CP, Điều 22 và Phụ lục I (chữ ký số trên văn bản điện tử)"),
    ModuleIndicator(
        code="van-ban-den-dung-han", formula="documents.handled_on_time_share",
        name="Tỷ lệ văn bản đến giải quyết đúng hạn", name_en="Share of incoming documents handled on time",
        unit="%", direction="higher", group=GROUP,
        reader=_reader(_handled, lambda c: percent(c.get("on_time") or 0, c.get("completed") or 0),
                       (("completed", "Hoàn thành"), ("on_time", "Đúng hạn")),
                       _records("documents:incoming", **{"trang-thai": "completed"})),
        definition="Văn bản đến hoàn thành trong kỳ không muộn hơn hạn giải quyết (tính theo ngày làm việc) ÷ văn "
                   "bản đến có hạn hoàn thành trong kỳ × 100%.",
        legal_source="NĐ 30/2020/NĐ-CP, Điều 24 (giải quyết văn bản đến)"),
)
