"""Every change to the grassroots radio: one transactional function per business action.

Registry rows are tracked on the audit chain (``apps.py``); business actions (approval, emergency start and
end, each device's acknowledgement) are recorded with :func:`tinhso.common.audit.record`. Commands to the
devices are published after the transaction commits (:mod:`tinhso.broadcast.link`).
"""

from __future__ import annotations

import datetime
import hashlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import NamedTuple

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from tinhso.broadcast import audio, cap, link, programme, selectors
from tinhso.broadcast.models import (
    AlertSource,
    Area,
    BroadcastMembership,
    Bulletin,
    CapAlert,
    Device,
    DeviceEvent,
    DeviceState,
    EmergencyBroadcast,
    EmergencyReceipt,
    Schedule,
    Station,
)
from tinhso.common import audit, spatial, statements
from tinhso.common.inputs import InputError, check_text
from tinhso.common.review import may_review
from tinhso.geo.models import Commune, CommuneBoundary


class BroadcastError(InputError):
    """A change the grassroots radio refuses: Vietnamese and English message, the field, an HTTP status."""

    def __init__(self, message: str, message_en: str, field: str = "", status: int = 400):
        super().__init__(message, message_en, field)
        self.status = status


def _out_of_scope(field: str = "commune") -> BroadcastError:
    return BroadcastError("Bạn không có quyền với xã này.", "You may not act for this commune.", field, 403)


def _check_commune(user, commune_id: int | None, field: str = "commune") -> None:
    if commune_id is None or not selectors.visible_communes(user).filter(pk=commune_id).exists():
        raise _out_of_scope(field)


@transaction.atomic
def save_station(user, station: Station) -> Station:
    """Add or change a commune station; an FM station carries its frequency and licence (TT 39/2020)."""
    _check_commune(user, station.commune_id)
    if station.kind == Station.Kind.FM:
        if station.frequency_mhz is None:
            raise BroadcastError("Đài FM phải có tần số.", "An FM station needs its frequency.", "frequency_mhz")
        if not station.licence_number:
            raise BroadcastError("Đài FM phải có số giấy phép tần số.", "An FM station needs its licence number.",
                                 "licence_number")
    else:
        station.frequency_mhz = None
    if station.kind == Station.Kind.IP and station.conversion in ("planned", "in_progress"):
        raise BroadcastError("Đài ứng dụng CNTT-VT không còn gì để chuyển đổi.",
                             "An IT-based station has nothing left to convert.", "conversion")
    station.full_clean()
    station.save()
    return station


@transaction.atomic
def register_device(user, device: Device) -> Device:
    """Add or change a receive-and-play unit or display board, in a commune the user reaches."""
    _check_commune(user, device.commune_id)
    if device.village_id is not None and device.village.commune_id != device.commune_id:
        raise BroadcastError("Thôn, bản không thuộc xã đã chọn.", "The village is not in the chosen commune.",
                             "village")
    if device.station_id is not None and device.station.commune_id != device.commune_id:
        raise BroadcastError("Đài truyền thanh không thuộc xã đã chọn.", "The station is not in the chosen commune.",
                             "station")
    if device.pk is None and Device.objects.filter(device_id=device.device_id).exists():
        raise BroadcastError("Mã thiết bị đã được dùng.", "This device id is already used.", "device_id", 409)
    try:
        device.full_clean()
    except Exception as error:
        raise BroadcastError(f"Thông tin thiết bị không hợp lệ: {error}", f"Invalid device: {error}") from error
    device.save()
    DeviceState.objects.get_or_create(device=device)
    return device


# -- bulletins ----------------------------------------------------------------------------------------------

def _bulletin_scope(user, commune) -> None:
    if commune is None:
        if not selectors.reaches_province(user):
            raise BroadcastError("Chỉ hệ thống nguồn cấp tỉnh soạn bản tin của tỉnh.",
                                 "Only the provincial source system writes the province's bulletins.", "commune", 403)
    else:
        _check_commune(user, commune.pk)


def _store_audio(bulletin: Bulletin, sound: audio.Audio) -> None:
    bulletin.sha256 = hashlib.sha256(sound.data).hexdigest()
    bulletin.duration_seconds = sound.seconds
    bulletin.audio_format = sound.format
    bulletin.audio.save(f"{bulletin.sha256[:16]}.{sound.format}", ContentFile(sound.data), save=False)


DISPLAY_SECONDS = (5, 3600)  # how long a display bulletin stays on a board, bounds in seconds
DISPLAY_IMAGE_MAX_BYTES = 5 * 1024 * 1024


def _store_image(bulletin: Bulletin, data: bytes) -> None:
    """A board's image judged by content and size (PNG or JPEG only), stored under its SHA-256."""
    import io

    from tinhso.common.uploads import JPEG, PNG, UploadRejected, validate_upload

    upload = io.BytesIO(data)
    upload.name = "anh-hien-thi"
    try:
        checked = validate_upload(upload, max_bytes=DISPLAY_IMAGE_MAX_BYTES)
    except UploadRejected as error:
        raise BroadcastError(error.message, error.message_en, "image") from error
    if checked.content_type not in (PNG, JPEG):
        raise BroadcastError("Ảnh hiển thị phải là tệp PNG hoặc JPEG.", "The display image must be a PNG or JPEG file.",
                             "image")
    bulletin.sha256, bulletin.image_type = checked.checksum, checked.content_type
    extension = "png" if checked.content_type == PNG else "jpg"
    bulletin.image.save(f"{checked.checksum[:16]}.{extension}", ContentFile(checked.content), save=False)


