"""Read queries over agencies and memberships, shared by views, the API, reports and other apps.

:func:`visible_agencies` is the platform's one answer to “which agencies' data may this user see”.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable

from django.db.models import Q, QuerySet
from django.utils import timezone

from tinhso.directory.identifiers import normalise_identifier
from tinhso.directory.models import PROVINCE_WIDE_ROLES, Agency, Membership, Role, fold_for_search


def active_memberships(user, on: datetime.date | None = None) -> QuerySet[Membership]:
    """The user's memberships in force on ``on`` (today by default), with their agency, for display."""
    if user is None or not user.is_authenticated:
        return Membership.objects.none()
    return (
        Membership.objects.active_on(on or timezone.localdate())
        .filter(user=user)
        .select_related("agency")
        .order_by("agency__name", "role", "valid_from")
    )


def roles_held(user) -> frozenset[str]:
    """The roles ``user`` holds today in any agency (superusers: every role), kept on the user object for
    the request: the menu and the pages ask again and again, and it is one query."""
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return frozenset()
    cached = getattr(user, "_roles_held", None)
    if cached is None:
        if user.is_superuser:
            cached = frozenset(Role.values)
        else:
            cached = frozenset(active_memberships(user).values_list("role", flat=True))
        user._roles_held = cached
    return cached


def visible_agencies(user, on: datetime.date | None = None) -> QuerySet[Agency]:
    """The agencies whose data ``user`` may see on ``on`` (today by default).

    Superusers, platform administrators and operations-centre viewers see every agency. Anyone else sees
    the agencies of their memberships in force, every unit below them, and the agencies those units
    succeeded (a merged department keeps its predecessor's records). Anonymous users see nothing.
    """
    if user is None or not user.is_authenticated or not user.is_active:
        return Agency.objects.none()
    if user.is_superuser:
        return Agency.objects.all()
    roots = list(active_memberships(user, on).values_list("agency_id", "role"))
    if any(role in PROVINCE_WIDE_ROLES for _, role in roots):
        return Agency.objects.all()
    return Agency.objects.filter(pk__in=sorted(_with_descendants({agency_id for agency_id, _ in roots})))


def _with_descendants(roots: Iterable[int]) -> set[int]:
    """Add the sub-units and the succeeded agencies of ``roots``, transitively: one query per tree level."""
    found = set(roots)
    frontier = set(found)
    while frontier:
        below = set(
            Agency.objects.filter(Q(parent_id__in=frontier) | Q(succeeded_by_id__in=frontier))
            .exclude(pk__in=found)
            .values_list("pk", flat=True)
        )
        found |= below
        frontier = below
    return found


def has_role(user, role: str, agency: Agency | None = None, on: datetime.date | None = None) -> bool:
    """Whether ``user`` holds ``role`` on ``on`` — anywhere, or for ``agency`` (in it or in a unit above it).

    Superusers hold every role.
    """
    if user is None or not user.is_authenticated or not user.is_active:
        return False
    if user.is_superuser:
        return True
    memberships = active_memberships(user, on).filter(role=role)
    if agency is not None:
        memberships = memberships.filter(agency_id__in=[agency.pk, *agency.ancestor_ids()])
    return memberships.exists()


def agency_directory(
    *,
    level: str | None = None,
    kind: str | None = None,
    parent: str | None = None,
    identifier_prefix: str | None = None,
    active_on: datetime.date | None = None,
    q: str | None = None,
) -> QuerySet[Agency]:
    """The public agency directory filtered as the API, exports and reports ask, ready to list."""
    agencies = Agency.objects.select_related("parent", "succeeded_by", "province", "commune")
    if level:
        agencies = agencies.filter(level=level)
    if kind:
        agencies = agencies.filter(kind=kind)
    if parent:
        agencies = agencies.filter(parent__identifier=normalise_identifier(parent))
    if identifier_prefix:
        agencies = agencies.filter(identifier__startswith=normalise_identifier(identifier_prefix))
    if active_on:
        agencies = agencies.active_on(active_on)
    if q:
        for word in fold_for_search(q).split():
            agencies = agencies.filter(Q(search_text__contains=word) | Q(identifier__contains=word.upper()))
    return agencies.order_by("identifier")


def agency_detail(identifier: str) -> Agency | None:
    """One agency by identifier with what its public page shows: parent, children, successor, unit."""
    return (
        Agency.objects.select_related("parent", "succeeded_by", "province", "commune")
        .prefetch_related("children", "predecessors")
        .filter(identifier=normalise_identifier(identifier))
        .first()
    )
