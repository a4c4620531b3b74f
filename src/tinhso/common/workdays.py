"""The platform's one working-day calendar (standards §3).

A day is a working day when it is Monday to Friday and not a day off, or when the government has
decreed it a make-up working day (often a Saturday). The days that differ from the plain week come from
two sources, the second winning for the same date:

1. the ``holidays`` package (country VN): public holidays with their lunar dates, the compensatory days
   off, the swapped days off and the make-up Saturdays it knows of (``weekend_workdays``);
2. the administrator's :class:`~tinhso.common.calendar_models.CalendarOverride` rows, which hold the
   yearly schedules the government publishes (seeded with the known ones by a data migration).

:class:`WorkdayCalendar` is pure arithmetic over arrays precomputed for 2000–2060, so no limit is counted
day by day. :func:`current_calendar` gives the calendar built from the database, cached per process (see
its docstring for invalidation); the module-level functions use it.
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from datetime import time as clock
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from zoneinfo import ZoneInfo

from django.db import models

VIETNAM = ZoneInfo("Asia/Ho_Chi_Minh")
FIRST_YEAR = 2000
LAST_YEAR = 2060
WEEKDAY_NAMES = ("Thứ Hai", "Thứ Ba", "Thứ Tư", "Thứ Năm", "Thứ Sáu", "Thứ Bảy", "Chủ nhật")
STATUTORY_SOURCE = "Bộ luật Lao động 2019, Điều 111–112 (gói holidays)"
SWAP_SOURCE = "Thông báo hoán đổi ngày làm việc của năm (gói holidays)"

_MICROSECOND = timedelta(microseconds=1)


class DayKind(models.TextChoices):
    OFF = "off", "Ngày nghỉ"
    WORK = "work", "Ngày làm việc bù"


@dataclass(frozen=True, slots=True)
class CalendarDay:
    """A day that differs from the plain Monday-to-Friday week, with why."""

    day: date
    kind: DayKind
    reason: str
    source: str = ""

    @property
    def weekday_name(self) -> str:
        return WEEKDAY_NAMES[self.day.weekday()]


class CalendarInputError(ValueError):
    """Input the calendar cannot use; the message is Vietnamese with English in brackets."""

    def __init__(self, message: str, field: str = ""):
        super().__init__(message)
        self.message = message
        self.field = field


@dataclass(frozen=True)
class OfficeHours:
    """The sessions of a working day, e.g. 07:30–11:30 and 13:30–17:00 (standards §3, unconfirmed default)."""

    sessions: tuple[tuple[clock, clock], ...]

    @classmethod
    def parse(cls, text: str) -> OfficeHours:
        """Read ``HH:MM-HH:MM`` sessions separated by commas, in order and not overlapping."""
        sessions = []
        for part in text.split(","):
            match = re.fullmatch(r"\s*(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})\s*", part)
            if not match:
                raise ValueError(f"Giờ làm việc không hợp lệ: {part!r} (expected HH:MM-HH:MM)")
            h1, m1, h2, m2 = (int(g) for g in match.groups())
            if h1 > 23 or h2 > 23 or m1 > 59 or m2 > 59:
                raise ValueError(f"Giờ làm việc không hợp lệ: {part!r} (not a time of day)")
            start, end = clock(h1, m1), clock(h2, m2)
            if end <= start or (sessions and start < sessions[-1][1]):
                raise ValueError(f"Các buổi làm việc phải theo thứ tự, không chồng nhau: {text!r} "
                                 "(sessions must be ordered and not overlap)")
            sessions.append((start, end))
        return cls(tuple(sessions))

    @property
    def closing(self) -> clock:
        """End of the last session: the moment a working-day limit falls due."""
        return self.sessions[-1][1]

    def session_bounds_us(self) -> tuple[tuple[int, int], ...]:
        """Each session as (start, end) in microseconds after midnight."""
        return tuple((_time_us(start), _time_us(end)) for start, end in self.sessions)


def _time_us(value: clock) -> int:
    return ((value.hour * 60 + value.minute) * 60 + value.second) * 1_000_000 + value.microsecond


def to_local(moment: datetime | date) -> datetime:
    """The moment in Vietnam's time; a naive datetime is taken as Vietnam time, a date as its midnight."""
    if not isinstance(moment, datetime):
        return datetime(moment.year, moment.month, moment.day, tzinfo=VIETNAM)
    if moment.tzinfo is None:
        return moment.replace(tzinfo=VIETNAM)
    return moment.astimezone(VIETNAM)


