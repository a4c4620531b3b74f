"""The administrator's overrides: shipped by migration, applied at once, audited, editable in the admin."""

from __future__ import annotations

from datetime import date, datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from tinhso.common import workdays
from tinhso.common.audit import AuditEntry, verify
from tinhso.common.calendar_schedules import KNOWN_SCHEDULES, seed_known_schedules
from tinhso.common.models import CalendarOverride
from tinhso.common.workdays import VIETNAM, DayKind

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def fresh_calendar():
    """A test's rolled-back overrides must not linger in the process's cached calendar."""
    workdays.invalidate_calendar()
    yield
    workdays.invalidate_calendar()


def test_every_deployment_has_the_known_schedules_after_migrating():
    rows = {row.date: row for row in CalendarOverride.objects.all()}
    assert set(rows) == {entry.day for entry in KNOWN_SCHEDULES}
    assert rows[date(2026, 2, 16)].source_document == "Công văn 9859/VPCP-KGVX"
    assert rows[date(2026, 8, 22)].kind == DayKind.WORK


def test_seeding_again_adds_nothing_and_keeps_an_administrators_edit():
    CalendarOverride.objects.filter(date=date(2026, 8, 31)).update(reason="Sửa bởi quản trị viên")
    assert seed_known_schedules(CalendarOverride) == 0
    assert CalendarOverride.objects.get(date=date(2026, 8, 31)).reason == "Sửa bởi quản trị viên"


def test_the_database_calendar_gives_the_worked_example():
    due = workdays.add_working_days(datetime(2026, 2, 13, 10, 0, tzinfo=VIETNAM), 1)
    assert due.isoformat() == "2026-02-23T17:00:00+07:00"


def test_an_added_day_off_changes_the_calendar_at_once():
    day = date(2027, 3, 3)
    assert workdays.is_working_day(day)
    override = CalendarOverride.objects.create(date=day, kind=DayKind.OFF, reason="Nghỉ thêm (thử)")
    assert not workdays.is_working_day(day)
    assert workdays.add_working_days(datetime(2027, 3, 2, 9, 0), 1).date() == date(2027, 3, 4)
    override.delete()
    assert workdays.is_working_day(day)


def test_changing_an_override_kind_changes_the_calendar_at_once():
    override = CalendarOverride.objects.get(date=date(2026, 8, 22))
    assert workdays.is_working_day(override.date)
    override.kind = DayKind.OFF
    override.save()
    assert not workdays.is_working_day(override.date)


def test_a_change_made_by_another_process_is_seen_at_the_next_recheck(monkeypatch):
    day = date(2027, 3, 3)
    assert workdays.is_working_day(day)
    # Written without this process's signals, as another worker's write looks from here.
    CalendarOverride.objects.bulk_create([CalendarOverride(date=day, kind=DayKind.OFF, reason="Khác")])
    assert workdays.is_working_day(day), "within RECHECK_SECONDS the cached calendar is used"
    monkeypatch.setattr(workdays, "RECHECK_SECONDS", 0.0)
    assert not workdays.is_working_day(day)
    CalendarOverride.objects.filter(date=day).update(kind=DayKind.WORK, updated_at=timezone.now())
    assert workdays.is_working_day(day)
    CalendarOverride.objects.filter(date=day).delete()
    assert workdays.is_working_day(day)


def test_the_calendar_is_rebuilt_only_when_the_overrides_change(monkeypatch, django_assert_num_queries):
    monkeypatch.setattr(workdays, "RECHECK_SECONDS", 0.0)
    first = workdays.current_calendar()
    with django_assert_num_queries(1):  # the fingerprint only
        assert workdays.current_calendar() is first


def test_override_changes_are_on_the_audit_chain():
    override = CalendarOverride.objects.create(date=date(2027, 3, 3), kind=DayKind.OFF, reason="Nghỉ thêm")
    override.reason = "Nghỉ thêm theo công văn"
    override.save()
    pk = override.pk
    override.delete()
    actions = list(AuditEntry.objects.filter(object_type="common.calendaroverride", object_id=str(pk))
                   .values_list("action", flat=True))
    assert actions == ["create", "update", "delete"]
    assert verify().ok


def test_an_override_outside_the_calendar_range_is_refused_by_validation():
    with pytest.raises(ValidationError):
        CalendarOverride(date=date(2070, 1, 1), kind=DayKind.OFF, reason="x").full_clean()


# -- admin ---------------------------------------------------------------------------------------------

def test_an_administrator_adds_next_years_make_up_day_in_the_admin(admin_client, admin_user):
    response = admin_client.post(reverse("admin:common_calendaroverride_add"), {
        "date": "2027-05-08", "kind": "work", "reason": "Làm bù cho thứ Hai 03/05/2027",
        "source_document": "Công văn (thử)/VPCP-KGVX",
    })
    assert response.status_code == 302
    override = CalendarOverride.objects.get(date=date(2027, 5, 8))
    assert override.created_by == admin_user
    assert workdays.is_working_day(date(2027, 5, 8))
    entry = AuditEntry.objects.get(object_type="common.calendaroverride", object_id=str(override.pk))
    assert entry.actor == admin_user


def test_the_overrides_list_in_the_admin_does_not_grow_queries_with_rows(admin_client, admin_user):
    url = reverse("admin:common_calendaroverride_changelist")
    with CaptureQueriesContext(connection) as few:
        assert admin_client.get(url).status_code == 200
    CalendarOverride.objects.bulk_create([
        CalendarOverride(date=date(2027, 3, day), kind=DayKind.OFF, reason="x", created_by=admin_user)
        for day in range(1, 11)
    ])
    with CaptureQueriesContext(connection) as more:
        assert admin_client.get(url).status_code == 200
    assert len(more) == len(few)


def test_the_overrides_list_in_the_admin_shows_the_weekday(admin_client):
    response = admin_client.get(reverse("admin:common_calendaroverride_changelist"), {"date__year": "2026"})
    assert response.status_code == 200
    assert "Thứ Bảy" in response.content.decode()


def test_the_audit_log_can_be_read_filtered_and_searched_in_the_admin(admin_client):
    override = CalendarOverride.objects.create(date=date(2027, 3, 3), kind=DayKind.OFF, reason="Nghỉ thêm")
    url = reverse("admin:common_auditentry_changelist")
    response = admin_client.get(url, {"action": "create", "object_type": "common.calendaroverride",
                                      "q": str(override.pk)})
    assert response.status_code == 200
    assert "common.calendaroverride" in response.content.decode()
    entry = AuditEntry.objects.get(object_type="common.calendaroverride", object_id=str(override.pk))
    assert admin_client.get(reverse("admin:common_auditentry_change", args=[entry.pk])).status_code == 200


def test_the_audit_log_cannot_be_added_to_changed_or_deleted_in_the_admin(admin_client):
    override = CalendarOverride.objects.create(date=date(2027, 3, 3), kind=DayKind.OFF, reason="Nghỉ thêm")
    entry = AuditEntry.objects.get(object_type="common.calendaroverride", object_id=str(override.pk))
    assert admin_client.get(reverse("admin:common_auditentry_add")).status_code == 403
    assert admin_client.post(reverse("admin:common_auditentry_delete", args=[entry.pk]),
                             {"post": "yes"}).status_code == 403
    response = admin_client.post(reverse("admin:common_auditentry_change", args=[entry.pk]),
                                 {"summary": "sửa lén"})
    assert response.status_code == 403
    entry.refresh_from_db()
    assert entry.summary != "sửa lén"
