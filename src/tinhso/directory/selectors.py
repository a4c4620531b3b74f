"""Read queries over agencies and memberships, shared by views, the API, reports and other apps.

:func:`visible_agencies` is the platform's one answer to “which agencies' data may this user see”.
"""

from __future__ import annotations

import datetime
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.db.models import Q, QuerySet
from django.utils import timezone

from tinhso.common import statements
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


# Held roles are read once per user object and reused for this long, unless a membership changes in this
# process (then at once): a request's user object lives one request; a long-lived one (a task worker, a
# command) sees another process's membership change within this many seconds.
HELD_ROLES_SECONDS = 60.0
_membership_generation = [0]


def memberships_changed(**kwargs) -> None:
    """Forget every cached set of held roles (connected to Membership's saves and deletes)."""
    _membership_generation[0] += 1


def held_roles(user, on: datetime.date | None = None) -> frozenset[tuple[int, str]]:
    """The (agency id, role) pairs ``user`` holds on ``on`` (today): one query, then kept on the user object,
    so that every permission check of a request — or of a desk officer's run of transitions — is answered
    from memory."""
    if user is None or not getattr(user, "is_authenticated", False) or getattr(user, "pk", None) is None:
        return frozenset()
    day = on or timezone.localdate()
    key = (day, _membership_generation[0])
    cached = getattr(user, "_held_roles", None)
    now = time.monotonic()
    if cached is not None and cached[0] == key and now - cached[1] < HELD_ROLES_SECONDS:
        return cached[2]
    roles = frozenset(_memberships_in_force(user.pk, day))
    user._held_roles = (key, now, roles)
    return roles


def _memberships_statement(db) -> str:
    quote, meta = db.ops.quote_name, Membership._meta
    column = {name: quote(meta.get_field(name).column) for name in ("agency", "role", "user", "valid_from",
                                                                    "valid_to")}
    return (f"SELECT {column['agency']}, {column['role']} FROM {quote(meta.db_table)} "  # noqa: S608 names from the model
            f"WHERE {column['user']} = %s AND ({column['valid_from']} IS NULL OR {column['valid_from']} <= %s) "
            f"AND ({column['valid_to']} IS NULL OR {column['valid_to']} >= %s)")


# (agency id, role) of a user's memberships in force on a day (both ends count, an empty end is open, as
# ``in_force_on`` says): every signed-in page asks once.
_MEMBERSHIPS_IN_FORCE = statements.FixedRead(Membership, _memberships_statement)


def _memberships_in_force(user_id: int, day: datetime.date) -> list[tuple[int, str]]:
    return [(agency, role) for agency, role in _MEMBERSHIPS_IN_FORCE.rows(user_id, day, day)]


def roles_held(user) -> frozenset[str]:
    """The roles ``user`` holds today in any agency (superusers: every role), from :func:`held_roles`' one
    query: the menu and the pages ask again and again."""
    if user is None or not getattr(user, "is_authenticated", False) or not getattr(user, "is_active", False):
        return frozenset()
    if user.is_superuser:
        return frozenset(Role.values)
    return frozenset(role for _agency, role in held_roles(user))


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
    roots = list(held_roles(user, on))
    if any(role in PROVINCE_WIDE_ROLES for _, role in roots):
        return Agency.objects.all()
    return Agency.objects.filter(pk__in=sorted(_with_descendants({agency_id for agency_id, _ in roots})))


def _tree_statement(db) -> str:
    quote, meta = db.ops.quote_name, Agency._meta
    table, key = quote(meta.db_table), quote(meta.pk.column)
    parent, successor = quote(meta.get_field("parent").column), quote(meta.get_field("succeeded_by").column)
    roots = (f"= ANY(%s::{meta.pk.rel_db_type(db)}[])" if db.vendor == "postgresql"
             else "IN (SELECT value FROM json_each(%s))")
    return (f"WITH RECURSIVE tree(id) AS (SELECT {key} FROM {table} WHERE {key} {roots} "  # noqa: S608 names from the model
            f"UNION SELECT a.{key} FROM {table} a JOIN tree ON a.{parent} = tree.id OR a.{successor} = tree.id) "
            "SELECT id FROM tree")


_TREE = statements.FixedRead(Agency, _tree_statement)


def _with_descendants(roots: Iterable[int]) -> set[int]:
    """Add the sub-units and the succeeded agencies of ``roots``, transitively, in one recursive statement
    (a page that scopes its rows asks on every view; a loop in the tree ends the walk)."""
    found = set(roots)
    if found:
        found.update(row[0] for row in _TREE.rows(found))
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


# -- other kinds of scope ------------------------------------------------------------------------------------
#
# Some records belong to organisations outside the agency tree (a telecom operator's stations and reports, a
# commune radio operator's devices). Their scope joins the helper here: a module registers one resolver per
# kind, and :func:`visible` is the one entry point, applying the rules every kind shares before the
# module's own (anonymous and deactivated users see nothing, superusers everything).


@dataclass(frozen=True)
class ScopeKind:
    """How one kind of scope is resolved: ``everything()`` the whole queryset, ``resolve(user, on)`` what a
    signed-in, active, non-superuser may see on ``on`` (the module builds it on :func:`visible_agencies` and
    its own memberships)."""

    name: str
    everything: Callable[[], QuerySet]
    resolve: Callable[[object, datetime.date], QuerySet]


_SCOPE_KINDS: dict[str, ScopeKind] = {}


def register_scope(name: str, *, everything: Callable[[], QuerySet],
                   resolve: Callable[[object, datetime.date], QuerySet]) -> None:
    """Register a kind of scope (idempotent for the same name)."""
    _SCOPE_KINDS[name] = ScopeKind(name, everything, resolve)


def visible(kind: str, user, on: datetime.date | None = None) -> QuerySet:
    """What ``user`` may see of a registered kind of scope on ``on`` (today by default).

    ``visible("agencies", user)`` is :func:`visible_agencies`; other kinds are registered by their module
    (``telecom`` registers ``"operators"``). A kind nobody registered is an error, never an empty answer.
    """
    if kind == "agencies":
        return visible_agencies(user, on)
    scope = _SCOPE_KINDS.get(kind)
    if scope is None:
        raise LookupError(f"No scope of kind {kind!r} is registered.")
    if user is None or not user.is_authenticated or not user.is_active:
        return scope.everything().none()
    if user.is_superuser:
        return scope.everything()
    return scope.resolve(user, on or timezone.localdate())


def staff_named(words: list[str]) -> list[int]:
    """The staff accounts (a membership, or the administration) whose name, user name or e-mail holds every
    folded word: the administration's search without diacritics. Citizens' accounts are not scanned; staff
    are a province's officials, read in one pass of three short columns."""
    from django.contrib.auth import get_user_model

    from tinhso.common.text import fold

    staff = get_user_model().objects.filter(Q(is_staff=True) | Q(memberships__isnull=False)).distinct()
    found = []
    for pk, first, last, username, email in staff.values_list("pk", "first_name", "last_name", "username",
                                                                "email"):
        text = fold(f"{last} {first} {first} {last} {username} {email}")
        if all(word in text for word in words):
            found.append(pk)
    return found
