"""Read queries over the catalogue, shared by the API, the admin, exports and (later) the dossiers."""

from __future__ import annotations

from django.db.models import Prefetch, QuerySet

from tinhso.catalogue.models import Field, ProcedureVersion, RouteStep, Status
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
