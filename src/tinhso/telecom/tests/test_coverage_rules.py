"""Village coverage from three sources kept apart, and the documented rule: measured beats declared beats
computed; computed from the stations in service within the range of their technology and terrain. Communes
have 4G when one of their villages has it, fibre when a fibre route serves them."""

from __future__ import annotations

import datetime

import pytest

from tinhso.geo.tests.factories import CommuneFactory
from tinhso.telecom import services
from tinhso.telecom.models import (
    CommuneStatus,
    CoverageRange,
    CoverageSource,
    StationState,
    VillageCoverage,
    VillageStatus,
)
from tinhso.telecom.tests.factories import OperatorFactory, station_at, village_at

pytestmark = pytest.mark.django_db

DAY = datetime.date(2026, 6, 1)


def status(village) -> VillageStatus:
    return VillageStatus.objects.get(village=village)


def test_computed_coverage_follows_the_range_of_each_technology_and_terrain():
    operator = OperatorFactory()
    commune = CommuneFactory()
    station_at(operator, technologies=("4G",))
    station_at(operator, north=20_000, technologies=("2G",))
    near = village_at(north=1_900, commune=commune)       # rural 4G default: 2,000 m
    far = village_at(north=2_100, commune=commune)
    only_2g = village_at(north=21_000, commune=commune)
    CoverageRange.objects.create(technology="4G", terrain="mountain", range_m=900)
    station_at(operator, east=40_000, technologies=("4G",), terrain="mountain")
    mountain = village_at(east=41_000, commune=commune)    # 1,000 m from a mountain 4G site: beyond 900 m
    station_at(operator, east=60_000, technologies=("4G",), state=StationState.APPROVED)
    not_built = village_at(east=60_100, commune=commune)   # an approved but unbuilt station covers nothing
    result = services.recompute_coverage()
    assert status(near).broadband and status(near).decided_by == CoverageSource.COMPUTED
    assert not status(far).broadband
    assert not status(only_2g).broadband and status(only_2g).best == "2G"
    assert not status(mountain).broadband and not status(not_built).broadband
    assert (result.broadband, result.uncovered) == (1, 4)
    computed = VillageCoverage.objects.get(village=near, source=CoverageSource.COMPUTED)
    assert computed.distance_m == pytest.approx(1900, rel=0.005)
    # Recomputing again changes nothing.
    services.recompute_coverage()
    assert VillageCoverage.objects.filter(source=CoverageSource.COMPUTED).count() == 2


def test_measured_beats_declared_beats_computed():
    operator = OperatorFactory()
    station_at(operator, technologies=("4G",))
    village = village_at(north=500)
    services.recompute_coverage()
    assert status(village).broadband
    # The operator declares no signal: declared beats computed.
    VillageCoverage.objects.create(village=village, operator=operator, technology="4G",
                                   source=CoverageSource.DECLARED, covered=False, observed_on=DAY)
    services.refresh_statuses()
    assert not status(village).broadband and status(village).decided_by == CoverageSource.DECLARED
    # A drive test finds signal: measured beats declared.
    VillageCoverage.objects.create(village=village, operator=operator, technology="4G",
                                   source=CoverageSource.MEASURED, covered=True, observed_on=DAY, method="drive_test")
    services.refresh_statuses()
    assert status(village).broadband and status(village).decided_by == CoverageSource.MEASURED
    # The sources stay apart: each is still there as it was.
    assert set(VillageCoverage.objects.filter(village=village).values_list("source", "covered")) == {
        ("computed", True), ("declared", False), ("measured", True)}


def test_one_operators_broadband_is_enough_and_the_rule_applies_per_operator():
    viettel, vnpt = OperatorFactory(), OperatorFactory()
    village = village_at()
    VillageCoverage.objects.create(village=village, operator=viettel, technology="3G", source=CoverageSource.MEASURED,
                                   covered=False, observed_on=DAY, method="field_check")
    VillageCoverage.objects.create(village=village, operator=vnpt, technology="3G", source=CoverageSource.DECLARED,
                                   covered=True, observed_on=DAY)
    services.refresh_statuses()
    assert status(village).broadband and status(village).operators == vnpt.code


def test_communes_have_4g_through_their_villages_and_fibre_through_routes():
    from tinhso.telecom.models import CableRoute

    operator = OperatorFactory()
    with_4g, without = CommuneFactory(), CommuneFactory()
    station_at(operator, technologies=("4G",))
    village_at(north=100, commune=with_4g)
    village_at(north=30_000, commune=without)
    route = CableRoute(operator=operator, code="CQ-1", placement="underground",
                       path={"type": "LineString", "coordinates": [[105.68, 18.68], [105.69, 18.69]]})
    services.save_route(route, communes=[without])
    services.recompute_coverage()
    first, second = CommuneStatus.objects.get(commune=with_4g), CommuneStatus.objects.get(commune=without)
    assert (first.has_4g, first.fibre) == (True, False)
    assert (second.has_4g, second.fibre) == (False, True)
    assert float(route.length_m) == pytest.approx(1_540, rel=0.01)
