"""One lifecycle benchmark worker: full dossier lifecycles through the services, counted in transitions.

Runs in its own process (``multiprocessing``, spawn), with its own database connection and its own
dossiers; the parent passes the ids of the procedure version, the agency and its officers.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass

TRANSITIONS_PER_LIFECYCLE = 6  # submit_online, receive, assign, forward, approve, return_result


@dataclass(frozen=True)
class Setup:
    version_id: int
    agency_id: int
    receiver_id: int
    handler_id: int
    approver_id: int
    returner_id: int


def _setup_django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tinhso.conf.settings.test")
    import logging

    import django

    django.setup()
    # Each notice logs a line (task state, the SMS log backend): kept out of the benchmark's output.
    for name in ("django_tasks", "tinhso.notices"):
        logging.getLogger(name).setLevel(logging.WARNING)


class Lifecycles:
    """The objects a worker acts with, read once; ``run_one`` takes one dossier from submission to return."""

    def __init__(self, setup: Setup):
        from django.contrib.auth import get_user_model

        from tinhso.catalogue.models import ProcedureVersion
        from tinhso.directory.models import Agency

        users = get_user_model().objects.in_bulk(
            [setup.receiver_id, setup.handler_id, setup.approver_id, setup.returner_id])
        self.version = ProcedureVersion.objects.get(pk=setup.version_id)
        self.agency = Agency.objects.get(pk=setup.agency_id)
        self.receiver, self.handler = users[setup.receiver_id], users[setup.handler_id]
        self.approver, self.returner = users[setup.approver_id], users[setup.returner_id]
        self.sequence = 0

    def run_one(self) -> int:
        from tinhso.dossiers import services

        self.sequence += 1
        applicant = services.Applicant(
            name="Nguyễn Văn An", id_number=f"0400{self.sequence % 10**8:08d}", phone="0912345678",
            email="an@example.vn", address="Số 1 đường Lê Lợi",
        )
        dossier = services.submit_online(version=self.version, receiving_agency=self.agency, applicant=applicant)
        dossier = services.receive(dossier, actor=self.receiver, expected_version=dossier.version)
        dossier = services.assign(dossier, actor=self.approver, expected_version=dossier.version,
                                  assignee=self.handler)
        dossier = services.forward(dossier, actor=self.handler, expected_version=dossier.version)
        dossier = services.approve(dossier, actor=self.approver, expected_version=dossier.version)
        services.return_result(dossier, actor=self.returner, expected_version=dossier.version, method="desk")
        return TRANSITIONS_PER_LIFECYCLE


def run_for(lifecycles: Lifecycles, seconds: float) -> tuple[int, float]:
    """Lifecycles for ``seconds``: (transitions, elapsed seconds)."""
    transitions = 0
    started = time.perf_counter()
    deadline = started + seconds
    while time.perf_counter() < deadline:
        transitions += lifecycles.run_one()
    return transitions, time.perf_counter() - started


def work(setup: Setup, start_at: float, seconds: float) -> tuple[int, float]:
    """A worker process: warm up, wait for the common start, run, report (transitions, elapsed)."""
    _setup_django()
    lifecycles = Lifecycles(setup)
    for _ in range(3):
        lifecycles.run_one()
    time.sleep(max(0.0, start_at - time.time()))
    result = run_for(lifecycles, seconds)
    from django.db import connections

    connections.close_all()
    return result
