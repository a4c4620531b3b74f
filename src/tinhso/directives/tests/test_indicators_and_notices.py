"""The register's numbers in the operations centre (counted as the Government Office counts them, by agency,
drilled down to the tasks) and the reminders and weekly digests of `tinhso directives remind`."""

from __future__ import annotations

import datetime

import pytest
from django.core.management import call_command

from tinhso.common.indicators import ReadQuery, registered
from tinhso.common.notices.models import Notice
from tinhso.common.workdays import VIETNAM
from tinhso.directives import services
from tinhso.directives.tests.factories import assigned_task, department, office_with_officer
from tinhso.directory.tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def _read(code, _unused=None):
    return next(i for i in registered() if i.code == code).reader


@pytest.fixture
def march(clock):
    """Four tasks due in March 2026: done on time, done late, overdue and open, cancelled; one due in April."""
    clock.set(2026, 2, 13, 9, 0)
    committee, _office, officer = office_with_officer()
    lead, handler, _ = department("Sở Khoa học và Công nghệ", parent=committee)
    other, other_handler, _ = department("Sở Y tế", parent=committee)
    on_time = assigned_task(officer, committee, lead, due_on=datetime.date(2026, 3, 10))
    late = assigned_task(officer, committee, lead, due_on=datetime.date(2026, 3, 6))
    overdue = assigned_task(officer, committee, other, due_on=datetime.date(2026, 3, 20))
    cancelled = assigned_task(officer, committee, other, due_on=datetime.date(2026, 3, 20))
    assigned_task(officer, committee, other, due_on=datetime.date(2026, 4, 20))
    clock.set(2026, 3, 9, 9, 0)
    services.report_completion(handler, on_time, text="Xong", evidence="1/BC", expected_version=1)
    services.report_completion(handler, late, text="Xong", evidence="2/BC", expected_version=1)
    services.confirm_done(officer, on_time, expected_version=2)
    services.confirm_done(officer, late, expected_version=2)
    services.cancel_task(officer, cancelled, reason="Gộp vào nhiệm vụ khác", expected_version=1)
    clock.set(2026, 4, 1, 9, 0)
    return {"lead": lead, "other": other, "officer": officer, "overdue": overdue, "clock": clock,
            "handler": handler, "other_handler": other_handler, "committee": committee}


def _query(agency_ids=None):
    return ReadQuery(datetime.date(2026, 3, 1), datetime.date(2026, 4, 1), agency_ids,
                     datetime.datetime(2026, 4, 1, 9, 0, tzinfo=VIETNAM))


def test_rates_count_the_tasks_due_in_the_period_as_the_government_office_does(march):
    reader = _read("nhiem-vu-hoan-thanh-dung-han", None)
    counts = reader.counts(_query())
    assert counts == {"due": 3, "done_on_time": 1, "done_late": 1, "overdue_open": 1}
    assert str(reader.value(counts)) == "33.33"
    assert str(_read("ty-le-hoan-thanh-nhiem-vu", None).read(_query())) == "66.67"
    assert _read("nhiem-vu-qua-han", None).read(_query()) == 1


def test_the_numbers_break_down_by_agency_and_an_agency_sees_its_own(march):
    reader = _read("nhiem-vu-hoan-thanh-dung-han", None)
    by_agency = reader.counts_by(_query(), "agency")
    assert by_agency[march["lead"].pk]["done_on_time"] == 1 and by_agency[march["lead"].pk]["due"] == 2
    assert by_agency[march["other"].pk] == {"due": 1, "done_on_time": 0, "done_late": 0, "overdue_open": 1}
    assert str(reader.read(_query((march["lead"].pk,)))) == "50.00"
    by_month = reader.counts_by(_query(), "month")
    assert list(by_month) == [datetime.date(2026, 3, 1)]


def test_every_number_drills_down_to_the_tasks_behind_it(client, march):
    reader = _read("nhiem-vu-qua-han", None)
    link = reader.records(_query(), "agency", march["other"].pk)
    client.force_login(march["officer"])
    page = client.get(link).content.decode()
    assert march["overdue"].text in page
    period_link = _read("nhiem-vu-hoan-thanh-dung-han", None).records(_query())
    assert "han-tu=01%2F03%2F2026" in period_link and "han-den=31%2F03%2F2026" in period_link
    listed = client.get(period_link).context["page_obj"].paginator.count
    assert listed == 4  # the three due in March and the cancelled one, which the register lists too


