"""The MQTT link with a real Mosquitto broker and virtual units: per-device credentials and ACLs, signed
commands, heartbeats and offline units, a programme played while the link is down, and an emergency that
interrupts a schedule, is acknowledged by every unit and ends."""

from __future__ import annotations

import datetime
import json
import threading
import time

import paho.mqtt.client as mqtt
import pytest
from django.utils import timezone

from tinhso.broadcast import link, services
from tinhso.broadcast.models import Area, BroadcastRole, DeviceEvent, DeviceState, EmergencyReceipt
from tinhso.broadcast.simulator import Fleet, Unit
from tinhso.broadcast.tests.factories import DeviceFactory, approved_bulletin, person
from tinhso.common.audit import AuditEntry
from tinhso.geo.tests.factories import CommuneFactory

pytestmark = pytest.mark.django_db


def _fleet(broker, devices, **kwargs) -> Fleet:
    fleet = Fleet(broker.url, [Unit(d.device_id, d.secret, heartbeat_seconds=kwargs.pop("heartbeat", 30))
                               for d in devices], **kwargs).start()
    assert fleet.wait_connected(10)
    return fleet


def _as_device(broker, device) -> mqtt.Client:
    made = link.client(link.BrokerAddress.parse(broker.url), f"{device.device_id}-probe")
    made.username_pw_set(device.device_id, device.secret)
    made.connect("127.0.0.1", broker.port)
    made.loop_start()
    return made


def test_a_device_reads_only_its_own_commands_and_speaks_only_for_itself(mqtt):
    commune = CommuneFactory()
    mine, other = DeviceFactory(commune=commune), DeviceFactory(commune=commune)
    mqtt.admit()
    spy = _as_device(mqtt.broker, mine)
    seen: list[str] = []
    spy.on_message = lambda c, u, m: seen.append(m.topic)
    spy.subscribe(link.COMMAND_TOPIC.format(other.device_id), qos=1)
    spy.subscribe(link.COMMAND_TOPIC.format(mine.device_id), qos=1)
    time.sleep(0.3)
    # Another device's status written by this one is dropped by the broker; its own arrives.
    spy.publish(link.REPORT_TOPIC.format(other.device_id), json.dumps({"type": "status", "volume": 5}), qos=1)
    spy.publish(link.REPORT_TOPIC.format(mine.device_id), json.dumps({"type": "status", "volume": 55}), qos=1)
    link.send([(other.device_id, other.secret, {"cmd": "volume", "volume": 10}),
               (mine.device_id, mine.secret, {"cmd": "volume", "volume": 20})])
    mqtt.pump(until=lambda: DeviceState.objects.filter(device=mine, online=True).exists())
    time.sleep(0.3)
    link.stop(spy)
    assert seen == [link.COMMAND_TOPIC.format(mine.device_id)]
    assert DeviceState.objects.get(device=mine).volume == 55
    assert not DeviceState.objects.get(device=other).online
    # A wrong password is refused by the broker.
    intruder = link.client(link.BrokerAddress.parse(mqtt.broker.url), "intruder")
    intruder.username_pw_set(mine.device_id, "wrong")
    connected = threading.Event()
    intruder.on_connect = lambda c, u, f, rc, p: connected.set() if not rc.is_failure else None
    intruder.connect("127.0.0.1", mqtt.broker.port)
    intruder.loop_start()
    assert not connected.wait(1.0)
    link.stop(intruder)


def test_units_obey_only_commands_signed_with_their_secret():
    unit = Unit("ctp-1", "s3cret")
    fleet = Fleet("mqtt://x:y@127.0.0.1:1", [unit])
    forged = link.sign("another-secret", {"cmd": "volume", "volume": 5})
    assert not link.verify(unit.secret, forged)
    stale = link.sign(unit.secret, {"cmd": "volume", "volume": 5}, now=time.time() - 3600)
    assert not link.verify(unit.secret, stale)
    good = link.sign(unit.secret, {"cmd": "volume", "volume": 5})
    assert link.verify(unit.secret, good)
    tampered = {**good, "volume": 100}
    assert not link.verify(unit.secret, tampered)
    fleet.obey(unit, good)
    assert unit.volume == 5
    # One command to many devices: one body, each device's own signature, each verifying only with its secret.
    command = {"cmd": "emergency_start", "emergency": 7, "text": "Bão đổ bộ, bà con trú ẩn ngay."}
    sent = dict(link.signed_payloads([("ctp-1", "s3cret", command), ("ctp-2", "other", command)]))
    first, second = json.loads(sent["ctp-1"]), json.loads(sent["ctp-2"])
    assert link.verify("s3cret", first) and link.verify("other", second)
    assert not link.verify("other", first) and not link.verify("s3cret", second)
    assert first["sig"] != second["sig"] and {**first, "sig": ""} == {**second, "sig": ""}
    assert not link.verify("s3cret", {**first, "emergency": 8})
    old = dict(link.signed_payloads([("ctp-1", "s3cret", command)], now=time.time() - 3600))
    assert not link.verify("s3cret", json.loads(old["ctp-1"]))