@transaction.atomic
def create_bulletin(user, *, title: str, kind: str, commune=None, source: str = "", text: str = "",
                    data: bytes | None = None, image: bytes | None = None,
                    display_seconds: int | None = None) -> Bulletin:
    """A bulletin waiting for approval: an uploaded file judged by content, text read aloud, or what a display
    board shows (a text, an image, or both, for ``display_seconds``)."""
    _bulletin_scope(user, commune)
    title = check_text(title.strip(), "title", 200)
    if not title:
        raise BroadcastError("Cần nhập tiêu đề bản tin.", "Enter the bulletin's title.", "title")
    text = check_text(text, "text")
    bulletin = Bulletin(title=title, kind=kind, commune=commune, text=text, author=user if user.pk else None,
                        source=source or (Bulletin.Source.COMMUNE if commune else Bulletin.Source.PROVINCE))
    if kind == Bulletin.Kind.AUDIO:
        if not data:
            raise BroadcastError("Cần chọn tệp âm thanh.", "Choose an audio file.", "audio")
        _store_audio(bulletin, audio.normalise(data))
    elif kind == Bulletin.Kind.SPEECH:
        _store_audio(bulletin, audio.speak(text))
    elif kind == Bulletin.Kind.DISPLAY:
        if not text.strip() and not image:
            raise BroadcastError("Cần nhập nội dung hiển thị hoặc chọn ảnh.", "Enter the text to display or choose an "
                                 "image.", "text")
        seconds = 30 if display_seconds is None else display_seconds
        if not DISPLAY_SECONDS[0] <= seconds <= DISPLAY_SECONDS[1]:
            raise BroadcastError(f"Thời gian hiển thị phải từ {DISPLAY_SECONDS[0]} đến {DISPLAY_SECONDS[1]} giây.",
                                 f"The display time must be {DISPLAY_SECONDS[0]} to {DISPLAY_SECONDS[1]} seconds.",
                                 "display_seconds")
        bulletin.duration_seconds = seconds
        if image:
            _store_image(bulletin, image)
    else:
        raise BroadcastError("Loại bản tin không hợp lệ.", "Unknown kind of bulletin.", "kind")
    bulletin.save()
    return bulletin


@transaction.atomic
def decide_bulletin(user, bulletin: Bulletin, *, approve: bool) -> Bulletin:
    """Approve or reject a bulletin: nothing is broadcast unapproved; its author does not approve it."""
    bulletin = Bulletin.objects.select_for_update().get(pk=bulletin.pk)
    if not selectors.may_approve(user):
        raise BroadcastError("Bạn không có quyền duyệt bản tin.", "You may not approve bulletins.", "", 403)
    if not may_review(bulletin.author_id, user):
        raise BroadcastError("Người soạn không tự duyệt bản tin của mình.",
                             "The author does not approve their own bulletin.", "", 403)
    if bulletin.state != Bulletin.State.DRAFT:
        raise BroadcastError("Bản tin đã được xét duyệt.", "The bulletin has already been decided.", "", 409)
    bulletin.state = Bulletin.State.APPROVED if approve else Bulletin.State.REJECTED
    bulletin.approved_by, bulletin.approved_at = user, timezone.now()
    bulletin.save()
    return bulletin


# -- schedules ----------------------------------------------------------------------------------------------

@dataclass
class ScheduleDraft:
    bulletin: Bulletin
    area: str
    starts_on: datetime.date
    at: datetime.time
    recurrence: str = Schedule.Recurrence.ONCE
    ends_on: datetime.date | None = None
    weekday: int | None = None
    communes: list = field(default_factory=list)
    villages: list = field(default_factory=list)
    devices: list = field(default_factory=list)


class ScheduleConflicts(BroadcastError):
    def __init__(self, found: list[programme.Conflict]):
        first = found[0]
        when = timezone.localtime(first.start).strftime("%H:%M %d/%m/%Y")
        super().__init__(
            f"Lịch trùng giờ với {len(found)} lịch khác, ví dụ “{first.other}” lúc {when} "
            f"trên {first.devices} thiết bị.",
            f"The schedule overlaps {len(found)} other schedules, e.g. “{first.other}” at {when} on "
            f"{first.devices} devices.", "at", 409)
        self.conflicts = found


def _schedule_area_scope(user, draft: ScheduleDraft) -> Commune | None:
    """The commune that owns the schedule (None: the province's); refuses an area outside the user's reach."""
    return _area_scope(user, draft.area, draft.communes, draft.villages, draft.devices)


