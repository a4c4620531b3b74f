"""Read queries of the citizen's side: the procedure to file, drafts, my dossiers.

A citizen sees only the dossiers whose ``applicant_user`` is their account: another citizen's code answers
404 exactly like a code that does not exist.
"""

from __future__ import annotations

from django.db.models import Count, Prefetch, QuerySet

from tinhso.catalogue.models import OnlineLevel, ProcedureVersion, Status
from tinhso.dossiers.models import DocumentKind, Dossier, DossierDocument, DossierEvent
from tinhso.portal.models import Draft, DraftFile

ONLINE_LEVELS = (OnlineLevel.FULL, OnlineLevel.PARTIAL)


def published_version(code: str) -> ProcedureVersion | None:
    """The version in force of procedure ``code``, with its agencies and papers."""
    return (
        ProcedureVersion.objects.filter(procedure__code=code, status=Status.PUBLISHED)
        .select_related("procedure", "field")
        .prefetch_related("agencies", "documents")
        .first()
    )


def accepts_online(version: ProcedureVersion) -> bool:
    """NĐ 42/2022: only full- and partial-online procedures are filed through the portal."""
    return version.status == Status.PUBLISHED and version.online_level in ONLINE_LEVELS


def drafts_of(user) -> QuerySet[Draft]:
    return (
        Draft.objects.filter(user=user)
        .select_related("procedure_version__procedure")
        .annotate(file_count=Count("files"))
        .order_by("-updated_at", "-id")
    )


def draft_of(user, pk: int) -> Draft | None:
    """The user's own draft (None for another's, the same as for one that does not exist)."""
    return (
        Draft.objects.filter(user=user, pk=pk)
        .select_related("procedure_version__procedure", "procedure_version__field")
        .prefetch_related("procedure_version__agencies", "procedure_version__documents",
                          Prefetch("files", queryset=DraftFile.objects.order_by("uploaded_at", "id")))
        .first()
    )


def profile_prefill(user) -> dict:
    """The applicant fields prefilled from the citizen's profile, or from the account while there is none."""
    from tinhso.portal.accounts.selectors import profile_of

    profile = profile_of(user)
    if profile is not None:
        return {
            "kind": "person",
            "name": getattr(profile, "full_name", "") or "",
            "id_number": getattr(profile, "id_number", "") or "",
            "phone": getattr(profile, "phone", "") or "",
            "email": getattr(profile, "email", "") or user.email or "",
            "address": getattr(profile, "address", "") or "",
            "commune_id": getattr(profile, "commune_id", None),
        }
    return {"kind": "person", "name": user.get_full_name(), "email": user.email or ""}


def my_dossiers(user) -> QuerySet[Dossier]:
    """The citizen's own dossiers, newest first, with what a list row shows."""
    if not getattr(user, "is_authenticated", False):
        return Dossier.objects.none()
    return (
        Dossier.objects.filter(applicant_user=user)
        .select_related("procedure_version__procedure", "receiving_agency")
        .order_by("-submitted_at", "-id")
    )


def my_dossier(user, code: str) -> Dossier | None:
    """One of the citizen's own dossiers with its history and papers; None otherwise."""
    return (
        my_dossiers(user).filter(code=code)
        .select_related("procedure_version__field")
        .prefetch_related(
            "procedure_version__agencies",
            Prefetch("events", queryset=DossierEvent.objects.select_related("agency").order_by("at", "id")),
            Prefetch("documents", queryset=DossierDocument.objects.select_related("required_document")
                     .order_by("uploaded_at", "id")),
        )
        .first()
    )


def latest_supplement_request(dossier: Dossier) -> DossierEvent | None:
    events = [e for e in dossier.events.all() if e.action == "request_supplement"]
    return events[-1] if events else None


def result_documents(dossier: Dossier) -> list[DossierDocument]:
    return [d for d in dossier.documents.all() if d.kind == DocumentKind.RESULT]
