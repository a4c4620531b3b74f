"""The rebuild and verify that scale (set-based SQL on PostgreSQL, the portable walk elsewhere) give exactly
the rollups the incremental receiver keeps, and verify still catches every kind of difference."""

from __future__ import annotations

import datetime

import pytest
from django.db.models import F

from tinhso.directory.models import Role
from tinhso.directory.tests.factories import AgencyFactory
from tinhso.dossiers import services
from tinhso.dossiers.models import PaymentChannel, State
from tinhso.dossiers.tests.factories import ProcedureWithRouteFactory, dossier_in_state, staff_for
from tinhso.ioc import rollups
from tinhso.ioc.models import DossierMonth, ProcessingDays, RunningDossier

pytestmark = pytest.mark.django_db



@pytest.fixture
def history(clock):
    """Dossiers in every state over several months, with supplements, payments, an apology and late results,
    all driven through the services so that the receiver keeps the rollups."""
    agency = AgencyFactory()
    versions = [ProcedureWithRouteFactory(agency=agency, handle_days=days, approve_days=1) for days in (1, 3)]
    actors = staff_for(agency)
    for month in (1, 2, 3):
        clock.set(2026, month, 2 + month, 9)
        for version in versions:
            for state in (State.RETURNED, State.RETURNED, State.IN_PROGRESS, State.RESULT_READY, State.RECEIVED,
                          State.SUPPLEMENT_REQUESTED, State.SUBMITTED, State.REFUSED, State.STOPPED, State.WITHDRAWN):
                dossier_in_state(state, version=version, actors=actors)
    # A late result announced by an apology, and one returned late without: reception on a Friday.
    clock.set(2026, 3, 6, 10)
    for apologise in (True, False):
        dossier = dossier_in_state(State.RECEIVED, version=versions[0], actors=actors)
        services.record_payment(dossier, actor=actors[Role.RECEIVER], amount=50_000, channel=PaymentChannel.ONLINE)
        services.record_payment(dossier, actor=actors[Role.RECEIVER], amount=10_000, channel=PaymentChannel.CASH)
        dossier.refresh_from_db()
        if apologise:
            dossier = services.issue_apology(dossier, actor=actors[Role.HANDLER], expected_version=dossier.version,
                                             reason="Cần xác minh thêm", new_due_at=datetime.date(2026, 3, 12))
        clock.set(2026, 3, 20, 15)
        dossier = services.forward(dossier, actor=actors[Role.HANDLER], expected_version=dossier.version)
        dossier = services.approve(dossier, actor=actors[Role.APPROVER], expected_version=dossier.version)
        clock.set(2026, 4, 1, 9)  # handed over the next month
        services.return_result(dossier, actor=actors[Role.RETURNER], expected_version=dossier.version,
                               method="online")
        clock.set(2026, 3, 6, 10)
    return agency


def test_the_recount_equals_the_incremental_rollups(history):
    incremental = rollups.stored(), rollups.stored_running()
    assert sum(c["late"] for c in incremental[0].values()) >= 1
    assert sum(c["payments_online"] for c in incremental[0].values()) >= 1
    assert sum(c["supplement_requests"] for c in incremental[0].values()) >= 1
    assert (rollups.recount(), rollups.recount_running()) == incremental
    assert (rollups.recount_portable(), rollups.recount_running_portable()) == incremental
    result = rollups.verify()
    assert result.ok, result.differences
    assert result.rows == len(incremental[0]) and result.running == len(incremental[1]) > 0


def test_rebuild_gives_back_the_incremental_rollups(history):
    incremental = rollups.stored(), rollups.stored_running()
    histogram_rows = ProcessingDays.objects.count()
    DossierMonth.objects.update(received=F("received") + 3)
    RunningDossier.objects.all().delete()
    result = rollups.rebuild()
    assert (rollups.stored(), rollups.stored_running()) == incremental
    assert (result.rows, result.running, result.histogram) == (
        len(incremental[0]), len(incremental[1]), histogram_rows)
    assert rollups.verify().ok


def test_verify_lists_each_kind_of_difference(history):
    row = DossierMonth.objects.filter(returned__gt=0).order_by("month", "id").first()
    DossierMonth.objects.filter(pk=row.pk).update(late=F("late") + 2)
    bar = ProcessingDays.objects.order_by("month", "id").first()
    ProcessingDays.objects.filter(pk=bar.pk).update(dossiers=F("dossiers") + 1)
    gone = RunningDossier.objects.order_by("dossier_id").first()
    RunningDossier.objects.filter(pk=gone.pk).delete()
    extra = DossierMonth.objects.create(month=datetime.date(2020, 1, 1), agency_id=row.agency_id,
                                        procedure_id=row.procedure_id, field_id=row.field_id, apologies=1)
    result = rollups.verify()
    text = "\n".join(result.differences)
    assert not result.ok
    assert f"late lưu {row.late + 2}, đếm lại {row.late}" in text
    assert f"days:{bar.days} lưu {bar.dossiers + 1}, đếm lại {bar.dossiers}" in text
    assert f"hồ sơ {gone.dossier_id} đang tính thời hạn: lưu không có" in text
    assert "2020-01" in text and "apologies lưu 1, đếm lại 0" in text
    assert len(result.differences) == 4
    extra.delete()
    assert len(rollups.verify(limit=1).differences) == 2  # the first and "… và 2 khác biệt nữa"


def test_verify_and_the_portable_recount_name_the_same_tampered_rows(history):
    """On PostgreSQL verify takes the set-based path and must agree with the portable walk; on SQLite verify
    is the portable walk, and both must still find exactly the two tampered rows."""
    DossierMonth.objects.filter(pk=DossierMonth.objects.order_by("id").first().pk).update(
        received_post=F("received_post") + 1)
    RunningDossier.objects.filter(pk=RunningDossier.objects.order_by("dossier_id").first().pk).update(
        due_at=F("due_at") + datetime.timedelta(days=1))
    set_based_result = rollups.verify(limit=1000)
    # The portable path, forced, on the same database.
    expected = rollups.recount_portable(), rollups.recount_running_portable()
    actual = rollups.stored(), rollups.stored_running()
    portable = rollups._differences(*expected[:1], actual[0], expected[1], actual[1], 1000)
    assert set_based_result.differences == portable and len(portable) == 2