def test_heartbeats_keep_a_unit_online_and_silence_marks_it_offline(mqtt, settings):
    unit = DeviceFactory()
    mqtt.admit()
    fleet = _fleet(mqtt.broker, [unit])
    try:
        mqtt.pump(until=lambda: DeviceState.objects.filter(device=unit, online=True).exists())
        state = DeviceState.objects.get(device=unit)
        assert state.online and state.power == "mains" and -100 <= state.signal <= -60
        fleet.drop(unit.device_id, 60)
        mqtt.pump(until=lambda: DeviceState.objects.filter(device=unit, online=False).exists())
        assert DeviceEvent.objects.filter(device=unit, kind=DeviceEvent.Kind.OFFLINE).count() == 1
    finally:
        fleet.stop()
    # Without the will (a unit that just went quiet), the heartbeat timeout decides.
    DeviceState.objects.filter(device=unit).update(online=True, last_seen=timezone.now() - datetime.timedelta(
        seconds=settings.BROADCAST_OFFLINE_AFTER + 1))
    assert services.mark_offline() == 1
    assert DeviceEvent.objects.filter(device=unit, kind=DeviceEvent.Kind.OFFLINE).count() == 2


def test_a_unit_that_loses_its_link_still_plays_its_schedule(mqtt, django_capture_on_commit_callbacks):
    commune = CommuneFactory()
    unit = DeviceFactory(commune=commune)
    mqtt.admit()
    fleet = _fleet(mqtt.broker, [unit])
    try:
        soon = timezone.localtime() + datetime.timedelta(seconds=3)
        bulletin = approved_bulletin(seconds=1.5)
        source = person(BroadcastRole.SOURCE_OPERATOR)
        schedule = services.save_schedule(source, services.ScheduleDraft(
            bulletin=bulletin, area=Area.COMMUNES, communes=[commune], starts_on=soon.date(),
            at=soon.time().replace(microsecond=0)))
        with django_capture_on_commit_callbacks(execute=True):
            services.decide_schedule(person(BroadcastRole.APPROVER), schedule, approve=True)
        virtual = fleet.units[unit.device_id]
        deadline = time.time() + 5
        while not virtual.programme and time.time() < deadline:
            time.sleep(0.05)
        assert len(virtual.programme) == 1 and bulletin.sha256 in virtual.files
        fleet.drop(unit.device_id, 30)
        deadline = time.time() + 8
        while not virtual.played and time.time() < deadline:
            time.sleep(0.1)
        assert [(p.what, p.online) for p in virtual.played] == [(f"bulletin:{bulletin.pk}", False)]
    finally:
        fleet.stop()


def test_an_emergency_interrupts_the_schedule_is_acknowledged_and_ends(mqtt, django_capture_on_commit_callbacks):
    commune, elsewhere = CommuneFactory(), CommuneFactory()
    units = [DeviceFactory(commune=commune) for _ in range(5)]
    outside = DeviceFactory(commune=elsewhere)
    mqtt.admit()
    fleet = _fleet(mqtt.broker, [*units, outside])
    try:
        virtual = fleet.units[units[0].device_id]
        fleet.obey(virtual, {"cmd": "play", "bulletin": 1, "seconds": 600, "sha256": "ab", "url": "/x"})
        assert virtual.playing == "bulletin:1"
        emergency_role = person(BroadcastRole.EMERGENCY)
        start = AuditEntry.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
        with django_capture_on_commit_callbacks(execute=True):
            emergency = services.propose_emergency(
                emergency_role, title="Lũ quét", message="Nước sông dâng cao, bà con di chuyển lên vùng cao ngay.",
                area=Area.COMMUNES, communes=[commune], repeats=2, minutes=10)
        mqtt.pump(until=lambda: EmergencyReceipt.objects.filter(emergency=emergency, started_at__isnull=False)
                  .count() == 5)
        progress = services.emergency_progress(emergency)
        assert progress["devices"] == 5 and progress["playing"] == 5 and progress["acknowledged_within_10s"] == 5
        assert virtual.playing == f"emergency:{emergency.pk}"
        assert fleet.units[outside.device_id].emergency is None
        with django_capture_on_commit_callbacks(execute=True):
            services.end_emergency(emergency_role, emergency)
        mqtt.pump(until=lambda: EmergencyReceipt.objects.filter(emergency=emergency, ended_at__isnull=False)
                  .count() == 5)
        assert services.emergency_progress(emergency)["finished"] == 5
        assert virtual.playing == "" and virtual.emergency is None
        summaries = list(AuditEntry.objects.filter(pk__gt=start, object_type="broadcast.emergencybroadcast",
                                                   action="action").order_by("pk").values_list("summary", flat=True))
        assert summaries[0].startswith("Đề xuất") and summaries[1].startswith("Bắt đầu")
        assert any(s.startswith("Thiết bị xác nhận") for s in summaries)
        assert any(s.startswith("Kết thúc") for s in summaries)
    finally:
        fleet.stop()


