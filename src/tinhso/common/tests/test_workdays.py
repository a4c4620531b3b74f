"""The working-day arithmetic (standards §3), on the package's holidays plus the shipped schedules."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tinhso.common.calendar_schedules import KNOWN_SCHEDULES
from tinhso.common.tests.naive_calendar import NaiveCalendar
from tinhso.common.workdays import (
    VIETNAM,
    CalendarDay,
    CalendarInputError,
    DayKind,
    OfficeHours,
    build_calendar,
    parse_days,
    parse_hours,
    parse_moment,
)

OFFICE_HOURS = OfficeHours.parse("07:30-11:30,13:30-17:00")


def at(*args) -> datetime:
    return datetime(*args, tzinfo=VIETNAM)


@pytest.fixture(scope="module")
def calendar():
    return build_calendar(KNOWN_SCHEDULES, office_hours=OFFICE_HOURS)


def days_off_and_makeup_days(calendar, year):
    schedule = calendar.year_schedule(year)
    off = {e.day for e in schedule if e.kind == DayKind.OFF}
    return off, {e.day for e in schedule if e.kind == DayKind.WORK}


WEEKDAYS_OFF_2026 = {
    date(2026, 1, 1),
    *(date(2026, 2, d) for d in range(16, 21)),  # Tết: off Sat 14/2 – Sun 22/2 (Công văn 9859/VPCP-KGVX)
    date(2026, 4, 27),  # Hùng Kings on Sunday 26/4, made up on Monday
    date(2026, 4, 30), date(2026, 5, 1),
    date(2026, 8, 31), date(2026, 9, 1), date(2026, 9, 2),  # off Sat 29/8 – Wed 2/9, Mon 31/8 swapped
    date(2026, 11, 24),
}


# -- the worked cases ---------------------------------------------------------------------------------

def test_a_dossier_received_the_friday_before_tet_2026_is_due_the_monday_after(calendar):
    due = calendar.add_working_days(at(2026, 2, 13, 10, 0), 1)
    assert due.isoformat() == "2026-02-23T17:00:00+07:00"


def test_the_receiving_day_is_not_counted_even_at_the_opening_of_office_hours(calendar):
    assert calendar.add_working_days(at(2026, 3, 2, 7, 30), 1) == at(2026, 3, 3, 17, 0)


def test_a_receipt_on_a_day_off_starts_the_count_the_next_day(calendar):
    assert calendar.add_working_days(at(2026, 3, 15, 9, 0), 1) == at(2026, 3, 16, 17, 0)  # Sunday
    assert calendar.add_working_days(at(2026, 2, 18, 9, 0), 1) == at(2026, 2, 23, 17, 0)  # in Tết


def test_a_make_up_saturday_counts_as_a_working_day(calendar):
    assert calendar.add_working_days(at(2026, 8, 21, 9, 0), 1) == at(2026, 8, 22, 17, 0)
    assert calendar.add_working_days(at(2025, 4, 25, 9, 0), 1) == at(2025, 4, 26, 17, 0)
    assert calendar.add_working_days(at(2025, 4, 25, 9, 0), 2) == at(2025, 4, 28, 17, 0)
    assert calendar.add_working_days(at(2025, 4, 29, 9, 0), 1) == at(2025, 5, 5, 17, 0)


def test_a_same_day_limit_ends_with_the_office_day(calendar):
    assert calendar.add_working_days(at(2026, 3, 2, 9, 0), 0) == at(2026, 3, 2, 17, 0)
    assert calendar.add_working_days(at(2026, 2, 14, 9, 0), 0) == at(2026, 2, 23, 17, 0)
    # Received after office hours: the same-day limit moves to the next working day (NĐ 61 Art. 18).
    assert calendar.add_working_days(at(2026, 3, 2, 18, 30), 0) == at(2026, 3, 3, 17, 0)
    assert calendar.add_working_days(at(2026, 2, 13, 17, 0), 0) == at(2026, 2, 23, 17, 0)


def test_a_moment_in_another_time_zone_is_counted_on_its_vietnamese_day(calendar):
    # 18:00 UTC on Thursday is 01:00 on Friday in Vietnam.
    assert calendar.add_working_days(datetime(2026, 3, 5, 18, 0, tzinfo=UTC), 1) == at(2026, 3, 9, 17, 0)


def test_the_2026_weekdays_off_and_make_up_days_are_exactly_the_published_ones(calendar):
    assert days_off_and_makeup_days(calendar, 2026) == (WEEKDAYS_OFF_2026, {date(2026, 8, 22)})


def test_the_shipped_schedule_alone_gives_the_same_2026_when_the_package_lacks_days():
    without_package = build_calendar(KNOWN_SCHEDULES, statutory=[], office_hours=OFFICE_HOURS)
    assert days_off_and_makeup_days(without_package, 2026) == (WEEKDAYS_OFF_2026, {date(2026, 8, 22)})


def test_a_day_both_the_package_and_the_schedule_know_is_listed_once_with_the_schedule_reason(calendar):
    listed = [e for e in calendar.year_schedule(2026) if e.day == date(2026, 2, 17)]
    assert len(listed) == 1
    assert listed[0].source == "Công văn 9859/VPCP-KGVX"


def test_the_2025_labour_day_bridge_is_off_and_its_saturday_worked(calendar):
    off, makeup = days_off_and_makeup_days(calendar, 2025)
    assert {date(2025, 4, 30), date(2025, 5, 1), date(2025, 5, 2)} <= off
    assert makeup == {date(2025, 4, 26)}


def test_a_working_day_override_corrects_a_provisional_package_holiday():
    provisional = date(2027, 2, 4)  # "29 Tết" in the package, before the 2027 schedule is published
    corrected = build_calendar([CalendarDay(provisional, DayKind.WORK, "Lịch 2027 đã công bố")],
                               office_hours=OFFICE_HOURS)
    assert corrected.is_working_day(provisional)
    assert provisional not in days_off_and_makeup_days(corrected, 2027)[0]


def test_next_working_day_skips_tet(calendar):
    assert calendar.next_working_day(date(2026, 2, 13)) == date(2026, 2, 23)
    assert calendar.next_working_day(date(2026, 8, 21)) == date(2026, 8, 22)


def test_is_working_day_follows_the_schedule(calendar):
    assert calendar.is_working_day(date(2026, 8, 22))
    assert not calendar.is_working_day(date(2026, 8, 31))
    assert not calendar.is_working_day(date(2026, 11, 24))
    assert calendar.is_working_day(date(2026, 11, 25))


# -- working hours ------------------------------------------------------------------------------------

def test_working_hours_continue_at_the_next_working_day(calendar):
    assert calendar.add_working_hours(at(2026, 2, 13, 16, 0), 2) == at(2026, 2, 23, 8, 30)


def test_a_receipt_at_lunch_starts_counting_at_the_afternoon_session(calendar):
    assert calendar.add_working_hours(at(2026, 3, 2, 12, 0), 1) == at(2026, 3, 2, 14, 30)


def test_a_receipt_before_opening_starts_counting_at_the_morning_session(calendar):
    assert calendar.add_working_hours(at(2026, 3, 2, 6, 0), 1) == at(2026, 3, 2, 8, 30)


def test_a_limit_ending_with_a_session_is_due_at_its_end_not_at_the_next_opening(calendar):
    assert calendar.add_working_hours(at(2026, 3, 2, 6, 0), 4) == at(2026, 3, 2, 11, 30)
    assert calendar.add_working_hours(at(2026, 3, 2, 17, 0), 7.5) == at(2026, 3, 3, 17, 0)


def test_fractional_working_hours_are_counted_to_the_minute(calendar):
    assert calendar.add_working_hours(at(2026, 3, 2, 11, 0), parse_hours("1,5")) == at(2026, 3, 2, 14, 30)


def test_a_zero_hour_limit_is_due_at_once(calendar):
    assert calendar.add_working_hours(at(2026, 3, 2, 20, 0), 0) == at(2026, 3, 2, 20, 0)


# -- lateness -----------------------------------------------------------------------------------------

def test_lateness_counts_working_days_after_the_due_day_up_to_the_finishing_day(calendar):
    due = at(2026, 2, 13, 17, 0)
    assert calendar.working_days_between(due, at(2026, 2, 23, 9, 0)) == 1
    assert calendar.working_days_between(due, at(2026, 2, 24, 9, 0)) == 2


def test_lateness_is_zero_on_the_same_day_on_the_days_off_after_and_before_the_due_moment(calendar):
    due = at(2026, 2, 13, 17, 0)
    assert calendar.working_days_between(due, at(2026, 2, 13, 18, 0)) == 0
    assert calendar.working_days_between(due, at(2026, 2, 20, 10, 0)) == 0
    assert calendar.working_days_between(due, at(2026, 2, 10, 10, 0)) == 0


def test_lateness_undoes_a_limit_in_days(calendar):
    received = at(2026, 8, 20, 15, 0)
    for days in range(1, 40):
        assert calendar.working_days_between(received, calendar.add_working_days(received, days)) == days


# -- bad input ----------------------------------------------------------------------------------------

def test_a_negative_limit_is_refused_in_vietnamese(calendar):
    with pytest.raises(CalendarInputError, match="không được âm"):
        calendar.add_working_days(at(2026, 3, 2, 9, 0), -1)
    with pytest.raises(CalendarInputError, match="không được âm"):
        calendar.add_working_hours(at(2026, 3, 2, 9, 0), -1)


def test_a_date_outside_the_calendar_is_refused_not_miscounted(calendar):
    with pytest.raises(CalendarInputError, match="ngoài phạm vi"):
        calendar.add_working_days(at(1999, 12, 31, 9, 0), 1)
    with pytest.raises(CalendarInputError, match="vượt quá phạm vi"):
        calendar.add_working_days(at(2060, 12, 30, 9, 0), 5)
    with pytest.raises(CalendarInputError, match="ngoài phạm vi"):
        calendar.year_schedule(2061)


@pytest.mark.parametrize("text", ["07:30-11:30,11:00-17:00", "17:00-07:30", "7h30-11h30", "25:00-26:00"])
def test_office_hours_that_do_not_make_sense_are_refused(text):
    with pytest.raises(ValueError, match=r"Giờ làm việc|Các buổi"):
        OfficeHours.parse(text)


@pytest.mark.parametrize(("text", "expected"), [
    ("2026-02-13 10:00", at(2026, 2, 13, 10, 0)),
    ("2026-02-13T10:00:00+07:00", at(2026, 2, 13, 10, 0)),
    ("2026-02-13T10:00:00 07:00", at(2026, 2, 13, 10, 0)),  # '+' lost in a query string
    ("2026-02-13T03:00:00Z", at(2026, 2, 13, 10, 0)),
    ("13/02/2026 10:00", at(2026, 2, 13, 10, 0)),
    ("13/02/2026", at(2026, 2, 13, 0, 0)),
    ("2026-02-13", at(2026, 2, 13, 0, 0)),
])
def test_moments_are_read_in_iso_and_day_first_forms_as_vietnam_time(text, expected):
    assert parse_moment(text) == expected


@pytest.mark.parametrize("text", ["", "hôm qua", "31/02/2026", "2026-13-01 10:00", "13/02/2026 25:00"])
def test_an_unreadable_moment_is_refused_in_vietnamese(text):
    with pytest.raises(CalendarInputError, match="thời điểm") as error:
        parse_moment(text)
    assert error.value.field == "from"


@pytest.mark.parametrize("text", ["-1", "1.5", "ba", "", "1e3"])
def test_days_must_be_a_whole_non_negative_number(text):
    with pytest.raises(CalendarInputError, match="Số ngày"):
        parse_days(text)


@pytest.mark.parametrize("text", ["-2", "NaN", "Infinity", "bốn", ""])
def test_hours_must_be_a_non_negative_number(text):
    with pytest.raises(CalendarInputError, match="Số giờ"):
        parse_hours(text)


# -- against the day-by-day rules ---------------------------------------------------------------------

SESSIONS = ["07:30-11:30,13:30-17:00", "08:00-12:00,13:00-17:00", "08:00-16:00",
            "07:00-11:00,13:00-15:00,16:00-18:30"]
moments = st.datetimes(min_value=datetime(2024, 1, 1), max_value=datetime(2030, 12, 31, 23, 59, 59),
                       timezones=st.sampled_from([None, VIETNAM, UTC, ZoneInfo("Europe/Paris"),
                                                  timezone(timedelta(hours=-5))]))
overrides = st.lists(
    st.builds(lambda day, kind: CalendarDay(day, kind, "thử"), st.dates(date(2024, 1, 1), date(2030, 12, 31)),
              st.sampled_from(list(DayKind))),
    max_size=15, unique_by=lambda entry: entry.day,
)
PROPERTY_SETTINGS = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def both_calendars(extra, sessions):
    office_hours = OfficeHours.parse(sessions)
    entries = [*KNOWN_SCHEDULES, *extra]
    fast = build_calendar(entries, office_hours=office_hours, first_year=2023, last_year=2032)
    return fast, NaiveCalendar(office_hours, entries)


@PROPERTY_SETTINGS
@given(received=moments, days=st.integers(0, 60), extra=overrides, sessions=st.sampled_from(SESSIONS))
def test_add_working_days_agrees_with_counting_day_by_day(received, days, extra, sessions):
    fast, naive = both_calendars(extra, sessions)
    assert fast.add_working_days(received, days) == naive.add_working_days(received, days)


@PROPERTY_SETTINGS
@given(received=moments, minutes=st.integers(0, 200 * 60), extra=overrides,
       sessions=st.sampled_from(SESSIONS))
def test_add_working_hours_agrees_with_counting_session_by_session(received, minutes, extra, sessions):
    fast, naive = both_calendars(extra, sessions)
    hours = minutes / 60
    assert fast.add_working_hours(received, hours) == naive.add_working_hours(received, hours)


@PROPERTY_SETTINGS
@given(start=moments, end=moments, extra=overrides)
def test_working_days_between_agrees_with_counting_day_by_day(start, end, extra):
    fast, naive = both_calendars(extra, SESSIONS[0])
    assert fast.working_days_between(start, end) == naive.working_days_between(start, end)


@PROPERTY_SETTINGS
@given(day=st.dates(date(2024, 1, 1), date(2030, 12, 31)), extra=overrides)
def test_working_days_agree_with_the_day_by_day_rules(day, extra):
    fast, naive = both_calendars(extra, SESSIONS[0])
    assert fast.is_working_day(day) == naive.is_working_day(day)
    assert fast.next_working_day(day) == naive.next_working_day(day)


def test_the_whole_shipped_range_agrees_with_the_day_by_day_rules(calendar):
    naive = NaiveCalendar(OFFICE_HOURS, KNOWN_SCHEDULES)
    day = date(2000, 1, 1)
    while day <= date(2060, 12, 31):
        assert calendar.is_working_day(day) == naive.is_working_day(day), day
        day += timedelta(days=1)
