"""Schedules: their expansion across days (once, daily, weekdays, weekly), conflicts shown before saving,
approval, and scope."""

from __future__ import annotations

import datetime

import pytest

from tinhso.broadcast import programme, services
from tinhso.broadcast.models import Area, BroadcastRole, Schedule
from tinhso.broadcast.services import ScheduleDraft
from tinhso.broadcast.tests.factories import DeviceFactory, approved_bulletin, person
from tinhso.geo.tests.factories import CommuneFactory

pytestmark = pytest.mark.django_db

MONDAY = datetime.date(2026, 12, 7)


def _days(schedule, first, last):
    return [slot.start.date() for slot in programme.occurrences(schedule, first, last, 60)]


def test_expansion_across_days_follows_the_recurrence():
    week_end = MONDAY + datetime.timedelta(days=13)
    at = datetime.time(6, 30)
    once = Schedule(starts_on=MONDAY, at=at, recurrence="once")
    daily = Schedule(starts_on=MONDAY, ends_on=MONDAY + datetime.timedelta(days=2), at=at, recurrence="daily")
    weekdays = Schedule(starts_on=MONDAY - datetime.timedelta(days=2), at=at, recurrence="weekdays")
    weekly = Schedule(starts_on=MONDAY, at=at, recurrence="weekly", weekday=6)
    assert _days(once, MONDAY, week_end) == [MONDAY]
    assert len(_days(daily, MONDAY - datetime.timedelta(days=5), week_end)) == 3
    assert [d.weekday() for d in _days(weekdays, MONDAY, MONDAY + datetime.timedelta(days=6))] == [0, 1, 2, 3, 4]
    assert _days(weekly, MONDAY, week_end) == [MONDAY + datetime.timedelta(days=6), MONDAY + datetime.timedelta(13)]
    slot = next(programme.occurrences(once, MONDAY, MONDAY, 90))
    assert slot.start.utcoffset() == datetime.timedelta(hours=7)
    assert (slot.end - slot.start).total_seconds() == 90


def test_conflicts_on_a_shared_device_are_shown_before_saving_across_days():
    commune, other = CommuneFactory(), CommuneFactory()
    DeviceFactory(commune=commune)
    DeviceFactory(commune=other)
    source = person(BroadcastRole.SOURCE_OPERATOR)
    news = approved_bulletin(seconds=600)
    services.save_schedule(source, ScheduleDraft(bulletin=news, area=Area.COMMUNES, communes=[commune],
                                                 starts_on=MONDAY, at=datetime.time(6, 0), recurrence="weekly",
                                                 weekday=3))
    # Daily at 06:05 meets the weekly 06:00–06:10 slot on the Thursday, three days later.
    overlapping = ScheduleDraft(bulletin=approved_bulletin("Nông nghiệp", 300), area=Area.PROVINCE, starts_on=MONDAY,
                                at=datetime.time(6, 5), recurrence="daily")
    with pytest.raises(services.ScheduleConflicts) as found:
        services.save_schedule(source, overlapping)
    assert found.value.status == 409
    assert found.value.conflicts[0].start.date() == MONDAY + datetime.timedelta(days=3)
    assert found.value.conflicts[0].devices == 1
    assert "06:05 10/12/2026" in found.value.message
    assert Schedule.objects.count() == 1
    # Another commune's devices at the same time do not conflict; an accepted conflict is saved.
    services.save_schedule(source, ScheduleDraft(bulletin=news, area=Area.COMMUNES, communes=[other],
                                                 starts_on=MONDAY, at=datetime.time(6, 0), recurrence="daily"))
    services.save_schedule(source, overlapping, accept_conflicts=True)
    assert Schedule.objects.count() == 3


def test_a_commune_operator_schedules_only_in_their_commune_and_an_approver_sends_it():
    commune, other = CommuneFactory(), CommuneFactory()
    unit = DeviceFactory(commune=commune)
    operator = person(BroadcastRole.COMMUNE_OPERATOR, commune)
    news = approved_bulletin(commune=commune)
    for area, kwargs in ((Area.COMMUNES, {"communes": [other]}), (Area.PROVINCE, {})):
        with pytest.raises(services.BroadcastError) as refused:
            services.save_schedule(operator, ScheduleDraft(bulletin=news, area=area, starts_on=MONDAY,
                                                           at=datetime.time(17, 0), **kwargs))
        assert refused.value.status == 403
    schedule = services.save_schedule(operator, ScheduleDraft(bulletin=news, area=Area.DEVICES, devices=[unit],
                                                              starts_on=MONDAY, at=datetime.time(17, 0),
                                                              recurrence="daily"))
    assert schedule.commune == commune and schedule.state == Schedule.State.DRAFT
    assert programme.device_programme(unit, today=MONDAY)["items"] == []
    with pytest.raises(services.BroadcastError):
        services.decide_schedule(operator, schedule, approve=True)
    services.decide_schedule(person(BroadcastRole.APPROVER), schedule, approve=True)
    sent = programme.device_programme(unit, today=MONDAY)
    assert len(sent["items"]) == 7 and sent["items"][0]["at"].startswith("2026-12-07T17:00:00+07:00")
    assert sent["items"][0]["url"].endswith(f"/ban-tin/{news.pk}/am-thanh.mp3")
    # Unapproved bulletins are never scheduled.
    draft = approved_bulletin(commune=commune, state="draft")
    with pytest.raises(services.BroadcastError) as unapproved:
        services.save_schedule(operator, ScheduleDraft(bulletin=draft, area=Area.DEVICES, devices=[unit],
                                                       starts_on=MONDAY, at=datetime.time(20, 0)))
    assert unapproved.value.field == "bulletin"
