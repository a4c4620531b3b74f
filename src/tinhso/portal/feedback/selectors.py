"""Read queries over ratings and complaints, for the portal pages, the officers' queue and the operations
centre's satisfaction indicators (QĐ 766/QĐ-TTg, standards §5).

Periods are half-open, ``start <= moment < end`` (aware datetimes): a rating counts in the period it was
given, a complaint in the period it was filed. ``agency`` arguments take an ``Agency``, its primary key, or
an iterable / queryset of either; ``None`` means every agency.

The indicator functions return plain numbers: counts as ``int``, rates as a percentage ``float`` rounded
to two decimals, or ``None`` when there is nothing to measure (no complaint, no rating) — never a 0 that
would read as a bad score.

Besides the agency, ratings and complaints narrow by the one-stop filters of the operations centre through
the dossier they concern: ``field`` and ``procedure`` (primary keys, of the dossier's procedure version) and
``commune`` (the applicant's commune code). A complaint not tied to a dossier belongs to no field, procedure
or commune, so those filters leave it out. The ``*_by`` functions group the same counts by one dimension in
one query, for the operations centre's breakdown tables.
"""

from __future__ import annotations

import datetime

from django.db.models import Avg, Count, DateField, Prefetch, Q, QuerySet, Sum
from django.db.models.functions import TruncMonth
from django.utils import timezone

from tinhso.common.workdays import VIETNAM
from tinhso.directory.models import Agency
from tinhso.directory.selectors import visible_agencies
from tinhso.dossiers.models import Dossier
from tinhso.portal.feedback.models import (
    OPEN_STATES,
    SCORE_FIELDS,
    Complaint,
    ComplaintEvent,
    ComplaintState,
    Rating,
    Verdict,
)

# -- the operations centre's view -------------------------------------------------------------------------


def ratings_between(start: datetime.datetime, end: datetime.datetime) -> QuerySet[Rating]:
    """Ratings given in ``[start, end)``, with their agency and dossier: ``agency``, ``overall_score``,
    ``access_score``, ``procedure_score``, ``officer_score``, ``result_score``, ``created_at``."""
    return (Rating.objects.filter(created_at__gte=start, created_at__lt=end)
            .select_related("agency", "dossier").order_by("created_at", "id"))


def complaints_between(start: datetime.datetime, end: datetime.datetime) -> QuerySet[Complaint]:
    """Complaints filed in ``[start, end)``, with their (current) responsible agency: ``agency``,
    ``state``, ``submitted_at``, ``routed_at``, ``due_at``, ``answered_at``, ``answered_on_time``,
    ``refused_at``, ``verdict``, ``verdict_at``."""
    return (Complaint.objects.filter(submitted_at__gte=start, submitted_at__lt=end)
            .select_related("agency").order_by("submitted_at", "id"))


def _for_agency(queryset: QuerySet, agency) -> QuerySet:
    if agency is None:
        return queryset
    if isinstance(agency, Agency):
        return queryset.filter(agency_id=agency.pk)
    if isinstance(agency, int):
        return queryset.filter(agency_id=agency)
    if isinstance(agency, QuerySet):
        return queryset.filter(agency_id__in=agency.values("pk"))
    ids = [a.pk if isinstance(a, Agency) else int(a) for a in agency]
    return queryset.filter(agency_id__in=ids)


# The dimension → the path from a rating or a complaint to its key; ``month`` is the local month.
DIMENSIONS = {
    "agency": "agency_id",
    "field": "dossier__procedure_version__field_id",
    "procedure": "dossier__procedure_version__procedure_id",
    "commune": "dossier__applicant_commune__code",
    "month": "month",
}


def _narrowed(queryset: QuerySet, agency=None, field: int | None = None, procedure: int | None = None,
              commune: str | None = None) -> QuerySet:
    queryset = _for_agency(queryset, agency)
    if field:
        queryset = queryset.filter(dossier__procedure_version__field_id=field)
    if procedure:
        queryset = queryset.filter(dossier__procedure_version__procedure_id=procedure)
    if commune:
        queryset = queryset.filter(dossier__applicant_commune__code=commune)
    return queryset


def _grouped(queryset: QuerySet, dimension: str, moment: str, expressions: dict) -> dict[object, dict]:
    key = DIMENSIONS[dimension]
    if dimension == "month":
        queryset = queryset.annotate(month=TruncMonth(moment, tzinfo=VIETNAM, output_field=DateField()))
    rows = queryset.order_by().values(key).annotate(**expressions)
    return {row.pop(key): row for row in rows}


