"""Live broadcast sessions: one transactional function per business action (start, a piece of the operator's
microphone, end, expiry) and what the units report of them. The stream itself — its checks, the Icecast
mounts and the relay — is :mod:`tinhso.broadcast.live`; the actions shared with the rest of the radio (scope,
areas, errors) are :mod:`tinhso.broadcast.services`.
"""

from __future__ import annotations

import datetime
import secrets
import time
from collections.abc import Iterable

from django.db import transaction
from django.utils import timezone

from tinhso.broadcast import link, live, programme, selectors
from tinhso.broadcast.models import Device, LiveBroadcast, LiveChunk, LiveReceipt
from tinhso.broadcast.services import BroadcastError, _area_scope, _check_commune, _out_of_scope, end_expired
from tinhso.common import audit
from tinhso.common.inputs import check_text
from tinhso.geo.models import Commune

LIVE_MINUTES = (1, 12 * 60)  # how long a live broadcast may last before it ends by itself


def _live_scope(user, live_broadcast: LiveBroadcast) -> None:
    """Whoever may start a live broadcast for its owner (the commune, or the province) may end it."""
    if not selectors.may_broadcast_live(user):
        raise BroadcastError("Bạn không có quyền phát trực tiếp.", "You may not broadcast live.", "", 403)
    if live_broadcast.commune_id is not None:
        _check_commune(user, live_broadcast.commune_id)
    elif not selectors.reaches_province(user):
        raise _out_of_scope()


def live_command(live_broadcast: LiveBroadcast) -> dict:
    return {"cmd": "live_start", "live": live_broadcast.pk, "url": live.public_url(live_broadcast.mount),
            "title": live_broadcast.title, "expires": live_broadcast.expires_at.timestamp()}


@transaction.atomic
def start_live(user, *, title: str, area: str, communes: Iterable[Commune] = (), villages: Iterable = (),
               devices: Iterable[Device] = (), source_url: str = "", minutes: int = 60,
               source: str = LiveBroadcast.Source.RELAY) -> LiveBroadcast:
    """A live broadcast to an area, now: the province's Icecast serves it on a mount of its own (the relay,
    :mod:`.live`, feeds the mount), and every active unit of the area is told to play that mount. It
    interrupts the units' schedules until it ends (by hand or at its expiry); an emergency interrupts it.
    A stream to relay must be an http or https address that answers with audio; nothing is written
    otherwise."""
    if not selectors.may_broadcast_live(user):
        raise BroadcastError("Bạn không có quyền phát trực tiếp.", "You may not broadcast live.", "", 403)
    ready, reason, reason_en = live.available()
    if not ready:
        raise BroadcastError(reason, reason_en, "", 503)
    title = check_text((title or "").strip(), "title", 200)
    if not title:
        raise BroadcastError("Cần nhập tiêu đề buổi phát trực tiếp.", "Enter the live broadcast's title.", "title")
    if not LIVE_MINUTES[0] <= minutes <= LIVE_MINUTES[1]:
        raise BroadcastError("Thời hạn phát trực tiếp từ 1 phút đến 12 giờ.",
                             "A live broadcast lasts from 1 minute to 12 hours.", "minutes")
    communes, villages, devices = list(communes), list(villages), list(devices)
    commune = _area_scope(user, area, communes, villages, devices)
    units = list(Device.objects.filter(
        pk__in=programme.area_devices(area, communes=[c.pk for c in communes], villages=[v.pk for v in villages],
                                      devices=[d.pk for d in devices], kind=Device.Kind.RECEIVER),
        state=Device.State.ACTIVE).order_by("device_id"))
    if not units:
        raise BroadcastError("Không có cụm thu phát nào đang sử dụng trong vùng đã chọn.",
                             "There is no receive-and-play unit in service in the chosen area.", "area")
    busy = (LiveReceipt.objects.filter(device__in=units, live__state=LiveBroadcast.State.ACTIVE,
                                       live__expires_at__gt=timezone.now())
            .select_related("device", "live").first())
    if busy is not None:
        raise BroadcastError(f"Cụm thu phát {busy.device.device_id} đang phát trực tiếp “{busy.live.title}”; "
                             "hãy kết thúc buổi đó trước.",
                             f"Unit {busy.device.device_id} is playing the live broadcast “{busy.live.title}”; "
                             "end it first.", "area", 409)
    if source == LiveBroadcast.Source.RELAY:
        try:
            source_url = live.check_stream_url(source_url)
        except live.StreamRefused as error:
            raise BroadcastError(error.message, error.message_en, "source_url") from None
    else:
        source_url = ""
    now = timezone.now()
    session = LiveBroadcast.objects.create(
        title=title, source=source, source_url=source_url, mount=f"/tinhso-live-{secrets.token_urlsafe(12)}.mp3",
        commune=commune, area=area, started_at=now, expires_at=now + datetime.timedelta(minutes=minutes),
        started_by=user if getattr(user, "pk", None) else None)
    session.communes.set(communes)
    session.villages.set(villages)
    session.devices.set(devices)
    LiveReceipt.objects.bulk_create([LiveReceipt(live=session, device=unit, sent_at=now) for unit in units],
                                    batch_size=1000)
    audit.record("action", session, summary=f"Bắt đầu phát trực tiếp: {title}"[:300], actor=user,
                 after={"source": source, "source_url": source_url, "area": area,
                        "devices": [unit.device_id for unit in units], "started_at": now.isoformat(),
                        "expires_at": session.expires_at.isoformat()})
    command = live_command(session)
    commands = [(unit.device_id, unit.secret, command) for unit in units]
    transaction.on_commit(lambda: link.send(commands))
    return session