def _area_scope(user, area: str, communes, villages, devices) -> Commune | None:
    """The commune that owns a broadcast to an area (None: the province's) — schedules and live broadcasts
    alike; refuses an area outside the user's reach."""
    reachable = set(selectors.visible_communes(user).values_list("pk", flat=True))
    if area == Area.PROVINCE:
        if not selectors.reaches_province(user):
            raise _out_of_scope("area")
        return None
    if area not in (Area.COMMUNES, Area.VILLAGES, Area.DEVICES):
        raise BroadcastError("Phạm vi phát không hợp lệ.", "Invalid broadcast area.", "area")
    touched = {c.pk for c in communes} | {v.commune_id for v in villages} | {d.commune_id for d in devices}
    if not touched:
        raise BroadcastError("Cần chọn nơi phát.", "Choose where to broadcast.", "area")
    if not touched <= reachable:
        raise _out_of_scope("area")
    if selectors.reaches_province(user) or len(touched) > 1:
        return None
    return Commune.objects.get(pk=next(iter(touched)))


@transaction.atomic
def save_schedule(user, draft: ScheduleDraft, *, accept_conflicts: bool = False) -> Schedule:
    """A schedule of an approved bulletin; its conflicts are refused (409, listed) unless accepted."""
    commune = _schedule_area_scope(user, draft)
    if draft.bulletin.state != Bulletin.State.APPROVED:
        raise BroadcastError("Chỉ lập lịch cho bản tin đã duyệt.", "Only approved bulletins can be scheduled.",
                             "bulletin", 409)
    if draft.ends_on is not None and draft.ends_on < draft.starts_on:
        raise BroadcastError("Ngày kết thúc trước ngày bắt đầu.", "The end date is before the start date.", "ends_on")
    if draft.recurrence == Schedule.Recurrence.WEEKLY and draft.weekday is None:
        draft.weekday = draft.starts_on.weekday()
    schedule = Schedule(bulletin=draft.bulletin, area=draft.area, starts_on=draft.starts_on, ends_on=draft.ends_on,
                        at=draft.at, recurrence=draft.recurrence, weekday=draft.weekday, commune=commune,
                        created_by=user if user.pk else None)
    kind = programme.device_kind(draft.bulletin)
    devices = programme.area_devices(draft.area, communes=[c.pk for c in draft.communes],
                                     villages=[v.pk for v in draft.villages], devices=[d.pk for d in draft.devices],
                                     kind=kind)
    if draft.area == Area.DEVICES and not devices:
        if kind == Device.Kind.DISPLAY:
            raise BroadcastError("Nội dung bảng điện tử chỉ gửi tới bảng điện tử.",
                                 "Display-board content goes to display boards only.", "devices")
        raise BroadcastError("Bản tin âm thanh chỉ phát trên cụm thu phát.",
                             "Audio bulletins play on receive-and-play units only.", "devices")
    found = programme.conflicts(schedule, devices, draft.bulletin.duration_seconds)
    if found and not accept_conflicts:
        raise ScheduleConflicts(found)
    schedule.save()
    schedule.communes.set(draft.communes)
    schedule.villages.set(draft.villages)
    schedule.devices.set(draft.devices)
    return schedule


@transaction.atomic
def decide_schedule(user, schedule: Schedule, *, approve: bool) -> Schedule:
    """Approve (and send to every device it concerns) or cancel a schedule."""
    schedule = Schedule.objects.select_for_update().get(pk=schedule.pk)
    if approve:
        if not selectors.may_approve(user) or not may_review(schedule.created_by_id, user):
            raise BroadcastError("Bạn không có quyền duyệt lịch này.", "You may not approve this schedule.", "", 403)
        schedule.state, schedule.approved_by = Schedule.State.APPROVED, user
    else:
        if schedule.commune_id is not None:
            _check_commune(user, schedule.commune_id)
        elif not selectors.reaches_province(user):
            raise _out_of_scope()
        schedule.state = Schedule.State.CANCELLED
    schedule.save()
    push_programmes(programme.schedule_devices(schedule))
    return schedule


def push_programmes(device_ids: Iterable[int]) -> None:
    """After commit, send each device its programme (it keeps the files and plays it without the link)."""
    ids = list(device_ids)

    def _send():
        commands = []
        for unit in Device.objects.filter(pk__in=ids):
            commands.append((unit.device_id, unit.secret, {"cmd": "schedule", **programme.device_programme(unit)}))
        link.send(commands)

    if ids:
        transaction.on_commit(_send)


# -- emergency broadcasts -----------------------------------------------------------------------------------

def _emergency_geometry(area: str, polygon: dict | None):
    """The polygon's geometry for an emergency drawn on the map (None for the province or communes); an
    unknown area or a polygon that is not one is refused."""
    if area in (Area.PROVINCE, Area.COMMUNES):
        return None
    if area == Area.POLYGON:
        try:
            return spatial.area_geometry(polygon)
        except ValueError as error:
            raise BroadcastError(f"Vùng không hợp lệ: {error}", f"Invalid area: {error}", "polygon") from error
    raise BroadcastError("Phạm vi phát khẩn cấp không hợp lệ.", "Invalid emergency area.", "area")


