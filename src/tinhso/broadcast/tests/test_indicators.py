"""The operations centre's indicators of the grassroots radio, computed from the registry and the logs."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from tinhso.broadcast.models import DeviceEvent, DeviceState, EmergencyReceipt, Station
from tinhso.broadcast.tests.factories import DeviceFactory, StationFactory
from tinhso.common.indicators import ReadQuery, by_formula
from tinhso.geo.tests.factories import CommuneFactory

pytestmark = pytest.mark.django_db


def _query(**kwargs):
    today = timezone.localdate()
    return ReadQuery(today - datetime.timedelta(days=30), today + datetime.timedelta(days=1), None, timezone.now(),
                     **kwargs)


def test_indicators_read_the_registry_and_the_logs():
    ip, fm = CommuneFactory(), CommuneFactory()
    StationFactory(commune=ip)
    StationFactory(commune=fm, kind=Station.Kind.FM, frequency_mhz=Decimal("54.5"), licence_number="1/GP")
    a, b = DeviceFactory(commune=ip), DeviceFactory(commune=ip)
    DeviceState.objects.filter(device=a).update(online=True)
    DeviceEvent.objects.create(device=a, kind=DeviceEvent.Kind.PLAYED, seconds=5400)
    from tinhso.broadcast import services
    from tinhso.broadcast.models import BroadcastRole
    from tinhso.broadcast.tests.factories import person

    emergency = services.propose_emergency(person(BroadcastRole.EMERGENCY), title="Thử", message="Thử còi.",
                                           area="province")
    sent = emergency.receipts.get(device=a).sent_at
    EmergencyReceipt.objects.filter(device=a).update(started_at=sent + datetime.timedelta(seconds=2))
    EmergencyReceipt.objects.filter(device=b).update(started_at=sent + datetime.timedelta(seconds=30))
    query = _query()
    assert by_formula("broadcast.communes_ip").reader.read(query) == Decimal("50.00")
    assert by_formula("broadcast.old_stations_left").reader.read(query) == 1
    assert by_formula("broadcast.units_online").reader.read(query) == Decimal("50.00")
    assert by_formula("broadcast.hours_broadcast").reader.read(query) == Decimal("1.5")
    assert by_formula("broadcast.emergency_ack_10s").reader.read(query) == Decimal("50.00")
    assert by_formula("broadcast.communes_ip").reader.read(_query(commune=fm.code)) == Decimal("0.00")
    by_commune = by_formula("broadcast.units_online").reader.counts_by(query, "commune")
    assert by_commune == {ip.code: {"units": 2, "online": 1}}
    assert by_formula("broadcast.communes_ip").reader.counts_by(query, "commune") == {
        ip.code: {"communes": 1, "ip": 1}, fm.code: {"communes": 1, "ip": 0}}
