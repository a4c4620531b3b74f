"""A Mosquitto broker on loopback for the whole run (as the test runner starts PostgreSQL), and a link to
it for a test: the platform's publisher and listener with ``BROADCAST_MQTT_URL`` pointing at the broker."""

from __future__ import annotations

import time

import pytest
from django.urls import reverse

from tinhso.broadcast import link, services
from tinhso.testing.mosquitto import Broker


@pytest.fixture(scope="session")
def broker():
    with Broker() as running:
        yield running


class Link:
    """The platform's side for a test: ``pump()`` writes what the devices reported, as the link command does."""

    def __init__(self, broker_: Broker):
        self.broker = broker_
        self.listener = link.Listener(link.BrokerAddress.parse(broker_.url))
        assert self.listener.wait()

    def admit(self) -> None:
        """Give the broker the registry's devices (a new device's credentials)."""
        self.broker.reload(link.registry_credentials())

    def pump(self, until=lambda: False, seconds: float = 5.0) -> dict[str, int]:
        totals = {"status": 0, "ack": 0, "event": 0, "ignored": 0}
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            for key, value in services.take_reports(self.listener.take(timeout=0.1)).items():
                totals[key] += value
            if until():
                break
        return totals


@pytest.fixture
def mqtt(broker, settings):
    settings.BROADCAST_MQTT_URL = broker.url
    # Load the URLconf (the whole API's schemas) now, not in the middle of a test's timing.
    reverse("broadcast:bulletin-audio", args=[1])
    made = Link(broker)
    yield made
    made.listener.close()
