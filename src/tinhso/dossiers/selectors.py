"""Read queries over dossiers, shared by the officer desk, the API and reports.

:func:`dossiers_visible_to` is the one scope rule for dossiers: officers see the dossiers received by an
agency in :func:`tinhso.directory.selectors.visible_agencies` or routed through one (a step there);
citizens see their own; an agency's API client sees what a member of that agency sees; nobody else
sees anything.
"""

from __future__ import annotations

import datetime
import json
from collections.abc import Mapping
from dataclasses import dataclass

from django.db import connections
from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet
from django.utils import timezone

from tinhso.catalogue.models import StepRole
from tinhso.common import pagecache, statements, tabular
from tinhso.common.inputs import check_date
from tinhso.common.workdays import add_working_days
from tinhso.directory.models import Agency, Role
from tinhso.directory.selectors import _with_descendants, held_roles, visible_agencies
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
    # One page asks for the agencies of several roles (a tab per queue): the memberships are read once per
    # request and each set of agencies walked down once (kept on the user object, which lives for the request).
    kept = user.__dict__.setdefault("_queue_agencies", {})
    roots = frozenset(agency for held, agency in memberships_of(user) if held == role)
    if roots not in kept:
        kept[roots] = _with_descendants(set(roots)) if roots else set()
    return set(kept[roots])


def memberships_of(user) -> list[tuple[str, int]]:
    """(role, agency id) of the user's memberships in force today, read once per request (kept on the user
    object, which lives for the request)."""
    kept = user.__dict__.setdefault("_queue_agencies", {})
    if "memberships" not in kept:
        kept["memberships"] = [(role, agency) for agency, role in held_roles(user)]
    return kept["memberships"]


# The related records a queue row shows (the procedure's name and field), read with the rows of a page; a
# step queue also reads the current step, whose due moment orders it (the page's cursors are made of it).
# Each more record is one more model built per row on every page view (the list's five paths built eight
# objects a row, and the desk showed two of them).
QUEUE_ROW_RELATED = ("procedure_version__field",)
STEP_QUEUE_ROW_RELATED = (*QUEUE_ROW_RELATED, "current_step")
# The dossier's own columns a queue row shows, is ordered by and works its deadline out from: a row of every
# column (35, a JSON form among them) cost more to turn into objects than the page took to find.
QUEUE_ROW_FIELDS = ("code", "procedure_version", "current_step", "channel", "state", "applicant_name",
                    "applicant_id_number", "applicant_tax_code", "submitted_at", "received_at", "due_at",
                    "result_ready_at", "finished_at")


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
        # Not received yet, so on no step: the list joins no step (a join with every step of the agency cost
        # more than the rest of the page at a million dossiers).
        dossiers = Dossier.objects.filter(state=State.SUBMITTED, receiving_agency_id__in=agency_ids)
        return dossiers.select_related(*QUEUE_ROW_RELATED).only(*QUEUE_ROW_FIELDS).order_by("submitted_at", "id")
    step_role = {"handle": StepRole.HANDLE, "approve": StepRole.APPROVE, "return": StepRole.RETURN}[queue]
    dossiers = Dossier.objects.filter(
        current_step__role=step_role, current_step__state=StepState.ACTIVE, current_step__agency_id__in=agency_ids,
    )
    # A step is active only while its dossier is open (a refusal, a stop or a withdrawal cancels it; returning
    # the result completes the last one): a handling or approval step is active while the dossier is received,
    # in progress or waiting for a supplement, and only the last is left out; a return step only once the
    # result is ready. Said this way PostgreSQL sees that nearly every active step qualifies and reads the
    # queue in the order of the step index, stopping after a page (``state IN (…)`` of a few open dossiers
    # among a million made it sort them all).
    if queue != "return":
        dossiers = dossiers.exclude(state=State.SUPPLEMENT_REQUESTED)
    return (dossiers.select_related(*STEP_QUEUE_ROW_RELATED).only(*QUEUE_ROW_FIELDS)
            .order_by(*queue_ordering(queue)))


def queue_ordering(role: str) -> tuple[str, str]:
    """The order of a queue: the receiving queue by submission (first come, first served), the others by the
    due moment of the step the dossier waits at (the most urgent first; a step is never due after its dossier).
    Both end with an id, so the order is total and a page can continue after its last row; both follow an index
    (``dossier_waiting_idx``, ``step_active_due_idx``), so a page reads its 25 rows and no more."""
    queue = {r.value: q for q, r in QUEUE_ROLES.items()}.get(role, role)
    return ("submitted_at", "id") if queue == "receive" else ("current_step__due_at", "current_step_id")


