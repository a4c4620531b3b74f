"""Read queries over the catalogue, shared by the API, the admin, exports, the dossiers and the operations
centre's publicity indicator (versions published by their effective date)."""

from __future__ import annotations

import datetime

from django.db.models import Count, DateField, Prefetch, Q, QuerySet
from django.db.models.functions import TruncDate, TruncMonth
from django.utils import timezone

from tinhso.catalogue.models import Field, ProcedureVersion, RouteStep, Status
from tinhso.common.workdays import VIETNAM
from tinhso.directory.identifiers import normalise_identifier
from tinhso.directory.models import Agency, fold_for_search


def fields() -> QuerySet[Field]:
    return Field.objects.order_by("code")


def published_procedures(
    *, field: str | None = None, level: str | None = None, agency: str | None = None,
    online_level: str | None = None, q: str | None = None,
) -> QuerySet[ProcedureVersion]:
    """The versions in force, one per procedure, by code; ``agency`` is an implementing agency's identifier,
    ``q`` matches the code or the name without regard to diacritics."""
    versions = (
        ProcedureVersion.objects.filter(status=Status.PUBLISHED)
        .select_related("procedure", "field")
        .prefetch_related(Prefetch("agencies", queryset=Agency.objects.order_by("identifier")))
        .order_by("procedure__code")
    )
    if field:
        versions = versions.filter(field__code=field)
    if level:
        versions = versions.filter(level=level)
    if online_level:
        versions = versions.filter(online_level=online_level)
    if agency:
        versions = versions.filter(agencies__identifier=normalise_identifier(agency))
    if q and q.strip():
        for word in fold_for_search(q).split():
            versions = versions.filter(search_text__contains=word)
    return versions.distinct() if agency else versions


def _with_children(versions: QuerySet[ProcedureVersion]) -> QuerySet[ProcedureVersion]:
    return versions.select_related("procedure", "field").prefetch_related(
        Prefetch("agencies", queryset=Agency.objects.order_by("identifier")),
        "documents",
        "fees",
        Prefetch("steps", queryset=RouteStep.objects.select_related("agency")),
    )


def current_version(code: str) -> ProcedureVersion | None:
    """The version of procedure ``code`` in force, with its documents, fees and route; None if none is."""
    return _with_children(ProcedureVersion.objects.filter(procedure__code=code, status=Status.PUBLISHED)).first()


def published_versions(code: str) -> QuerySet[ProcedureVersion]:
    """Every version of ``code`` that has been in force, newest first (drafts are not public)."""
    return (
        ProcedureVersion.objects.filter(procedure__code=code, status__in=[Status.PUBLISHED, Status.SUPERSEDED])
        .select_related("procedure", "field")
        .order_by("-number")
    )


def versions_for_export(codes: list[str] | None = None, *, drafts: bool = False) -> QuerySet[ProcedureVersion]:
    """What an export writes: the version in force of each procedure (or its draft, with ``drafts``)."""
    status = Status.DRAFT if drafts else Status.PUBLISHED
    versions = ProcedureVersion.objects.filter(status=status)
    if codes:
        versions = versions.filter(procedure__code__in=codes)
    return _with_children(versions).order_by("procedure__code")


# -- publication on time (QĐ 766/QĐ-TTg, publicity group) -----------------------------------------------

PUBLICATION_DIMENSIONS = {
    "agency": "agencies",
    "field": "field_id",
    "procedure": "procedure_id",
    "month": "effective_month",
}


def _taking_effect(start: datetime.date, end: datetime.date, *, agency_ids=None, field: int | None = None,
                   procedure: int | None = None, today: datetime.date | None = None) -> QuerySet[ProcedureVersion]:
    """Versions whose announced effective date falls in ``[start, end)`` and whose timeliness is settled by
    ``today``: published ones, and drafts whose effective date has passed (they can no longer be on time).
    A draft not yet past its effective date may still be published in time, so it is left out.

    ``agency_ids`` (None: every agency) matches an implementing agency of the version; a version with
    several agencies counts once.
    """
    today = today or timezone.localdate()
    versions = ProcedureVersion.objects.filter(effective_from__gte=start, effective_from__lt=end).filter(
        Q(published_at__isnull=False) | Q(effective_from__lt=today))
    if agency_ids is not None:
        linked = ProcedureVersion.agencies.through.objects.filter(agency_id__in=list(agency_ids))
        versions = versions.filter(pk__in=linked.values("procedureversion_id"))
    if field:
        versions = versions.filter(field_id=field)
    if procedure:
        versions = versions.filter(procedure_id=procedure)
    return versions


def _publication_counts() -> dict:
    # The local (Asia/Ho_Chi_Minh) day of publication: a version published at 23:00 on its effective
    # date is on time, whatever the database's time zone.
    published_on = TruncDate("published_at", tzinfo=VIETNAM)
    return {"versions": Count("pk", distinct=True),
            "on_time": Count("pk", distinct=True, filter=Q(published_at__isnull=False,
                                                            effective_from__gte=published_on))}


def publication_counts(start: datetime.date, end: datetime.date, agency_ids=None, *, field: int | None = None,
                       procedure: int | None = None, today: datetime.date | None = None) -> dict[str, int]:
    """How many versions took effect in ``[start, end)`` (local dates) and how many of them were published
    in the catalogue no later than their effective date, in one query: ``{"versions": n, "on_time": m}``.
    Versions without an effective date are not counted: their timeliness cannot be judged."""
    return _taking_effect(start, end, agency_ids=agency_ids, field=field, procedure=procedure,
                          today=today).aggregate(**_publication_counts())


def publication_counts_by(dimension: str, start: datetime.date, end: datetime.date, agency_ids=None, *,
                          field: int | None = None, procedure: int | None = None,
                          today: datetime.date | None = None) -> dict[object, dict[str, int]]:
    """:func:`publication_counts` grouped by ``agency`` (implementing agency; a version of two agencies
    counts for each, one without any under None), ``field``, ``procedure`` or ``month`` (first day of the
    month of the effective date), in one query."""
    versions = _taking_effect(start, end, agency_ids=agency_ids, field=field, procedure=procedure, today=today)
    key = PUBLICATION_DIMENSIONS[dimension]
    if dimension == "month":
        versions = versions.annotate(effective_month=TruncMonth("effective_from", output_field=DateField()))
    if dimension == "agency" and agency_ids is not None:
        # Group on the agency links themselves so that a version's other agencies stay out of a scope.
        links = ProcedureVersion.agencies.through.objects.filter(
            agency_id__in=list(agency_ids), procedureversion__in=versions.values("pk"))
        published_on = TruncDate("procedureversion__published_at", tzinfo=VIETNAM)
        rows = links.values("agency_id").annotate(
            versions=Count("procedureversion_id", distinct=True),
            on_time=Count("procedureversion_id", distinct=True, filter=Q(
                procedureversion__published_at__isnull=False,
                procedureversion__effective_from__gte=published_on))).order_by()
        return {row.pop("agency_id"): row for row in rows}
    rows = versions.values(key).annotate(**_publication_counts()).order_by()
    return {row.pop(key): row for row in rows}