@transaction.atomic
def end_live(user, live_broadcast: LiveBroadcast, *, expired: bool = False) -> LiveBroadcast:
    """End a live broadcast by hand or at its expiry: the units stop it and go back to their schedules, the
    relay stops feeding its mount."""
    session = LiveBroadcast.objects.select_for_update().get(pk=live_broadcast.pk)
    if not expired:
        _live_scope(user, session)
    if session.state != LiveBroadcast.State.ACTIVE:
        raise BroadcastError("Buổi phát trực tiếp này đã kết thúc.", "This live broadcast has already ended.", "",
                             409)
    session.state, session.ended_at = LiveBroadcast.State.ENDED, timezone.now()
    session.ended_by = None if expired else user
    session.save()
    session.chunks.all().delete()  # the microphone's pieces were only on their way to the relay
    audit.record("action", session, actor=None if expired else user,
                 summary=("Hết hạn phát trực tiếp" if expired else "Kết thúc phát trực tiếp") + f": {session.title}",
                 after={"ended_at": session.ended_at.isoformat(), "expired": expired})
    units = Device.objects.filter(pk__in=session.receipts.values("device_id"))
    command = {"cmd": "live_stop", "live": session.pk}
    commands = [(unit.device_id, unit.secret, command) for unit in units]
    transaction.on_commit(lambda: link.send(commands))
    return session


LIVE_CHUNK_MAX_BYTES = 512 * 1024  # a quarter of a second of Opus is a few kilobytes