def limit_in_microseconds(hours: float | int | Decimal | timedelta) -> int:
    """A limit in working hours as whole microseconds (the unit of the working-hours arithmetic)."""
    limit = hours if isinstance(hours, timedelta) else timedelta(hours=float(hours))
    return limit // _MICROSECOND


def _fixed_utc_offset(first_year: int, last_year: int) -> timedelta | None:
    """Vietnam's offset when it is the same throughout the years (+07:00 since 1975), else None."""
    offsets = {datetime(year, month, 1, tzinfo=VIETNAM).utcoffset()
               for year in range(first_year, last_year + 2) for month in (1, 4, 7, 10)}
    return offsets.pop() if len(offsets) == 1 else None


class WorkdayCalendar:
    """Working days of ``first_year``–``last_year``, and arithmetic over them without walking days.

    Built once from the days that differ from the plain week into two arrays: the ordinals of the working
    days in order, and for every day of the range how many working days there are up to and including it
    (``bisect_right`` of the first array, precomputed). A query is a few list indexings, so its cost does
    not grow with the length of the limit.
    """

    def __init__(self, exceptions: Mapping[date, CalendarDay], office_hours: OfficeHours,
                 first_year: int = FIRST_YEAR, last_year: int = LAST_YEAR):
        self.first_year, self.last_year = first_year, last_year
        self.office_hours = office_hours
        self._first = date(first_year, 1, 1).toordinal()
        self._size = date(last_year, 12, 31).toordinal() - self._first + 1
        self._exceptions = {day: entry for day, entry in exceptions.items()
                            if first_year <= day.year <= last_year}
        kinds = {day.toordinal(): entry.kind for day, entry in self._exceptions.items()}
        working: list[int] = []
        is_working = bytearray(self._size)
        up_to: list[int] = []
        for offset in range(self._size):  # construction only, never per query
            ordinal = self._first + offset
            kind = kinds.get(ordinal)
            # (ordinal + 6) % 7 is date.weekday(): Monday–Friday work unless an entry says otherwise.
            if kind == DayKind.WORK or (kind is None and (ordinal + 6) % 7 < 5):
                working.append(ordinal)
                is_working[offset] = 1
            up_to.append(len(working))
        self._working = working
        self._is_working = bytes(is_working)
        self._up_to = up_to
        # The due moment of every working day: a limit in days is then an index.
        closing = office_hours.closing
        self._closings = [datetime.combine(date.fromordinal(o), closing, VIETNAM) for o in working]
        self._sessions = office_hours.session_bounds_us()
        self._day_us = sum(end - start for start, end in self._sessions)
        self._utc_shift = _fixed_utc_offset(first_year, last_year)

    # -- queries on days ----------------------------------------------------------------------------

    def _offset(self, moment: datetime | date, field: str = "") -> int:
        """The position in the arrays of the Vietnamese day of ``moment``."""
        if isinstance(moment, datetime):
            zone = moment.tzinfo
            if zone is UTC and self._utc_shift is not None:
                moment = moment + self._utc_shift  # what the database returns: skip the zone lookup
            elif zone is not None and zone is not VIETNAM:
                moment = moment.astimezone(VIETNAM)
        offset = moment.toordinal() - self._first
        if not 0 <= offset < self._size:
            raise CalendarInputError(
                f"Ngày {moment:%d/%m/%Y} nằm ngoài phạm vi lịch làm việc {self.first_year}–{self.last_year} "
                "(date outside the working-day calendar)", field)
        return offset

    def _past_the_end(self, field: str) -> CalendarInputError:
        return CalendarInputError(
            f"Thời hạn vượt quá phạm vi lịch làm việc {self.first_year}–{self.last_year} "
            "(limit runs past the working-day calendar)", field)

    def is_working_day(self, day: date | datetime) -> bool:
        return bool(self._is_working[self._offset(day)])

    def next_working_day(self, day: date | datetime) -> date:
        """The first working day strictly after ``day``."""
        try:
            return date.fromordinal(self._working[self._up_to[self._offset(day)]])
        except IndexError:
            raise self._past_the_end("") from None

    def add_working_days(self, received_at: datetime | date, days: int) -> datetime:
        """The due moment of a limit of ``days`` working days for something received at ``received_at``.

        BLDS 2015 Art. 147: the day of the event is not counted, the period starts the next day, also when
        the receiving day is itself a day off. BLDS 2015 Art. 148 and standards §3: the period ends at the
        end of office hours of its last (the ``days``-th) working day. ``days == 0`` is a same-day limit:
        the end of office hours of the receiving day, or of the next working day if it is a day off.
        A naive ``received_at`` is Vietnam time.
        """
        if days < 0:
            raise CalendarInputError(f"Số ngày không được âm: {days} (days must not be negative)", "days")
        offset = self._offset(received_at, "from")
        # BLDS 2015 Art. 147: the day of the event is not counted; working days up to it are skipped.
        index = self._up_to[offset] + days - 1
        if days == 0:
            index += 1 - self._is_working[offset]
        try:
            due = self._closings[index]
            if days == 0 and isinstance(received_at, datetime):
                moment = received_at if received_at.tzinfo else received_at.replace(tzinfo=VIETNAM)
                if moment >= due:
                    due = self._closings[index + 1]
            return due
        except IndexError:
            raise self._past_the_end("days") from None

    def working_days_between(self, start: datetime | date, end: datetime | date) -> int:
        """How many working days ``end`` is after ``start``: the working days after the day of ``start``
        up to and including the day of ``end`` (BLDS 2015 Art. 147, counted like a limit).

        So ``working_days_between(t, add_working_days(t, n)) == n`` for ``n >= 1``, and a dossier due at
        ``start`` and finished at ``end`` is that many working days late. It is 0 when ``end`` is not
        after ``start``, when it is later the same day, or when it falls on the days off that follow.
        """
        first = self._offset(start, "from")
        last = self._offset(end, "to")
        if last <= first:
            return 0
        return self._up_to[last] - self._up_to[first]

    def add_working_hours(self, received_at: datetime | date,
                          hours: float | int | Decimal | timedelta) -> datetime:
        """The moment ``hours`` of office time after ``received_at`` (standards §3: limits in hours count
        office hours only). A receipt outside the sessions starts counting at the next session; a limit
        that ends exactly at the end of a session falls due then, not at the start of the next one.
        """
        limit = limit_in_microseconds(hours)
        if limit < 0:
            raise CalendarInputError(f"Số giờ không được âm: {hours} (hours must not be negative)", "hours")
        local = to_local(received_at)
        offset = self._offset(local, "from")
        if limit == 0:
            return local
        # Office time elapsed from the start of the calendar to the receipt.
        elapsed = (self._up_to[offset] - self._is_working[offset]) * self._day_us
        if self._is_working[offset]:
            now = _time_us(local.time())
            elapsed += sum(min(max(now - start, 0), end - start) for start, end in self._sessions)
        target = elapsed + limit
        # The first moment at which `target` of office time has elapsed.
        index, into_day = divmod(target - 1, self._day_us)
        into_day += 1
        if index >= len(self._working):
            raise self._past_the_end("hours")
        day = date.fromordinal(self._working[index])
        for start, end in self._sessions:  # the day's sessions (two by default), not days
            if into_day <= end - start:
                moment = start + into_day
                break
            into_day -= end - start
        return datetime(day.year, day.month, day.day, tzinfo=VIETNAM) + timedelta(microseconds=moment)

    # -- the year's schedule ------------------------------------------------------------------------

    def year_schedule(self, year: int) -> list[CalendarDay]:
        """The weekdays off and the make-up working days of ``year``, in date order."""
        if not self.first_year <= year <= self.last_year:
            raise CalendarInputError(
                f"Năm {year} nằm ngoài phạm vi lịch làm việc {self.first_year}–{self.last_year} "
                "(year outside the working-day calendar)", "year")
        return [
            entry for day, entry in sorted(self._exceptions.items())
            if day.year == year and (entry.kind == DayKind.OFF) == (day.weekday() < 5)
        ]