# -- counting and paging a queue at scale ----------------------------------------------------------------------
#
# A queue of an agency with a million dossiers may hold tens of thousands. Counting them exactly on every page
# view reads them all; a deep page by OFFSET reads every row before it. Instead, a count is exact up to
# COUNT_EXACT_UP_TO (reading at most that many index entries) and beyond that is PostgreSQL's planner estimate
# (Open Zaak's "fuzzy pagination" does the same); pages continue from the last row shown (keyset), so page 400
# costs what page 1 costs.

COUNT_EXACT_UP_TO = 500


@dataclass(frozen=True)
class QueueCount:
    value: int
    exact: bool

    def __int__(self) -> int:
        return self.value


# The generation of the desk's queues (``tinhso.common.pagecache``): moved by every dossier event saved in this
# process, so the counts kept for the tabs are counted again at once there (elsewhere when they expire).
QUEUES_GENERATION = "desk-queues"


def queues_changed(sender=None, raw: bool = False, **kwargs) -> None:
    """A ``post_save`` receiver of dossier events."""
    if not raw:
        pagecache.bump(QUEUES_GENERATION)


def count_up_to(dossiers: QuerySet[Dossier], limit: int | None = None) -> QueueCount:
    """How many rows ``dossiers`` holds: exact up to ``limit`` (COUNT_EXACT_UP_TO); past it, the planner's
    estimate (at least ``limit`` + 1; on SQLite exactly that lower bound)."""
    limit = limit or COUNT_EXACT_UP_TO
    found = dossiers.order_by().values("pk")[: limit + 1].count()
    if found <= limit:
        return QueueCount(found, True)
    return QueueCount(max(estimated_count(dossiers) or 0, limit + 1), False)


def estimated_count(dossiers: QuerySet[Dossier]) -> int | None:
    """PostgreSQL's estimate of the rows ``dossiers`` returns (EXPLAIN, nothing read); None elsewhere."""
    connection = connections[dossiers.db]
    if connection.vendor != "postgresql":
        return None
    sql, params = dossiers.order_by().values("pk").query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN (FORMAT JSON) " + sql, params)
        plan = cursor.fetchone()[0]
    if isinstance(plan, str):
        plan = json.loads(plan)
    return int(plan[0]["Plan"]["Plan Rows"])


