"""The grassroots radio's indicators for the operations centre (``tinhso.common.indicators``), computed from
the registry and the devices' logs: communes with IT-based radio (the TT 39/2020 conversion), old FM and wired
stations left, units online now, hours broadcast, approved bulletins, emergency acknowledgements within 10 s.

Scope (``ReadQuery.agency_ids``): the whole province, or a province-level agency, sees every commune; a
commune's agencies see their commune. Every number drills down to the module's pages.
"""

from __future__ import annotations

from decimal import Decimal

from django.db.models import Count, Q, Sum
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from tinhso.common.indicators import ModuleIndicator, Reader, ReadQuery, percent, register

GROUP = "broadcast"
LEGAL_TT39 = "Thông tư 39/2020/TT-BTTTT về quản lý đài truyền thanh cấp xã ứng dụng CNTT-VT"


def _communes_in_view(query: ReadQuery) -> list[str] | None:
    """None: every commune; otherwise the codes of the communes the query's agencies serve."""
    if query.agency_ids is None:
        return None
    from tinhso.directory.models import Agency

    agencies = Agency.objects.filter(pk__in=query.agency_ids)
    if agencies.filter(commune__isnull=True).exists():
        return None
    return list(agencies.values_list("commune__code", flat=True))


def _narrow(queryset, query: ReadQuery, field: str):
    communes = _communes_in_view(query)
    if communes is not None:
        queryset = queryset.filter(**{f"{field}__in": communes})
    if query.commune:
        queryset = queryset.filter(**{field: query.commune})
    return queryset


def _grouped(make, sums, field: str = "commune__code"):
    """counts and counts_by for a queryset maker and its aggregates, by commune (and agency)."""

    def counts(query):
        return make(query).aggregate(**sums)

    def counts_by(query, dimension):
        if dimension == "agency":
            if query.agency_ids is None:
                return {None: counts(query)}
            return {pk: counts(ReadQuery(query.start, query.end, (pk,), query.at, commune=query.commune))
                    for pk in query.agency_ids}
        rows = make(query).values(field).annotate(**sums).order_by()
        return {row.pop(field): row for row in rows}

    return counts, counts_by


def _records(name: str):
    def records(query, dimension=None, key=None):
        if dimension == "commune" and key:
            return reverse("broadcast:commune", args=[key])
        return reverse(name)

    return records


def _stations(query):
    from tinhso.broadcast.models import Station

    return _narrow(Station.objects.all(), query, "commune__code")


def _communes_with_stations(query):
    from tinhso.geo.models import Commune

    return _narrow(Commune.objects.filter(radio_stations__isnull=False).distinct(), query, "code")


def _ip_counts(query):
    communes = _communes_with_stations(query)
    return {"communes": communes.count(),
            "ip": communes.filter(radio_stations__kind="ip").distinct().count()}


def _ip_counts_by(query, dimension):
    if dimension == "agency":
        if query.agency_ids is None:
            return {None: _ip_counts(query)}
        return {pk: _ip_counts(ReadQuery(query.start, query.end, (pk,), query.at, commune=query.commune))
                for pk in query.agency_ids}
    rows = {}
    for code, kind in _stations(query).values_list("commune__code", "kind"):
        row = rows.setdefault(code, {"communes": 1, "ip": 0})
        row["ip"] = 1 if kind == "ip" or row["ip"] else 0
    return rows


def _units(query):
    from tinhso.broadcast.models import Device

    return _narrow(Device.objects.filter(state="active", kind="receiver"), query, "commune__code")


def _played(query):
    from tinhso.broadcast.models import DeviceEvent

    # Hours broadcast are the loudspeakers' (display boards report what they showed too).
    return _narrow(DeviceEvent.objects.filter(kind="played", device__kind="receiver", at__gte=query.since,
                                              at__lt=query.until), query, "device__commune__code")


def _receipts(query):
    from tinhso.broadcast.models import EmergencyReceipt

    return _narrow(EmergencyReceipt.objects.filter(sent_at__gte=query.since, sent_at__lt=query.until), query,
                   "device__commune__code")


def _bulletins(query):
    from tinhso.broadcast.models import Bulletin

    approved = Bulletin.objects.filter(state="approved", approved_at__gte=query.since, approved_at__lt=query.until)
    return _narrow(approved, query, "commune__code")


OLD_SUMS = {"stations": Count("pk"), "old": Count("pk", filter=~Q(kind="ip") & ~Q(conversion="done"))}
UNIT_SUMS = {"units": Count("pk"), "online": Count("pk", filter=Q(live__online=True))}
PLAYED_SUMS = {"seconds": Sum("seconds")}


def _receipt_counts(query):
    rows = list(_receipts(query).values_list("device__commune__code", "sent_at", "started_at"))
    return _receipt_rows(rows)


def _receipt_rows(rows):
    within = sum(1 for _c, sent, started in rows if started and (started - sent).total_seconds() <= 10)
    return {"sent": len(rows), "within": within}


def _receipt_counts_by(query, dimension):
    if dimension == "agency":
        if query.agency_ids is None:
            return {None: _receipt_counts(query)}
        return {pk: _receipt_counts(ReadQuery(query.start, query.end, (pk,), query.at, commune=query.commune))
                for pk in query.agency_ids}
    grouped: dict[str, list] = {}
    for row in _receipts(query).values_list("device__commune__code", "sent_at", "started_at"):
        grouped.setdefault(row[0], []).append(row)
    return {code: _receipt_rows(rows) for code, rows in grouped.items()}


