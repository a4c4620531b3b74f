"""Live broadcast from the microphone in Chromium (its fake microphone: a beep), reached through the menu: the
commune's operator starts it, the page records and posts the sound, the relay feeds it to a real Icecast, the
simulated units play it and their count and delay show on the page; the operator ends it and they stop. The
same page at a phone's width (screenshots in ``test-artifacts/broadcast-live-*.png``)."""

from __future__ import annotations

import os
import threading
import time
from pathlib import Path

import pytest
from django.db import connection
from playwright.sync_api import expect

from tinhso.broadcast.models import BroadcastRole, LiveBroadcast, LiveReceipt
from tinhso.broadcast.simulator import Fleet, Unit
from tinhso.broadcast.tests.factories import DeviceFactory, person
from tinhso.broadcast.tests.test_emergency_browser import Pump
from tinhso.geo.tests.factories import CommuneFactory, ProvinceFactory
from tinhso.telecom.tests.test_map_browser import offline, sign_in

# The relay and the MQTT link read and write the test database from threads beside the live server: PostgreSQL.
pytestmark = [pytest.mark.browser, pytest.mark.shared_database, pytest.mark.django_db(transaction=True)]
ARTIFACTS = Path(__file__).resolve().parents[4] / "test-artifacts"
FAKE_MICROPHONE = ["--use-fake-device-for-media-stream", "--use-fake-ui-for-media-stream"]


@pytest.fixture(scope="module")
def microphone_chromium(chromium):
    """Chromium with a fake microphone that the page may use without asking."""
    browser = chromium.browser_type.launch(
        executable_path=os.environ.get("CHROMIUM", "/usr/bin/chromium"), headless=True,
        args=["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run", *FAKE_MICROPHONE])
    yield browser
    browser.close()


class Relay(threading.Thread):
    """``tinhso broadcast relay``'s loop beside the live server."""

    def __init__(self, relays):
        super().__init__(daemon=True)
        self.relays, self.stopped = relays, threading.Event()

    def run(self):
        beat = 0
        try:
            while not self.stopped.wait(0.1):
                if beat % 5 == 0:
                    self.relays.sync()
                self.relays.feed()
                beat += 1
        finally:
            connection.close()


def test_the_microphone_in_the_browser_reaches_the_units(live_server, microphone_chromium, mqtt, live_relay):
    ProvinceFactory()
    commune = CommuneFactory()
    devices = [DeviceFactory(commune=commune) for _ in range(2)]
    mqtt.admit()
    fleet = Fleet(mqtt.broker.url, [Unit(d.device_id, d.secret) for d in devices]).start()
    assert fleet.wait_connected(10)
    pump, relay = Pump(mqtt), Relay(live_relay)
    pump.start()
    pump.writing.set()
    relay.start()
    operator = person(BroadcastRole.COMMUNE_OPERATOR, commune)
    try:
        context = microphone_chromium.new_context(locale="vi-VN", viewport={"width": 1280, "height": 900})
        context.grant_permissions(["microphone"], origin=live_server.url)
        elsewhere = offline(context, live_server)
        sign_in(context, live_server, operator)
        page = context.new_page()
        page.goto(f"{live_server.url}/can-bo/")
        page.get_by_role("navigation", name="Điều hướng chính").get_by_role("link", name="Truyền thanh cơ sở").click()
        page.get_by_role("navigation", name="Truyền thanh cơ sở").get_by_role(
            "link", name="Phát trực tiếp từ micrô").click()
        page.wait_for_url("**/truyen-thanh/truc-tiep/micro/")
        page.get_by_label("Tiêu đề").fill("Chủ tịch xã thông báo lịch tiêm phòng")
        page.get_by_label("Phạm vi").select_option("communes")
        page.get_by_label("Các xã").select_option(str(commune.pk))
        page.get_by_role("button", name="Bắt đầu phát trực tiếp từ micrô").click()
        page.wait_for_url("**/truyen-thanh/truc-tiep/*/")
        microphone = page.locator("#microphone")
        expect(microphone.locator("[data-status]")).to_have_text("Đang thu âm và phát trực tiếp.", timeout=15_000)
        progress = page.locator("#live-progress")
        expect(progress.locator("[data-key=devices]")).to_have_text("2")
        expect(progress.locator("[data-key=playing]")).to_have_text("2", timeout=30_000)
        expect(progress.locator("[data-key=delay_median_ms]")).not_to_have_text("—", timeout=15_000)
        median = int(progress.locator("[data-key=delay_median_ms]").inner_text())
        largest = int(progress.locator("[data-key=delay_max_ms]").inner_text())
        print(f"\nLIVE browser microphone delay: median {median} ms, max {largest} ms")
        assert 0 <= median <= largest < 5000
        session = LiveBroadcast.objects.get()
        assert session.source == LiveBroadcast.Source.MICROPHONE and session.chunks.filter(seq=0).exists()
        for device in devices:
            assert fleet.units[device.device_id].playing == f"live:{session.pk}"
        page.screenshot(path=str(ARTIFACTS / "broadcast-live-desktop.png"), full_page=True)
        page.get_by_role("button", name="Kết thúc phát trực tiếp").click()
        expect(page.locator("#live-progress [data-key=stopped]")).to_have_text("2", timeout=15_000)
        assert LiveReceipt.objects.filter(live=session, stopped_at__isnull=False).count() == 2
        for device in devices:
            assert fleet.units[device.device_id].live is None
        assert not elsewhere, elsewhere

        phone = microphone_chromium.new_context(locale="vi-VN", viewport={"width": 360, "height": 740})
        offline(phone, live_server)
        sign_in(phone, live_server, operator)
        small = phone.new_page()
        small.goto(f"{live_server.url}/truyen-thanh/")
        small.get_by_role("navigation", name="Truyền thanh cơ sở").get_by_role(
            "link", name="Phát trực tiếp từ micrô").click()
        expect(small.get_by_role("button", name="Bắt đầu phát trực tiếp từ micrô")).to_be_visible()
        assert small.evaluate("() => document.documentElement.scrollWidth") <= 360
        small.screenshot(path=str(ARTIFACTS / "broadcast-live-phone.png"), full_page=True)
    finally:
        relay.stopped.set()
        relay.join(5)
        pump.stopped.set()
        pump.join(5)
        fleet.stop()
        time.sleep(0.2)
