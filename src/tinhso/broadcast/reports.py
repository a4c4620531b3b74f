"""The monthly report of broadcasting per commune, the one the department sends to the province: each
commune's station, its units and how many were online at the month's end, the hours broadcast, the
bulletins played, playback failures, offline alarms, and the emergency commands acknowledged within 10 s.
As XLSX and as an administrative PDF (``common.rendering``)."""

from __future__ import annotations

import datetime
from collections import defaultdict

from django.db.models import Count, Q, Sum
from django.template.loader import render_to_string
from django.utils import timezone

from tinhso.broadcast import selectors
from tinhso.broadcast.models import DeviceEvent, EmergencyReceipt
from tinhso.common import rendering

HEADERS = ("Mã xã", "Xã, phường", "Loại đài", "Cụm thu phát", "Trực tuyến", "Giờ phát", "Lượt phát",
           "Phát lỗi", "Cảnh báo mất liên lạc", "Lệnh khẩn cấp", "Xác nhận trong 10 giây")


def month_bounds(month: datetime.date) -> tuple[datetime.datetime, datetime.datetime]:
    zone = timezone.get_default_timezone()
    first = month.replace(day=1)
    following = (first + datetime.timedelta(days=32)).replace(day=1)
    return (datetime.datetime.combine(first, datetime.time(), tzinfo=zone),
            datetime.datetime.combine(following, datetime.time(), tzinfo=zone))


def monthly_rows(user, month: datetime.date) -> list[list]:
    """One row per commune ``user`` reaches that has a station or a unit."""
    since, until = month_bounds(month)
    communes = selectors.visible_communes(user)
    devices = selectors.visible_devices(user).filter(kind="receiver")
    units = {row["commune_id"]: row for row in devices.values("commune_id").annotate(
        units=Count("pk"), online=Count("pk", filter=Q(live__online=True))).order_by()}
    events = defaultdict(dict)
    for row in (DeviceEvent.objects.filter(device__commune__in=communes, device__kind="receiver", at__gte=since,
                                           at__lt=until)
                .values("device__commune_id", "kind").annotate(n=Count("pk"), seconds=Sum("seconds")).order_by()):
        events[row["device__commune_id"]][row["kind"]] = row
    receipts = defaultdict(lambda: [0, 0])
    for commune_id, sent, started in (EmergencyReceipt.objects.filter(
            device__commune__in=communes, sent_at__gte=since, sent_at__lt=until)
            .values_list("device__commune_id", "sent_at", "started_at")):
        receipts[commune_id][0] += 1
        receipts[commune_id][1] += bool(started and (started - sent).total_seconds() <= 10)
    stations = defaultdict(set)
    for commune_id, kind in selectors.visible_stations(user).values_list("commune_id", "kind"):
        stations[commune_id].add(kind)
    rows = []
    for commune in communes.filter(Q(pk__in=list(units)) | Q(pk__in=list(stations))).order_by("code"):
        played = events[commune.pk].get("played", {})
        rows.append([commune.code, commune.name, ", ".join(sorted(stations[commune.pk])) or "—",
                     units.get(commune.pk, {}).get("units", 0), units.get(commune.pk, {}).get("online", 0),
                     round((played.get("seconds") or 0) / 3600, 1), played.get("n", 0),
                     events[commune.pk].get("playback_failed", {}).get("n", 0),
                     events[commune.pk].get("offline", {}).get("n", 0),
                     receipts[commune.pk][0], receipts[commune.pk][1]])
    return rows


def monthly_xlsx(user, month: datetime.date) -> bytes:
    return rendering.table_xlsx(f"Truyền thanh {month:%m-%Y}", HEADERS, monthly_rows(user, month))


def monthly_pdf(user, month: datetime.date) -> bytes:
    rows = monthly_rows(user, month)
    html = render_to_string("broadcast/print/monthly.html", {
        "heading": {"issuer": "Sở Khoa học và Công nghệ"}, "issued": timezone.localtime(),
        "number_suffix": "BC-TTCS", "title": "Báo cáo hoạt động truyền thanh cơ sở",
        "subtitle": f"Tháng {month:%m/%Y}", "headers": HEADERS, "rows": rows, "landscape": True,
        "recipients": ["Ủy ban nhân dân tỉnh", "Lưu: VT"], "signer_role": "Giám đốc"})
    return rendering.report_pdf(html)