# -- building a calendar ------------------------------------------------------------------------------

@lru_cache(maxsize=4)
def statutory_days(first_year: int = FIRST_YEAR, last_year: int = LAST_YEAR) -> tuple[CalendarDay, ...]:
    """What the ``holidays`` package knows for Vietnam: the days off and the make-up working days."""
    import holidays

    # Labour Code 2019 Art. 112: the public holidays; Art. 111.3: a holiday on the weekly rest day is made
    # up on the next working day. The package also carries past years' swapped days off, named
    # "Ngày nghỉ (thay cho ngày dd/mm/yyyy)", and the Saturdays worked for them (weekend_workdays).
    known = holidays.country_holidays("VN", years=range(first_year, last_year + 1), language="vi")
    days, made_up_for = {}, {}
    for day, name in known.items():
        swapped = _SWAPPED_FOR.search(name)
        if swapped:
            made_up_for[datetime.strptime(swapped.group(1), "%d/%m/%Y").date()] = day
        days[day] = CalendarDay(day, DayKind.OFF, name, SWAP_SOURCE if swapped else STATUTORY_SOURCE)
    for day in getattr(known, "weekend_workdays", ()):
        if first_year <= day.year <= last_year:
            day_off = made_up_for.get(day)
            reason = f"Làm bù cho ngày nghỉ {day_off:%d/%m/%Y}" if day_off else "Ngày làm việc bù"
            days[day] = CalendarDay(day, DayKind.WORK, reason, SWAP_SOURCE)
    return tuple(sorted(days.values(), key=lambda entry: entry.day))


