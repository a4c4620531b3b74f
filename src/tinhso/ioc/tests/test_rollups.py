"""The rollups follow dossier events incrementally, equal a full recount, and verify catches tampering."""

from __future__ import annotations

import pytest
from django.core.management import CommandError, call_command
from django.db.models import F

from tinhso.directory.models import Role
from tinhso.directory.tests.factories import AgencyFactory
from tinhso.dossiers import services
from tinhso.dossiers.models import State
from tinhso.dossiers.tests.factories import ProcedureWithRouteFactory, dossier_in_state, officer, staff_for
from tinhso.ioc import rollups
from tinhso.ioc.models import DossierMonth, RunningDossier

pytestmark = pytest.mark.django_db


def counters(**filters) -> dict:
    rows = DossierMonth.objects.filter(**filters)
    return {name: sum(getattr(r, name) for r in rows) for name in
            ("submitted_online", "received", "received_online", "received_counter", "returned", "early",
             "on_time", "late", "supplement_requests", "apologies", "refused", "withdrawn")}


def test_each_transition_adds_to_its_month(clock):
    agency = AgencyFactory()
    version = ProcedureWithRouteFactory(agency=agency, handle_days=3, approve_days=1)
    actors = staff_for(agency)
    dossier = dossier_in_state(State.SUBMITTED, version=version)
    assert counters()["submitted_online"] == 1 and counters()["received"] == 0
    dossier = services.receive(dossier, actor=actors[Role.RECEIVER], expected_version=dossier.version)
    assert counters()["received"] == counters()["received_online"] == 1
    assert RunningDossier.objects.filter(dossier=dossier).exists()
    dossier = services.forward(dossier, actor=actors[Role.HANDLER], expected_version=dossier.version)
    dossier = services.approve(dossier, actor=actors[Role.APPROVER], expected_version=dossier.version)
    dossier = services.return_result(dossier, actor=actors[Role.RETURNER], expected_version=dossier.version,
                                     method="online")
    totals = counters()
    assert totals["returned"] == 1 and totals["early"] + totals["on_time"] == 1 and totals["late"] == 0
    assert DossierMonth.objects.get().electronic_results == 1
    assert not RunningDossier.objects.exists()


def test_late_result_and_apology_are_counted(clock):
    agency = AgencyFactory()
    version = ProcedureWithRouteFactory(agency=agency, handle_days=3, approve_days=1)
    actors = staff_for(agency)
    dossier = dossier_in_state(State.RECEIVED, version=version, actors=actors)
    due = dossier.due_at
    dossier = services.issue_apology(dossier, actor=actors[Role.HANDLER], expected_version=dossier.version,
                                     reason="Cần xác minh thêm", new_due_at=due.date().replace(day=due.day + 1))
    assert counters()["apologies"] == 1
    assert RunningDossier.objects.get(dossier=dossier).due_at == dossier.due_at
    clock.set(2026, 3, 20, 9)
    dossier = services.forward(dossier, actor=actors[Role.HANDLER], expected_version=dossier.version)
    dossier = services.approve(dossier, actor=actors[Role.APPROVER], expected_version=dossier.version)
    services.return_result(dossier, actor=actors[Role.RETURNER], expected_version=dossier.version, method="desk")
    assert counters()["late"] == 1
    assert DossierMonth.objects.filter(processing_days__gt=0).exists()


def test_rebuild_equals_incremental(clock):
    agency = AgencyFactory()
    version = ProcedureWithRouteFactory(agency=agency)
    actors = staff_for(agency)
    for state in (State.RETURNED, State.IN_PROGRESS, State.SUPPLEMENT_REQUESTED, State.REFUSED, State.WITHDRAWN,
                  State.STOPPED):
        dossier_in_state(state, version=version, actors=actors)
    receiver = officer(Role.RECEIVER, agency)
    services.receive_at_counter(version=version, receiving_agency=agency, actor=receiver,
                                applicant=services.Applicant(name="Lê Văn An", id_number="040123456789"))
    before = rollups.stored(), rollups.stored_running()
    assert rollups.verify().ok
    rollups.rebuild()
    assert (rollups.stored(), rollups.stored_running()) == before
    assert counters()["refused"] == 1 and counters()["withdrawn"] == 1 and counters()["received_counter"] == 1


def test_verify_catches_a_tampered_rollup(clock, capsys):
    dossier_in_state(State.RETURNED)
    call_command("ioc", "verify")
    DossierMonth.objects.update(returned=F("returned") + 1)
    result = rollups.verify()
    assert not result.ok and "returned" in result.differences[0]
    with pytest.raises(CommandError) as raised:
        call_command("ioc", "verify")
    assert raised.value.returncode == 1
    call_command("ioc", "rebuild")
    assert rollups.verify().ok


def test_a_refused_action_leaves_no_trace(clock):
    from tinhso.dossiers.errors import PermissionDenied

    dossier = dossier_in_state(State.SUBMITTED)
    before = rollups.stored()
    stranger = officer(Role.RECEIVER, AgencyFactory())
    with pytest.raises(PermissionDenied):
        services.receive(dossier, actor=stranger, expected_version=dossier.version)
    assert rollups.stored() == before
