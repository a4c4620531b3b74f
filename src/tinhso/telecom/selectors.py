"""Reads of the telecom registry, shared by pages, the API, exports and the indicators, all under scope.

Who sees what (registered with the platform's one scope helper, ``directory.selectors.visible``, as the kind
``"operators"``): superusers, holders of province-wide roles (platform administrators, operations-centre
viewers) and the staff of the agency that keeps the registry (:class:`~tinhso.telecom.models.TelecomOffice`,
its units and predecessors, through ``visible_agencies``) see every operator; a person acting for an
operator (:class:`~tinhso.telecom.models.OperatorMembership` in force) sees only that operator's records;
anyone else sees none. Every queryset below is narrowed by :func:`visible_operators`.
"""

from __future__ import annotations

import datetime

from django.db.models import Count, Q, QuerySet, Sum
from django.utils import timezone

from tinhso.directory.models import PROVINCE_WIDE_ROLES, Agency, Role
from tinhso.directory.selectors import held_roles, register_scope, visible, visible_agencies
from tinhso.telecom.models import (
    CableRoute,
    CommuneStatus,
    CoveragePlan,
    Operator,
    OperatorMembership,
    OperatorReport,
    Outage,
    PlannedSite,
    RestrictedArea,
    ServicePoint,
    Station,
    TelecomOffice,
    VillageStatus,
)


def _sees_whole_registry(user, on: datetime.date) -> bool:
    if getattr(user, "telecom_operator", None) is not None:
        return False  # an operator's API client
    client_agency = getattr(user, "agency", None)
    if client_agency is not None and not hasattr(user, "memberships"):
        # An agency's API client sees what a member of its agency sees.
        from tinhso.directory.selectors import _with_descendants

        offices = set(TelecomOffice.objects.values_list("agency_id", flat=True))
        return bool(offices & _with_descendants({client_agency.pk}))
    roles = {role for _agency, role in held_roles(user, on)}
    if roles & set(PROVINCE_WIDE_ROLES):
        return True
    offices = TelecomOffice.objects.values_list("agency_id", flat=True)
    return visible_agencies(user, on).filter(pk__in=offices).exists()


def _resolve_operators(user, on: datetime.date) -> QuerySet[Operator]:
    client_operator = getattr(user, "telecom_operator", None)
    if client_operator is not None:
        return Operator.objects.filter(pk=client_operator.pk, active=True)
    if _sees_whole_registry(user, on):
        return Operator.objects.all()
    mine = OperatorMembership.objects.active_on(on).filter(user=user).values_list("operator_id", flat=True)
    return Operator.objects.filter(pk__in=list(mine))


def register_operator_scope() -> None:
    register_scope("operators", everything=Operator.objects.all, resolve=_resolve_operators)


def visible_operators(user, on: datetime.date | None = None) -> QuerySet[Operator]:
    """The operators whose records ``user`` may see (see the module docstring)."""
    return visible("operators", user, on)


def is_department(user) -> bool:
    """Whether ``user`` sees the registry as the department does (every operator), not as an operator."""
    if user is None or not user.is_authenticated or not user.is_active:
        return False
    return user.is_superuser or _sees_whole_registry(user, timezone.localdate())


def operator_of(user) -> Operator | None:
    """The operator a person acts for (the first membership in force), None for department staff."""
    if user is None or not user.is_authenticated or is_department(user):
        return None
    if getattr(user, "telecom_operator", None) is not None:
        return user.telecom_operator
    if not hasattr(user, "memberships"):
        return None
    membership = (OperatorMembership.objects.active_on().filter(user=user).select_related("operator")
                  .order_by("operator__name").first())
    return membership.operator if membership else None


def may_use_registry(user) -> bool:
    return is_department(user) or operator_of(user) is not None


def is_reviewer(user) -> bool:
    """A leader (approver) of the registry's agency, who reviews operators' reports."""
    if user is None or not user.is_authenticated or not user.is_active:
        return False
    if user.is_superuser:
        return True
    if not hasattr(user, "memberships"):
        return False  # a machine client never reviews
    offices = list(TelecomOffice.objects.values_list("agency_id", flat=True))
    if not offices:
        return False
    approver_at = {agency for agency, role in held_roles(user) if role == Role.APPROVER}
    if not approver_at:
        return False
    for agency in Agency.objects.filter(pk__in=offices):
        if agency.pk in approver_at or not approver_at.isdisjoint(agency.ancestor_ids()):
            return True
    return False


# -- records under scope --------------------------------------------------------------------------------------


def stations_for(user, *, operator=None, state=None, technology=None, commune=None, down=None, q=None,
                 shared=None, approved_from=None, approved_to=None) -> QuerySet[Station]:
    stations = Station.objects.filter(operator__in=visible_operators(user)).select_related("operator", "commune")
    if operator:
        stations = stations.filter(operator__code=operator)
    if state:
        stations = stations.filter(state=state)
    if technology:
        from tinhso.telecom.models import TECHNOLOGY_FIELDS

        name = TECHNOLOGY_FIELDS.get(technology)
        if name:
            stations = stations.filter(**{name: True})
    if commune:
        stations = stations.filter(commune__code=commune)
    if down is not None:
        stations = stations.filter(is_down=down)
    if shared:
        stations = stations.filter(operators_count__gte=2)
    if approved_from:
        stations = stations.filter(approved_on__gte=approved_from)
    if approved_to:
        stations = stations.filter(approved_on__lt=approved_to)
    if q:
        stations = stations.filter(Q(code__icontains=q.strip()) | Q(name__icontains=q.strip()))
    return stations.order_by("operator__name", "code")


