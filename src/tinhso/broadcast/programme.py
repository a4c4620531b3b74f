"""Schedules in time: the occurrences of a schedule over days, the devices an area covers, the conflicts a new
schedule would have, and the programme each device receives (and keeps, so it plays when the link drops).

The expansion is pure: a schedule's fields in, local date-times out (the province's zone, ``TIME_ZONE``).
"""

from __future__ import annotations

import datetime
import hashlib
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from django.utils import timezone

from tinhso.broadcast.models import Area, Bulletin, Device, Schedule

WEEKDAYS = range(0, 5)  # Monday–Friday


@dataclass(frozen=True)
class Slot:
    schedule_id: int
    start: datetime.datetime
    end: datetime.datetime


def _plays_on(schedule: Schedule, day: datetime.date) -> bool:
    if day < schedule.starts_on or (schedule.ends_on is not None and day > schedule.ends_on):
        return False
    kind = schedule.recurrence
    if kind == Schedule.Recurrence.ONCE:
        return day == schedule.starts_on
    if kind == Schedule.Recurrence.DAILY:
        return True
    if kind == Schedule.Recurrence.WEEKDAYS:
        return day.weekday() in WEEKDAYS
    weekday = schedule.weekday if schedule.weekday is not None else schedule.starts_on.weekday()
    return day.weekday() == weekday


def occurrences(schedule: Schedule, first: datetime.date, last: datetime.date, seconds: float) -> Iterator[Slot]:
    """Every slot of ``schedule`` that starts on a day from ``first`` to ``last`` (inclusive)."""
    zone = timezone.get_default_timezone()
    day = max(first, schedule.starts_on)
    while day <= last:
        if _plays_on(schedule, day):
            start = datetime.datetime.combine(day, schedule.at, tzinfo=zone)
            yield Slot(schedule.pk, start, start + datetime.timedelta(seconds=max(seconds, 1)))
        day += datetime.timedelta(days=1)


def device_kind(bulletin: Bulletin) -> str:
    """The devices a bulletin is for: display boards show display content, the units play the rest."""
    return Device.Kind.DISPLAY if bulletin.kind == Bulletin.Kind.DISPLAY else Device.Kind.RECEIVER


def area_devices(area: str, *, communes: Iterable[int] = (), villages: Iterable[int] = (),
                 devices: Iterable[int] = (), kind: str = Device.Kind.RECEIVER) -> set[int]:
    """The ids of the active devices of ``kind`` (receive-and-play units by default) an area covers."""
    units = Device.objects.filter(state=Device.State.ACTIVE, kind=kind)
    if area == Area.COMMUNES:
        units = units.filter(commune__in=list(communes))
    elif area == Area.VILLAGES:
        units = units.filter(village__in=list(villages))
    elif area == Area.DEVICES:
        units = units.filter(pk__in=list(devices))
    elif area != Area.PROVINCE:
        return set()
    return set(units.values_list("pk", flat=True))


def schedule_devices(schedule: Schedule) -> set[int]:
    return area_devices(schedule.area, communes=[c.pk for c in schedule.communes.all()],
                        villages=[v.pk for v in schedule.villages.all()],
                        devices=[d.pk for d in schedule.devices.all()], kind=device_kind(schedule.bulletin))


@dataclass(frozen=True)
class Conflict:
    other: Schedule
    start: datetime.datetime
    devices: int


def conflicts(candidate: Schedule, devices: set[int], seconds: float, *, horizon_days: int = 62,
              exclude: int | None = None) -> list[Conflict]:
    """The schedules (approved or waiting) whose slots overlap ``candidate``'s on a shared device, over its
    first ``horizon_days`` days: the first overlap with each, so the operator sees them before saving."""
    first = candidate.starts_on
    last = candidate.ends_on or first + datetime.timedelta(days=horizon_days)
    last = min(last, first + datetime.timedelta(days=horizon_days))
    mine = list(occurrences(candidate, first, last, seconds))
    if not mine or not devices:
        return []
    others = (Schedule.objects.exclude(state=Schedule.State.CANCELLED).exclude(pk=exclude)
              .filter(starts_on__lte=last).exclude(ends_on__lt=first)
              .select_related("bulletin").prefetch_related("communes", "villages", "devices"))
    found = []
    for other in others:
        shared = devices & schedule_devices(other)
        if not shared:
            continue
        theirs = list(occurrences(other, first, last, other.bulletin.duration_seconds))
        hit = next((a.start for a in mine for b in theirs if a.start < b.end and b.start < a.end), None)
        if hit is not None:
            found.append(Conflict(other, hit, len(shared)))
    return found


def device_programme(device: Device, *, days: int = 7, today: datetime.date | None = None) -> dict:
    """What one device receives: its approved slots for ``days`` days with each file's URL and SHA-256, and a
    version that changes when the programme does (the device keeps the files and plays offline)."""
    from django.urls import reverse

    today = today or timezone.localdate()
    last = today + datetime.timedelta(days=days - 1)
    schedules = (Schedule.objects.filter(state=Schedule.State.APPROVED, starts_on__lte=last)
                 .exclude(ends_on__lt=today).select_related("bulletin")
                 .prefetch_related("communes", "villages", "devices"))
    items = []
    for schedule in schedules:
        if schedule.area == Area.PROVINCE:
            reaches = True
        elif schedule.area == Area.COMMUNES:
            reaches = any(c.pk == device.commune_id for c in schedule.communes.all())
        elif schedule.area == Area.VILLAGES:
            reaches = any(v.pk == device.village_id for v in schedule.villages.all())
        else:
            reaches = any(d.pk == device.pk for d in schedule.devices.all())
        if not reaches:
            continue
        bulletin = schedule.bulletin
        if device_kind(bulletin) != device.kind:
            continue
        for slot in occurrences(schedule, today, last, bulletin.duration_seconds):
            item = {"at": slot.start.isoformat(), "bulletin": bulletin.pk, "seconds": bulletin.duration_seconds}
            if bulletin.kind == Bulletin.Kind.DISPLAY:
                # A board shows the text and the image (fetched once, checked against its SHA-256).
                item.update(kind="display", text=bulletin.text, sha256=bulletin.sha256 if bulletin.image else "",
                            url=reverse("broadcast:bulletin-image", args=[bulletin.pk]) if bulletin.image else "")
            else:
                item.update(sha256=bulletin.sha256, url=reverse("broadcast:bulletin-audio", args=[bulletin.pk]))
            items.append(item)
    items.sort(key=lambda item: item["at"])
    version = hashlib.sha256(json.dumps(items, sort_keys=True).encode()).hexdigest()[:16]
    return {"version": version, "items": items}