def emergency_devices(area: str, *, communes: Iterable[int] = (),
                      polygon: dict | None = None) -> list[tuple[int, str, str]]:
    """The active receive-and-play units of an emergency's area (the province, communes, or a polygon), as
    (id, device id, secret): what the receipts and the signed commands need, read as plain rows."""
    geometry = _emergency_geometry(area, polygon)
    units = Device.objects.filter(state=Device.State.ACTIVE, kind=Device.Kind.RECEIVER)
    if area == Area.COMMUNES:
        units = units.filter(commune__in=list(communes))
    if geometry is None:
        return list(units.values_list("pk", "device_id", "secret"))
    minx, miny, maxx, maxy = geometry.bounds
    near = units.filter(latitude__range=(miny, maxy), longitude__range=(minx, maxx))
    return [(pk, device_id, secret) for pk, device_id, secret, lat, lon
            in near.values_list("pk", "device_id", "secret", "latitude", "longitude")
            if spatial.contains(geometry, lat, lon)]


def _emergency_bulletin(user, title: str, message: str, source: str) -> Bulletin:
    bulletin = Bulletin(title=title[:200], kind=Bulletin.Kind.SPEECH, source=source, text=message,
                        author=user if getattr(user, "pk", None) else None, state=Bulletin.State.APPROVED,
                        approved_by=user if getattr(user, "pk", None) else None, approved_at=timezone.now())
    _store_audio(bulletin, audio.speak(message))
    bulletin.save()
    return bulletin


@transaction.atomic
def propose_emergency(user, *, title: str, message: str, area: str, communes: Iterable[Commune] = (),
                      polygon: dict | None = None, repeats: int = 3, minutes: int = 60, cap_alert=None,
                      start: bool = True) -> EmergencyBroadcast:
    """An emergency broadcast, started at once (``start``) by the emergency role, or proposed (from a CAP
    alert) for the emergency role to confirm. The message is read aloud in Vietnamese."""
    if user is not None and not selectors.may_start_emergency(user):
        raise BroadcastError("Chỉ người có vai trò phát khẩn cấp được phát khẩn cấp.",
                             "Only the emergency role starts an emergency broadcast.", "", 403)
    title = check_text(title.strip(), "title", 200)
    message = check_text(message.strip(), "message", 5000)
    if not title or not message:
        raise BroadcastError("Cần nhập tiêu đề và nội dung phát khẩn cấp.",
                             "Enter the emergency broadcast's title and message.", "message")
    if not 1 <= repeats <= 50 or not 1 <= minutes <= 24 * 60:
        raise BroadcastError("Số lần lặp từ 1 đến 50, thời hạn từ 1 phút đến 24 giờ.",
                             "Repeats from 1 to 50, duration from 1 minute to 24 hours.", "repeats")
    communes = list(communes)
    if area == Area.COMMUNES and not communes:
        raise BroadcastError("Cần chọn ít nhất một xã.", "Choose at least one commune.", "communes")
    _emergency_geometry(area, polygon)  # the area is valid
    source = Bulletin.Source.CAP if cap_alert is not None else Bulletin.Source.PROVINCE
    emergency = EmergencyBroadcast.objects.create(
        title=title, message=message, bulletin=_emergency_bulletin(user, title, message, source), area=area,
        polygon=polygon if area == Area.POLYGON else None, repeats=repeats, cap_alert=cap_alert,
        expires_at=timezone.now() + datetime.timedelta(minutes=minutes))
    emergency.communes.set(communes)
    audit.record("action", emergency, summary=f"Đề xuất phát khẩn cấp: {title}"[:300], actor=user,
                 after={"area": area, "communes": [c.code for c in communes], "repeats": repeats})
    if start:
        _activate(emergency, user)
    return emergency


@transaction.atomic
def confirm_emergency(user, emergency: EmergencyBroadcast) -> EmergencyBroadcast:
    """The emergency role confirms a proposed emergency broadcast (from a CAP alert): it starts now."""
    emergency = EmergencyBroadcast.objects.select_for_update().get(pk=emergency.pk)
    if not selectors.may_start_emergency(user):
        raise BroadcastError("Chỉ người có vai trò phát khẩn cấp được xác nhận.",
                             "Only the emergency role confirms an emergency broadcast.", "", 403)
    if emergency.state != EmergencyBroadcast.State.PROPOSED:
        raise BroadcastError("Phát khẩn cấp này không còn chờ xác nhận.",
                             "This emergency broadcast is no longer waiting for confirmation.", "", 409)
    _activate(emergency, user)
    return emergency


def _activate(emergency: EmergencyBroadcast, user) -> None:
    now = timezone.now()
    units = emergency_devices(emergency.area, communes=list(emergency.communes.values_list("pk", flat=True)),
                              polygon=emergency.polygon)
    emergency.state, emergency.started_at = EmergencyBroadcast.State.ACTIVE, now
    emergency.started_by = user if getattr(user, "pk", None) else None
    if emergency.expires_at is None or emergency.expires_at <= now:
        emergency.expires_at = now + datetime.timedelta(hours=1)
    emergency.save()
    # Every unit's receipt is written before any command goes out (the commands are sent after the commit).
    statements.insert_rows(EmergencyReceipt, ["emergency", "device", "sent_at"],
                           [(emergency.pk, pk, now) for pk, _device_id, _secret in units])
    audit.record("action", emergency, summary=f"Bắt đầu phát khẩn cấp: {emergency.title}"[:300], actor=user,
                 after={"area": emergency.area, "devices": [device_id for _pk, device_id, _secret in units],
                        "started_at": now.isoformat(), "expires_at": emergency.expires_at.isoformat()})
    if emergency.cap_alert is None:
        emergency.cap_alert = publish_cap(emergency)
        emergency.save(update_fields=["cap_alert"])
    bulletin = emergency.bulletin
    command = {"cmd": "emergency_start", "emergency": emergency.pk, "repeats": emergency.repeats,
               "seconds": bulletin.duration_seconds, "sha256": bulletin.sha256, "text": emergency.message,
               "url": reverse("broadcast:bulletin-audio", args=[bulletin.pk]),
               "expires": emergency.expires_at.timestamp()}
    commands = [(device_id, secret, command) for _pk, device_id, secret in units]
    transaction.on_commit(lambda: link.send(commands))


