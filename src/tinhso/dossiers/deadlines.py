"""Deadline status of a dossier or a step at a moment (standards §3; glossary: đúng hạn, trước hạn…).

The statuses and their arithmetic are the platform's one mechanism, :mod:`tinhso.common.deadlines`; this
module says when a dossier's or a step's clock runs:

- ``paused`` while the applicant owes a supplement (NĐ 61/2018 Art. 19: the clock stops and later
  restarts from zero), ``none`` when no clock applies (not yet received, or refused, stopped, withdrawn).
"""

from __future__ import annotations

import datetime

from django.utils import timezone

from tinhso.common.deadlines import (  # noqa: F401 — the statuses are used through this module by the one-stop apps
    DUE_SOON,
    EARLY,
    FINISHED_ON_TIME_LABEL,
    LABELS,
    LATE,
    NONE,
    ON_TIME,
    OVERDUE,
    PAUSED,
    DeadlineStatus,
    due_soon_days,
    finished_status,
    running_status,
)
from tinhso.dossiers.models import State

# States in which the processing clock runs.
CLOCK_RUNNING_STATES = frozenset({State.RECEIVED, State.IN_PROGRESS, State.RESULT_READY})


def dossier_finished_at(dossier) -> datetime.datetime | None:
    """When the handling finished for deadline purposes: the result was ready (or handed over)."""
    return dossier.result_ready_at or (dossier.finished_at if dossier.state == State.RETURNED else None)


def dossier_status(dossier, at: datetime.datetime | None = None) -> DeadlineStatus:
    """The deadline status of ``dossier`` at ``at`` (now by default)."""
    at = at or timezone.now()
    if dossier.state == State.SUPPLEMENT_REQUESTED and dossier.received_at is not None:
        return DeadlineStatus(PAUSED)
    if dossier.due_at is None:
        return DeadlineStatus(NONE)
    finished = dossier_finished_at(dossier)
    if finished is not None:
        return finished_status(dossier.due_at, finished)
    if dossier.state in CLOCK_RUNNING_STATES:
        return running_status(dossier.due_at, at)
    return DeadlineStatus(NONE)


def step_status(step, at: datetime.datetime | None = None) -> DeadlineStatus:
    """The deadline status of a route step at ``at`` (now by default)."""
    at = at or timezone.now()
    if step.due_at is None:
        return DeadlineStatus(NONE)
    if step.finished_at is not None:
        return finished_status(step.due_at, step.finished_at)
    if step.state == "active":
        return running_status(step.due_at, at)
    return DeadlineStatus(NONE)