OLD_COUNTS, OLD_BY = _grouped(_stations, OLD_SUMS)
UNIT_COUNTS, UNIT_BY = _grouped(_units, UNIT_SUMS)
PLAYED_COUNTS, PLAYED_BY = _grouped(_played, PLAYED_SUMS, "device__commune__code")
BULLETIN_COUNTS, BULLETIN_BY = _grouped(_bulletins, {"approved": Count("pk")})
COMMUNE = ("commune",)


def _hours(counts) -> Decimal:
    return (Decimal(counts.get("seconds") or 0) / 3600).quantize(Decimal("0.1"))


register(
    ModuleIndicator(
        code="xa-truyen-thanh-cntt", formula="broadcast.communes_ip",
        name="Tỷ lệ xã có đài truyền thanh ứng dụng CNTT-VT", name_en="Communes with IT-based radio", unit="%",
        direction="higher", group=GROUP, live=True,
        reader=Reader(_ip_counts, _ip_counts_by, lambda c: percent(c.get("ip", 0), c.get("communes", 0)), COMMUNE,
                      (("communes", _("Xã có đài")), ("ip", _("Có đài CNTT-VT"))), records=_records("broadcast:home")),
        definition="Xã có ít nhất một đài truyền thanh ứng dụng CNTT-VT ÷ số xã có đài trong sổ × 100%.",
        legal_source=LEGAL_TT39),
    ModuleIndicator(
        code="dai-fm-chua-chuyen-doi", formula="broadcast.old_stations_left",
        name="Số đài FM, hữu tuyến chưa chuyển đổi", name_en="Old FM and wired stations left", unit="đài",
        direction="lower", group=GROUP, live=True, additive=True, decimals=0,
        reader=Reader(OLD_COUNTS, OLD_BY, lambda c: Decimal(c.get("old") or 0), COMMUNE,
                      (("stations", _("Đài trong sổ")), ("old", _("Chưa chuyển đổi"))),
                      records=_records("broadcast:home")),
        definition="Đài truyền thanh cấp xã loại FM hoặc hữu tuyến chưa hoàn thành chuyển đổi sang CNTT-VT.",
        legal_source=LEGAL_TT39),
    ModuleIndicator(
        code="cum-thu-phat-truc-tuyen", formula="broadcast.units_online",
        name="Tỷ lệ cụm thu phát đang trực tuyến", name_en="Receive-and-play units online now", unit="%",
        direction="higher", group=GROUP, live=True,
        reader=Reader(UNIT_COUNTS, UNIT_BY, lambda c: percent(c.get("online", 0), c.get("units", 0)), COMMUNE,
                      (("units", _("Cụm thu phát")), ("online", _("Đang trực tuyến"))),
                      records=_records("broadcast:home")),
        definition="Cụm thu phát đang sử dụng có nhịp tim gần đây ÷ tổng số cụm thu phát đang sử dụng × 100%."),
    ModuleIndicator(
        code="gio-phat-thanh", formula="broadcast.hours_broadcast",
        name="Số giờ phát thanh của các cụm thu phát", name_en="Hours broadcast by the units", unit="giờ",
        direction="higher", group=GROUP, additive=True, decimals=1,
        reader=Reader(PLAYED_COUNTS, PLAYED_BY, _hours, COMMUNE, (("seconds", _("Số giây đã phát")),),
                      records=_records("broadcast:home")),
        definition="Tổng thời lượng các bản tin các cụm thu phát báo đã phát trong kỳ, tính bằng giờ."),
    ModuleIndicator(
        code="ban-tin-duoc-duyet", formula="broadcast.bulletins_approved",
        name="Số bản tin được duyệt", name_en="Bulletins approved", unit="bản tin", direction="higher", group=GROUP,
        additive=True, decimals=0,
        reader=Reader(BULLETIN_COUNTS, BULLETIN_BY, lambda c: Decimal(c.get("approved") or 0), COMMUNE,
                      (("approved", _("Bản tin được duyệt")),), records=_records("broadcast:bulletins")),
        definition="Bản tin (âm thanh, đọc tự động, bảng điện tử) được duyệt trong kỳ; bản tin của tỉnh không thuộc "
                   "xã nào."),
    ModuleIndicator(
        code="khan-cap-xac-nhan-10s", formula="broadcast.emergency_ack_10s",
        name="Tỷ lệ thiết bị xác nhận phát khẩn cấp trong 10 giây",
        name_en="Units acknowledging an emergency within 10 s", unit="%", direction="higher", group=GROUP,
        reader=Reader(_receipt_counts, _receipt_counts_by, lambda c: percent(c.get("within", 0), c.get("sent", 0)),
                      COMMUNE, (("sent", _("Lệnh phát khẩn cấp đã gửi")), ("within", _("Xác nhận trong 10 giây"))),
                      records=_records("broadcast:emergencies")),
        definition="Thiết bị xác nhận bắt đầu phát khẩn cấp trong 10 giây kể từ lúc gửi lệnh ÷ số lệnh đã gửi trong "
                   "kỳ × 100%."),
)