def override_refusal(day: date, kind: DayKind | str, statutory: Iterable[CalendarDay] | None = None) -> str | None:
    """Why an administrator's override for ``day`` makes no sense, or None when it does.

    A Saturday or Sunday is already a day off and a weekday already a working day: declaring a weekend day
    "off" or a weekday a "make-up working day" changes nothing, and is almost always a date typed wrong
    (month and day swapped, the wrong year) that would leave the intended day unchanged. Each is accepted
    only where it corrects the ``holidays`` package: a weekend day off cancels a make-up day the package
    lists, a weekday worked cancels a day off the package lists."""
    kind = DayKind(kind)
    weekend = day.weekday() >= 5
    if (kind == DayKind.OFF) != weekend:  # a weekday off or a weekend day worked: a real change
        return None
    known = {entry.day: entry for entry in (statutory_days() if statutory is None else statutory)}
    package = known.get(day)
    if package is not None and package.kind != kind:
        return None
    name = WEEKDAY_NAMES[day.weekday()]
    if weekend:
        return (f"{name} {day:%d/%m/%Y} đã là ngày nghỉ cuối tuần: không cần khai báo ngày nghỉ. Kiểm tra lại "
                f"ngày (ngày/tháng/năm) (a weekend day is already a day off; check the date).")
    return (f"{name} {day:%d/%m/%Y} đã là ngày làm việc: ngày làm việc bù chỉ khai báo cho thứ Bảy hoặc Chủ "
            f"nhật. Kiểm tra lại ngày (ngày/tháng/năm) (a weekday is already a working day; a make-up working "
            f"day falls on a weekend; check the date).")


_SWAPPED_FOR = re.compile(r"thay cho ngày (\d{2}/\d{2}/\d{4})")


def configured_office_hours() -> OfficeHours:
    from django.conf import settings

    return OfficeHours.parse(settings.TINHSO_OFFICE_HOURS)


def build_calendar(overrides: Iterable[CalendarDay] = (), *, statutory: Iterable[CalendarDay] | None = None,
                   office_hours: OfficeHours | None = None, first_year: int = FIRST_YEAR,
                   last_year: int = LAST_YEAR) -> WorkdayCalendar:
    """A calendar from the package's days and the overrides; an override replaces the package's entry for
    the same date, so a day both know appears once, with the override's reason and source."""
    if statutory is None:
        statutory = statutory_days(first_year, last_year)
    merged = {entry.day: entry for entry in statutory}
    merged.update((entry.day, entry) for entry in overrides)
    return WorkdayCalendar(merged, office_hours or configured_office_hours(), first_year, last_year)


# -- the calendar of the running platform -------------------------------------------------------------

RECHECK_SECONDS = 10.0


class _Cache:
    def __init__(self):
        self.lock = threading.Lock()
        self.calendar: WorkdayCalendar | None = None
        self.fingerprint: tuple | None = None
        self.checked_at = float("-inf")


_cache = _Cache()


def _database_fingerprint() -> tuple:
    """A cheap summary of the overrides table that changes with every insert, edit and delete."""
    from django.conf import settings
    from django.db.models import Count, Max

    from tinhso.common.calendar_models import CalendarOverride

    summary = CalendarOverride.objects.aggregate(rows=Count("id"), latest=Max("updated_at"))
    return summary["rows"], summary["latest"], settings.TINHSO_OFFICE_HOURS


def _build_from_database() -> WorkdayCalendar:
    from tinhso.common.calendar_models import CalendarOverride

    return build_calendar(row.as_calendar_day() for row in CalendarOverride.objects.all())