@transaction.atomic
def end_emergency(user, emergency: EmergencyBroadcast, *, expired: bool = False) -> EmergencyBroadcast:
    """End an emergency broadcast by hand (the emergency role) or at its expiry; the devices go back to
    their schedules."""
    emergency = EmergencyBroadcast.objects.select_for_update().get(pk=emergency.pk)
    if not expired and not selectors.may_start_emergency(user):
        raise BroadcastError("Chỉ người có vai trò phát khẩn cấp được kết thúc.",
                             "Only the emergency role ends an emergency broadcast.", "", 403)
    if emergency.state == EmergencyBroadcast.State.PROPOSED:
        emergency.state = EmergencyBroadcast.State.REJECTED
        emergency.ended_at, emergency.ended_by = timezone.now(), None if expired else user
        emergency.save()
        audit.record("action", emergency, summary="Không phát khẩn cấp theo đề xuất", actor=None if expired else user)
        return emergency
    if emergency.state != EmergencyBroadcast.State.ACTIVE:
        raise BroadcastError("Phát khẩn cấp này đã kết thúc.", "This emergency broadcast has already ended.", "", 409)
    emergency.state, emergency.ended_at = EmergencyBroadcast.State.ENDED, timezone.now()
    emergency.ended_by = None if expired else user
    emergency.save()
    audit.record("action", emergency, actor=None if expired else user,
                 summary=("Hết hạn phát khẩn cấp" if expired else "Kết thúc phát khẩn cấp") + f": {emergency.title}",
                 after={"ended_at": emergency.ended_at.isoformat(), "expired": expired})
    units = Device.objects.filter(pk__in=emergency.receipts.values("device_id"))
    commands = [(unit.device_id, unit.secret, {"cmd": "emergency_end", "emergency": emergency.pk}) for unit in units]
    transaction.on_commit(lambda: link.send(commands))
    return emergency


def end_expired(model, end, now: datetime.datetime | None = None) -> int:
    """End, with ``end(None, row, expired=True)``, every active row of ``model`` (an emergency or a live
    broadcast) past its expiry; how many. Run by the link's loop."""
    ended = 0
    for row in model.objects.filter(state=model.State.ACTIVE, expires_at__lte=now or timezone.now()):
        end(None, row, expired=True)
        ended += 1
    return ended


def expire_emergencies(now: datetime.datetime | None = None) -> int:
    """End every active emergency broadcast past its expiry (run by the link's loop)."""
    return end_expired(EmergencyBroadcast, end_emergency, now)


def emergency_progress(emergency: EmergencyBroadcast) -> dict:
    """How many of the area's devices are playing, silent (online, not playing it) or unreachable, and how
    many acknowledged within 10 seconds."""
    rows = list(emergency.receipts.values_list("sent_at", "started_at", "ended_at", "device__live__online"))
    playing = sum(1 for _s, started, ended, _o in rows if started and not ended)
    done = sum(1 for _s, started, ended, _o in rows if started and ended)
    unreachable = sum(1 for _s, started, _e, online in rows if not started and not online)
    within = sum(1 for sent, started, _e, _o in rows if started and (started - sent).total_seconds() <= 10)
    silent = len(rows) - playing - done - unreachable
    return {"devices": len(rows), "playing": playing, "finished": done, "silent": silent,
            "unreachable": unreachable, "acknowledged_within_10s": within, "state": emergency.state}


# -- what the devices report --------------------------------------------------------------------------------

def _number(value, low: float, high: float) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float) or not low <= value <= high:
        return None
    return value


def _moment(value, fallback: float) -> datetime.datetime:
    seconds = _number(value, fallback - 86400, fallback + 60) or fallback
    return datetime.datetime.fromtimestamp(seconds, tz=datetime.UTC)


class _Event(NamedTuple):
    """A device event as the link writes it (the fields of :class:`DeviceEvent`, in :data:`EVENT_FIELDS`' order)."""

    device_id: int
    at: datetime.datetime
    kind: str
    seconds: int = 0
    detail: dict | None = None


EVENT_FIELDS = ["device", "at", "kind", "seconds", "detail"]
# What a device's live state holds, in the order the link reads and writes it.
LIVE_FIELDS = ["last_seen", "online", "playing", "volume", "power", "temperature", "signal", "schedule_version"]


