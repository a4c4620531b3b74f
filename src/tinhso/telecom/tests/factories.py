"""Factories for the telecom registry: operators with their people, the department, stations placed at
offsets in metres from a point (so tests state distances, not degrees), villages, plans and reports.

    department = department_office()          # the agency keeping the registry, with an officer and a leader
    viettel = OperatorFactory(code="viettel")
    station_at(viettel, north=250)            # 250 m north of BASE
"""

from __future__ import annotations

import datetime
import math
from decimal import Decimal

import factory
from factory.django import DjangoModelFactory

from tinhso.directory.models import Role
from tinhso.directory.tests.factories import AgencyFactory, MembershipFactory, UserFactory
from tinhso.geo.tests.factories import CommuneFactory, VillageFactory
from tinhso.telecom import services
from tinhso.telecom.models import (
    AreaType,
    InfrastructurePlan,
    Operator,
    OperatorMembership,
    PlannedSite,
    SpacingRule,
    Station,
    StationState,
    TelecomOffice,
)

# A point in Nghệ An (Vinh) the tests place things around.
BASE = (18.679600, 105.681300)

# WGS 84, for hand-computing offsets (Bowring's radii of curvature).
_A = 6378137.0
_F = 1 / 298.257223563
_E2 = _F * (2 - _F)


def offset(north: float = 0.0, east: float = 0.0, origin=BASE) -> tuple[Decimal, Decimal]:
    """The position ``north`` and ``east`` metres from ``origin``, by the meridional and prime-vertical radii
    of curvature at the origin's latitude (exact to a few millimetres over a few kilometres)."""
    lat = math.radians(origin[0])
    w = math.sqrt(1 - _E2 * math.sin(lat) ** 2)
    meridional = _A * (1 - _E2) / w**3
    prime_vertical = _A / w
    dlat = math.degrees(north / meridional)
    dlon = math.degrees(east / (prime_vertical * math.cos(lat)))
    return Decimal(f"{origin[0] + dlat:.6f}"), Decimal(f"{origin[1] + dlon:.6f}")


class OperatorFactory(DjangoModelFactory):
    class Meta:
        model = Operator
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"dn{n}")
    name = factory.LazyAttribute(lambda o: f"Doanh nghiệp {o.code}")
    short_name = factory.LazyAttribute(lambda o: o.code.upper())
    mnc = ""


def operator_person(operator: Operator, **user_fields):
    """A person acting for ``operator`` (membership in force since 1/1/2025)."""
    user = UserFactory(**user_fields)
    OperatorMembership.objects.create(user=user, operator=operator, valid_from=datetime.date(2025, 1, 1))
    return user


def department_office():
    """The agency that keeps the registry; returns (agency, officer, leader, second leader)."""
    agency = AgencyFactory(name="Sở Khoa học và Công nghệ")
    TelecomOffice.objects.get_or_create(agency=agency)
    officer = UserFactory()
    MembershipFactory(user=officer, agency=agency, role=Role.HANDLER)
    leaders = []
    for _ in range(2):
        leader = UserFactory()
        MembershipFactory(user=leader, agency=agency, role=Role.APPROVER)
        leaders.append(leader)
    return agency, officer, leaders[0], leaders[1]


def station_at(operator, north=0.0, east=0.0, *, code=None, state=StationState.IN_SERVICE, technologies=("4G",),
               commune=None, origin=BASE, **fields) -> Station:
    lat, lon = offset(north, east, origin)
    station = Station(operator=operator, code=code or f"T{Station.objects.count() + 1:05d}", latitude=lat,
                      longitude=lon, state=state, commune=commune, **fields)
    for tech in technologies:
        setattr(station, {"2G": "has_2g", "3G": "has_3g", "4G": "has_4g", "5G": "has_5g"}[tech], True)
    return services.save_station(station)


def village_at(north=0.0, east=0.0, *, commune=None, origin=BASE, **fields):
    lat, lon = offset(north, east, origin)
    return VillageFactory(commune=commune or CommuneFactory(), latitude=lat, longitude=lon, **fields)


def plan_with_rules(*, other=(120, 250), same=(300, 450), number="72/2025/QĐ-UBND") -> InfrastructurePlan:
    """A plan in force with Bắc Ninh's 2025 spacing rule by default (urban / elsewhere)."""
    plan = InfrastructurePlan.objects.create(
        name="Quy định quản lý hạ tầng kỹ thuật viễn thông thụ động", number=number, issuer="UBND tỉnh",
        issued_on=datetime.date(2025, 3, 1), valid_from=datetime.date(2025, 3, 1))
    source = f"{number}, Điều 6"
    for same_operator, (urban, elsewhere) in ((False, other), (True, same)):
        SpacingRule.objects.create(plan=plan, same_operator=same_operator, area=AreaType.URBAN, minimum_m=urban,
                                   legal_source=source)
        SpacingRule.objects.create(plan=plan, same_operator=same_operator, area=AreaType.OTHER, minimum_m=elsewhere,
                                   legal_source=source)
    return plan


def planned_site(plan, north=0.0, east=0.0, *, code="QH-001", tolerance_m=50, min_operators=2) -> PlannedSite:
    lat, lon = offset(north, east)
    return PlannedSite.objects.create(plan=plan, code=code, latitude=lat, longitude=lon, tolerance_m=tolerance_m,
                                      min_operators=min_operators)


def square(north: float, east: float, size: float) -> dict:
    """A square GeoJSON polygon with its south-west corner ``north``/``east`` metres from BASE."""
    corners = [offset(north, east), offset(north, east + size), offset(north + size, east + size),
               offset(north + size, east), offset(north, east)]
    return {"type": "Polygon", "coordinates": [[[float(lon), float(lat)] for lat, lon in corners]]}
