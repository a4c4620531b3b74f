"""An emergency broadcast started on the map in Chromium, reached through the navigation: the emergency role
draws the area around the units, starts the broadcast, and watches the simulated units' acknowledgements
arrive on the page; the same pages at a phone's width (screenshots in ``test-artifacts/broadcast-*.png``)."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest
from django.db import OperationalError, connection
from playwright.sync_api import expect

from tinhso.broadcast import services
from tinhso.broadcast.models import BroadcastRole, EmergencyBroadcast
from tinhso.broadcast.simulator import Fleet, Unit
from tinhso.broadcast.tests.factories import DeviceFactory, person
from tinhso.geo.tests.factories import CommuneFactory, ProvinceFactory
from tinhso.telecom.tests.test_map_browser import offline, sign_in

# The MQTT link writes the units' reports from a thread of its own while the live server reads them: SQLite's
# shared in-memory test database answers such a read with "table is locked" instead of waiting, so the test
# runs on PostgreSQL's test database (as a deployment runs the link: a process beside the web server).
pytestmark = [pytest.mark.browser, pytest.mark.shared_database, pytest.mark.django_db(transaction=True)]
ARTIFACTS = Path(__file__).resolve().parents[4] / "test-artifacts"
UNITS = ((18.700, 105.700), (18.705, 105.708), (18.696, 105.704))


class Pump(threading.Thread):
    """The MQTT link beside the live server: reports written as they come."""

    def __init__(self, mqtt):
        super().__init__(daemon=True)
        self.mqtt, self.stopped, self.writing = mqtt, threading.Event(), threading.Event()

    def run(self):
        try:
            while not self.stopped.is_set():
                if not self.writing.wait(0.1):
                    continue  # the reports wait in the listener's queue
                batch = self.mqtt.listener.take(timeout=0.1)
                while batch and not self.stopped.is_set():
                    try:
                        services.take_reports(batch)
                        batch = []
                    except OperationalError:
                        # SQLite's shared in-memory test database locks a table while the live server
                        # writes; the batch is one transaction, so it is simply written again.
                        time.sleep(0.05)
        finally:
            connection.close()


def _click(page, lat, lon):
    point = page.evaluate("([lat, lon]) => { const m = window.tinhsoMaps['emergency-map'].map;"
                          " const p = m.latLngToContainerPoint([lat, lon]); return [p.x, p.y]; }", [lat, lon])
    box = page.locator("#emergency-map").bounding_box()
    page.mouse.click(box["x"] + point[0], box["y"] + point[1])


def test_an_emergency_drawn_on_the_map_is_acknowledged_live(live_server, chromium, mqtt):
    ProvinceFactory()
    commune = CommuneFactory()
    devices = [DeviceFactory(commune=commune, latitude=lat, longitude=lon) for lat, lon in UNITS]
    DeviceFactory(commune=commune, latitude=18.9, longitude=105.9)  # outside the drawn area
    mqtt.admit()
    fleet = Fleet(mqtt.broker.url, [Unit(d.device_id, d.secret) for d in devices]).start()
    assert fleet.wait_connected(10)
    pump = Pump(mqtt)
    pump.start()
    pump.writing.set()
    try:
        context = chromium.new_context(locale="vi-VN", viewport={"width": 1280, "height": 900})
        elsewhere = offline(context, live_server)
        sign_in(context, live_server, person(BroadcastRole.EMERGENCY))
        page = context.new_page()
        page.goto(f"{live_server.url}/can-bo/")
        page.get_by_role("navigation", name="Điều hướng chính").get_by_role("link", name="Truyền thanh cơ sở").click()
        page.get_by_role("navigation", name="Truyền thanh cơ sở").get_by_role("link", name="Phát khẩn cấp").click()
        page.wait_for_url("**/truyen-thanh/khan-cap/")
        page.wait_for_function("window.tinhsoMaps && window.tinhsoMaps['emergency-map']")
        page.locator("#emergency-map").scroll_into_view_if_needed()
        page.evaluate("() => { window.tinhsoMaps['emergency-map'].map"
                      ".setView([18.70, 105.704], 14, {animate: false}); }")
        page.wait_for_timeout(300)
        for lat, lon in ((18.690, 105.690), (18.690, 105.720), (18.712, 105.720), (18.712, 105.690)):
            _click(page, lat, lon)
        page.get_by_role("button", name="Hoàn tất vùng").click()
        page.get_by_label("Tiêu đề").fill("Lũ quét")
        page.get_by_label("Nội dung (được đọc bằng tiếng Việt)").fill("Nước lũ dâng nhanh, bà con lên vùng cao ngay.")
        page.get_by_label("Phạm vi").select_option("polygon")
        # SQLite's shared in-memory test database refuses a read while another thread writes: the link
        # holds the acknowledgements until the page is drawn (they wait in its queue), then writes them.
        pump.writing.clear()
        page.get_by_role("button", name="Bắt đầu phát khẩn cấp").click()
        page.wait_for_url("**/truyen-thanh/khan-cap/*/")
        page.wait_for_load_state("networkidle")
        pump.writing.set()
        progress = page.locator("#emergency-progress")
        expect(progress.locator("[data-key=devices]")).to_have_text("3")
        expect(progress.locator("[data-key=playing]")).to_have_text("3", timeout=15_000)
        expect(progress.locator("[data-key=acknowledged_within_10s]")).to_have_text("3")
        page.screenshot(path=str(ARTIFACTS / "broadcast-emergency-desktop.png"), full_page=True)
        emergency = EmergencyBroadcast.objects.get()
        assert emergency.area == "polygon" and emergency.receipts.count() == 3
        page.get_by_role("button", name="Kết thúc phát khẩn cấp").click()
        expect(page.locator("[data-key=finished]")).to_have_text("3", timeout=15_000)
        assert not elsewhere, elsewhere

        phone = chromium.new_context(locale="vi-VN", viewport={"width": 360, "height": 740})
        offline(phone, live_server)
        sign_in(phone, live_server, person(BroadcastRole.EMERGENCY))
        small = phone.new_page()
        small.goto(f"{live_server.url}/truyen-thanh/")
        small.get_by_role("navigation", name="Truyền thanh cơ sở").get_by_role("link", name="Phát khẩn cấp").click()
        expect(small.get_by_role("button", name="Bắt đầu phát khẩn cấp")).to_be_visible()
        width = small.evaluate("() => document.documentElement.scrollWidth")
        assert width <= 360
        small.screenshot(path=str(ARTIFACTS / "broadcast-emergency-phone.png"), full_page=True)
    finally:
        pump.stopped.set()
        pump.join(5)
        fleet.stop()
