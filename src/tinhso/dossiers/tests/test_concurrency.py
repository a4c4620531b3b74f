"""Concurrent writers: one winner per transition, distinct consecutive codes under parallel receptions.

Runs on both databases: PostgreSQL serialises on the dossier's and the counter's row locks; SQLite (with
``transaction_mode=IMMEDIATE``) serialises whole write transactions. Either way exactly one of the
competing transitions can see the version it expected.

The SQLite test database is in memory with a shared cache, where a writer that finds the database busy
gets "database table is locked" at once instead of waiting out the busy timeout (as a file database does).
There the threads retry that error, as a client retries a busy server; the whole transaction was rolled
back, so a retry starts clean. PostgreSQL never takes that path.
"""

from __future__ import annotations

import pytest
from django.db import connection

from tinhso.directory.models import Role
from tinhso.directory.tests.factories import AgencyFactory
from tinhso.dossiers import services
from tinhso.dossiers.codes import sequence_of
from tinhso.dossiers.models import Dossier, DossierEvent, State
from tinhso.dossiers.tests.factories import ProcedureWithRouteFactory, applicant, officer, submitted_dossier
from tinhso.testing.concurrency import THREADS, run_together


@pytest.mark.django_db(transaction=True)
def test_eight_threads_receiving_one_dossier_have_exactly_one_winner():
    agency = AgencyFactory()
    version = ProcedureWithRouteFactory(agency=agency)
    dossier = submitted_dossier(version, agency)
    receivers = [officer(Role.RECEIVER, agency) for _ in range(THREADS)]
    expected = dossier.version

    results = run_together(lambda i: services.receive(dossier.pk, actor=receivers[i], expected_version=expected))

    winners = [r for r in results if isinstance(r, Dossier)]
    losers = [r for r in results if not isinstance(r, Dossier)]
    assert len(winners) == 1, results
    assert all(isinstance(r, services.Conflict | services.InvalidTransition) for r in losers), losers
    dossier.refresh_from_db()
    assert dossier.state == State.RECEIVED and dossier.version == expected + 1
    assert list(DossierEvent.objects.filter(dossier=dossier).values_list("action", flat=True)) == [
        "submit_online", "receive"]
    assert dossier.steps.count() == 4


@pytest.mark.django_db(transaction=True)
def test_eight_threads_forwarding_without_a_version_check_still_move_the_dossier_once():
    agency = AgencyFactory()
    version = ProcedureWithRouteFactory(agency=agency)
    dossier = submitted_dossier(version, agency)
    dossier = services.receive(dossier, actor=officer(Role.RECEIVER, agency), expected_version=dossier.version)
    handlers = [officer(Role.HANDLER, agency) for _ in range(THREADS)]

    results = run_together(lambda i: services.forward(dossier.pk, actor=handlers[i], expected_version=None))

    assert sum(isinstance(r, Dossier) for r in results) == 1, results
    assert all(isinstance(r, Dossier | services.InvalidTransition) for r in results), results
    assert DossierEvent.objects.filter(dossier=dossier, action="forward").count() == 1


@pytest.mark.django_db(transaction=True)
def test_eight_concurrent_receptions_get_eight_distinct_consecutive_codes():
    agency = AgencyFactory(identifier="000.00.77.H41")
    version = ProcedureWithRouteFactory(agency=agency)
    receivers = [officer(Role.RECEIVER, agency) for _ in range(THREADS)]

    results = run_together(lambda i: services.receive_at_counter(
        version=version, receiving_agency=agency, applicant=applicant(), actor=receivers[i]).code)

    assert all(isinstance(r, str) for r in results), results
    assert sorted(sequence_of(code) for code in results) == list(range(1, THREADS + 1))
    assert len(set(results)) == THREADS and Dossier.objects.count() == THREADS
    assert connection.vendor in ("sqlite", "postgresql")
