"""Reads of the press and information module, shared by pages, the API, reports and the indicators.

Who sees what (through the platform's one scope helper, ``directory.selectors.visible_agencies``): the
department keeping the registries (:class:`~tinhso.media.models.PressOffice`, its units and predecessors),
superusers and holders of province-wide roles see every record; any other agency sees its own briefing
invitations, the journalists' questions it must answer, the verification tasks of the cases it is asked
about (and those cases) and its own spokespeople. An agency's API token sees what a member of that agency
sees. The registries of press agencies and licensed websites are public information: every signed-in
officer and token reads them.
"""

from __future__ import annotations

import datetime

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from tinhso.directory.models import PROVINCE_WIDE_ROLES, Agency, Role
from tinhso.directory.selectors import _with_descendants, held_roles, visible_agencies
from tinhso.media.models import (
    BriefingInvitation,
    BriefingQuestion,
    Case,
    CaseState,
    FakeNewsReport,
    LicenceState,
    MonitoringAlert,
    PressAgency,
    PressOffice,
    Spokesperson,
    VerificationTask,
    WebsiteLicence,
)


def _is_client(user) -> bool:
    return getattr(user, "agency", None) is not None and not hasattr(user, "memberships")


def is_client(user) -> bool:
    """Whether ``user`` is an agency's API token (not a person)."""
    return _is_client(user)


def agency_ids(user, on: datetime.date | None = None) -> set[int] | None:
    """The agencies whose records ``user`` may see: None for all, else a set (empty for nobody)."""
    if user is None or not getattr(user, "is_authenticated", False) or not getattr(user, "is_active", False):
        return set()
    if _is_client(user):
        return _with_descendants({user.agency.pk})
    if user.is_superuser:
        return None
    if {role for _agency, role in held_roles(user, on)} & set(PROVINCE_WIDE_ROLES):
        return None
    return set(visible_agencies(user, on).values_list("pk", flat=True))


def office_agency_ids() -> set[int]:
    return set(PressOffice.objects.values_list("agency_id", flat=True))


def is_department(user) -> bool:
    """Whether ``user`` sees the module as the department does (every record)."""
    ids = agency_ids(user)
    return ids is None or bool(ids & office_agency_ids())


def is_officer(user) -> bool:
    """Signed-in staff with a membership in force (or a token): the module's pages open for them."""
    if _is_client(user):
        return True
    if not getattr(user, "is_authenticated", False) or not getattr(user, "is_active", False):
        return False
    return user.is_superuser or bool(held_roles(user))


def _scoped(queryset: QuerySet, user, field: str = "agency_id") -> QuerySet:
    if is_department(user):
        return queryset
    return queryset.filter(**{f"{field}__in": sorted(agency_ids(user) or ())})


# -- registries -----------------------------------------------------------------------------------------------

def press_agencies(*, q: str = "", kind: str = "", in_force: bool | None = None) -> QuerySet[PressAgency]:
    found = PressAgency.objects.prefetch_related("channels")
    if q:
        found = found.filter(Q(name__icontains=q) | Q(parent_name__icontains=q) | Q(licence_number__icontains=q))
    if kind:
        found = found.filter(kind=kind)
    if in_force:
        found = found.active_on(timezone.localdate())
    return found.order_by("name")


def licences(*, q: str = "", state: str = "", expiring: bool = False) -> QuerySet[WebsiteLicence]:
    from django.conf import settings

    found = WebsiteLicence.objects.all()
    if q:
        found = found.filter(Q(domain__icontains=q) | Q(holder_name__icontains=q) | Q(licence_number__icontains=q)
                             | Q(holder_tax_code=q))
    today = timezone.localdate()
    if state == "in_force":
        found = found.filter(state=LicenceState.IN_FORCE, issued_on__lte=today, expires_on__gte=today)
    elif state == "expired":
        found = found.filter(state=LicenceState.IN_FORCE, expires_on__lt=today)
    elif state == "revoked":
        found = found.filter(state=LicenceState.REVOKED)
    if expiring:
        horizon = today + datetime.timedelta(days=settings.TINHSO_MEDIA_LICENCE_EXPIRY_DAYS)
        found = found.filter(state=LicenceState.IN_FORCE, expires_on__gte=today, expires_on__lte=horizon)
    return found.order_by("domain")


