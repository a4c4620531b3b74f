"""Directives and tasks: due moments on the working-day calendar, the task's life, extensions, scope, notices,
stale forms and concurrent actions."""

from __future__ import annotations

import datetime

import pytest
from django.db import connection

from tinhso.common import deadlines
from tinhso.common.audit import AuditEntry
from tinhso.common.notices.models import Notice
from tinhso.common.workdays import VIETNAM
from tinhso.directives import selectors, services
from tinhso.directives.models import ExtensionState, ReportEvery, TaskState
from tinhso.directives.tests.factories import assigned_task, department, directive, office_with_officer
from tinhso.directory.tests.factories import UserFactory
from tinhso.testing.concurrency import run_together

pytestmark = pytest.mark.django_db(transaction=False)


def moment(*args) -> datetime.datetime:
    return datetime.datetime(*args, tzinfo=VIETNAM)


@pytest.fixture
def world(clock):
    clock.set(2026, 2, 13, 9, 0)
    committee, office, officer = office_with_officer()
    sokhcn, handler, leader = department("Sở Khoa học và Công nghệ", parent=committee)
    soyte, other_handler, _other_leader = department("Sở Y tế", parent=committee)
    return {"committee": committee, "office": office, "officer": officer, "lead": sokhcn, "handler": handler,
            "leader": leader, "other": soyte, "other_handler": other_handler, "clock": clock}


# -- due moments ---------------------------------------------------------------------------------------------


def test_working_days_run_past_tet(world):
    # Tết 2026: off Sat 14/2 – Sun 22/2 (Công văn 9859/VPCP-KGVX); 5 working days from Fri 13/2 are 23–27/2.
    task = assigned_task(world["officer"], world["committee"], world["lead"], days=5)
    assert task.due_at == moment(2026, 2, 27, 17, 0)
    assert task.original_due_at == task.due_at


def test_make_up_saturday_counts_as_a_working_day(world):
    world["clock"].set(2026, 8, 21, 9, 0)
    # Sat 22/8/2026 is a make-up working day for Mon 31/8.
    task = assigned_task(world["officer"], world["committee"], world["lead"], days=1,
                         issued_on=datetime.date(2026, 8, 21))
    assert task.due_at == moment(2026, 8, 22, 17, 0)


def test_a_fixed_date_on_a_day_off_moves_to_the_next_working_day(world):
    world["clock"].set(2026, 8, 21, 9, 0)
    # National Day 2026: off Sat 29/8 – Wed 2/9; a task due Sun 30/8 is due at the end of Thu 3/9.
    task = assigned_task(world["officer"], world["committee"], world["lead"], due_on=datetime.date(2026, 8, 30),
                         issued_on=datetime.date(2026, 8, 21))
    assert task.due_at == moment(2026, 9, 3, 17, 0)


def test_an_ongoing_task_owes_periodic_reports_each_with_its_due_moment(world):
    task = assigned_task(world["officer"], world["committee"], world["lead"], every=ReportEvery.MONTHLY)
    assert task.due_at is None
    reports = list(task.periodic_reports.order_by("due_at"))
    assert reports[0].period == "2026-02"
    # 28/2/2026 is a Saturday: the February report is due at the end of Monday 2/3.
    assert reports[0].due_at == moment(2026, 3, 2, 17, 0)
    assert len(reports) == services.PERIODIC_HORIZON_MONTHS
    quarterly = assigned_task(world["officer"], world["committee"], world["lead"], every=ReportEvery.QUARTERLY)
    assert [p.period for p in quarterly.periodic_reports.order_by("due_at")[:2]] == ["2026-Q1", "2026-Q2"]


def test_an_ongoing_task_without_a_reporting_period_is_refused_and_nothing_is_written(world):
    from tinhso.directives.models import Directive

    before = Directive.objects.count()
    with pytest.raises(services.DirectiveError) as error:
        assigned_task(world["officer"], world["committee"], world["lead"])
    assert error.value.field == "report_every"
    assert "kỳ báo cáo" in error.value.message
    assert Directive.objects.count() == before


# -- the task's life -------------------------------------------------------------------------------------------


