"""Fixtures for the engine's tests: a settable clock."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from tinhso.common.workdays import VIETNAM


class Clock:
    """What ``timezone.now()`` answers while a test runs; move it with ``set`` or ``advance``."""

    def __init__(self, moment: datetime.datetime):
        self.moment = moment

    def __call__(self) -> datetime.datetime:
        return self.moment

    def set(self, *args) -> datetime.datetime:
        self.moment = datetime.datetime(*args, tzinfo=VIETNAM) if not isinstance(args[0], datetime.datetime) \
            else args[0]
        return self.moment

    def advance(self, **delta) -> datetime.datetime:
        self.moment += datetime.timedelta(**delta)
        return self.moment


@pytest.fixture
def clock(monkeypatch):
    """Now is Monday 2 March 2026, 09:00 in Vietnam, until the test moves it."""
    fixed = Clock(datetime.datetime(2026, 3, 2, 9, 0, tzinfo=VIETNAM))
    monkeypatch.setattr(timezone, "now", fixed)
    return fixed


@pytest.fixture
def steady_calendar(monkeypatch):
    """The working-day calendar built now and not rechecked during the test, so that query counts only
    show the code under test (the calendar's own recheck is one query at most every few seconds)."""
    from tinhso.common import workdays

    workdays.current_calendar()
    monkeypatch.setattr(workdays, "RECHECK_SECONDS", 10**9)