def take_chunk(user, session: LiveBroadcast, *, seq: int, captured_at: float, data: bytes) -> None:
    """A piece of the operator's microphone for the relay to feed to the session's mount. Only the person who
    started the session sends it, while it lasts; a piece sent twice (a retry) is kept once."""
    if session.source != LiveBroadcast.Source.MICROPHONE or session.started_by_id != getattr(user, "pk", None):
        raise BroadcastError("Chỉ người bắt đầu buổi phát từ micrô được gửi âm thanh của buổi đó.",
                             "Only the person who started the microphone broadcast sends its sound.", "", 403)
    if not LiveBroadcast.objects.filter(pk=session.pk, state=LiveBroadcast.State.ACTIVE,
                                        expires_at__gt=timezone.now()).exists():
        raise BroadcastError("Buổi phát trực tiếp này đã kết thúc.", "This live broadcast has already ended.", "",
                             409)
    if not data or len(data) > LIVE_CHUNK_MAX_BYTES:
        raise BroadcastError("Đoạn âm thanh rỗng hoặc quá lớn.", "The piece of sound is empty or too large.",
                             "data", 413 if data else 400)
    now = time.time()
    if not 0 <= seq < 10_000_000 or not now - 3600 <= captured_at <= now + 60:
        raise BroadcastError("Số thứ tự hoặc thời điểm thu của đoạn âm thanh không hợp lệ.",
                             "The piece's sequence number or recording time is not valid.", "seq")
    LiveChunk.objects.bulk_create([LiveChunk(live=session, seq=seq, captured_at=captured_at, data=data)],
                                  ignore_conflicts=True)


def expire_live(now: datetime.datetime | None = None) -> int:
    """End every live broadcast past its expiry (run by the link's loop)."""
    return end_expired(LiveBroadcast, end_live, now)


def live_progress(session: LiveBroadcast) -> dict:
    """How many of the area's units play the live broadcast now, have stopped, are silent or unreachable,
    and the delay they measured (median and maximum over the units playing, in milliseconds)."""
    rows = list(session.receipts.values_list("playing_at", "stopped_at", "delay_ms", "max_delay_ms",
                                             "device__live__online"))
    playing = [row for row in rows if row[0] and not row[1]]
    stopped = sum(1 for row in rows if row[0] and row[1])
    unreachable = sum(1 for row in rows if not row[0] and not row[4])
    delays = sorted(row[2] for row in playing if row[2] is not None)
    worst = [row[3] for row in rows if row[3] is not None]
    median = None
    if delays:
        middle = len(delays) // 2
        median = delays[middle] if len(delays) % 2 else round((delays[middle - 1] + delays[middle]) / 2)
    return {"devices": len(rows), "playing": len(playing), "stopped": stopped,
            "silent": len(rows) - len(playing) - stopped - unreachable, "unreachable": unreachable,
            "delay_median_ms": median, "delay_max_ms": delays[-1] if delays else None,
            "delay_worst_ms": max(worst) if worst else None, "state": session.state}


def take_live_reports(session_id: int, entries: list[tuple[int, str, str, datetime.datetime, int | None]]) -> None:
    """Each unit's reports on a live session (unit id, device id, phase, moment, delay) on its receipt."""
    session = LiveBroadcast.objects.filter(pk=session_id).first()
    if session is None:
        return
    receipts = {r.device_id: r for r in session.receipts.filter(device_id__in=[entry[0] for entry in entries])}
    changed, kept = {}, []
    for unit, device_id, phase, at, delay in entries:
        receipt = receipts.get(unit)
        if receipt is None:
            continue
        if phase == "playing":
            if receipt.playing_at is None or receipt.stopped_at is not None:
                kept.append([device_id, phase, at.isoformat()])
                receipt.playing_at = receipt.playing_at or at
                receipt.stopped_at = None
            if delay is not None:
                receipt.delay_ms = delay
                receipt.max_delay_ms = max(delay, receipt.max_delay_ms or 0)
        elif receipt.stopped_at is None:
            receipt.stopped_at = at
            kept.append([device_id, phase, at.isoformat()])
        changed[receipt.pk] = receipt
    if changed:
        LiveReceipt.objects.bulk_update(list(changed.values()),
                                        ["playing_at", "stopped_at", "delay_ms", "max_delay_ms"], batch_size=1000)
    if kept:
        audit.record("action", session, summary=f"Thiết bị báo phát trực tiếp ({len(kept)})", actor=None,
                     after={"reports": kept})