def test_completion_reported_then_confirmed_is_done_on_time_with_events_audit_and_notices(world):
    entries = AuditEntry.objects.filter(object_type="directives.task")
    audit_before = entries.count()
    task = assigned_task(world["officer"], world["committee"], world["lead"], due_on=datetime.date(2026, 3, 31))
    assigned = Notice.objects.filter(kind="directives.assigned", user=world["handler"])
    assert assigned.count() == 1
    world["clock"].set(2026, 3, 10, 10, 0)
    services.report_progress(world["handler"], task, text="Đã rà soát 20/45 cơ quan", expected_version=1)
    task.refresh_from_db()
    assert task.state == TaskState.IN_PROGRESS
    services.report_completion(world["handler"], task, text="Đã hoàn thành", evidence="Báo cáo 55/BC-SKHCN",
                               expected_version=task.version)
    task.refresh_from_db()
    assert task.state == TaskState.REPORTED
    assert Notice.objects.filter(kind="directives.reported", user=world["officer"]).exists()
    services.confirm_done(world["officer"], task, expected_version=task.version)
    task.refresh_from_db()
    assert task.state == TaskState.DONE and task.done_on_time is True
    assert selectors.status_of(task).kind == deadlines.EARLY
    assert [e.action for e in task.events.all()] == ["assign", "progress", "report_completion", "confirm"]
    assert entries.count() - audit_before == 4
    assert AuditEntry.objects.filter(object_type="directives.directive", object_id=str(task.directive_id),
                                     after__action="register").exists()


def test_a_late_completion_counts_working_days_late(world):
    task = assigned_task(world["officer"], world["committee"], world["lead"], due_on=datetime.date(2026, 3, 6))
    world["clock"].set(2026, 3, 10, 10, 0)  # Tue: Mon 9 and Tue 10 are two working days after Fri 6
    services.report_completion(world["handler"], task, text="Xong", evidence="Công văn 12/SKHCN",
                               expected_version=1)
    services.confirm_done(world["officer"], task, expected_version=2)
    task.refresh_from_db()
    status = selectors.status_of(task)
    assert task.done_on_time is False
    assert status.kind == deadlines.LATE and status.working_days_late == 2


def test_the_office_returns_a_completion_report_with_a_reason(world):
    task = assigned_task(world["officer"], world["committee"], world["lead"], due_on=datetime.date(2026, 3, 31))
    services.report_completion(world["handler"], task, text="Xong", evidence="x", expected_version=1)
    with pytest.raises(services.DirectiveError) as error:
        services.return_task(world["officer"], task, reason=" ", expected_version=2)
    assert error.value.status == 400 and error.value.field == "reason"
    services.return_task(world["officer"], task, reason="Chưa có số liệu các xã", expected_version=2)
    task.refresh_from_db()
    assert task.state == TaskState.IN_PROGRESS and task.finished_at is None
    assert Notice.objects.filter(kind="directives.returned", user=world["handler"]).exists()


def test_only_the_lead_agency_reports_and_only_the_office_confirms(world):
    task = assigned_task(world["officer"], world["committee"], world["lead"], due_on=datetime.date(2026, 3, 31),
                         coordinating=[world["other"]])
    with pytest.raises(services.DirectiveError) as error:
        services.report_completion(world["other_handler"], task, text="x", evidence="y", expected_version=1)
    assert error.value.status == 403
    services.report_completion(world["handler"], task, text="x", evidence="y", expected_version=1)
    with pytest.raises(services.DirectiveError) as error:
        services.confirm_done(world["leader"], task, expected_version=2)
    assert error.value.status == 403


def test_a_stale_form_gets_409_and_writes_nothing(world):
    task = assigned_task(world["officer"], world["committee"], world["lead"], due_on=datetime.date(2026, 3, 31))
    services.report_progress(world["handler"], task, text="Bước 1", expected_version=1)
    with pytest.raises(services.DirectiveError) as error:
        services.report_progress(world["handler"], task, text="Bước 2", expected_version=1)
    assert error.value.status == 409
    assert task.reports.count() == 1


def test_cancel_needs_a_reason_and_closes_pending_extensions(world):
    task = assigned_task(world["officer"], world["committee"], world["lead"], due_on=datetime.date(2026, 3, 31))
    services.request_extension(world["handler"], task, new_due_on=datetime.date(2026, 4, 30),
                               reason="Chờ số liệu", expected_version=1)
    services.cancel_task(world["officer"], task, reason="Nhiệm vụ đã gộp vào Kế hoạch 12/KH-UBND",
                         expected_version=2)
    task.refresh_from_db()
    assert task.state == TaskState.CANCELLED
    assert task.extensions.get().state == ExtensionState.REFUSED
    from tinhso.directives import rollups

    assert rollups.stored() == {}


# -- extensions --------------------------------------------------------------------------------------------------