@transaction.atomic
def take_reports(reports: list[link.Report]) -> dict[str, int]:
    """Write a batch of device reports: heartbeats and status into the live state, acknowledgements into the
    emergency's receipts (and the audit chain), events into the device's history. Unknown devices and
    malformed values are ignored (the device's id comes from the topic, see :mod:`.link`).

    A batch can be thousands of units (every unit of the province acknowledging an emergency): the units and
    their live states are read as plain rows, changed in memory and written with one statement each for the
    states changed, the units only heard from, the new states, the events and each phase of acknowledgements."""
    ids = {report.device_id for report in reports}
    devices = dict(Device.objects.filter(device_id__in=ids).values_list("device_id", "pk"))
    stored = {row[0]: dict(zip(LIVE_FIELDS, row[1:], strict=True)) for row in DeviceState.objects.filter(
        device_id__in=list(devices.values())).values_list("device_id", *LIVE_FIELDS)}
    counts = {"status": 0, "ack": 0, "event": 0, "live": 0, "ignored": 0}
    states: dict[int, dict] = {}
    new: set[int] = set()  # units without a live state yet
    live_reports: dict[int, list[tuple[int, str, str, datetime.datetime, int | None]]] = {}
    reported: set[int] = set()  # units whose state changed beyond "online, heard from now"
    events: list[_Event] = []
    acks: dict[int, list[tuple[int, str, str, datetime.datetime]]] = {}
    for report in reports:
        unit, body = devices.get(report.device_id), report.body
        kind = body.get("type")
        if unit is None or kind not in ("status", "ack", "event", "gone", "live"):
            counts["ignored"] += 1
            continue
        state = states.get(unit)
        if state is None:
            state = stored.get(unit)
            if state is None:
                state = dict(zip(LIVE_FIELDS, (None, False, "", None, "", None, None, ""), strict=True))
                new.add(unit)
            states[unit] = state
        at = _moment(body.get("at"), report.received)
        if kind == "gone":
            reported.add(unit)
            if state["online"]:
                events.append(_Event(unit, at, DeviceEvent.Kind.OFFLINE, 0, {"will": True}))
            state["online"] = False
            state["playing"] = ""
            continue
        if not state["online"]:
            events.append(_Event(unit, at, DeviceEvent.Kind.ONLINE, 0, {}))
            reported.add(unit)
        state["online"], state["last_seen"] = True, at
        if kind == "status":
            reported.add(unit)
            counts["status"] += 1
            state["playing"] = str(body.get("playing") or "")[:80]
            state["volume"] = _number(body.get("volume"), 0, 100)
            power = body.get("power")
            if power == "battery" and state["power"] != "battery":
                events.append(_Event(unit, at, DeviceEvent.Kind.POWER_LOSS, 0, {}))
            state["power"] = power if power in ("mains", "battery") else ""
            state["temperature"] = _number(body.get("temperature"), -40, 120)
            signal = _number(body.get("signal"), -150, 0)
            state["signal"] = int(signal) if signal is not None else None
            state["schedule_version"] = str(body.get("schedule_version") or "")[:64]
        elif kind == "live":
            session, phase = body.get("live"), body.get("phase")
            if isinstance(session, int) and phase in ("playing", "stopped", "failed"):
                delay = _number(body.get("delay_ms"), 0, 3_600_000)
                live_reports.setdefault(session, []).append(
                    (unit, report.device_id, phase, at, None if delay is None else int(delay)))
                counts["live"] += 1
        elif kind == "ack":
            emergency, phase = body.get("emergency"), body.get("phase")
            if isinstance(emergency, int) and phase in ("start", "end"):
                acks.setdefault(emergency, []).append((unit, report.device_id, phase, at))
                counts["ack"] += 1
        else:
            event = body.get("kind")
            if event in (DeviceEvent.Kind.PLAYED, DeviceEvent.Kind.PLAYBACK_FAILED):
                seconds = _number(body.get("seconds"), 0, 86400) or 0
                events.append(_Event(unit, at, event, int(seconds),
                                     {"bulletin": body.get("bulletin"), "emergency": body.get("emergency")}))
                counts["event"] += 1
    # One statement for the states that changed, one for the units only heard from, one for the new ones.
    statements.update_rows(DeviceState, LIVE_FIELDS, [(*state.values(), unit) for unit, state in states.items()
                                                      if unit not in new and unit in reported])
    heard = [unit for unit in states if unit not in new and unit not in reported]
    if heard:
        DeviceState.objects.filter(device_id__in=heard).update(
            online=True, last_seen=max(states[unit]["last_seen"] for unit in heard))
    DeviceState.objects.bulk_create([DeviceState(device_id=unit, **states[unit]) for unit in new], batch_size=1000)
    statements.insert_rows(DeviceEvent, EVENT_FIELDS, events)
    raise_alarms(events)
    for emergency_id, entries in acks.items():
        _take_acks(emergency_id, entries)
    for session_id, entries in live_reports.items():
        from tinhso.broadcast.live_sessions import take_live_reports  # the live sessions build on this module

        take_live_reports(session_id, entries)
    return counts