def current_calendar() -> WorkdayCalendar:
    """The calendar of the package's days plus the database's overrides, cached in the process.

    Why this invalidation: the platform runs several processes (web workers, the task worker) and the
    default cache is per process, so a signal alone cannot reach the others. Each process therefore keeps
    a fingerprint of the overrides table (row count, latest ``updated_at``: an insert or edit moves the
    latter, a delete the former) and compares it with one aggregate query at most every
    ``RECHECK_SECONDS``; a change made in this process invalidates at once through the model's signals
    (and again on commit). Another process sees a change within ``RECHECK_SECONDS``, as does this one
    after a change it made is rolled back.
    """
    now = time.monotonic()
    calendar = _cache.calendar
    if calendar is not None and now - _cache.checked_at < RECHECK_SECONDS:
        return calendar
    with _cache.lock:
        fingerprint = _database_fingerprint()
        if _cache.calendar is None or fingerprint != _cache.fingerprint:
            # Fingerprint first, then build: a change in between shows at the next recheck.
            _cache.calendar = _build_from_database()
            _cache.fingerprint = fingerprint
        _cache.checked_at = now
        return _cache.calendar


def invalidate_calendar(**kwargs) -> None:
    """Drop the cached calendar; the next query rebuilds it (connected to the overrides' signals)."""
    _cache.calendar = None
    _cache.checked_at = float("-inf")


def is_working_day(day: date | datetime) -> bool:
    return current_calendar().is_working_day(day)


def next_working_day(day: date | datetime) -> date:
    return current_calendar().next_working_day(day)


def add_working_days(received_at: datetime | date, days: int) -> datetime:
    return current_calendar().add_working_days(received_at, days)


def add_working_hours(received_at: datetime | date, hours: float | int | Decimal | timedelta) -> datetime:
    return current_calendar().add_working_hours(received_at, hours)


def working_days_between(start: datetime | date, end: datetime | date) -> int:
    return current_calendar().working_days_between(start, end)


def year_schedule(year: int) -> list[CalendarDay]:
    return current_calendar().year_schedule(year)


# -- reading what people type (CLI and API) -----------------------------------------------------------

_SPACE_FOR_PLUS = re.compile(r"(\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?) (\d{2}:?\d{2})$")
_DAY_FIRST = re.compile(r"(\d{1,2})/(\d{1,2})/(\d{4})(?:[ T](\d{1,2}):(\d{2})(?::(\d{2}))?)?")


def parse_moment(text: str | None, field: str = "from") -> datetime:
    """A moment typed as ISO 8601 (``2026-02-13 10:00``, ``2026-02-13T10:00:00+07:00``) or day first
    (``13/02/2026 10:00``); without an offset it is Vietnam time, without a time it is midnight."""
    value = (text or "").strip()
    if not value:
        raise CalendarInputError(f"Thiếu thời điểm '{field}' (missing moment)", field)
    # A '+' in a query string arrives as a space: '10:00 07:00' means '10:00+07:00'.
    value = _SPACE_FOR_PLUS.sub(r"\1+\2", value)
    try:
        match = _DAY_FIRST.fullmatch(value)
        if match:
            day, month, year, hour, minute, second = (int(g) if g else 0 for g in match.groups())
            moment = datetime(year, month, day, hour, minute, second)
        else:
            moment = datetime.fromisoformat(value)
    except ValueError:
        raise CalendarInputError(
            f"Không đọc được thời điểm '{field}': {text!r}; hãy nhập dạng 2026-02-13 10:00 hoặc "
            f"13/02/2026 10:00 (unreadable date/time)", field) from None
    return to_local(moment)


def parse_days(text: str | int | None, field: str = "days") -> int:
    """A whole, non-negative number of working days."""
    value = str(text if text is not None else "").strip()
    if not re.fullmatch(r"[+-]?\d{1,9}", value):
        raise CalendarInputError(
            f"Số ngày làm việc phải là số nguyên: {text!r} (days must be a whole number)", field)
    days = int(value)
    if days < 0:
        raise CalendarInputError(f"Số ngày làm việc không được âm: {days} (days must not be negative)", field)
    return days


def parse_hours(text: str | float | None, field: str = "hours") -> Decimal:
    """A non-negative number of working hours; a decimal comma is accepted (``1,5``)."""
    value = str(text if text is not None else "").strip().replace(",", ".")
    try:
        hours = Decimal(value)
    except InvalidOperation:
        hours = None
    if hours is None or not hours.is_finite() or len(value) > 12:
        raise CalendarInputError(f"Số giờ làm việc phải là một số: {text!r} (hours must be a number)", field)
    if hours < 0:
        raise CalendarInputError(
            f"Số giờ làm việc không được âm: {hours} (hours must not be negative)", field)
    return hours


def parse_year(text: str | int, field: str = "year") -> int:
    value = str(text).strip()
    if not re.fullmatch(r"\d{4}", value):
        raise CalendarInputError(f"Năm phải có 4 chữ số: {text!r} (year must have four digits)", field)
    return int(value)
