"""Several delivery workers at once: each change sent once, in order per dossier, with no worker waiting on
another (SKIP LOCKED on PostgreSQL; SQLite serialises whole write transactions)."""

import pytest

from tinhso.dossiers.models import State
from tinhso.dossiers.tests.factories import ProcedureWithRouteFactory, dossier_in_state
from tinhso.exchange import outbox
from tinhso.exchange.models import OutboxEntry, OutboxStatus
from tinhso.testing.concurrency import run_together
from tinhso.testing.national_portal import StandInPortal


@pytest.mark.django_db(transaction=True)
def test_four_workers_deliver_every_change_once_in_order(settings):
    settings.TINHSO_NATIONAL_PORTAL_URL = ""
    version = ProcedureWithRouteFactory()
    for _ in range(12):
        dossier_in_state(State.IN_PROGRESS, version=version)
    assert OutboxEntry.objects.count() == 36
    with StandInPortal() as portal:
        settings.TINHSO_NATIONAL_PORTAL_URL = portal.url
        settings.TINHSO_NATIONAL_PORTAL_SYSTEM_ID = portal.system_id
        settings.TINHSO_NATIONAL_PORTAL_SECRET = portal.secret
        results = run_together(lambda i: outbox.deliver(batch=4, owner=f"worker-{i}"), 4)
    assert all(isinstance(r, outbox.DeliveryReport) for r in results), results
    assert sum(r.delivered for r in results) == 36
    assert OutboxEntry.objects.filter(status=OutboxStatus.DELIVERED).count() == 36
    assert len(portal.deliveries) == len(set(portal.deliveries)) == 36  # nothing sent twice
    assert not portal.out_of_order
    assert sum(1 for r in results if r.requests) >= 2  # the work was shared
