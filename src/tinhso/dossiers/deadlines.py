"""Deadline status of a dossier or a step at a moment (standards §3; glossary: đúng hạn, trước hạn…).

Pure functions over the due and finish moments and the working-day calendar: no database access.

- still running: ``on_time``; ``due_soon`` when ``settings.TINHSO_DUE_SOON_WORKING_DAYS`` working days or
  fewer are left (the due day itself counts as 0 left); ``overdue`` once the due moment has passed;
- finished: ``early`` when finished on a day before the due day, ``on_time`` when by the due moment,
  ``late`` after it, with the number of working days late;
- ``paused`` while the applicant owes a supplement (NĐ 61/2018 Art. 19: the clock stops and later
  restarts from zero), ``none`` when no clock applies (not yet received, or refused, stopped, withdrawn).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from tinhso.common.workdays import to_local, working_days_between
from tinhso.dossiers.models import State

ON_TIME = "on_time"
DUE_SOON = "due_soon"
OVERDUE = "overdue"
EARLY = "early"
LATE = "late"
PAUSED = "paused"
NONE = "none"

LABELS = {
    ON_TIME: _("Trong hạn"),
    DUE_SOON: _("Sắp đến hạn"),
    OVERDUE: _("Quá hạn"),
    EARLY: _("Hoàn thành trước hạn"),
    LATE: _("Hoàn thành trễ hạn"),
    PAUSED: _("Tạm dừng tính thời hạn (chờ bổ sung)"),
    NONE: _("Không tính thời hạn"),
}
FINISHED_ON_TIME_LABEL = _("Hoàn thành đúng hạn")

# States in which the processing clock runs.
CLOCK_RUNNING_STATES = frozenset({State.RECEIVED, State.IN_PROGRESS, State.RESULT_READY})


@dataclass(frozen=True)
class DeadlineStatus:
    kind: str
    finished: bool = False
    working_days_left: int | None = None
    working_days_late: int = 0

    @property
    def label(self) -> str:
        """The status in words, in the active language."""
        if self.kind == ON_TIME and self.finished:
            return str(FINISHED_ON_TIME_LABEL)
        if self.kind == LATE and self.working_days_late:
            return ngettext("Hoàn thành trễ hạn %(days)d ngày làm việc", "Hoàn thành trễ hạn %(days)d ngày làm việc",
                            self.working_days_late) % {"days": self.working_days_late}
        return str(LABELS[self.kind])

    @property
    def is_problem(self) -> bool:
        return self.kind in (OVERDUE, LATE)


def due_soon_days() -> int:
    return settings.TINHSO_DUE_SOON_WORKING_DAYS


def running_status(due_at: datetime.datetime, at: datetime.datetime, soon_days: int | None = None
                   ) -> DeadlineStatus:
    """Status of something still in progress at ``at`` that falls due at ``due_at``."""
    if at > due_at:
        return DeadlineStatus(OVERDUE, working_days_late=working_days_between(due_at, at))
    left = working_days_between(at, due_at)
    soon = due_soon_days() if soon_days is None else soon_days
    return DeadlineStatus(DUE_SOON if left <= soon else ON_TIME, working_days_left=left)


def finished_status(due_at: datetime.datetime, finished_at: datetime.datetime) -> DeadlineStatus:
    """Status of something that finished at ``finished_at`` and fell due at ``due_at``."""
    if finished_at > due_at:
        return DeadlineStatus(LATE, finished=True, working_days_late=working_days_between(due_at, finished_at))
    if to_local(finished_at).date() < to_local(due_at).date():
        return DeadlineStatus(EARLY, finished=True)
    return DeadlineStatus(ON_TIME, finished=True)


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
