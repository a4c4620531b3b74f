"""Read queries of the public portal: finding a procedure and tracking a dossier without signing in.

Search folds what the visitor typed the way the catalogue folds a procedure's code and name
(``search_text``: lower case, no diacritics, đ → d), so "dang ky khai sinh" finds "Đăng ký khai sinh" on
every database. A procedure whose folded name is close to the words typed also matches, best first, so a
typo still finds it ("dang ki khai sinh"): on PostgreSQL through ``pg_trgm`` (created by the portal's first
migration), elsewhere through the same word similarity computed in Python (``common.text.word_similarity``)
over the published versions' folded names.
"""

from __future__ import annotations

import datetime
import hmac

from django.db import connections, router
from django.db.models import Case, Count, Exists, IntegerField, OuterRef, Prefetch, Q, QuerySet, Value, When
from django.utils import timezone

from tinhso.catalogue.models import Field, Level, OnlineLevel, ProcedureVersion, RouteStep, Status
from tinhso.catalogue.selectors import published_procedures
from tinhso.common import pagecache, statements
from tinhso.common.text import word_similarity
from tinhso.directory.models import Agency, fold_for_search
from tinhso.dossiers.models import Dossier, DossierEvent, DossierStep

# How close (pg_trgm word similarity, 0–1) the words typed must be to a procedure's code and name to be
# offered when no procedure contains them all: 0.6 lets a swapped or missing letter through and keeps
# unrelated fields out ("dang ky khai sihn" → "đăng ký khai sinh" 0.82, "cấp giấy phép xây dựng" 0.10).
TYPO_SIMILARITY = 0.6
MOST_USED_WINDOW = datetime.timedelta(days=365)

_trigram_ready: dict[str, bool] = {}


def trigram_search_available() -> bool:
    """True on PostgreSQL when the pg_trgm extension is installed (checked once per process and database)."""
    connection = connections[router.db_for_read(ProcedureVersion)]
    if connection.vendor != "postgresql":
        return False
    alias = connection.alias
    if alias not in _trigram_ready:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1 FROM pg_extension WHERE extname = 'pg_trgm'")
            _trigram_ready[alias] = cursor.fetchone() is not None
    return _trigram_ready[alias]


def search_procedures(
    *, q: str = "", field: str = "", agency: str = "", level: str = "", online_level: str = "",
) -> QuerySet[ProcedureVersion]:
    """The published versions matching the filters and the words typed.

    A procedure matches when its folded code and name contain every folded word. On PostgreSQL with
    pg_trgm the matches come closest first, and when nothing contains every word (a typo) the procedures
    whose name is close enough to the words are offered instead, closest first.
    """
    versions = published_procedures(field=field or None, level=level or None, agency=agency or None,
                                     online_level=online_level or None)
    folded = " ".join(fold_for_search(q or "").split())
    if not folded:
        return versions
    every_word = Q()
    for word in folded.split():
        every_word &= Q(search_text__contains=word)
    exact = versions.filter(every_word)
    if not trigram_search_available():
        if exact.exists():
            return exact
        return _close_in_python(versions, folded)
    from django.contrib.postgres.search import TrigramWordSimilarity

    ranked = versions.annotate(closeness=TrigramWordSimilarity(folded, "search_text"))
    if exact.exists():
        return ranked.filter(every_word).order_by("-closeness", "procedure__code")
    return ranked.filter(closeness__gte=TYPO_SIMILARITY).order_by("-closeness", "procedure__code")


def _close_in_python(versions: QuerySet[ProcedureVersion], folded: str) -> QuerySet[ProcedureVersion]:
    """The versions whose folded code and name are close to ``folded`` (pg_trgm's word similarity, computed
    here), closest first: the typo tolerance of databases without pg_trgm. A province's catalogue is a few
    thousand short names, and the portal keeps each search's results until the catalogue changes."""
    closeness = {}
    for pk, text in versions.values_list("pk", "search_text"):
        score = word_similarity(folded, text, at_least=TYPO_SIMILARITY)
        if score >= TYPO_SIMILARITY:
            closeness[pk] = score
    if not closeness:
        return versions.none()
    ranked = sorted(closeness, key=lambda pk: -closeness[pk])
    order = Case(*[When(pk=pk, then=Value(rank)) for rank, pk in enumerate(ranked)], output_field=IntegerField())
    return versions.filter(pk__in=ranked).annotate(closeness_rank=order).order_by("closeness_rank",
                                                                                  "procedure__code")