def _take_acks(emergency_id: int, entries: list[tuple[int, str, str, datetime.datetime]]) -> None:
    """The first start and end acknowledgement of each unit (id, device id, phase, moment) on its receipt."""
    emergency = EmergencyBroadcast.objects.filter(pk=emergency_id).first()
    if emergency is None:
        return
    receipts = {device: [pk, started, ended] for pk, device, started, ended in emergency.receipts.filter(
        device_id__in=[unit for unit, *_rest in entries]).values_list("pk", "device_id", "started_at", "ended_at")}
    started, ended, kept = [], [], []
    for unit, device_id, phase, at in entries:
        receipt = receipts.get(unit)
        if receipt is None:
            continue
        if phase == "start" and receipt[1] is None:
            receipt[1] = at
            started.append((at, receipt[0]))
        elif phase == "end" and receipt[2] is None:
            receipt[2] = at
            ended.append((at, receipt[0]))
        else:
            continue
        kept.append([device_id, phase, at.isoformat()])
    if kept:
        # The first acknowledgement of each phase is kept, also against another link writing the same receipt.
        statements.update_rows(EmergencyReceipt, ["started_at"], started, unset="started_at")
        statements.update_rows(EmergencyReceipt, ["ended_at"], ended, unset="ended_at")
        audit.record("action", emergency, summary=f"Thiết bị xác nhận phát khẩn cấp ({len(kept)})", actor=None,
                     after={"acknowledgements": kept})


@transaction.atomic
def mark_offline(now: datetime.datetime | None = None) -> int:
    """Devices silent for longer than ``BROADCAST_OFFLINE_AFTER`` seconds are offline (an alarm event each)."""
    now = now or timezone.now()
    limit = now - datetime.timedelta(seconds=settings.BROADCAST_OFFLINE_AFTER)
    silent = list(DeviceState.objects.filter(online=True, last_seen__lt=limit).values_list("device_id", flat=True))
    if silent:
        DeviceState.objects.filter(device_id__in=silent).update(online=False, playing="")
        raise_alarms(DeviceEvent.objects.bulk_create([DeviceEvent(device_id=pk, at=now, kind=DeviceEvent.Kind.OFFLINE)
                                                      for pk in silent]))
    return len(silent)


# -- CAP alerts ---------------------------------------------------------------------------------------------

GEOCODE_NAMES = {"commune", "ma_xa", "vn-commune", "xa"}


def cap_communes(message: cap.Message) -> list[Commune]:
    """The communes a CAP alert's areas cover: geocodes with a 2025 commune code, and the communes of the units
    inside its polygons and circles (or whose boundary meets a polygon)."""
    info = message.info_for("vi")
    if info is None:
        return []
    codes, ids = set(), set()
    units = list(Device.objects.filter(state=Device.State.ACTIVE, latitude__isnull=False)
                 .values_list("commune_id", "latitude", "longitude"))
    for area in info.areas:
        codes |= {value for name, value in area.geocodes if name.strip().lower() in GEOCODE_NAMES}
        for points in area.polygons:
            geometry = spatial.area_geometry({"type": "Polygon", "coordinates": [[[lon, lat] for lat, lon in points]]})
            ids |= {commune for commune, lat, lon in units if spatial.contains(geometry, lat, lon)}
            for boundary in CommuneBoundary.objects.filter(
                    min_longitude__lte=geometry.bounds[2], max_longitude__gte=geometry.bounds[0],
                    min_latitude__lte=geometry.bounds[3], max_latitude__gte=geometry.bounds[1]):
                if spatial.area_geometry(boundary.geometry).intersects(geometry):
                    ids.add(boundary.commune_id)
        for lat0, lon0, radius_km in area.circles:
            ids |= {commune for commune, lat, lon in units
                    if spatial.distance_m(lat0, lon0, lat, lon) <= radius_km * 1000}
    return list(Commune.objects.filter(Q(code__in=codes) | Q(pk__in=ids)).order_by("code"))


