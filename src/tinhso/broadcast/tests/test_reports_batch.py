"""The link's batched writes: a batch of thousands of reports is written with a few statements, and what it
writes is what the reports said — the first acknowledgement of each phase kept, states, events, strangers
ignored."""

from __future__ import annotations

import datetime
import time

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tinhso.broadcast import link, services
from tinhso.broadcast.models import Area, BroadcastRole, DeviceEvent, DeviceState, EmergencyReceipt
from tinhso.broadcast.tests.factories import DeviceFactory, person
from tinhso.common.audit import AuditEntry
from tinhso.geo.tests.factories import CommuneFactory

pytestmark = pytest.mark.django_db


def _moment(seconds: float) -> datetime.datetime:
    return datetime.datetime.fromtimestamp(seconds, tz=datetime.UTC)


def test_a_batch_keeps_the_first_acknowledgement_of_each_phase_and_what_each_unit_said(
        django_capture_on_commit_callbacks):
    commune = CommuneFactory()
    units = [DeviceFactory(commune=commune) for _ in range(30)]
    DeviceState.objects.filter(device=units[0]).update(online=True, last_seen=_moment(time.time() - 60))
    with django_capture_on_commit_callbacks(execute=False):
        emergency = services.propose_emergency(person(BroadcastRole.EMERGENCY), title="Lũ quét",
                                               message="Lũ quét, bà con lên vùng cao.", area=Area.COMMUNES,
                                               communes=[commune], repeats=1, minutes=10)
    assert EmergencyReceipt.objects.filter(emergency=emergency).count() == 30  # before any command goes out
    now = time.time()
    first = [link.Report(u.device_id, {"type": "ack", "emergency": emergency.pk, "phase": "start", "at": now - 2},
                         now) for u in units]
    again = [link.Report(u.device_id, {"type": "ack", "emergency": emergency.pk, "phase": "start", "at": now - 1},
                         now) for u in units[:10]]
    other = [link.Report(units[1].device_id, {"type": "status", "volume": 55, "power": "battery", "signal": -70,
                                              "temperature": 41.5, "schedule_version": "v9", "at": now}, now),
             link.Report("khong-co-that", {"type": "ack", "emergency": emergency.pk, "phase": "start"}, now),
             link.Report(units[2].device_id, {"type": "event", "kind": "played", "bulletin": 7, "seconds": 30,
                                              "at": now}, now),
             link.Report(units[3].device_id, {"type": "ack", "emergency": emergency.pk, "phase": "end",
                                              "at": now}, now)]
    with CaptureQueriesContext(connection) as queries:
        counts = services.take_reports(first + again + other)
    assert counts == {"status": 1, "ack": 41, "event": 1, "live": 0, "ignored": 1}
    # Reading units, states, the emergency and its receipts, and writing each kind of row once, whatever the
    # batch's size (the audit entry and the operators' alarm take a few more).
    assert len(queries) <= 25, [q["sql"][:80] for q in queries.captured_queries]
    receipts = {r.device_id: r for r in EmergencyReceipt.objects.filter(emergency=emergency)}
    assert all(receipts[u.pk].started_at == _moment(now - 2) for u in units)  # the first one, not the repeat
    assert receipts[units[3].pk].ended_at == _moment(now)
    assert sum(1 for r in receipts.values() if r.ended_at) == 1
    entry = AuditEntry.objects.filter(object_id=str(emergency.pk), summary__startswith="Thiết bị xác nhận").get()
    assert len(entry.after["acknowledgements"]) == 31
    state = DeviceState.objects.get(device=units[1])
    assert (state.online, state.volume, state.power, state.signal, state.temperature, state.schedule_version) == (
        True, 55, "battery", -70, 41.5, "v9")
    assert DeviceState.objects.filter(device__in=units, online=True).count() == 30
    # Units heard from for the first time came online (one event each); the one online already did not.
    assert DeviceEvent.objects.filter(kind=DeviceEvent.Kind.ONLINE).count() == 29
    assert DeviceEvent.objects.get(kind=DeviceEvent.Kind.POWER_LOSS).device_id == units[1].pk
    played = DeviceEvent.objects.get(kind=DeviceEvent.Kind.PLAYED)
    assert (played.device_id, played.seconds, played.detail["bulletin"]) == (units[2].pk, 30, 7)
    # A second batch with the same acknowledgements changes nothing and writes no audit entry.
    services.take_reports(first)
    assert AuditEntry.objects.filter(object_id=str(emergency.pk), summary__startswith="Thiết bị xác nhận").count() == 1