def most_used_procedures(limit: int = 8, *, at: datetime.datetime | None = None) -> list[ProcedureVersion]:
    """The published procedures with the most dossiers over the last 12 months, in one aggregated query
    (dossiers filed under any version of the procedure count)."""
    since = (at or timezone.now()) - MOST_USED_WINDOW
    recent = Q(procedure__versions__dossiers__submitted_at__gte=since)
    return list(
        ProcedureVersion.objects.filter(status=Status.PUBLISHED)
        .select_related("procedure", "field")
        .annotate(uses=Count("procedure__versions__dossiers", filter=recent))
        .filter(uses__gt=0)
        .order_by("-uses", "procedure__code")[:limit]
    )


def fields_in_use() -> QuerySet[Field]:
    """The fields that hold at least one published procedure, with how many."""
    return (
        Field.objects.annotate(
            procedures=Count("procedure_versions", filter=Q(procedure_versions__status=Status.PUBLISHED)),
        )
        .filter(procedures__gt=0)
        .order_by("name")
    )


def implementing_agencies() -> QuerySet[Agency]:
    """The agencies that carry out at least one published procedure, by name."""
    published = ProcedureVersion.agencies.through.objects.filter(
        agency_id=OuterRef("pk"), procedureversion__status=Status.PUBLISHED,
    )
    return Agency.objects.filter(Exists(published)).only("pk", "identifier", "name").order_by("name")


def filter_choices() -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """The search filters' choices: (code, name) of the fields in use and (identifier, name) of the implementing
    agencies, kept between requests until the catalogue changes."""
    return pagecache.remembered(
        ("portal-filter-choices",),
        lambda: ([(f.code, f.name) for f in fields_in_use()],
                 [(a.identifier, a.name) for a in implementing_agencies()]),
        depends_on=["catalogue"],
    )


def procedure_page(code: str) -> ProcedureVersion | None:
    """The version of ``code`` in force with everything its public page shows; None when none is."""
    return (
        ProcedureVersion.objects.filter(procedure__code=code, status=Status.PUBLISHED)
        .select_related("procedure", "field")
        .prefetch_related(
            Prefetch("agencies", queryset=Agency.objects.select_related("commune").order_by("name")),
            "documents", "fees",
            Prefetch("steps", queryset=RouteStep.objects.select_related("agency").order_by("order", "id")),
        )
        .first()
    )


def level_choices() -> list[tuple[str, str]]:
    return list(Level.choices)


def online_level_choices() -> list[tuple[str, str]]:
    return list(OnlineLevel.choices)


# ---------------------------------------------------------------------------------------------------------
# Tracking


def normalise_code(raw: str) -> str:
    """A dossier code as printed: no surrounding spaces, upper case (agency identifiers are upper case)."""
    return "".join((raw or "").split()).upper()


def _last_four(value: str) -> str:
    digits = "".join(ch for ch in value or "" if ch.isdigit())
    return digits[-4:] if len(digits) >= 4 else ""


def matching_dossier(code: str, digits: str) -> Dossier | None:
    """The dossier ``code`` when ``digits`` are the last 4 digits of its applicant's phone or personal ID
    number; None otherwise, whether the code or the digits are wrong (the caller cannot tell which)."""
    candidate = Dossier.objects.filter(code=normalise_code(code)).only(
        "pk", "code", "applicant_phone", "applicant_id_number",
    ).first()
    phone = _last_four(candidate.applicant_phone) if candidate else "----"
    id_number = _last_four(candidate.applicant_id_number) if candidate else "----"
    given = (digits or "").strip()
    # Both comparisons always run, in constant time, so the answer takes as long whatever was wrong.
    by_phone = hmac.compare_digest(given.encode(), phone.encode()) and bool(phone)
    by_id = hmac.compare_digest(given.encode(), id_number.encode()) and bool(id_number)
    return candidate if candidate is not None and (by_phone or by_id) else None


# What the tracking page needs to decide whether anything changed: the version and the deadline fields.
TRACKING_HEAD_FIELDS = ("pk", "code", "version", "state", "received_at", "due_at", "result_ready_at", "finished_at")


# Read on every reload of a tracking page: the statement is built once, not compiled per request.
_TRACKING_HEAD = statements.RowQuery(Dossier, fields=TRACKING_HEAD_FIELDS, by=("pk", "code"))


def tracked_dossier_head(pk: int, code: str) -> Dossier | None:
    """The version and deadline fields of a dossier the visitor has proved to be theirs, in one small query."""
    return _TRACKING_HEAD.get(pk, code)


def tracked_dossier(pk: int, code: str) -> Dossier | None:
    """A dossier the visitor has already proved to be theirs, with what the tracking page shows."""
    return (
        Dossier.objects.filter(pk=pk, code=code)
        .select_related("procedure_version__procedure", "receiving_agency")
        .prefetch_related(
            Prefetch("events", queryset=DossierEvent.objects.select_related("agency").order_by("at", "id")),
            Prefetch("steps", queryset=DossierStep.objects.select_related("agency").order_by("order", "id")),
            "documents",
        )
        .first()
    )
