"""Reporting periods: a month (``2026-03``), a quarter (``2026-Q1``) or a year (``2026``).

A period is a half-open range of local dates [start, end); indicators are kept per month and every
coarser period is a union of months.
"""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass

from django.utils import timezone
from django.utils.translation import gettext

MONTH, QUARTER, YEAR = "month", "quarter", "year"
GRANULARITIES = (MONTH, QUARTER, YEAR)
_ORDER = {MONTH: 0, QUARTER: 1, YEAR: 2}
_PATTERN = re.compile(r"^(?P<year>\d{4})(?:-(?:Q(?P<quarter>[1-4])|(?P<month>0[1-9]|1[0-2])))?$")


class PeriodError(ValueError):
    """A period text that is not ``YYYY``, ``YYYY-Qn`` or ``YYYY-MM``."""


@dataclass(frozen=True, order=True)
class Period:
    year: int
    kind: str = YEAR
    number: int = 1  # the month (1–12) or the quarter (1–4); 1 for a year

    @classmethod
    def parse(cls, text: str) -> Period:
        match = _PATTERN.match((text or "").strip().upper())
        if not match:
            raise PeriodError(gettext("Kỳ báo cáo “%(text)s” không hợp lệ: dùng năm (2026), quý (2026-Q1) hoặc tháng "
                                      "(2026-03).") % {"text": text})
        year = int(match["year"])
        if not 2000 <= year <= 2100:
            raise PeriodError(gettext("Năm %(year)s nằm ngoài khoảng 2000–2100.") % {"year": year})
        if match["quarter"]:
            return cls(year, QUARTER, int(match["quarter"]))
        if match["month"]:
            return cls(year, MONTH, int(match["month"]))
        return cls(year)

    @classmethod
    def containing(cls, day: datetime.date, kind: str) -> Period:
        if kind == MONTH:
            return cls(day.year, MONTH, day.month)
        if kind == QUARTER:
            return cls(day.year, QUARTER, (day.month - 1) // 3 + 1)
        return cls(day.year)

    @classmethod
    def current(cls, kind: str = YEAR) -> Period:
        return cls.containing(timezone.localdate(), kind)

    @property
    def key(self) -> str:
        if self.kind == MONTH:
            return f"{self.year}-{self.number:02d}"
        if self.kind == QUARTER:
            return f"{self.year}-Q{self.number}"
        return str(self.year)

    def __str__(self) -> str:
        return self.key

    @property
    def label(self) -> str:
        """The period in words, in the active language (“Quý I/2026”, “Q1 2026”)."""
        if self.kind == MONTH:
            return gettext("Tháng %(month)s/%(year)s") % {"month": f"{self.number:02d}", "year": self.year}
        if self.kind == QUARTER:
            return gettext("Quý %(quarter)s/%(year)s") % {"quarter": ["I", "II", "III", "IV"][self.number - 1],
                                                          "year": self.year}
        return gettext("Năm %(year)s") % {"year": self.year}

    @property
    def start(self) -> datetime.date:
        if self.kind == MONTH:
            return datetime.date(self.year, self.number, 1)
        if self.kind == QUARTER:
            return datetime.date(self.year, 3 * self.number - 2, 1)
        return datetime.date(self.year, 1, 1)

    @property
    def end(self) -> datetime.date:
        """The first day after the period."""
        months = {MONTH: 1, QUARTER: 3, YEAR: 12}[self.kind]
        month = self.start.month - 1 + months
        return datetime.date(self.start.year + month // 12, month % 12 + 1, 1)

    def coarser_or_equal(self, kind: str) -> bool:
        return _ORDER[self.kind] >= _ORDER[kind]

    def within(self, kind: str) -> Period:
        """The period of granularity ``kind`` that contains this one (itself when already as coarse)."""
        return self if _ORDER[kind] <= _ORDER[self.kind] else Period.containing(self.start, kind)

    def parts(self, kind: str) -> list[Period]:
        """The periods of granularity ``kind`` inside this one, in order."""
        found, day = [], self.start
        while day < self.end:
            part = Period.containing(day, kind)
            found.append(part)
            day = part.end
        return found

    def elapsed_fraction(self, today: datetime.date | None = None) -> float:
        """How much of the period has passed by ``today``: 0 before it starts, 1 once it has ended."""
        today = today or timezone.localdate()
        total = (self.end - self.start).days
        done = (min(max(today, self.start), self.end) - self.start).days
        return done / total

    def previous(self) -> Period:
        return Period.containing(self.start - datetime.timedelta(days=1), self.kind)


def month_of(moment: datetime.datetime) -> datetime.date:
    """The first day of the local month of ``moment`` — the rollup key."""
    return timezone.localtime(moment).date().replace(day=1)
