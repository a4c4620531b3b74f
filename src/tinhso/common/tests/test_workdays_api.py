"""GET /api/calendar/…: the calendar over HTTP; bad input gets a 400 in Vietnamese, never a 500."""

from __future__ import annotations

import pytest

from tinhso.common import workdays

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def fresh_calendar():
    workdays.invalidate_calendar()
    yield
    workdays.invalidate_calendar()


def test_due_in_working_days_gives_the_worked_example(client):
    response = client.get("/api/calendar/due", {"from": "2026-02-13 10:00", "days": "1"})
    assert response.status_code == 200
    assert response.json() == {"due": "2026-02-23T17:00:00+07:00"}


def test_due_in_working_hours(client):
    response = client.get("/api/calendar/due", {"from": "2026-02-13T16:00:00+07:00", "hours": "2"})
    assert response.json() == {"due": "2026-02-23T08:30:00+07:00"}


def test_an_offset_whose_plus_became_a_space_is_still_read(client):
    response = client.get("/api/calendar/due?from=2026-02-13T10:00:00+07:00&days=1")
    assert response.json() == {"due": "2026-02-23T17:00:00+07:00"}


def test_between_gives_the_working_days_late(client):
    response = client.get("/api/calendar/between", {"from": "2026-02-13 17:00", "to": "2026-02-24 09:00"})
    assert response.status_code == 200
    assert response.json() == {"working_days": 2}


def test_a_year_lists_its_weekdays_off_and_make_up_days_with_reasons(client):
    response = client.get("/api/calendar/years/2026")
    assert response.status_code == 200
    body = response.json()
    assert body["year"] == 2026
    assert len(body["days"]) == 14
    assert {"date": "2026-08-22", "weekday": "Thứ Bảy", "kind": "work", "kind_label": "Ngày làm việc bù",
            "reason": "Làm bù cho thứ Hai 31/08/2026 (nghỉ Quốc khánh 29/8 – 2/9/2026)",
            "source": ""} in body["days"]
    tet = next(day for day in body["days"] if day["date"] == "2026-02-16")
    assert tet["source"] == "Công văn 9859/VPCP-KGVX"


@pytest.mark.parametrize(("url", "field", "message"), [
    ("/api/calendar/due?days=1", "from", "Thiếu thời điểm"),
    ("/api/calendar/due?from=ngày mai&days=1", "from", "Không đọc được thời điểm"),
    ("/api/calendar/due?from=2026-02-13&days=-1", "days", "không được âm"),
    ("/api/calendar/due?from=2026-02-13&days=abc", "days", "phải là số nguyên"),
    ("/api/calendar/due?from=2026-02-13&hours=x", "hours", "phải là một số"),
    ("/api/calendar/due?from=2026-02-13", "days", "đúng một trong hai"),
    ("/api/calendar/due?from=2026-02-13&days=1&hours=2", "days", "đúng một trong hai"),
    ("/api/calendar/due?from=2060-12-30&days=99999", "days", "vượt quá phạm vi"),
    ("/api/calendar/due?from=1990-01-01&days=1", "from", "ngoài phạm vi"),
    ("/api/calendar/between?from=2026-02-13", "to", "Thiếu thời điểm"),
    ("/api/calendar/years/abcd", "year", "4 chữ số"),
    ("/api/calendar/years/2099", "year", "ngoài phạm vi"),
])
def test_bad_input_gets_a_400_in_vietnamese_naming_the_field(client, url, field, message):
    response = client.get(url)
    assert response.status_code == 400
    body = response.json()
    assert body["field"] == field
    assert message in body["detail"]
