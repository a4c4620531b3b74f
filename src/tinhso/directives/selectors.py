"""Reads of the task register, shared by pages, the API, exports, reports and the indicators, all under scope.

Who sees what (built on the platform's one scope helper, ``directory.selectors.visible_agencies``): the
office that keeps the register (:class:`~tinhso.directives.models.DirectivesOffice`), everyone whose scope
includes it (the People's Committee's leaders), holders of province-wide roles and superusers see every
task; anyone else sees the tasks whose lead or coordinating agency is in their scope (their agencies and the
units below them); an agency's API client sees what a member of its agency sees; citizens see nothing.
"""

from __future__ import annotations

import contextlib
import datetime

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from tinhso.common import deadlines
from tinhso.directives.models import OPEN_STATES, Directive, DirectivesOffice, Task, TaskState
from tinhso.directory.models import PROVINCE_WIDE_ROLES
from tinhso.directory.selectors import _with_descendants, held_roles, visible_agencies


def _client_agency(user):
    """The agency of an agency's API client (no memberships of its own), else None."""
    agency = getattr(user, "agency", None)
    return agency if agency is not None and not hasattr(user, "memberships") else None


def agency_ids_of(user) -> set[int]:
    """The agencies whose tasks ``user`` may see as a member (their own and the units below)."""
    if user is None or not getattr(user, "is_authenticated", False) or not getattr(user, "is_active", False):
        return set()
    cached = getattr(user, "_directives_agencies", None)
    if cached is not None:
        return cached
    client = _client_agency(user)
    if client is not None:
        found = _with_descendants({client.pk})
    else:
        found = set(visible_agencies(user).values_list("pk", flat=True))
    with contextlib.suppress(AttributeError):  # kept for the request on the user object (not on a frozen client)
        user._directives_agencies = found
    return found


def is_office(user) -> bool:
    """Whether ``user`` sees the whole register as the office does (and may confirm, return, cancel)."""
    if user is None or not getattr(user, "is_authenticated", False) or not getattr(user, "is_active", False):
        return False
    if getattr(user, "is_superuser", False):
        return True
    cached = getattr(user, "_directives_office", None)
    if cached is not None:
        return cached
    offices = set(DirectivesOffice.objects.values_list("agency_id", flat=True))
    if _client_agency(user) is not None:
        answer = bool(offices & agency_ids_of(user))
    elif {role for _agency, role in held_roles(user)} & set(PROVINCE_WIDE_ROLES):
        answer = True
    else:
        answer = bool(offices & agency_ids_of(user))
    with contextlib.suppress(AttributeError):  # a frozen API client keeps no cache
        user._directives_office = answer
    return answer


def may_use_register(user) -> bool:
    return is_office(user) or bool(agency_ids_of(user))


def tasks_for(user) -> QuerySet[Task]:
    """The tasks ``user`` may see (see the module docstring)."""
    tasks = Task.objects.all()
    if is_office(user):
        return tasks
    ids = sorted(agency_ids_of(user))
    if not ids:
        return tasks.none()
    coordinated = Task.coordinating.through.objects.filter(task_id=OuterRef("pk"), agency_id__in=ids)
    return tasks.filter(Q(lead_agency_id__in=ids) | Exists(coordinated))


def leads(user, task: Task) -> bool:
    """Whether ``user`` acts for the task's lead agency (reports, asks for extensions)."""
    return task.lead_agency_id in agency_ids_of(user)


def may_decide_extension(user, task: Task) -> bool:
    """The leader who assigned the task, or the office on the leader's behalf."""
    return is_office(user) or (task.assigned_by_id is not None and task.assigned_by_id == getattr(user, "pk", None))


def status_of(task: Task, at: datetime.datetime | None = None) -> deadlines.DeadlineStatus:
    """The task's deadline status, as for dossiers: on time, due soon, overdue while open; early, on time or
    late by N working days when done (judged at the completion report, against the approved due moment)."""
    if task.due_at is None or task.state == TaskState.CANCELLED:
        return deadlines.DeadlineStatus(deadlines.NONE, finished=not task.is_open)
    if task.state == TaskState.DONE and task.finished_at is not None:
        return deadlines.finished_status(task.due_at, task.finished_at)
    return deadlines.running_status(task.due_at, at or timezone.now())


def filter_tasks(tasks: QuerySet[Task], *, agency: int | None = None, directive: int | None = None,
                 state: str | None = None, status: str | None = None, leader: str | None = None,
                 due_from: datetime.date | None = None, due_to: datetime.date | None = None,
                 q: str | None = None, at: datetime.datetime | None = None) -> QuerySet[Task]:
    """The register's filters, the same for the page, its export, the API and the drill-down."""
    now = at or timezone.now()
    if agency:
        coordinated = Task.coordinating.through.objects.filter(task_id=OuterRef("pk"), agency_id=agency)
        tasks = tasks.filter(Q(lead_agency_id=agency) | Exists(coordinated))
    if directive:
        tasks = tasks.filter(directive_id=directive)
    if state:
        tasks = tasks.filter(state=state)
    if leader:
        tasks = tasks.filter(assigned_by_name__icontains=leader)
    if due_from:
        tasks = tasks.filter(due_at__gte=_start_of(due_from))
    if due_to:
        tasks = tasks.filter(due_at__lt=_start_of(due_to + datetime.timedelta(days=1)))
    if status:
        tasks = _with_status(tasks, status, now)
    if q:
        for word in q.split()[:8]:
            tasks = tasks.filter(Q(text__icontains=word) | Q(directive__number__icontains=word)
                                 | Q(directive__subject__icontains=word))
    return tasks


def _start_of(day: datetime.date) -> datetime.datetime:
    from tinhso.common.workdays import VIETNAM

    return datetime.datetime.combine(day, datetime.time(), tzinfo=VIETNAM)


def _with_status(tasks: QuerySet[Task], status: str, now: datetime.datetime) -> QuerySet[Task]:
    """Narrow to a deadline status with a query (due soon: within the working days the setting gives)."""
    from tinhso.common.workdays import add_working_days

    open_ = tasks.filter(state__in=OPEN_STATES, due_at__isnull=False)
    if status == deadlines.OVERDUE:
        return open_.filter(due_at__lt=now)
    if status == deadlines.DUE_SOON:
        return open_.filter(due_at__gte=now, due_at__lte=add_working_days(now, deadlines.due_soon_days()))
    if status == deadlines.ON_TIME:
        return tasks.filter(Q(state__in=OPEN_STATES, due_at__gt=add_working_days(now, deadlines.due_soon_days()))
                            | Q(state=TaskState.DONE, done_on_time=True))
    if status == deadlines.LATE:
        return tasks.filter(state=TaskState.DONE, done_on_time=False)
    if status == deadlines.NONE:
        return tasks.filter(due_at__isnull=True)
    return tasks


def register_rows(tasks: QuerySet[Task]) -> QuerySet[Task]:
    """What a list of tasks shows, in one query per page."""
    return tasks.select_related("directive", "lead_agency").order_by("due_at", "pk")


def task_detail(user, pk: int) -> Task | None:
    return (tasks_for(user).select_related("directive", "directive__issuer", "lead_agency")
            .prefetch_related("coordinating").filter(pk=pk).first())


def directives_for(user) -> QuerySet[Directive]:
    if is_office(user):
        return Directive.objects.all()
    return Directive.objects.filter(pk__in=tasks_for(user).values("directive_id"))