@dataclass
class QueuePage:
    """One page of a queue: its rows, its number, the queue's count and the cursors of its neighbours."""

    rows: list
    number: int
    count: QueueCount
    size: int
    next_cursor: str = ""
    previous_cursor: str = ""

    @property
    def pages(self) -> int | None:
        """The number of pages when the count is exact."""
        return max(1, -(-self.count.value // self.size)) if self.count.exact else None

    @property
    def has_next(self) -> bool:
        return bool(self.next_cursor)

    @property
    def has_previous(self) -> bool:
        return self.number > 1


def _value_of(dossier: Dossier, path: str):
    value = dossier
    for name in path.split("__"):
        value = getattr(value, name, None)
    return value


def _cursor_of(dossier: Dossier, ordering: tuple[str, str]) -> str:
    moment, tiebreak = _value_of(dossier, ordering[0]), _value_of(dossier, ordering[1])
    if moment is None or tiebreak is None:
        return ""
    return f"{int(moment.timestamp() * 1_000_000)}.{tiebreak}"


def _parse_cursor(cursor: str | None) -> tuple[datetime.datetime, int] | None:
    try:
        micros, pk = (cursor or "").split(".", 1)
        moment = datetime.datetime.fromtimestamp(int(micros) / 1_000_000, tz=datetime.UTC)
        return moment.replace(microsecond=int(micros) % 1_000_000), int(pk)
    except (ValueError, OverflowError, OSError):
        return None


def queue_page(dossiers: QuerySet[Dossier], ordering: tuple[str, str], *, after: str | None = None,
               before: str | None = None, number: int = 1, size: int = 25, count: QueueCount | None = None
               ) -> QueuePage:
    """A page of ``dossiers`` in ``ordering``: the rows after the cursor ``after`` (the next page), before
    ``before`` (the previous one), or at page ``number`` counted from the start (a bookmarked address)."""
    field, tiebreak = ordering
    number = max(1, number)
    count = count or count_up_to(dossiers)
    start, end = _parse_cursor(after), _parse_cursor(before)
    if start is not None:
        moment, pk = start
        rows = _fetched(dossiers.filter(Q(**{f"{field}__gt": moment}) | Q(**{field: moment, f"{tiebreak}__gt": pk}),
                                        **{f"{field}__gte": moment}).order_by(field, tiebreak), 0, size + 1)
    elif end is not None:
        moment, pk = end
        rows = _fetched(dossiers.filter(Q(**{f"{field}__lt": moment}) | Q(**{field: moment, f"{tiebreak}__lt": pk}),
                                        **{f"{field}__lte": moment}).order_by(f"-{field}", f"-{tiebreak}"), 0, size)
        rows.reverse()
        if len(rows) < size:  # back at the start
            number = 1
        following = _cursor_of(rows[-1], ordering) if rows else ""
        return QueuePage(rows, number, count, size, next_cursor=following,
                         previous_cursor=_cursor_of(rows[0], ordering) if rows and number > 1 else "")
    else:
        offset = (number - 1) * size
        rows = _fetched(dossiers.order_by(field, tiebreak), offset, offset + size + 1)
        if not rows and number > 1:
            number = 1
            rows = _fetched(dossiers.order_by(field, tiebreak), 0, size + 1)
    more = len(rows) > size
    rows = rows[:size]
    return QueuePage(rows, number, count, size,
                     next_cursor=_cursor_of(rows[-1], ordering) if more and rows else "",
                     previous_cursor=_cursor_of(rows[0], ordering) if rows and number > 1 else "")


def _fetched(ordered: QuerySet[Dossier], start: int, stop: int) -> list[Dossier]:
    """Rows ``start:stop`` of ``ordered``, in two steps: their keys by the filters, order and limit alone (a
    join of two or three tables, which PostgreSQL plans in a tenth of a millisecond), then the rows with the
    related records ``ordered`` selects, by key. Planning the list's whole join together with its order and
    limit took 5–6 ms at a million dossiers, ten times longer than running it."""
    keys = list(ordered.values_list("pk", flat=True)[start:stop])
    if not keys:
        return []
    selected = ordered.query.select_related
    names, deferred = ordered.query.deferred_loading
    if selected is True or (deferred and names) or any("__" in name for name in names):
        # select_related() without paths, defer(), or only() of related fields: the ORM's own way
        by_key = {row.pk: row for row in ordered.order_by().filter(pk__in=keys)}
        return [by_key[key] for key in keys if key in by_key]
    return _rows_query(selected, tuple(sorted(names))).many(keys)


_ROWS_QUERIES: dict[tuple, statements.RowQuery] = {}


def _rows_query(selected, fields: tuple[str, ...] = ()) -> statements.RowQuery:
    """The statement that reads dossiers by key with the related rows ``selected`` (a queryset's
    ``select_related``) and, when ``fields`` are named (a queryset's ``only``), only those of the dossier's own
    columns; built once per set of paths and fields."""

    def paths(tree: dict, prefix: str = "") -> list[str]:
        found = []
        for name, below in tree.items():
            path = f"{prefix}{name}"
            found.extend(paths(below, f"{path}__") if below else [path])
        return found

    related = tuple(sorted(paths(selected or {})))
    made = _ROWS_QUERIES.get((related, fields))
    if made is None:
        made = _ROWS_QUERIES[(related, fields)] = statements.RowQuery(Dossier, list(related), fields=fields or None)
    return made


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


def filter_dossiers(dossiers: QuerySet[Dossier], params: Mapping, at: datetime.datetime | None = None, *,
                    queue: bool = False) -> QuerySet[Dossier]:
    """Narrow ``dossiers`` by the desk and API filters.

    Keys (all optional): ``procedure`` (national code), ``field`` (field code), ``state``, ``channel``,
    ``agency`` (receiving agency identifier), ``due_soon`` / ``overdue`` (truthy), ``date_from`` /
    ``date_to`` (submission date, ``YYYY-MM-DD`` or ``DD/MM/YYYY``), ``q`` (code or applicant name).
    Unknown or empty values are ignored. ``queue``: ``dossiers`` is a desk queue, whose dossiers are all
    waiting for reception or running, so the deadline filters need not restate which states run (a condition
    that would make PostgreSQL sort the whole queue; see :func:`queue_for`).
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
    running = {} if queue else {"state__in": list(CLOCK_RUNNING_STATES)}
    if _truthy(_param(params, "overdue")):
        dossiers = dossiers.filter(due_at__lt=at, **running)
    if _truthy(_param(params, "due_soon")):
        # Due within the configured working days: not yet overdue, due by the close of that working day.
        horizon = add_working_days(at, due_soon_days())
        dossiers = dossiers.filter(due_at__gte=at, due_at__lte=horizon, **running)
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


def register_dossiers(agency: Agency, start: datetime.date, end: datetime.date) -> QuerySet[Dossier]:
    """The dossiers ``agency`` received from ``start`` to ``end`` (whole days in the province's time), in order
    of reception: the lines of its register (form 06)."""
    from tinhso.common.workdays import VIETNAM

    since = datetime.datetime.combine(start, datetime.time(), tzinfo=VIETNAM)
    until = datetime.datetime.combine(end + datetime.timedelta(days=1), datetime.time(), tzinfo=VIETNAM)
    return (Dossier.objects.filter(receiving_agency=agency, received_at__gte=since, received_at__lt=until)
            .select_related("procedure_version").order_by("received_at", "submitted_at", "id"))
