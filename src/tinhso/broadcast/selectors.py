"""Reads of the grassroots radio registry, all under scope.

Who may broadcast where (registered with the platform's one scope helper, ``directory.selectors.visible``,
as the kind ``"broadcast_communes"``): superusers, holders of province-wide roles and the staff of the
provincial source system, the approvers and the emergency role (:class:`BroadcastMembership` in force) reach
every commune; a commune's operators reach only their commune; anyone else none. Devices, stations,
bulletins and schedules are narrowed through the communes.
"""

from __future__ import annotations

import datetime

from django.db.models import Q, QuerySet
from django.utils import timezone

from tinhso.broadcast.models import (
    BroadcastMembership,
    BroadcastRole,
    Bulletin,
    Device,
    EmergencyBroadcast,
    LiveBroadcast,
    Schedule,
    Station,
)
from tinhso.directory.models import PROVINCE_WIDE_ROLES
from tinhso.directory.selectors import held_roles, register_scope, visible
from tinhso.geo.models import Commune

PROVINCE_ROLES = frozenset({BroadcastRole.SOURCE_OPERATOR, BroadcastRole.APPROVER, BroadcastRole.EMERGENCY})


def broadcast_roles(user, on: datetime.date | None = None) -> dict[str, set[int | None]]:
    """role → the communes it is held for (None: the whole province); read once per user object."""
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return {}
    on = on or timezone.localdate()
    agency = getattr(user, "agency", None)
    if agency is not None and getattr(user, "pk", None) is None:
        # An agency's API token: an agency authorised to send CAP alerts holds the emergency role.
        from tinhso.broadcast.models import AlertSource

        if AlertSource.objects.filter(agency=agency, active=True).exists():
            return {BroadcastRole.EMERGENCY: {None}}
        return {}
    cache = getattr(user, "_broadcast_roles", None)
    if cache is not None and cache[0] == on:
        return cache[1]
    roles: dict[str, set[int | None]] = {}
    for role, commune_id in (BroadcastMembership.objects.active_on(on).filter(user=user)
                             .values_list("role", "commune_id")):
        roles.setdefault(role, set()).add(None if role in PROVINCE_ROLES else commune_id)
    user._broadcast_roles = (on, roles)  # per request: the user object lives as long as the request
    return roles


def _province_wide(user, on: datetime.date) -> bool:
    staff = getattr(user, "pk", None) is not None
    if staff and {role for _agency, role in held_roles(user, on)} & set(PROVINCE_WIDE_ROLES):
        return True
    return bool(set(broadcast_roles(user, on)) & PROVINCE_ROLES)


def _resolve_communes(user, on: datetime.date) -> QuerySet[Commune]:
    if _province_wide(user, on):
        return Commune.objects.all()
    mine = broadcast_roles(user, on).get(BroadcastRole.COMMUNE_OPERATOR, set())
    return Commune.objects.filter(pk__in=[pk for pk in mine if pk is not None])


def register_commune_scope() -> None:
    register_scope("broadcast_communes", everything=Commune.objects.all, resolve=_resolve_communes)


def visible_communes(user, on: datetime.date | None = None) -> QuerySet[Commune]:
    """The communes whose radio ``user`` may see and broadcast to (see the module docstring)."""
    return visible("broadcast_communes", user, on)


def reaches_province(user) -> bool:
    """Whether ``user`` works for the whole province (every commune), not for some communes."""
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    return user.is_superuser or _province_wide(user, timezone.localdate())


def has_broadcast_role(user, role: str) -> bool:
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    return user.is_superuser or role in broadcast_roles(user)


def may_approve(user) -> bool:
    """Content is approved by the province's approvers (nothing is broadcast unapproved)."""
    return has_broadcast_role(user, BroadcastRole.APPROVER)


def may_start_emergency(user) -> bool:
    """The emergency role reaches any area, without approval."""
    return has_broadcast_role(user, BroadcastRole.EMERGENCY)


LIVE_ROLES = frozenset({BroadcastRole.COMMUNE_OPERATOR, BroadcastRole.SOURCE_OPERATOR, BroadcastRole.EMERGENCY})


def may_broadcast_live(user) -> bool:
    """A commune's operators (for their commune), the provincial source system and the emergency role (for the
    province) broadcast live; where, :func:`visible_communes` says."""
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    return user.is_superuser or bool(set(broadcast_roles(user)) & LIVE_ROLES)


def may_operate(user) -> bool:
    """Whether ``user`` works with the grassroots radio at all (a role, or a province-wide view)."""
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    return user.is_superuser or bool(broadcast_roles(user)) or _province_wide(user, timezone.localdate())


def visible_stations(user) -> QuerySet[Station]:
    return Station.objects.filter(commune__in=visible_communes(user)).select_related("commune")


def visible_devices(user) -> QuerySet[Device]:
    return (Device.objects.filter(commune__in=visible_communes(user))
            .select_related("commune", "village", "station", "live"))


def visible_bulletins(user) -> QuerySet[Bulletin]:
    if reaches_province(user):
        return Bulletin.objects.all()
    return Bulletin.objects.filter(Q(commune__in=visible_communes(user)) | Q(commune__isnull=True, state="approved"))


def visible_schedules(user) -> QuerySet[Schedule]:
    """Schedules that touch only communes ``user`` reaches (a province-wide schedule is the province's)."""
    qs = Schedule.objects.select_related("bulletin")
    if reaches_province(user):
        return qs
    return qs.filter(commune__in=visible_communes(user))


def visible_emergencies(user) -> QuerySet[EmergencyBroadcast]:
    if not may_operate(user):
        return EmergencyBroadcast.objects.none()
    return EmergencyBroadcast.objects.select_related("bulletin", "cap_alert")


def visible_live(user) -> QuerySet[LiveBroadcast]:
    """Live broadcasts of the communes ``user`` reaches (the province's ones for the province-wide)."""
    qs = LiveBroadcast.objects.select_related("commune", "started_by")
    if reaches_province(user):
        return qs
    return qs.filter(commune__in=visible_communes(user))