@transaction.atomic
def receive_cap(data: bytes, *, agency=None, user=None) -> tuple[CapAlert, EmergencyBroadcast | None]:
    """A CAP alert received (a file or the API) becomes a proposed emergency broadcast for the communes its
    area covers, its description read in Vietnamese; for severity Extreme it starts at once when
    ``BROADCAST_EXTREME_STARTS_AT_ONCE`` is set. A malformed alert is refused whole, naming the element."""
    if agency is not None and not AlertSource.objects.filter(agency=agency, active=True).exists():
        raise BroadcastError("Cơ quan này không được phép gửi cảnh báo CAP.",
                             "This agency is not authorised to send CAP alerts.", "", 403)
    if user is not None and not selectors.may_start_emergency(user):
        raise BroadcastError("Chỉ người có vai trò phát khẩn cấp được nhập cảnh báo CAP.",
                             "Only the emergency role imports CAP alerts.", "", 403)
    try:
        message = cap.parse(data)
    except cap.CapError as error:
        raise BroadcastError(str(error), error.message_en, error.element, 400) from error
    if CapAlert.objects.filter(sender=message.sender[:200], identifier=message.identifier[:200],
                               direction=CapAlert.Direction.RECEIVED).exists():
        raise BroadcastError("Cảnh báo CAP này đã được nhận.", "This CAP alert has already been received.",
                             "identifier", 409)
    info = message.info_for("vi")
    alert = CapAlert.objects.create(
        identifier=message.identifier[:200], sender=message.sender[:200], sent=message.sent,
        direction=CapAlert.Direction.RECEIVED, severity=(info.severity if info else "")[:20],
        event=(info.event if info else "")[:200], headline=(info.headline if info else "")[:300],
        description=info.description if info else "", expires=info.expires if info else None,
        signature=message.signature, xml=data.decode("utf-8", "replace"))
    if info is None or message.status != "Actual" or message.msg_type not in ("Alert", "Update"):
        return alert, None
    communes = cap_communes(message)
    if not communes:
        return alert, None
    text = " ".join(part for part in (info.headline, info.description, info.instruction) if part) or info.event
    minutes = 60
    if info.expires is not None:
        minutes = max(1, min(24 * 60, int((info.expires - timezone.now()).total_seconds() // 60)))
    at_once = info.severity == "Extreme" and settings.BROADCAST_EXTREME_STARTS_AT_ONCE
    emergency = propose_emergency(None, title=(info.headline or info.event or message.identifier)[:200],
                                  message=text[:5000], area=Area.COMMUNES, communes=communes, minutes=minutes,
                                  cap_alert=alert, start=at_once)
    return alert, emergency


def publish_cap(emergency: EmergencyBroadcast) -> CapAlert:
    """The province's own alert for an emergency broadcast, in CAP 1.2, for the CAP feed."""
    communes = list(emergency.communes.all())
    polygon = None
    if emergency.area == Area.POLYGON and emergency.polygon:
        ring = emergency.polygon["coordinates"][0]
        polygon = [(round(lat, 6), round(lon, 6)) for lon, lat in ring]
    area_desc = {Area.PROVINCE: "Toàn tỉnh", Area.POLYGON: "Vùng khoanh trên bản đồ"}.get(
        emergency.area, ", ".join(c.name for c in communes)[:500])
    sent = timezone.localtime(emergency.started_at or timezone.now())
    identifier = f"{settings.TINHSO_PROVINCE_CODE or 'tinhso'}-{sent:%Y%m%d}-{emergency.pk}"
    xml = cap.write(identifier=identifier, sender=settings.BROADCAST_CAP_SENDER, sent=sent, event=emergency.title,
                    headline=emergency.title, description=emergency.message, area_desc=area_desc or "Toàn tỉnh",
                    expires=timezone.localtime(emergency.expires_at) if emergency.expires_at else None,
                    polygon=polygon, geocodes=[("commune", c.code) for c in communes])
    alert = CapAlert.objects.create(identifier=identifier, sender=settings.BROADCAST_CAP_SENDER, sent=sent,
                                    direction=CapAlert.Direction.PUBLISHED, event=emergency.title[:200],
                                    headline=emergency.title[:300], description=emergency.message,
                                    expires=emergency.expires_at, xml=xml.decode())
    return alert


# -- alarms -------------------------------------------------------------------------------------------------

ALARM_KINDS = (DeviceEvent.Kind.OFFLINE, DeviceEvent.Kind.PLAYBACK_FAILED, DeviceEvent.Kind.POWER_LOSS)


def raise_alarms(events: Iterable) -> int:
    """Tell each commune's operators of its units gone offline, failed playback or mains power lost (``events``:
    each with ``device_id`` and ``kind``): one notice
    per commune and kind per hour (the notice service's key), in the operator's language, linking to the
    commune's page."""
    from django.utils.translation import gettext

    from tinhso.common.notices import in_language_of, notify

    counts: dict[tuple[int, str], int] = {}
    device_communes = dict(Device.objects.filter(pk__in={e.device_id for e in events if e.kind in ALARM_KINDS})
                           .values_list("pk", "commune_id"))
    for event in events:
        if event.kind in ALARM_KINDS and event.device_id in device_communes:
            key = (device_communes[event.device_id], event.kind)
            counts[key] = counts.get(key, 0) + 1
    if not counts:
        return 0
    communes = Commune.objects.in_bulk({commune for commune, _kind in counts})
    operators: dict[int, list] = {}
    for membership in (BroadcastMembership.objects.active_on(timezone.localdate())
                       .filter(role="commune_operator", commune__in=communes).select_related("user")):
        operators.setdefault(membership.commune_id, []).append(membership.user)
    hour = timezone.localtime().strftime("%Y%m%d%H")
    sent = 0
    for (commune_id, kind), count in counts.items():
        commune = communes[commune_id]
        for user in operators.get(commune_id, []):
            with in_language_of(user):
                what = str(DeviceEvent.Kind(kind).label)
                subject = gettext("Cảnh báo truyền thanh %(commune)s: %(what)s") % {"commune": commune.name,
                                                                                  "what": what}
                text = gettext("%(count)s cụm thu phát ở %(commune)s: %(what)s. Xem tình trạng các cụm trên trang "
                               "của xã.") % {"count": count, "commune": commune.name, "what": what}
            if notify(user, subject=subject, text=text, link=reverse("broadcast:commune", args=[commune.code]),
                      kind="broadcast.alarm", channels=["in_app", "email"],
                      key=f"broadcast-alarm-{commune_id}-{kind}-{user.pk}-{hour}"):
                sent += 1
    return sent
