"""The registry's map in Chromium, reached through the navigation: the base map and every layer load from the
site itself (any request elsewhere fails the test), a click on a station opens its page, the filters reload
the layer, and the map fits a phone's width (screenshots in ``test-artifacts/telecom-map-*.png``)."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import expect

from tinhso.geo.tests.factories import ProvinceFactory
from tinhso.telecom import services
from tinhso.telecom.tests.factories import (
    OperatorFactory,
    department_office,
    station_at,
    village_at,
)
from tinhso.testing.browser import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ARTIFACTS = Path(__file__).resolve().parents[4] / "test-artifacts"




def offline(context, live_server) -> list[str]:
    """Refuse every request that leaves the site, and remember it."""
    elsewhere: list[str] = []

    def route(route):
        if route.request.url.startswith(live_server.url) or route.request.url.startswith("data:"):
            route.continue_()
        else:
            elsewhere.append(route.request.url)
            route.abort()

    context.route("**/*", route)
    return elsewhere


def click_station(page, latitude, longitude) -> None:
    """Zoom to the station as a person would, then click where it is drawn."""
    page.locator("#telecom-map").scroll_into_view_if_needed()
    page.evaluate("([lat, lon]) => { window.tinhsoMaps['telecom-map'].map.setView([lat, lon], 16, {animate: false}); }",
                  [float(latitude), float(longitude)])
    page.wait_for_timeout(300)
    point = page.evaluate("([lat, lon]) => { const m = window.tinhsoMaps['telecom-map'].map;"
                          " const p = m.latLngToContainerPoint([lat, lon]); return [p.x, p.y]; }",
                          [float(latitude), float(longitude)])
    box = page.locator("#telecom-map").bounding_box()
    page.mouse.click(box["x"] + point[0], box["y"] + point[1])


def test_the_map_loads_offline_and_a_click_opens_the_station(live_server, chromium):
    ProvinceFactory()
    _, clerk, _, _ = department_office()
    viettel, vnpt = OperatorFactory(code="viettel", short_name="Viettel"), OperatorFactory(code="vnpt")
    target = station_at(viettel, code="VTL-NAN-0420", name="Trạm Bến Thủy")
    station_at(vnpt, north=20_000, code="VNP-NAN-0001")
    station_at(vnpt, east=-30_000, code="VNP-NAN-0002", technologies=("2G",))
    village_at(north=400)
    services.recompute_coverage()

    context = chromium.new_context(locale="vi-VN", viewport={"width": 1280, "height": 900})
    elsewhere = offline(context, live_server)
    sign_in(context, live_server, clerk)
    page = context.new_page()
    page.goto(f"{live_server.url}/can-bo/")
    page.get_by_role("navigation", name="Điều hướng chính").get_by_role("link", name="Hạ tầng viễn thông").click()
    page.get_by_role("navigation", name="Hạ tầng viễn thông").get_by_role("link", name="Bản đồ").click()
    page.wait_for_url("**/vien-thong/ban-do/")
    map_element = page.locator("#telecom-map")
    expect(map_element).to_have_attribute("data-loaded-stations", "3")
    expect(map_element).to_have_attribute("data-loaded-villages", "1")
    expect(page.locator("#telecom-map-count-stations")).to_have_text("(3)")
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "telecom-map-desktop.png"))

    # A filter reloads the layer with only that operator's stations, without leaving the page.
    page.get_by_label("Doanh nghiệp").select_option("vnpt")
    expect(map_element).to_have_attribute("data-loaded-stations", "2")
    page.get_by_label("Doanh nghiệp").select_option("")
    expect(map_element).to_have_attribute("data-loaded-stations", "3")

    click_station(page, target.latitude, target.longitude)
    popup = page.locator(".leaflet-popup")
    expect(popup).to_contain_text("VTL-NAN-0420")
    popup.get_by_role("link", name="Xem chi tiết").click()
    page.wait_for_url(f"**/vien-thong/tram/{target.pk}/")
    expect(page.get_by_role("heading", level=1)).to_contain_text("VTL-NAN-0420")
    assert elsewhere == []
    context.close()


def test_the_map_fits_a_phone_and_its_layer_reads_as_a_table(live_server, chromium):
    ProvinceFactory()
    _, clerk, _, _ = department_office()
    station_at(OperatorFactory(code="viettel"), code="VTL-NAN-0001")
    context = chromium.new_context(locale="vi-VN", viewport={"width": 360, "height": 740}, is_mobile=True,
                                   has_touch=True)
    elsewhere = offline(context, live_server)
    sign_in(context, live_server, clerk)
    page = context.new_page()
    page.goto(f"{live_server.url}/can-bo/")
    page.get_by_role("link", name="Hạ tầng viễn thông").first.click()
    page.get_by_role("link", name="Bản đồ", exact=True).first.click()
    expect(page.locator("#telecom-map")).to_have_attribute("data-loaded-stations", "1")
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    page.screenshot(path=str(ARTIFACTS / "telecom-map-phone.png"), full_page=True)
    page.locator(".map-layers").get_by_role("link", name="Xem dạng bảng").first.click()
    expect(page.get_by_role("row").filter(has_text="VTL-NAN-0001")).to_be_visible()
    assert elsewhere == []
    context.close()
