"""Deadline status of dossiers and steps: on time, due soon, overdue; early, on time, late (days late)."""

from __future__ import annotations

import datetime

import pytest

from tinhso.common.workdays import VIETNAM
from tinhso.directory.models import Role
from tinhso.dossiers import deadlines, services
from tinhso.dossiers.deadlines import DeadlineStatus, dossier_status, finished_status, running_status, step_status
from tinhso.dossiers.models import State
from tinhso.dossiers.tests.factories import dossier_in_state, officer, received_dossier, submitted_dossier


def vn(*args) -> datetime.datetime:
    return datetime.datetime(*args, tzinfo=VIETNAM)


DUE = vn(2026, 3, 6, 17)  # Friday


@pytest.mark.django_db
@pytest.mark.parametrize(("at", "kind", "left"), [
    (vn(2026, 3, 2, 9), deadlines.ON_TIME, 4),
    (vn(2026, 3, 5, 9), deadlines.DUE_SOON, 1),
    (vn(2026, 3, 6, 16, 59), deadlines.DUE_SOON, 0),
    (vn(2026, 3, 6, 17, 1), deadlines.OVERDUE, None),
])
def test_running_status_by_working_days_left(at, kind, left):
    status = running_status(DUE, at)
    assert status.kind == kind and status.working_days_left == left and not status.finished


@pytest.mark.django_db
def test_due_soon_follows_the_setting(settings):
    settings.TINHSO_DUE_SOON_WORKING_DAYS = 3
    assert running_status(DUE, vn(2026, 3, 3, 9)).kind == deadlines.DUE_SOON
    settings.TINHSO_DUE_SOON_WORKING_DAYS = 0
    assert running_status(DUE, vn(2026, 3, 5, 9)).kind == deadlines.ON_TIME


@pytest.mark.django_db
def test_overdue_counts_working_days_over_a_weekend():
    status = running_status(DUE, vn(2026, 3, 10, 9))  # Tuesday after
    assert status.kind == deadlines.OVERDUE and status.working_days_late == 2


@pytest.mark.django_db
@pytest.mark.parametrize(("finished", "kind", "late", "label"), [
    (vn(2026, 3, 5, 16), deadlines.EARLY, 0, "Hoàn thành trước hạn"),
    (vn(2026, 3, 6, 8), deadlines.ON_TIME, 0, "Hoàn thành đúng hạn"),
    (vn(2026, 3, 6, 17), deadlines.ON_TIME, 0, "Hoàn thành đúng hạn"),
    (vn(2026, 3, 6, 17, 30), deadlines.LATE, 0, "Hoàn thành trễ hạn"),
    (vn(2026, 3, 9, 10), deadlines.LATE, 1, "Hoàn thành trễ hạn 1 ngày làm việc"),
    (vn(2026, 3, 11, 10), deadlines.LATE, 3, "Hoàn thành trễ hạn 3 ngày làm việc"),
])
def test_finished_status_early_on_time_or_late(finished, kind, late, label):
    status = finished_status(DUE, finished)
    assert (status.kind, status.working_days_late, status.label) == (kind, late, label)


def test_labels_are_vietnamese():
    assert DeadlineStatus(deadlines.OVERDUE).label == "Quá hạn"
    assert DeadlineStatus(deadlines.DUE_SOON).label == "Sắp đến hạn"


@pytest.mark.django_db
def test_a_dossier_status_follows_its_lifecycle(clock):
    dossier = submitted_dossier()
    assert dossier_status(dossier).kind == deadlines.NONE
    agency = dossier.receiving_agency
    dossier = services.receive(dossier, actor=officer(Role.RECEIVER, agency), expected_version=dossier.version)
    assert dossier_status(dossier).kind == deadlines.ON_TIME
    handle = dossier.current_step
    assert step_status(handle, vn(2026, 3, 5, 9)).kind == deadlines.DUE_SOON
    assert dossier_status(dossier, vn(2026, 3, 9, 9)).kind == deadlines.OVERDUE
    supplement = services.request_supplement(dossier, actor=officer(Role.HANDLER, agency),
                                             expected_version=dossier.version, missing=["Giấy tờ"])
    assert dossier_status(supplement).kind == deadlines.PAUSED


@pytest.mark.django_db
def test_a_returned_dossier_is_judged_by_when_its_result_was_ready(clock):
    dossier = received_dossier()
    dossier = dossier_in_state(State.RETURNED, dossier.procedure_version, dossier.receiving_agency)
    assert dossier_status(dossier).kind == deadlines.EARLY
    assert dossier_status(dossier_in_state(State.REFUSED)).kind == deadlines.NONE
