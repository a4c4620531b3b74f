"""Read queries over dossiers, shared by the officer desk, the API and reports.

:func:`dossiers_visible_to` is the one scope rule for dossiers: officers see the dossiers received by an
agency in :func:`tinhso.directory.selectors.visible_agencies` or routed through one (a step there);
citizens see their own; an agency's API client sees what a member of that agency sees; nobody else
sees anything.
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping

from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet
from django.utils import timezone

from tinhso.catalogue.models import StepRole
from tinhso.common import tabular
from tinhso.common.inputs import check_date
from tinhso.common.workdays import add_working_days
from tinhso.directory.models import Agency, Role
from tinhso.directory.selectors import _with_descendants, active_memberships, visible_agencies
from tinhso.dossiers.deadlines import CLOCK_RUNNING_STATES, due_soon_days
from tinhso.dossiers.models import Dossier, DossierEvent, DossierStep, State, StepState
from tinhso.dossiers.services import AgencyClient

QUEUES = ("receive", "handle", "approve", "return")
QUEUE_ROLES = {
    "receive": Role.RECEIVER,
    "handle": Role.HANDLER,
    "approve": Role.APPROVER,
    "return": Role.RETURNER,
}


def _visible_agency_ids(user) -> QuerySet | set[int] | None:
    """The agencies whose dossiers ``user`` may see; None means every agency."""
    if isinstance(user, AgencyClient):
        return _with_descendants({user.agency.pk})
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return set()
    agencies = visible_agencies(user)
    return agencies.values("pk")


def dossiers_visible_to(user) -> QuerySet[Dossier]:
    """Every dossier ``user`` may see (officer scope, own dossiers for citizens, nothing otherwise)."""
    if user is None or not getattr(user, "is_authenticated", False) or not getattr(user, "is_active", False):
        return Dossier.objects.none()
    if not isinstance(user, AgencyClient) and user.is_superuser:
        return Dossier.objects.all()
    agency_ids = _visible_agency_ids(user)
    routed = DossierStep.objects.filter(dossier=OuterRef("pk"), agency_id__in=agency_ids)
    scope = Q(receiving_agency_id__in=agency_ids) | Exists(routed)
    if not isinstance(user, AgencyClient):
        scope |= Q(applicant_user=user)
    return Dossier.objects.filter(scope)


def _user_agency_ids(user, role: str) -> set[int]:
    """The agencies (and units below) where ``user`` holds ``role`` today; for a client, its agency tree."""
    if isinstance(user, AgencyClient):
        return _with_descendants({user.agency.pk})
    if user is None or not getattr(user, "is_authenticated", False):
        return set()
    if user.is_superuser:
        return set(Agency.objects.values_list("pk", flat=True))
    roots = set(active_memberships(user).filter(role=role).values_list("agency_id", flat=True))
    return _with_descendants(roots) if roots else set()


def queue_for(user, role: str) -> QuerySet[Dossier]:
    """A desk queue: ``role`` is one of ``receive``, ``handle``, ``approve``, ``return`` (or the
    membership role names receiver, handler, approver, returner).

    - receive: online dossiers submitted to the user's agencies and waiting;
    - handle / approve: dossiers whose active step is a handling / approval step at the user's agencies;
    - return: dossiers with the result ready whose return step is at the user's agencies.
    """
    queue = {r.value: q for q, r in QUEUE_ROLES.items()}.get(role, role)
    if queue not in QUEUE_ROLES:
        raise ValueError(f"unknown queue {role!r}")
    agency_ids = _user_agency_ids(user, QUEUE_ROLES[queue])
    if not agency_ids:
        return Dossier.objects.none()
    if queue == "receive":
        dossiers = Dossier.objects.filter(state=State.SUBMITTED, receiving_agency_id__in=agency_ids)
        return _for_list(dossiers).order_by("submitted_at", "id")
    step_role = {"handle": StepRole.HANDLE, "approve": StepRole.APPROVE, "return": StepRole.RETURN}[queue]
    states = [State.RESULT_READY] if queue == "return" else [State.RECEIVED, State.IN_PROGRESS]
    dossiers = Dossier.objects.filter(
        state__in=states, current_step__role=step_role, current_step__state=StepState.ACTIVE,
        current_step__agency_id__in=agency_ids,
    )
    return _for_list(dossiers).order_by("due_at", "id")


def _for_list(dossiers: QuerySet[Dossier]) -> QuerySet[Dossier]:
    """What a list row shows, in a fixed number of queries."""
    return dossiers.select_related(
        "procedure_version__procedure", "procedure_version__field", "receiving_agency",
        "current_step__agency", "current_step__assignee",
    )


def for_list(dossiers: QuerySet[Dossier]) -> QuerySet[Dossier]:
    """Public name of :func:`_for_list` for views and the API."""
    return _for_list(dossiers)


def _param(params: Mapping, name: str):
    value = params.get(name) if params is not None else None
    if isinstance(value, str):
        value = value.strip()
    return value or None


def _as_date(value, name: str) -> datetime.date | None:
    """A filter date (``YYYY-MM-DD`` or ``DD/MM/YYYY``) within the platform's range: an unreadable one is
    ignored, one out of range is refused (``InputError``: 422 in the API), never an overflow further on."""
    if value is None:
        return None
    if not isinstance(value, datetime.date):
        try:
            value = tabular.parse_date(value)
        except ValueError:
            return None
    return check_date(value, name)


def filter_dossiers(dossiers: QuerySet[Dossier], params: Mapping, at: datetime.datetime | None = None
                    ) -> QuerySet[Dossier]:
    """Narrow ``dossiers`` by the desk and API filters.

    Keys (all optional): ``procedure`` (national code), ``field`` (field code), ``state``, ``channel``,
    ``agency`` (receiving agency identifier), ``due_soon`` / ``overdue`` (truthy), ``date_from`` /
    ``date_to`` (submission date, ``YYYY-MM-DD`` or ``DD/MM/YYYY``), ``q`` (code or applicant name).
    Unknown or empty values are ignored.
    """
    at = at or timezone.now()
    if procedure := _param(params, "procedure"):
        dossiers = dossiers.filter(procedure_version__procedure__code=procedure)
    if field := _param(params, "field"):
        dossiers = dossiers.filter(procedure_version__field__code=field)
    if (state := _param(params, "state")) and state in State.values:
        dossiers = dossiers.filter(state=state)
    if channel := _param(params, "channel"):
        dossiers = dossiers.filter(channel=channel)
    if agency := _param(params, "agency"):
        dossiers = dossiers.filter(receiving_agency__identifier=str(agency).upper())
    if _truthy(_param(params, "overdue")):
        dossiers = dossiers.filter(state__in=list(CLOCK_RUNNING_STATES), due_at__lt=at)
    if _truthy(_param(params, "due_soon")):
        # Due within the configured working days: not yet overdue, due by the close of that working day.
        horizon = add_working_days(at, due_soon_days())
        dossiers = dossiers.filter(state__in=list(CLOCK_RUNNING_STATES), due_at__gte=at, due_at__lte=horizon)
    if start := _as_date(_param(params, "date_from"), "date_from"):
        dossiers = dossiers.filter(submitted_at__gte=_day_start(start))
    if end := _as_date(_param(params, "date_to"), "date_to"):
        dossiers = dossiers.filter(submitted_at__lt=_day_start(end + datetime.timedelta(days=1)))
    if q := _param(params, "q"):
        text = str(q)
        dossiers = dossiers.filter(Q(code__icontains=text) | Q(applicant_name__icontains=text))
    return dossiers


def _truthy(value) -> bool:
    return value is not None and str(value).lower() in ("1", "true", "yes", "on", "co", "có")


def _day_start(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time()))


def dossier_detail(user, code: str | None = None, *, pk: int | None = None,
                   public_id=None) -> Dossier | None:
    """One dossier in ``user``'s scope with what its page shows (steps, events, documents, fees,
    payments) prefetched; None when it does not exist or is outside the scope (the same answer)."""
    dossiers = dossiers_visible_to(user)
    if code is not None:
        dossiers = dossiers.filter(code=code)
    elif pk is not None:
        dossiers = dossiers.filter(pk=pk)
    elif public_id is not None:
        dossiers = dossiers.filter(public_id=public_id)
    else:
        return None
    return (
        dossiers.select_related(
            "procedure_version__procedure", "procedure_version__field", "receiving_agency",
            "applicant_commune", "applicant_user", "current_step__agency", "current_step__assignee",
        )
        .prefetch_related(
            Prefetch("steps", queryset=DossierStep.objects.select_related("agency", "assignee")
                     .order_by("order", "id")),
            Prefetch("events", queryset=DossierEvent.objects.select_related("actor", "step", "agency")
                     .order_by("at", "id")),
            "documents", "fees", "payments",
        )
        .first()
    )


def dossier_events(dossier: Dossier) -> QuerySet[DossierEvent]:
    return DossierEvent.objects.filter(dossier=dossier).select_related("actor", "step", "agency").order_by("at", "id")