def _complaint_count_expressions(at: datetime.datetime) -> dict:
    """Conditional counts behind the complaint indicators, as of the moment ``at``.

    - within competence: not refused as outside the agency's competence;
    - decided: within competence and either answered or past its due moment unanswered (a complaint still
      inside its deadline is neither on time nor late yet, so it stays out of the rates);
    - late: answered after the due moment, or still unanswered past it.
    """
    competent = ~Q(state=ComplaintState.REFUSED)
    answered = Q(answered_at__isnull=False)
    overdue_open = Q(answered_at__isnull=True, due_at__lt=at)
    late = Q(answered_on_time=False) | overdue_open
    decided = competent & (answered | overdue_open)
    return {
        "received": Count("id"),
        "within_competence": Count("id", filter=competent),
        "refused": Count("id", filter=Q(state=ComplaintState.REFUSED)),
        "answered": Count("id", filter=competent & answered),
        "decided": Count("id", filter=decided),
        "on_time": Count("id", filter=competent & Q(answered_on_time=True)),
        "late": Count("id", filter=competent & late),
        "not_satisfied": Count("id", filter=Q(verdict=Verdict.NOT_SATISFIED)),
        "not_satisfied_or_late": Count("id", filter=decided & (Q(verdict=Verdict.NOT_SATISFIED) | late)),
    }


def complaint_counts(start: datetime.datetime, end: datetime.datetime, agency=None,
                     at: datetime.datetime | None = None, **filters) -> dict[str, int]:
    """The counts behind the complaint indicators for one agency (or several, or all) and period, in one
    query: received, within_competence, refused, answered, decided, on_time, late, not_satisfied,
    not_satisfied_or_late. ``filters``: field, procedure, commune (complaints tied to such a dossier)."""
    expressions = _complaint_count_expressions(at or timezone.now())
    return _narrowed(Complaint.objects.filter(submitted_at__gte=start, submitted_at__lt=end), agency,
                     **filters).aggregate(**expressions)


def complaint_counts_by(dimension: str, start: datetime.datetime, end: datetime.datetime, agency=None,
                        at: datetime.datetime | None = None, **filters) -> dict[object, dict[str, int]]:
    """:func:`complaint_counts` grouped by one of :data:`DIMENSIONS`, in one query; complaints not tied to a
    dossier come under the key None when grouped by field, procedure or commune."""
    complaints = _narrowed(Complaint.objects.filter(submitted_at__gte=start, submitted_at__lt=end), agency,
                           **filters)
    return _grouped(complaints, dimension, "submitted_at", _complaint_count_expressions(at or timezone.now()))


def complaint_counts_by_agency(start: datetime.datetime, end: datetime.datetime,
                               at: datetime.datetime | None = None) -> dict[int, dict[str, int]]:
    """:func:`complaint_counts` for every agency with complaints in the period, keyed by agency id, in one
    query."""
    expressions = _complaint_count_expressions(at or timezone.now())
    rows = (Complaint.objects.filter(submitted_at__gte=start, submitted_at__lt=end)
            .order_by().values("agency_id").annotate(**expressions))
    return {row.pop("agency_id"): row for row in rows}


def _percent(part: int, whole: int) -> float | None:
    return round(part * 100 / whole, 2) if whole else None


def complaints_received(start: datetime.datetime, end: datetime.datetime, agency=None) -> int:
    """How many complaints were filed in the period (refused ones included)."""
    return _for_agency(Complaint.objects.filter(submitted_at__gte=start, submitted_at__lt=end), agency).count()


def complaints_on_time_rate(start: datetime.datetime, end: datetime.datetime, agency=None,
                            at: datetime.datetime | None = None, **filters) -> float | None:
    """QĐ 766: complaints handled on time = handled on time or early ÷ complaints within competence ×100%.

    Within competence: not refused as out of competence, and decided as of ``at`` (answered, or past due
    unanswered, which counts as not on time).
    """
    counts = complaint_counts(start, end, agency, at, **filters)
    return _percent(counts["on_time"], counts["decided"])


def complaint_satisfaction_rate(start: datetime.datetime, end: datetime.datetime, agency=None,
                                at: datetime.datetime | None = None, **filters) -> float | None:
    """QĐ 766: satisfaction in complaint handling = (complaints − those marked "not satisfied" or late)
    ÷ complaints ×100%, over the same complaints as :func:`complaints_on_time_rate`; a complaint both
    late and marked not satisfied is subtracted once."""
    counts = complaint_counts(start, end, agency, at, **filters)
    return _percent(counts["decided"] - counts["not_satisfied_or_late"], counts["decided"])


def _ratings(start: datetime.datetime, end: datetime.datetime, agency=None, **filters) -> QuerySet[Rating]:
    return _narrowed(Rating.objects.filter(created_at__gte=start, created_at__lt=end), agency, **filters)


# The counts behind the rating indicators: a rate and a mean both follow from them, for a total or a row.
RATING_COUNTS = {
    "ratings": Count("id"),
    "satisfied": Count("id", filter=Q(overall_score__gte=4)),
    "score_total": Sum("overall_score"),
}