def test_the_operations_centre_shows_the_indicator_by_agency(client, march):
    client.force_login(UserFactory(superuser=True))
    page = client.get("/dieu-hanh/chi-so/nhiem-vu-hoan-thanh-dung-han/?ky=2026-03&theo=agency")
    assert page.status_code == 200
    text = page.content.decode()
    assert "Sở Khoa học và Công nghệ" in text and "/chi-dao/?" in text


# -- reminders and digests -----------------------------------------------------------------------------------------


def test_reminders_go_before_on_and_after_the_due_day_once_each(clock):
    clock.set(2026, 3, 2, 9, 0)
    committee, _office, officer = office_with_officer()
    lead, handler, leader = department("Sở Khoa học và Công nghệ", parent=committee)
    task = assigned_task(officer, committee, lead, due_on=datetime.date(2026, 3, 13),
                         issued_on=datetime.date(2026, 3, 2))
    reminders = Notice.objects.filter(kind__startswith="directives.remind", user=handler)
    call_command("directives", "remind")
    assert reminders.count() == 0  # 9 working days left: no reminder yet
    clock.set(2026, 3, 4, 9, 0)  # 7 working days left
    call_command("directives", "remind")
    call_command("directives", "remind")
    assert reminders.filter(kind="directives.remind_before").count() == 1
    clock.set(2026, 3, 13, 9, 0)
    call_command("directives", "remind")
    assert reminders.filter(kind="directives.remind_due").count() == 1
    clock.set(2026, 3, 16, 9, 0)
    call_command("directives", "remind")
    assert reminders.filter(kind="directives.remind_overdue").count() == 1
    digests = Notice.objects.filter(kind="directives.overdue_digest")
    assert set(digests.values_list("user", flat=True)) == {leader.pk, officer.pk}
    assert task.text[:40] in digests.get(user=officer).text
    call_command("directives", "remind")
    assert digests.count() == 2


def test_the_monthly_rows_follow_every_action_and_agree_with_the_tasks(march):
    from tinhso.directives import indicators, rollups

    assert rollups.verify() == []
    query = _query()
    direct = indicators._clean(indicators._in_period(query).aggregate(**indicators._period_sums(query)))
    assert _read("nhiem-vu-hoan-thanh-dung-han").counts(query) == direct
    # A period that does not start on the first of a month is read from the tasks: the same numbers.
    odd = ReadQuery(datetime.date(2026, 2, 28), datetime.date(2026, 4, 1), None, query.at)
    assert _read("nhiem-vu-hoan-thanh-dung-han").counts(odd) == direct
    rollups.TaskMonth.objects.all().delete()
    assert rollups.verify() != []
    call_command("directives", "rollups", "--rebuild")
    assert rollups.verify() == []


def test_an_ongoing_tasks_periodic_report_is_reminded_before_and_once_late(clock):
    from tinhso.directives.models import ReportEvery

    clock.set(2026, 3, 2, 9, 0)
    committee, _office, officer = office_with_officer()
    lead, handler, _leader = department("Sở Văn hóa, Thể thao và Du lịch", parent=committee)
    task = assigned_task(officer, committee, lead, every=ReportEvery.MONTHLY, issued_on=datetime.date(2026, 3, 2))
    periodic = Notice.objects.filter(kind="directives.remind_periodic", user=handler)
    clock.set(2026, 3, 25, 9, 0)  # March's report is due at the end of Tue 31/3
    call_command("directives", "remind")
    call_command("directives", "remind")
    assert periodic.count() == 1 and "2026-03" in periodic.get().subject
    clock.set(2026, 4, 1, 9, 0)
    call_command("directives", "remind")
    assert periodic.count() == 2
    services.report_progress(handler, task, text="Báo cáo tháng 3", expected_version=1)
    assert task.periodic_reports.get(period="2026-03").submitted_at is not None
    call_command("directives", "remind")
    assert periodic.count() == 2
