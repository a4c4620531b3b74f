"""The working-day rules applied one day at a time, straight from the sources.

The reference the fast calendar is tested against, and the baseline the benchmark times it against:
nothing is precomputed, every day is asked whether it is a working day.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, timedelta
from decimal import Decimal
from functools import lru_cache

import holidays

from tinhso.common.workdays import (
    FIRST_YEAR,
    LAST_YEAR,
    VIETNAM,
    CalendarDay,
    DayKind,
    OfficeHours,
    limit_in_microseconds,
    to_local,
)

ONE_DAY = timedelta(days=1)


@lru_cache(maxsize=1)
def vietnam_holidays() -> holidays.HolidayBase:
    return holidays.country_holidays("VN", years=range(FIRST_YEAR, LAST_YEAR + 1))


class NaiveCalendar:
    def __init__(self, office_hours: OfficeHours, overrides: Iterable[CalendarDay] = (),
                 use_package: bool = True):
        self.office_hours = office_hours
        self.overrides = {entry.day: entry.kind for entry in overrides}
        self.holidays = vietnam_holidays() if use_package else {}
        self.weekend_workdays = set(getattr(self.holidays, "weekend_workdays", ()))

    def is_working_day(self, day: date) -> bool:
        kind = self.overrides.get(day)
        if kind is not None:
            return kind == DayKind.WORK
        if day in self.weekend_workdays:
            return True
        if day in self.holidays:
            return False
        return day.weekday() < 5

    def next_working_day(self, day: date) -> date:
        day += ONE_DAY
        while not self.is_working_day(day):
            day += ONE_DAY
        return day

    def add_working_days(self, received_at: datetime | date, days: int) -> datetime:
        moment = to_local(received_at)
        day = moment.date()
        if days == 0:
            while not self.is_working_day(day):
                day += ONE_DAY
            if moment >= datetime.combine(day, self.office_hours.closing, VIETNAM):
                day = self.next_working_day(day)
        for _ in range(days):
            day = self.next_working_day(day)
        return datetime.combine(day, self.office_hours.closing, VIETNAM)

    def add_working_hours(self, received_at: datetime | date, hours: float | int | Decimal) -> datetime:
        moment = to_local(received_at)
        remaining = timedelta(microseconds=limit_in_microseconds(hours))
        if not remaining:
            return moment
        day = moment.date()
        while True:
            if self.is_working_day(day):
                for start, end in self.office_hours.sessions:
                    opens = max(datetime.combine(day, start, VIETNAM), moment)
                    closes = datetime.combine(day, end, VIETNAM)
                    if opens < closes:
                        if remaining <= closes - opens:
                            return opens + remaining
                        remaining -= closes - opens
            day += ONE_DAY

    def working_days_between(self, start: datetime | date, end: datetime | date) -> int:
        first, last = to_local(start), to_local(end)
        if last <= first:
            return 0
        count, day = 0, first.date()
        while day < last.date():
            day += ONE_DAY
            count += self.is_working_day(day)
        return count
