"""Deadline status of anything that falls due at a moment: a dossier, a route step, a task, a verification,
a briefing's information sheet (standards §3; glossary: đúng hạn, trước hạn, quá hạn, trễ hạn).

Pure functions over the due and finish moments and the working-day calendar (:mod:`tinhso.common.workdays`):
no database access.

- still running: ``on_time``; ``due_soon`` when ``settings.TINHSO_DUE_SOON_WORKING_DAYS`` working days or
  fewer are left (the due day itself counts as 0 left); ``overdue`` once the due moment has passed;
- finished: ``early`` when finished on a day before the due day, ``on_time`` when by the due moment,
  ``late`` after it, with the number of working days late;
- ``paused`` while the clock is stopped (a dossier waiting for a supplement), ``none`` when no clock applies.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.conf import settings
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from tinhso.common.workdays import to_local, working_days_between

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
