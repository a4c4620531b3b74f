"""Dates are typed and shown day first (dd/mm/yyyy) or ISO, never month first, in both languages."""

from __future__ import annotations

from datetime import date, datetime

import pytest
from django import forms
from django.core.exceptions import ValidationError
from django.template import Context, Template
from django.urls import reverse
from django.utils import translation

from tinhso.common import workdays
from tinhso.common.calendar_models import save_override
from tinhso.common.models import CalendarOverride
from tinhso.common.workdays import DayKind

LANGUAGES = ["vi", "en"]


@pytest.fixture(autouse=True)
def fresh_calendar():
    workdays.invalidate_calendar()
    yield
    workdays.invalidate_calendar()


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("typed", ["05/02/2027", "5/2/2027", "2027-02-05", "05-02-2027", "05.02.2027"])
def test_a_date_field_reads_the_day_first(language, typed):
    with translation.override(language):
        assert forms.DateField().clean(typed) == date(2027, 2, 5)


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_day_beyond_twelve_is_read_not_refused_and_month_first_is_refused(language):
    with translation.override(language):
        assert forms.DateField().clean("13/02/2027") == date(2027, 2, 13)
        with pytest.raises(ValidationError):
            forms.DateField().clean("02/13/2027")


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_date_time_field_reads_the_day_first(language):
    with translation.override(language):
        moment = forms.DateTimeField().clean("05/02/2027 14:30")
        assert (moment.year, moment.month, moment.day, moment.hour, moment.minute) == (2027, 2, 5, 14, 30)
        assert forms.DateTimeField().clean("2027-02-05T14:30").day == 5


@pytest.mark.parametrize("language", LANGUAGES)
def test_dates_are_shown_day_first(language):
    with translation.override(language):
        assert 'value="05/02/2027"' in forms.DateInput().render("d", date(2027, 2, 5))
        shown = Template("{{ d|date }} {{ d|date:'SHORT_DATE_FORMAT' }} {{ m|date:'SHORT_DATETIME_FORMAT' }}")
        assert shown.render(Context({"d": date(2027, 2, 5), "m": datetime(2027, 2, 5, 14, 30)})) == (
            "05/02/2027 05/02/2027 05/02/2027 14:30")


# -- calendar overrides ---------------------------------------------------------------------------------

@pytest.mark.django_db
def test_an_administrator_types_a_tet_day_off_the_vietnamese_way(admin_client):
    response = admin_client.post(reverse("admin:common_calendaroverride_add"), {
        "date": "05/02/2027", "kind": "off", "reason": "Nghỉ Tết Đinh Mùi (thử)", "source_document": "",
    }, HTTP_ACCEPT_LANGUAGE="vi")
    assert response.status_code == 302
    assert CalendarOverride.objects.filter(date=date(2027, 2, 5), kind=DayKind.OFF).exists()
    assert not CalendarOverride.objects.filter(date=date(2027, 5, 2)).exists()
    assert not workdays.is_working_day(date(2027, 2, 5))


@pytest.mark.django_db
@pytest.mark.parametrize(("typed", "kind", "why"), [
    ("06/03/2027", "off", "đã là ngày nghỉ cuối tuần"),  # a Saturday
    ("03/03/2027", "work", "đã là ngày làm việc"),  # a Wednesday
])
def test_the_admin_refuses_an_override_that_changes_nothing_with_the_reason(admin_client, typed, kind, why):
    before = CalendarOverride.objects.count()
    response = admin_client.post(reverse("admin:common_calendaroverride_add"), {
        "date": typed, "kind": kind, "reason": "thử", "source_document": ""}, HTTP_ACCEPT_LANGUAGE="vi")
    assert response.status_code == 200
    assert why in response.content.decode()
    assert CalendarOverride.objects.count() == before


@pytest.mark.django_db
def test_the_service_and_the_model_refuse_a_weekend_day_off_and_a_weekday_make_up_day():
    for day, kind in [(date(2027, 3, 6), DayKind.OFF), (date(2027, 3, 7), DayKind.OFF),
                      (date(2027, 3, 3), DayKind.WORK)]:
        with pytest.raises(ValidationError) as refused:
            save_override(CalendarOverride(date=day, kind=kind, reason="thử"))
        assert "kind" in refused.value.message_dict
        assert not CalendarOverride.objects.filter(date=day).exists()
    assert save_override(CalendarOverride(date=date(2027, 3, 6), kind=DayKind.WORK, reason="Làm bù")).pk
    assert save_override(CalendarOverride(date=date(2027, 3, 3), kind=DayKind.OFF, reason="Nghỉ")).pk


def test_a_correction_of_the_holidays_package_is_accepted():
    package = [workdays.CalendarDay(date(2027, 3, 6), DayKind.WORK, "Làm bù"),
               workdays.CalendarDay(date(2027, 3, 3), DayKind.OFF, "Nghỉ")]
    assert workdays.override_refusal(date(2027, 3, 6), DayKind.OFF, package) is None
    assert workdays.override_refusal(date(2027, 3, 3), DayKind.WORK, package) is None
    assert workdays.override_refusal(date(2027, 3, 6), DayKind.OFF, []) is not None


def test_the_known_schedules_are_all_meaningful_overrides():
    from tinhso.common.calendar_schedules import KNOWN_SCHEDULES

    assert [entry.day for entry in KNOWN_SCHEDULES if workdays.override_refusal(entry.day, entry.kind)] == []