def rating_counts(start: datetime.datetime, end: datetime.datetime, agency=None, **filters) -> dict[str, int]:
    """How many ratings were given in the period, how many of them "satisfied" or "very satisfied" (overall
    4–5), and the sum of their overall scores, in one query. ``filters``: field, procedure, commune."""
    counts = _ratings(start, end, agency, **filters).aggregate(**RATING_COUNTS)
    return {name: value or 0 for name, value in counts.items()}


def rating_counts_by(dimension: str, start: datetime.datetime, end: datetime.datetime, agency=None,
                     **filters) -> dict[object, dict[str, int]]:
    """:func:`rating_counts` grouped by one of :data:`DIMENSIONS`, in one query."""
    return _grouped(_ratings(start, end, agency, **filters), dimension, "created_at", RATING_COUNTS)


def rating_averages(start: datetime.datetime, end: datetime.datetime, agency=None,
                    **filters) -> dict[str, float | None]:
    """The number of ratings and the mean of each score (1–5, two decimals) in the period:
    ``{"ratings": n, "overall_score": 4.25, "access_score": …}``."""
    values = _ratings(start, end, agency, **filters).aggregate(
        ratings=Count("id"), **{name: Avg(name) for name in SCORE_FIELDS})
    return {key: (round(value, 2) if isinstance(value, float) else value) for key, value in values.items()}


def average_rating(start: datetime.datetime, end: datetime.datetime, agency=None, **filters) -> float | None:
    """The mean overall score (1–5) of the ratings given in the period; None without ratings."""
    return rating_averages(start, end, agency, **filters)["overall_score"]


def rating_satisfied_rate(start: datetime.datetime, end: datetime.datetime, agency=None,
                          **filters) -> float | None:
    """Share of ratings whose overall score is "satisfied" or "very satisfied" (4 or 5), ×100%.

    A rate with this definition, not an official QĐ 766 score (its procedure-satisfaction formula is
    unconfirmed, standards §5).
    """
    counts = rating_counts(start, end, agency, **filters)
    return _percent(counts["satisfied"], counts["ratings"])


# -- the portal and the officers' pages --------------------------------------------------------------------

def own_dossier(user, code: str) -> Dossier | None:
    """The signed-in applicant's own dossier ``code`` with its rating; None for anyone else's (no hint
    whether it exists)."""
    if user is None or not getattr(user, "is_authenticated", False):
        return None
    return (Dossier.objects.filter(code=code, applicant_user=user)
            .select_related("procedure_version", "receiving_agency", "rating").first())


def own_dossiers(user) -> QuerySet[Dossier]:
    """The citizen's dossiers, newest first, for choosing the one a complaint is about."""
    return Dossier.objects.filter(applicant_user=user).order_by("-submitted_at", "-id")


def complaints_of(user) -> QuerySet[Complaint]:
    """The citizen's own complaints, newest first, ready to list."""
    return Complaint.objects.filter(user=user).select_related("agency").order_by("-submitted_at", "-id")


def _with_history(complaints: QuerySet[Complaint]) -> QuerySet[Complaint]:
    return complaints.select_related("agency", "dossier", "answered_by", "handler").prefetch_related(
        Prefetch("events", queryset=ComplaintEvent.objects.select_related("agency").order_by("at", "id")))


def complaint_of(user, code: str) -> Complaint | None:
    """The citizen's own complaint ``code`` with its history; None for anyone else's."""
    if user is None or not getattr(user, "is_authenticated", False):
        return None
    return _with_history(Complaint.objects.filter(code=code, user=user)).first()


def complaints_visible_to(user) -> QuerySet[Complaint]:
    """Complaints addressed to the agencies ``user`` may see (``directory.selectors.visible_agencies``)."""
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return Complaint.objects.none()
    if user.is_superuser:
        return Complaint.objects.all()
    return Complaint.objects.filter(agency__in=visible_agencies(user))


def officer_queue(user, *, open_only: bool = True) -> QuerySet[Complaint]:
    """The officers' list: open complaints of their agencies, the soonest due first; or all of them,
    newest first."""
    complaints = complaints_visible_to(user).select_related("agency", "handler")
    if open_only:
        return complaints.filter(state__in=OPEN_STATES).order_by("due_at", "id")
    return complaints.order_by("-submitted_at", "-id")


def complaint_for_officer(user, code: str) -> Complaint | None:
    """One complaint in the officer's scope with its history; None outside it (the same as missing)."""
    return _with_history(complaints_visible_to(user).filter(code=code)).first()


def agencies_in_force(exclude: Agency | None = None) -> QuerySet[Agency]:
    """Agencies in force today: those a citizen may address or a complaint be transferred to."""
    agencies = Agency.objects.active_on(timezone.localdate()).order_by("name")
    return agencies.exclude(pk=exclude.pk) if exclude is not None else agencies
