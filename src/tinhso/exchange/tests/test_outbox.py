"""The national-portal outbox: written in the dossier's transaction, delivered at least once, in order per
dossier, retried with backoff, idempotent on (dossier code, event), dead letters retried by an administrator;
against the stand-in portal on loopback."""

from __future__ import annotations

import datetime

import pytest
from django.db import transaction
from django.utils import timezone

from tinhso.common.audit import AuditEntry
from tinhso.directory.models import Role
from tinhso.directory.tests.factories import AgencyFactory
from tinhso.dossiers import services as dossier_services
from tinhso.dossiers.models import DossierEvent, State
from tinhso.dossiers.tests.factories import ProcedureWithRouteFactory, dossier_in_state, officer, submitted_dossier
from tinhso.exchange import outbox
from tinhso.exchange.models import OutboxEntry, OutboxStatus
from tinhso.exchange.portal import HttpNationalPortal
from tinhso.testing.national_portal import StandInPortal


@pytest.fixture
def portal(settings):
    stand_in = StandInPortal().start()
    settings.TINHSO_NATIONAL_PORTAL_URL = stand_in.url
    settings.TINHSO_NATIONAL_PORTAL_SYSTEM_ID = stand_in.system_id
    settings.TINHSO_NATIONAL_PORTAL_SECRET = stand_in.secret
    settings.TINHSO_NATIONAL_PORTAL_TIMEOUT = 2.0
    yield stand_in
    stand_in.stop()


@pytest.fixture
def unconfigured(settings):
    """No portal address: entries are written and wait (the immediate task queue delivers nothing)."""
    settings.TINHSO_NATIONAL_PORTAL_URL = ""


def _past_backoff():
    """Bring every retry forward to now, as the clock would."""
    OutboxEntry.objects.filter(status=OutboxStatus.PENDING).update(next_attempt_at=timezone.now())


@pytest.mark.django_db
def test_a_status_change_writes_one_entry_in_the_dossiers_transaction(unconfigured):
    agency = AgencyFactory()
    version = ProcedureWithRouteFactory(agency=agency)
    dossier = submitted_dossier(version, agency)
    entry = OutboxEntry.objects.get(dossier_code=dossier.code)
    event = DossierEvent.objects.get(dossier=dossier, action="submit_online")
    assert (entry.event_id, entry.action, entry.from_state, entry.to_state) == (event.pk, "submit_online", "",
                                                                                  State.SUBMITTED)
    assert entry.status == OutboxStatus.PENDING and entry.idempotency_key == f"{dossier.code}:{event.pk}"

    receiver = officer(Role.RECEIVER, agency)
    with pytest.raises(RuntimeError), transaction.atomic():
        dossier_services.receive(dossier.pk, actor=receiver, expected_version=dossier.version)
        raise RuntimeError("rolled back")
    assert OutboxEntry.objects.filter(dossier_code=dossier.code).count() == 1  # nothing from the rollback


@pytest.mark.django_db
def test_moves_that_keep_the_state_are_not_sent_but_an_apology_is(unconfigured):
    dossier = dossier_in_state(State.IN_PROGRESS)
    actions = list(OutboxEntry.objects.filter(dossier_code=dossier.code).order_by("id").values_list("action",
                                                                                                   flat=True))
    events = list(DossierEvent.objects.filter(dossier=dossier).order_by("id").values_list("action", "from_state",
                                                                                         "to_state"))
    assert actions == [action for action, before, after in events if before != after]


@pytest.mark.django_db
def test_recording_can_be_switched_off(settings, unconfigured):
    settings.TINHSO_NATIONAL_PORTAL_SYNC = False
    dossier = submitted_dossier()
    assert not OutboxEntry.objects.filter(dossier_code=dossier.code).exists()


@pytest.mark.django_db
def test_changes_reach_the_portal_signed_in_order_with_their_codes(portal, django_capture_on_commit_callbacks):
    agency = AgencyFactory(identifier="000.00.10.H41")
    version = ProcedureWithRouteFactory(agency=agency)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        dossier = dossier_in_state(State.IN_PROGRESS, version=version, agency=agency)
    # Each commit queued a delivery (the tests' task queue runs it at once).
    assert any(getattr(c, "__name__", "") == "kick" for c in callbacks)
    assert not OutboxEntry.objects.exclude(status=OutboxStatus.DELIVERED).exists()
    mine = [c for c in portal.received if c["dossier_code"] == dossier.code]
    assert [c["status"] for c in mine] == ["submitted", "received", "in_progress"]
    first = mine[0]
    assert first["procedure_code"] == version.procedure.code
    assert first["receiving_agency"] == "000.00.10.H41"
    assert first["status_label"] == "Mới nộp trực tuyến, chờ tiếp nhận"
    assert first["id"] == f"{dossier.code}:{first['event_id']}"
    assert datetime.datetime.fromisoformat(first["changed_at"]).utcoffset() == datetime.timedelta(hours=7)
    assert portal.refused_signatures == 0 and not portal.out_of_order