def open_alerts() -> QuerySet[MonitoringAlert]:
    return MonitoringAlert.objects.filter(closed_at__isnull=True).select_related("licence")


def spokespeople_in_force(on: datetime.date | None = None) -> QuerySet[Spokesperson]:
    return Spokesperson.objects.active_on(on or timezone.localdate()).select_related("agency")


def agencies_in_force(on: datetime.date | None = None) -> QuerySet[Agency]:
    return Agency.objects.active_on(on or timezone.localdate()).order_by("name")


def administered_agencies(user, on: datetime.date | None = None) -> QuerySet[Agency]:
    """The agencies whose spokespeople ``user`` keeps: those where they are the agency's administrator and
    the units below them, within the one scope helper's agencies (superusers: every agency)."""
    visible = visible_agencies(user, on)
    if getattr(user, "is_superuser", False):
        return visible
    roots = {agency_id for agency_id, role in held_roles(user, on) if role == Role.AGENCY_ADMIN}
    if not roots:
        return Agency.objects.none()
    return visible.filter(pk__in=sorted(_with_descendants(roots)))


def keeps_spokespeople(user) -> bool:
    """Whether ``user`` keeps the spokespeople of an agency (an agency's administrator)."""
    if not getattr(user, "is_authenticated", False) or not getattr(user, "is_active", False):
        return False
    return user.is_superuser or any(role == Role.AGENCY_ADMIN for _agency, role in held_roles(user))


def own_spokespeople(user) -> QuerySet[Spokesperson]:
    """Every spokesperson, past and present, of the agencies ``user`` administers."""
    return (Spokesperson.objects.filter(agency__in=administered_agencies(user)).select_related("agency")
            .order_by("agency__name", "role", "-valid_from", "name"))


def spokesperson_gaps(on: datetime.date | None = None) -> QuerySet[Agency]:
    """Agencies in force with no spokesperson (NĐ 09/2017 Art. 2) in force on ``on``."""
    day = on or timezone.localdate()
    speaking = Spokesperson.objects.active_on(day).filter(agency=OuterRef("pk"), role="spokesperson")
    return agencies_in_force(day).exclude(Exists(speaking))


def spokespeople_by_agency(agencies) -> list[tuple[Agency, list[Spokesperson]]]:
    """The public page: each of ``agencies`` (a page of them) with its spokespeople in force (an empty list is a
    gap), in one query for the people of the page."""
    day = timezone.localdate()
    agencies = list(agencies)
    people: dict[int, list[Spokesperson]] = {}
    for person in spokespeople_in_force(day).filter(agency__in=agencies).order_by("role", "name"):
        people.setdefault(person.agency_id, []).append(person)
    return [(agency, people.get(agency.pk, [])) for agency in agencies]


# -- briefings, reports, cases --------------------------------------------------------------------------------

def invitations_for(user) -> QuerySet[BriefingInvitation]:
    return _scoped(BriefingInvitation.objects.select_related("briefing", "agency"), user)


def questions_for(user) -> QuerySet[BriefingQuestion]:
    return _scoped(BriefingQuestion.objects.select_related("briefing", "agency"), user)


def reports_for(user) -> QuerySet[FakeNewsReport]:
    if not is_department(user):
        return FakeNewsReport.objects.none()
    return FakeNewsReport.objects.select_related("case")


def cases_for(user) -> QuerySet[Case]:
    cases = Case.objects.all()
    if is_department(user):
        return cases
    asked = VerificationTask.objects.filter(case=OuterRef("pk"), agency_id__in=sorted(agency_ids(user) or ()))
    return cases.filter(Exists(asked))


def verification_tasks_for(user, *, open_only: bool = False) -> QuerySet[VerificationTask]:
    tasks = _scoped(VerificationTask.objects.select_related("case", "agency"), user)
    if open_only:
        tasks = tasks.filter(answered_at__isnull=True, case__state=CaseState.VERIFICATION)
    return tasks.order_by("due_at", "pk")


def published_refutations(q: str = "") -> QuerySet[Case]:
    from tinhso.common.text import fold

    found = Case.objects.filter(published_at__isnull=False)
    for word in fold(q).split()[:10]:
        found = found.filter(search_text__contains=word)
    return found.order_by("-published_at")


def report_by_code(code: str) -> FakeNewsReport | None:
    return FakeNewsReport.objects.select_related("case").filter(code=code.strip().upper()[:20]).first()