def test_an_emergency_needs_the_emergency_role_and_reaches_a_drawn_polygon():
    commune = CommuneFactory()
    inside = DeviceFactory(commune=commune, latitude=18.70, longitude=105.70)
    DeviceFactory(commune=commune, latitude=18.90, longitude=105.90)
    with pytest.raises(services.BroadcastError) as refused:
        services.propose_emergency(person(BroadcastRole.SOURCE_OPERATOR), title="x", message="y",
                                   area=Area.PROVINCE)
    assert refused.value.status == 403
    square = {"type": "Polygon", "coordinates": [[[105.6, 18.6], [105.8, 18.6], [105.8, 18.8], [105.6, 18.8],
                                                   [105.6, 18.6]]]}
    emergency = services.propose_emergency(person(BroadcastRole.EMERGENCY), title="Sạt lở",
                                           message="Nguy cơ sạt lở đất.", area=Area.POLYGON, polygon=square)
    assert [r.device for r in emergency.receipts.all()] == [inside]
    with pytest.raises(services.BroadcastError) as bad_area:
        services.propose_emergency(person(BroadcastRole.EMERGENCY), title="x", message="y", area=Area.POLYGON,
                                   polygon={"type": "Point", "coordinates": [105, 18]})
    assert bad_area.value.field == "polygon"


def test_an_emergency_ends_by_itself_at_its_expiry():
    DeviceFactory()
    emergency = services.propose_emergency(person(BroadcastRole.EMERGENCY), title="Thử", message="Thử còi.",
                                           area=Area.PROVINCE, minutes=1)
    assert services.expire_emergencies(timezone.now() + datetime.timedelta(minutes=2)) == 1
    emergency.refresh_from_db()
    assert emergency.state == "ended" and emergency.ended_by is None


def test_offline_units_and_lost_power_alarm_the_communes_operators_once_an_hour(settings):
    from tinhso.common.notices.models import Notice

    commune, other = CommuneFactory(), CommuneFactory()
    operator, elsewhere = person(BroadcastRole.COMMUNE_OPERATOR, commune), person(BroadcastRole.COMMUNE_OPERATOR, other)
    units = [DeviceFactory(commune=commune) for _ in range(2)]
    long_ago = timezone.now() - datetime.timedelta(seconds=settings.BROADCAST_OFFLINE_AFTER + 5)
    DeviceState.objects.filter(device__in=units).update(online=True, last_seen=long_ago)
    assert services.mark_offline() == 2
    notice = Notice.objects.get(user=operator)
    assert notice.kind == "broadcast.alarm" and commune.name in notice.subject and "Mất liên lạc" in notice.subject
    assert notice.text.startswith("2 cụm thu phát")
    assert not Notice.objects.filter(user=elsewhere).exists()
    DeviceState.objects.filter(device__in=units).update(online=True, last_seen=long_ago)
    services.mark_offline()
    assert Notice.objects.filter(user=operator).count() == 1  # once an hour per commune and alarm
    services.take_reports([link.Report(units[0].device_id, {"type": "status", "power": "battery"}, time.time())])
    assert Notice.objects.filter(user=operator, subject__contains="Mất điện lưới").count() == 1


def test_closing_a_connection_says_goodbye_and_ends_its_thread_every_time(mqtt):
    """The platform's connections close cleanly however their network thread races the close: the broker
    receives a DISCONNECT (so a last will is not published) and no network thread is left behind."""
    address = link.BrokerAddress.parse(mqtt.broker.url)
    wills: list[str] = []
    watcher = link.client(address, "will-watcher")
    subscribed = threading.Event()
    watcher.on_subscribe = lambda *args: subscribed.set()
    watcher.on_message = lambda c, u, m: wills.append(m.topic)
    watcher.on_connect = lambda c, *args: c.subscribe("tinhso/test/will/#", qos=1)
    watcher.connect(address.host, address.port)
    watcher.loop_start()
    assert subscribed.wait(5)
    before = {t for t in threading.enumerate() if t.name.startswith("paho-mqtt-client-")}
    for n in range(20):
        made = link.client(address, f"closing-{n}", will=(f"tinhso/test/will/{n}", b"gone"))
        connected = threading.Event()
        made.on_connect = lambda *args, ready=connected: ready.set()
        made.connect_async(address.host, address.port)
        made.loop_start()
        assert connected.wait(5)
        link.stop(made)
    listener = link.Listener(address)
    assert listener.wait()
    listener.close()
    time.sleep(0.5)
    link.stop(watcher)
    assert wills == []
    left = {t for t in threading.enumerate() if t.name.startswith("paho-mqtt-client-")} - before
    assert not [t for t in left if t.is_alive()]