@pytest.mark.django_db
def test_a_failing_then_recovering_portal_loses_nothing_and_takes_nothing_twice(portal):
    portal.mode = "fail"
    dossiers = [dossier_in_state(State.IN_PROGRESS) for _ in range(3)]
    outbox.deliver()
    pending = OutboxEntry.objects.filter(status=OutboxStatus.PENDING)
    assert pending.count() == 9 and not portal.received
    # Only the first change of each dossier was tried; the others wait behind it.
    tried = set(OutboxEntry.objects.filter(attempts__gt=0).values_list("dossier_code", "action"))
    assert tried == {(d.code, "submit_online") for d in dossiers}
    first = OutboxEntry.objects.filter(attempts__gt=0).first()
    assert timezone.now() + datetime.timedelta(seconds=20) < first.next_attempt_at
    assert "503" in first.last_error

    portal.mode = "timeout"  # the portal takes the changes but answers too late
    portal.delay = 3.0
    _past_backoff()
    report = outbox.deliver()
    assert report.retrying == 3 and report.delivered == 0
    assert len(portal.received) == 3

    portal.mode = "twice"  # back, answering each change twice
    while OutboxEntry.objects.filter(status=OutboxStatus.PENDING).exists():
        _past_backoff()
        outbox.deliver()
    assert OutboxEntry.objects.filter(status=OutboxStatus.DELIVERED).count() == 9
    ids = portal.received_ids()
    assert len(ids) == len(set(ids)) == 9  # each change once in the portal's application
    assert len(portal.deliveries) > 9  # though some travelled more than once
    assert not portal.out_of_order


@pytest.mark.django_db
def test_a_rejected_change_goes_to_the_dead_letters_and_holds_its_dossier_back(portal,
                                                                           django_capture_on_commit_callbacks):
    portal.mode = "fail"
    dossier = dossier_in_state(State.IN_PROGRESS)
    first = OutboxEntry.objects.filter(dossier_code=dossier.code).order_by("id").first()
    portal.reject = {first.idempotency_key}
    portal.mode = "accept"
    _past_backoff()
    outbox.deliver()
    first.refresh_from_db()
    assert first.status == OutboxStatus.DEAD and first.last_error == "không nhận"
    assert OutboxEntry.objects.filter(dossier_code=dossier.code, status=OutboxStatus.PENDING).count() == 2
    assert not portal.received
    # Held back, the later changes are not due: no delivery is queued for them every second.
    assert outbox.next_due() is None

    portal.reject = set()
    admin = officer(Role.PLATFORM_ADMIN, AgencyFactory())
    with django_capture_on_commit_callbacks(execute=True):
        assert outbox.retry([first], by=admin) == 1
    assert AuditEntry.objects.filter(object_type="exchange.outboxentry", actor=admin).exists()
    # The retry queued a delivery after commit (run at once by the tests' queue).
    assert [c["status"] for c in portal.received] == ["submitted", "received", "in_progress"]


@pytest.mark.django_db
def test_a_change_failing_too_often_becomes_a_dead_letter(portal, settings):
    settings.TINHSO_NATIONAL_PORTAL_MAX_ATTEMPTS = 3
    portal.mode = "fail"
    dossier = submitted_dossier()
    for attempt in range(3):
        _past_backoff()
        outbox.deliver()
        if attempt < 2:  # retrying: the next attempt is due after its backoff
            waiting = OutboxEntry.objects.get(dossier_code=dossier.code)
            assert outbox.next_due() == waiting.next_attempt_at > timezone.now()
    entry = OutboxEntry.objects.get(dossier_code=dossier.code)
    assert (entry.status, entry.attempts) == (OutboxStatus.DEAD, 3)
    assert outbox.next_due() is None


@pytest.mark.django_db
def test_an_abandoned_lease_is_taken_again_and_the_repeat_is_recognised(portal):
    """A worker that claimed changes and died: its lease runs out and another worker sends them again."""
    portal.mode = "fail"
    dossier = submitted_dossier()
    portal.mode = "accept"
    _past_backoff()
    claimed = outbox.claim(10, "worker-that-dies")
    assert [e.dossier_code for e in claimed] == [dossier.code]
    # It had sent them before dying: the portal holds the change.
    HttpNationalPortal(portal.url, portal.system_id, portal.secret, 2).push_status_changes(outbox.payload(claimed))
    assert outbox.deliver().requests == 0  # leased: nobody else takes it
    OutboxEntry.objects.update(lease_until=timezone.now() - datetime.timedelta(seconds=1))
    report = outbox.deliver()
    assert (report.delivered, report.duplicates) == (1, 1)
    assert portal.received_ids() == [claimed[0].idempotency_key]


@pytest.mark.django_db
def test_the_portals_address_is_required(unconfigured):
    submitted_dossier()
    report = outbox.deliver()
    assert "NATIONAL_PORTAL_URL" in report.error and report.requests == 0
    assert OutboxEntry.objects.get().attempts == 0


@pytest.mark.django_db
def test_a_wrong_secret_is_a_failure_retried_later(portal, settings):
    settings.TINHSO_NATIONAL_PORTAL_SECRET = "wrong"
    submitted_dossier()
    outbox.deliver()
    entry = OutboxEntry.objects.get()
    assert entry.status == OutboxStatus.PENDING and entry.attempts == 1 and "401" in entry.last_error
    assert portal.refused_signatures == 1


@pytest.mark.django_db
def test_each_attempt_is_in_the_message_log(portal):
    from tinhso.exchange.models import MessageRecord

    submitted_dossier()
    outbox.deliver()
    calls = MessageRecord.objects.filter(direction="made", service__startswith="national-portal")
    assert calls.filter(kind="request").count() == 1
    response = calls.get(kind="response")
    assert response.status == 200 and b'"accepted"' in response.body
