"""CAP 1.2: examples parsed, malformed messages refused naming the element and the rule (the command and the
service alike, nothing stored), an alert turned into a proposed emergency for the communes its area covers,
and the province's own alerts published as valid CAP."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings as django_settings

from tinhso.broadcast import cap, services
from tinhso.broadcast.models import AlertSource, Area, BroadcastRole, CapAlert, EmergencyBroadcast
from tinhso.broadcast.tests.factories import DeviceFactory, person
from tinhso.directory.tests.factories import AgencyFactory
from tinhso.geo.tests.factories import CommuneFactory

EXAMPLES = Path(__file__).parent / "cap"
STORM = (EXAMPLES / "storm-vi.xml").read_bytes()
ROOT = Path(__file__).resolve().parents[4]


def _broken(old: str, new: str) -> bytes:
    assert old in STORM.decode()
    return STORM.decode().replace(old, new, 1).encode()


def test_examples_are_read_with_their_areas():
    storm = cap.parse(STORM)
    assert storm.summary()["infos"][0]["areas"] == [
        {"area_desc": "Ven biển", "polygons": 1, "circles": 1, "geocodes": 1}]
    assert storm.sent.isoformat() == "2026-10-01T08:00:00+07:00"
    signed = cap.parse((EXAMPLES / "earthquake-signed.xml").read_bytes())
    assert signed.signature == "present, not verified"
    assert signed.info_for("vi").language == "en-CA"  # no Vietnamese info: the first one


@pytest.mark.parametrize(("old", "new", "element", "rule"), [
    ("<status>Actual", "<status>Maybe", "status", "danh sách cho phép"),
    (" 18.6,105.6</polygon>", "</polygon>", "polygon", "khép kín"),
    ("18.6,105.6 18.6,105.8 18.8,105.8 18.8,105.6 18.6,105.6", "18.6,105.6 18.6,105.8 18.6,105.6", "polygon",
     "ít nhất 4 điểm"),
    ("<sent>2026-10-01T08:00:00+07:00", "<sent>2026-10-01T08:00:00", "sent", "múi giờ"),
    ("<circle>18.7,105.7 5</circle>", "<circle>98.7,105.7 5</circle>", "circle", "phạm vi toạ độ"),
    ("<identifier>KTTV-2026-BAO-03</identifier>", "", "sender", "thiếu phần tử"),
    ('emergency:cap:1.2">', 'emergency:cap:1.1">', "alert", "phần tử gốc"),
    ("</alert>", "", "alert", "không phải XML"),
])
def test_a_malformed_message_is_refused_naming_the_element_and_the_rule(old, new, element, rule):
    with pytest.raises(cap.CapError) as refused:
        cap.parse(_broken(old, new))
    assert refused.value.element == element
    assert rule in str(refused.value)


def test_entities_are_never_expanded():
    evil = (b'<?xml version="1.0"?>\n<!DOCTYPE alert [<!ENTITY x SYSTEM "file:///etc/passwd">]>\n'
            b'<alert xmlns="urn:oasis:names:tc:emergency:cap:1.2"><identifier>&x;</identifier></alert>')
    with pytest.raises(cap.CapError) as refused:
        cap.parse(evil)
    assert "DOCTYPE" in str(refused.value)


def _check(path: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path), "DJANGO_SETTINGS_MODULE": "tinhso.conf.settings.test",
           "DATABASE_URL": "postgres://nobody@127.0.0.1:1/none"}  # the command must not need a database
    return subprocess.run([sys.executable, "-m", "tinhso.manage", "broadcast", "cap", "check", str(path)],
                          capture_output=True, text=True, env=env, timeout=120, check=False)


def test_the_check_command_prints_one_json_object_or_one_line_and_status_2(tmp_path):
    good = _check(EXAMPLES / "storm-vi.xml")
    assert good.returncode == 0, good.stderr
    printed = json.loads(good.stdout)
    assert set(printed) >= {"identifier", "sender", "sent", "status", "msg_type", "scope", "infos"}
    assert printed["infos"][0]["severity"] == "Extreme" and printed["msg_type"] == "Alert"
    bad = tmp_path / "bad.xml"
    bad.write_bytes(_broken(" 18.6,105.6</polygon>", "</polygon>"))
    refused = _check(bad)
    assert refused.returncode == 2
    assert refused.stdout == ""
    lines = refused.stderr.strip().splitlines()
    assert len(lines) == 1 and "<polygon>" in lines[0] and "khép kín" in lines[0] and "Traceback" not in refused.stderr


@pytest.mark.django_db
def test_an_alert_becomes_a_proposed_emergency_for_the_communes_it_covers(settings):
    coast, inland, by_code = CommuneFactory(), CommuneFactory(), CommuneFactory(code="40001")
    DeviceFactory(commune=coast, latitude=18.70, longitude=105.70)
    DeviceFactory(commune=inland, latitude=19.50, longitude=104.90)
    DeviceFactory(commune=by_code, latitude=19.60, longitude=104.80)
    agency = AgencyFactory()
    with pytest.raises(services.BroadcastError) as unauthorised:
        services.receive_cap(STORM, agency=agency)
    assert unauthorised.value.status == 403
    AlertSource.objects.create(agency=agency)
    settings.BROADCAST_EXTREME_STARTS_AT_ONCE = False
    alert, emergency = services.receive_cap(STORM, agency=agency)
    assert alert.severity == "Extreme" and alert.direction == CapAlert.Direction.RECEIVED
    assert emergency.state == EmergencyBroadcast.State.PROPOSED
    assert set(emergency.communes.all()) == {coast, by_code}
    assert "chằng chống nhà cửa" in emergency.message and emergency.bulletin.duration_seconds > 1
    assert not emergency.receipts.exists()
    services.confirm_emergency(person(BroadcastRole.EMERGENCY), emergency)
    assert emergency.receipts.count() == 2
    with pytest.raises(services.BroadcastError) as again:
        services.receive_cap(STORM, agency=agency)
    assert again.value.status == 409


@pytest.mark.django_db
def test_an_extreme_alert_starts_at_once_when_set_and_bad_cap_stores_nothing(settings):
    DeviceFactory(commune=CommuneFactory(code="40001"))
    settings.BROADCAST_EXTREME_STARTS_AT_ONCE = True
    user = person(BroadcastRole.EMERGENCY)
    with pytest.raises(services.BroadcastError) as refused:
        services.receive_cap(_broken("<status>Actual", "<status>Maybe"), user=user)
    assert refused.value.field == "status" and refused.value.status == 400
    assert not CapAlert.objects.exists() and not EmergencyBroadcast.objects.exists()
    _alert, emergency = services.receive_cap(STORM, user=user)
    assert emergency.state == EmergencyBroadcast.State.ACTIVE and emergency.receipts.count() == 1


@pytest.mark.django_db
def test_the_provinces_own_emergency_is_published_as_valid_cap():
    commune = CommuneFactory()
    DeviceFactory(commune=commune)
    emergency = services.propose_emergency(person(BroadcastRole.EMERGENCY), title="Lũ <khẩn> & sạt lở",
                                           message="Sơ tán ngay.", area=Area.COMMUNES, communes=[commune])
    published = emergency.cap_alert
    assert published.direction == CapAlert.Direction.PUBLISHED
    again = cap.parse(published.xml.encode())
    assert again.sender == django_settings.BROADCAST_CAP_SENDER
    assert again.infos[0].headline == "Lũ <khẩn> & sạt lở"
    assert again.infos[0].areas[0].geocodes == [("commune", commune.code)]