def station_detail(user, pk: int) -> Station | None:
    return (stations_for(user).select_related("village", "dossier").prefetch_related("tenants")
            .filter(pk=pk).first())


def routes_for(user, *, operator=None, placement=None, commune=None) -> QuerySet[CableRoute]:
    routes = CableRoute.objects.filter(operator__in=visible_operators(user)).select_related("operator")
    if operator:
        routes = routes.filter(operator__code=operator)
    if placement:
        routes = routes.filter(placement=placement)
    if commune:
        routes = routes.filter(communes__code=commune)
    return routes.order_by("operator__name", "code")


def service_points_for(user, *, commune=None, kind=None) -> QuerySet[ServicePoint]:
    """Service points are public facts: every registry user sees all of them (an operator its own and the
    post's)."""
    points = ServicePoint.objects.select_related("operator", "commune")
    if not is_department(user):
        points = points.filter(Q(operator__in=visible_operators(user)) | Q(operator__isnull=True))
    if commune:
        points = points.filter(commune__code=commune)
    if kind:
        points = points.filter(kind=kind)
    return points.order_by("code")


def outages_for(user, *, open_only=True, disaster=None, commune=None, operator=None) -> QuerySet[Outage]:
    outages = Outage.objects.filter(operator__in=visible_operators(user)).select_related(
        "station", "operator", "commune", "disaster")
    if open_only:
        outages = outages.filter(ended_at__isnull=True)
    if disaster:
        outages = outages.filter(disaster_id=disaster)
    if commune:
        outages = outages.filter(commune__code=commune)
    if operator:
        outages = outages.filter(operator__code=operator)
    return outages.order_by("-started_at", "-id")


def outages_by_commune(user, *, disaster=None) -> list[dict]:
    """Stations down now per commune (one grouped query), most first."""
    rows = (outages_for(user, disaster=disaster).values("commune__code", "commune__name")
            .annotate(down=Count("pk")).order_by("-down", "commune__name"))
    return list(rows)


def reports_for(user, *, status=None, operator=None, period=None) -> QuerySet[OperatorReport]:
    reports = OperatorReport.objects.filter(operator__in=visible_operators(user)).select_related(
        "operator", "entered_by", "approved_by", "rejected_by")
    if status:
        reports = reports.filter(status=status)
    if operator:
        reports = reports.filter(operator__code=operator)
    if period:
        reports = reports.filter(period=period)
    return reports.order_by("-period_start", "operator__name")


def village_statuses(*, commune=None, broadband=None) -> QuerySet[VillageStatus]:
    """Village coverage is about villages, not operators: every registry user reads it."""
    statuses = VillageStatus.objects.select_related("village", "commune")
    if commune:
        statuses = statuses.filter(commune__code=commune)
    if broadband is not None:
        statuses = statuses.filter(broadband=broadband)
    return statuses.order_by("commune__name", "village__name")


def uncovered_villages(*, commune=None) -> QuerySet[VillageStatus]:
    return village_statuses(commune=commune, broadband=False)


def plans_by_village(village_ids) -> dict[int, list[CoveragePlan]]:
    found: dict[int, list[CoveragePlan]] = {}
    for plan in CoveragePlan.objects.filter(village_id__in=list(village_ids)).select_related("operator"):
        found.setdefault(plan.village_id, []).append(plan)
    return found


def commune_statuses(*, commune=None) -> QuerySet[CommuneStatus]:
    statuses = CommuneStatus.objects.select_related("commune")
    if commune:
        statuses = statuses.filter(commune__code=commune)
    return statuses.order_by("commune__name")


def planned_sites(plan=None) -> QuerySet[PlannedSite]:
    from tinhso.telecom.models import InfrastructurePlan

    sites = PlannedSite.objects.select_related("plan", "commune")
    if plan is None:
        plan = InfrastructurePlan.objects.active_on().first()
    return sites.filter(plan=plan) if plan else sites.none()


def restricted_areas(plan=None, kind=None) -> QuerySet[RestrictedArea]:
    from tinhso.telecom.models import InfrastructurePlan

    if plan is None:
        plan = InfrastructurePlan.objects.active_on().first()
    areas = RestrictedArea.objects.filter(plan=plan) if plan else RestrictedArea.objects.none()
    return areas.filter(kind=kind) if kind else areas


def station_counts(user) -> dict:
    """The registry's headline counts under scope, in one query."""
    stations = Station.objects.filter(operator__in=visible_operators(user))
    return stations.aggregate(
        total=Count("pk"), in_service=Count("pk", filter=Q(state="in_service")),
        down=Count("pk", filter=Q(is_down=True)), shared=Count("pk", filter=Q(operators_count__gte=2)),
        has_5g=Count("pk", filter=Q(has_5g=True)),
    )


def route_lengths(user) -> dict:
    return CableRoute.objects.filter(operator__in=visible_operators(user)).aggregate(
        total=Sum("length_m"), underground=Sum("length_m", filter=Q(placement="underground")))
