"""A Mosquitto broker on loopback for the whole run (as the test runner starts PostgreSQL), and a link to
it for a test: the platform's publisher and listener with ``BROADCAST_MQTT_URL`` pointing at the broker."""

from __future__ import annotations

import subprocess
import time
import urllib.request

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
        totals = {"status": 0, "ack": 0, "event": 0, "live": 0, "ignored": 0}
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


@pytest.fixture(scope="session")
def icecast():
    """A real Icecast on loopback for the whole run, and an upstream radio on it (``icecast.upstream``): a
    440 Hz tone sent in real time by ffmpeg, what an operator relays in the tests."""
    from tinhso.testing.icecast import Icecast

    with Icecast() as running:
        upstream = subprocess.Popen(
            ["ffmpeg", "-hide_banner", "-nostdin", "-loglevel", "error", "-re", "-f", "lavfi", "-i",
             "sine=frequency=440:sample_rate=44100", "-ac", "1", "-c:a", "libmp3lame", "-b:a", "64k",
             "-content_type", "audio/mpeg", "-f", "mp3",
             f"icecast://source:{running.source_password}@127.0.0.1:{running.port}/dai-tinh.mp3"])
        running.upstream = f"{running.url}/dai-tinh.mp3"
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(running.upstream, timeout=2) as answer:  # noqa: S310 (loopback)
                    if answer.read(1):
                        break
            except OSError:
                time.sleep(0.1)
        try:
            yield running
        finally:
            upstream.terminate()
            upstream.wait(5)


@pytest.fixture
def live_relay(icecast, settings):
    """The platform set to use the test Icecast, and its relay (``sync()`` follows the sessions)."""
    from tinhso.broadcast.live import Relays

    settings.BROADCAST_ICECAST_URL = icecast.url
    settings.BROADCAST_ICECAST_PUBLIC_URL = ""
    settings.BROADCAST_ICECAST_SOURCE_PASSWORD = icecast.source_password
    settings.BROADCAST_ICECAST_ADMIN_PASSWORD = icecast.admin_password
    settings.BROADCAST_LIVE_SOURCE_HOSTS = ["127.0.0.1"]  # the test streams are served on loopback
    relays = Relays()
    yield relays
    relays.close()
