"""The registry: commune stations with their FM licences and conversion, devices in their commune and village,
and who may act where — a commune's operators for their commune only, the province for every commune."""

from __future__ import annotations

from decimal import Decimal

import pytest

from tinhso.broadcast import selectors, services
from tinhso.broadcast.models import BroadcastRole, Device, Station
from tinhso.broadcast.tests.factories import DeviceFactory, StationFactory, person
from tinhso.common.audit import AuditEntry
from tinhso.directory.models import Role
from tinhso.directory.selectors import visible
from tinhso.directory.tests.factories import AgencyFactory, UserFactory
from tinhso.dossiers.tests.factories import officer
from tinhso.geo.tests.factories import CommuneFactory, VillageFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def two_communes():
    mine, theirs = CommuneFactory(), CommuneFactory()
    return mine, theirs, person(BroadcastRole.COMMUNE_OPERATOR, mine)


def test_a_commune_operator_reaches_only_their_commune(two_communes):
    mine, theirs, operator = two_communes
    here, there = DeviceFactory(commune=mine), DeviceFactory(commune=theirs)
    assert list(selectors.visible_communes(operator)) == [mine]
    assert list(selectors.visible_devices(operator)) == [here]
    assert set(visible("broadcast_communes", person(BroadcastRole.SOURCE_OPERATOR))) >= {mine, theirs}
    assert set(selectors.visible_devices(person(BroadcastRole.EMERGENCY))) == {here, there}
    assert selectors.visible_devices(officer(Role.OPERATIONS_VIEWER, AgencyFactory())).count() == 2
    assert not selectors.visible_devices(UserFactory()).exists()
    assert not selectors.may_start_emergency(operator)
    assert selectors.may_start_emergency(person(BroadcastRole.EMERGENCY))


def test_an_expired_membership_reaches_nothing():
    commune = CommuneFactory()
    user = UserFactory()
    from tinhso.broadcast.models import BroadcastMembership

    BroadcastMembership.objects.create(user=user, role=BroadcastRole.COMMUNE_OPERATOR, commune=commune,
                                       valid_from="2024-01-01", valid_to="2024-12-31")
    assert not selectors.visible_communes(user).exists()


def test_a_device_is_registered_only_in_a_reachable_commune_with_its_own_village(two_communes):
    mine, theirs, operator = two_communes
    with pytest.raises(services.BroadcastError) as refused:
        services.register_device(operator, Device(device_id="ctp-x1", commune=theirs))
    assert refused.value.status == 403
    with pytest.raises(services.BroadcastError) as wrong_village:
        services.register_device(operator, Device(device_id="ctp-x2", commune=mine,
                                                  village=VillageFactory(commune=theirs)))
    assert wrong_village.value.field == "village"
    assert not Device.objects.exists()
    start = AuditEntry.objects.count()
    unit = services.register_device(operator, Device(device_id="ctp-x3", commune=mine,
                                                     village=VillageFactory(commune=mine)))
    assert unit.live.online is False
    entry = AuditEntry.objects.order_by("-pk").first()
    assert AuditEntry.objects.count() > start
    assert entry.object_type == "broadcast.device" and "secret" not in entry.after
    with pytest.raises(services.BroadcastError) as taken:
        services.register_device(operator, Device(device_id="ctp-x3", commune=mine))
    assert taken.value.status == 409


def test_an_fm_station_needs_its_frequency_and_licence_and_is_counted_for_conversion(two_communes):
    mine, _theirs, operator = two_communes
    with pytest.raises(services.BroadcastError) as refused:
        services.save_station(operator, Station(commune=mine, name="Đài FM", kind=Station.Kind.FM))
    assert refused.value.field == "frequency_mhz"
    station = services.save_station(operator, Station(
        commune=mine, name="Đài FM", kind=Station.Kind.FM, frequency_mhz=Decimal("87.50"), licence_number="123/GP",
        in_frequency_plan=False, conversion=Station.Conversion.PLANNED))
    assert station.needs_conversion
    assert not StationFactory(commune=mine).needs_conversion