def test_an_approved_extension_moves_the_due_moment_and_keeps_the_original(world):
    task = assigned_task(world["officer"], world["committee"], world["lead"], due_on=datetime.date(2026, 3, 6),
                         assigned_by=world["leader"])
    world["clock"].set(2026, 3, 2, 9, 0)
    extension = services.request_extension(world["handler"], task, new_due_on=datetime.date(2026, 3, 20),
                                           reason="Chờ kết quả đo kiểm", expected_version=1)
    assert Notice.objects.filter(kind="directives.extension_requested", user=world["leader"]).exists()
    services.decide_extension(world["leader"], extension, approve=True, expected_version=2)
    task.refresh_from_db()
    assert task.due_at == moment(2026, 3, 20, 17, 0)
    assert task.original_due_at == moment(2026, 3, 6, 17, 0)
    # Finished after the original date but before the approved one: on time.
    world["clock"].set(2026, 3, 18, 9, 0)
    services.report_completion(world["handler"], task, text="Xong", evidence="55/BC", expected_version=3)
    services.confirm_done(world["officer"], task, expected_version=4)
    task.refresh_from_db()
    assert task.done_on_time is True
    from tinhso.directives import rollups

    assert rollups.verify() == []  # the count moved from March's open row to March's on-time row


def test_a_refused_extension_leaves_the_due_moment(world):
    task = assigned_task(world["officer"], world["committee"], world["lead"], due_on=datetime.date(2026, 3, 6))
    extension = services.request_extension(world["handler"], task, new_due_on=datetime.date(2026, 3, 20),
                                           reason="Chờ", expected_version=1)
    with pytest.raises(services.DirectiveError) as error:
        services.decide_extension(world["handler"], extension, approve=True, expected_version=2)
    assert error.value.status == 403
    with pytest.raises(services.DirectiveError) as error:
        services.decide_extension(world["officer"], extension, approve=False, note="", expected_version=2)
    assert error.value.field == "note"
    services.decide_extension(world["officer"], extension, approve=False, note="Không có lý do chính đáng",
                              expected_version=2)
    task.refresh_from_db()
    extension.refresh_from_db()
    assert task.due_at == task.original_due_at == moment(2026, 3, 6, 17, 0)
    assert extension.state == ExtensionState.REFUSED
    assert Notice.objects.filter(kind="directives.extension_decided", user=world["handler"]).exists()


def test_an_extension_must_be_asked_before_the_due_moment_and_for_a_later_date(world):
    task = assigned_task(world["officer"], world["committee"], world["lead"], due_on=datetime.date(2026, 3, 6))
    with pytest.raises(services.DirectiveError) as error:
        services.request_extension(world["handler"], task, new_due_on=datetime.date(2026, 3, 5), reason="x",
                                   expected_version=1)
    assert error.value.field == "new_due_on"
    world["clock"].set(2026, 3, 9, 8, 0)
    with pytest.raises(services.DirectiveError) as error:
        services.request_extension(world["handler"], task, new_due_on=datetime.date(2026, 3, 30), reason="x",
                                   expected_version=1)
    assert "trước thời hạn" in error.value.message
    assert not task.extensions.exists()


# -- scope ------------------------------------------------------------------------------------------------------


def test_an_agency_sees_what_it_leads_or_coordinates_and_the_office_sees_everything(world):
    mine = assigned_task(world["officer"], world["committee"], world["lead"], due_on=datetime.date(2026, 3, 6))
    theirs = assigned_task(world["officer"], world["committee"], world["other"], due_on=datetime.date(2026, 3, 6))
    helping = assigned_task(world["officer"], world["committee"], world["other"], due_on=datetime.date(2026, 3, 6),
                            coordinating=[world["lead"]])
    assert set(selectors.tasks_for(world["handler"])) == {mine, helping}
    assert set(selectors.tasks_for(world["other_handler"])) == {theirs, helping}
    assert set(selectors.tasks_for(world["officer"])) == {mine, theirs, helping}
    citizen = UserFactory()
    assert not selectors.tasks_for(citizen).exists()
    assert not selectors.may_use_register(citizen)


# -- concurrency ------------------------------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_concurrent_confirmations_of_one_task_confirm_it_once(clock):
    clock.set(2026, 2, 13, 9, 0)
    committee, _office, officer = office_with_officer()
    lead, handler, _leader = department("Sở Khoa học và Công nghệ", parent=committee)
    task = assigned_task(officer, committee, lead, due_on=datetime.date(2026, 3, 31))
    services.report_completion(handler, task, text="Xong", evidence="55/BC", expected_version=1)

    def confirm(_i):
        return services.confirm_done(officer, task.pk, expected_version=2)

    results = run_together(confirm, 4)
    done = [r for r in results if not isinstance(r, Exception)]
    refused = [r for r in results if isinstance(r, services.DirectiveError)]
    assert len(done) == 1, results
    assert len(refused) == 3 and all(r.status == 409 for r in refused)
    assert task.events.filter(action="confirm").count() == 1
    assert connection.vendor in ("sqlite", "postgresql")


def test_a_directive_number_is_registered_once(world):
    directive(world["officer"], world["committee"], number="125/TB-UBND")
    with pytest.raises(services.DirectiveError) as error:
        directive(world["officer"], world["committee"], number="125/TB-UBND")
    assert error.value.field == "number"
