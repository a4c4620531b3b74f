"""Concurrent transitions adding to the same, not yet existing, rollup row lose no count (both databases)."""

from __future__ import annotations

import pytest

from tinhso.directory.models import Role
from tinhso.directory.tests.factories import AgencyFactory
from tinhso.dossiers import services
from tinhso.dossiers.models import Dossier
from tinhso.dossiers.tests.factories import ProcedureWithRouteFactory, officer, submitted_dossier
from tinhso.ioc import rollups
from tinhso.ioc.models import DossierMonth
from tinhso.testing.concurrency import THREADS, run_together


@pytest.mark.django_db(transaction=True)
def test_eight_receptions_racing_to_create_one_rollup_row_all_count(clock):
    agency = AgencyFactory()
    version = ProcedureWithRouteFactory(agency=agency)
    clock.set(2026, 2, 27, 9)
    dossiers = [submitted_dossier(version, agency) for _ in range(THREADS)]
    receivers = [officer(Role.RECEIVER, agency) for _ in range(THREADS)]
    clock.set(2026, 3, 2, 9)  # a new month: the row for March does not exist yet

    results = run_together(lambda i: services.receive(dossiers[i].pk, actor=receivers[i],
                                                      expected_version=dossiers[i].version))

    assert all(isinstance(r, Dossier) for r in results), results
    march = DossierMonth.objects.get(month="2026-03-01", agency=agency)
    assert march.received == march.received_online == THREADS
    assert rollups.verify().ok
