"""The pure-Python broker the demo falls back to where Mosquitto is not installed: the same password file and
the same rules (each device its own two topics), and the platform's link working through it end to end — the
MQTT tests of the link run here a second time against it."""

from __future__ import annotations

import pytest

from tinhso.broadcast import embedded_broker, link
from tinhso.broadcast.embedded_broker import EmbeddedBroker, check_password, read_passwords, topic_allowed
from tinhso.broadcast.tests.test_mqtt import (  # noqa: F401 - collected again with this module's broker
    test_a_device_reads_only_its_own_commands_and_speaks_only_for_itself,
    test_an_emergency_interrupts_the_schedule_is_acknowledged_and_ends,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def broker():
    with EmbeddedBroker() as running:
        yield running


def test_it_reads_the_password_file_the_platform_writes(tmp_path):
    passwords, _acl = link.write_broker_files(tmp_path, "platform-secret", [("LA-0001", "s1"), ("LA-0002", "s2")])
    entries = read_passwords(passwords)
    assert set(entries) == {link.PLATFORM_USER, "LA-0001", "LA-0002"}
    assert check_password(entries["LA-0001"], "s1")
    assert not check_password(entries["LA-0001"], "s2")
    assert check_password(entries[link.PLATFORM_USER], "platform-secret")
    assert not check_password("$7$101$not-base64$", "s1")
    assert not check_password("$6$salt$hash", "s1")


def test_the_rules_are_those_of_the_mosquitto_acl():
    assert embedded_broker.PLATFORM_USER == link.PLATFORM_USER
    device = "LA-0001"
    assert topic_allowed(device, link.COMMAND_TOPIC.format(device), publish=False)
    assert topic_allowed(device, link.REPORT_TOPIC.format(device), publish=True)
    assert not topic_allowed(device, link.REPORT_TOPIC.format(device), publish=False)
    assert not topic_allowed(device, link.COMMAND_TOPIC.format(device), publish=True)
    assert not topic_allowed(device, link.COMMAND_TOPIC.format("LA-0002"), publish=False)
    assert not topic_allowed(device, link.REPORT_TOPIC.format("LA-0002"), publish=True)
    assert not topic_allowed(device, "tinhso/#", publish=False)
    assert not topic_allowed(device, "tinhso/d/+/cmd", publish=False)
    assert not topic_allowed("+", "tinhso/d/+/cmd", publish=False)
    assert not topic_allowed(None, link.COMMAND_TOPIC.format(device), publish=False)
    assert topic_allowed(link.PLATFORM_USER, link.ALL_REPORTS, publish=False)
    assert topic_allowed(link.PLATFORM_USER, link.COMMAND_TOPIC.format(device), publish=True)
    assert not topic_allowed(link.PLATFORM_USER, "$SYS/broker/uptime", publish=False)


def test_the_demo_says_which_broker_runs(tmp_path, settings):
    from tinhso.broadcast import demo

    settings.BROADCAST_MQTT_URL = ""
    environment, running = demo.start_broker(tmp_path, prefer_mosquitto=False)
    try:
        assert isinstance(running, EmbeddedBroker)
        assert environment == {"BROADCAST_MQTT_URL": running.url}
        assert "amqtt" in demo.describe(running)
        address = link.BrokerAddress.parse(running.url)
        listener = link.Listener(address)
        assert listener.wait()
        listener.close()
    finally:
        running.stop()
    environment, running = demo.start_broker(tmp_path)
    try:
        assert "Mosquitto" in demo.describe(running) and "amqtt" not in demo.describe(running)
    finally:
        running.stop()
