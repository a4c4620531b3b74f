"""The operations room's wall in a real browser at 1920×1080 and 3840×2160: every panel fits the screen
without scrolling, the rotation advances, an alert raised appears within seconds, a kiosk device signed in
with its token keeps the last data with its time while the server is unreachable and recovers when it is
back; axe finds nothing on the wall and its map. Screenshots go to ``test-artifacts/wall-*.png``."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tinhso.common.tests.test_accessibility_browser import describe, sign_in_as, violations
from tinhso.directory.models import Role
from tinhso.directory.tests.factories import AgencyFactory, MembershipFactory, ProvinceFactory, UserFactory
from tinhso.dossiers.models import State
from tinhso.dossiers.tests.factories import ProcedureWithRouteFactory, dossier_in_state
from tinhso.ioc import alerts, wall
from tinhso.ioc.indicators import seed_registry
from tinhso.ioc.models import AlertRule, RuleKind, Severity, WallLayout

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ARTIFACTS = Path(__file__).resolve().parents[4] / "test-artifacts"
SCREENS = {"1920x1080": {"width": 1920, "height": 1080}, "3840x2160": {"width": 3840, "height": 2160}}
# The wall polls every POLL_SECONDS: an alert shows within one poll and the time to draw it.
ALERT_WITHIN_MS = (wall.POLL_SECONDS + 3) * 1000

OVERFLOW = """() => {
  const root = document.documentElement;
  const out = [];
  if (root.scrollHeight > innerHeight + 1 || root.scrollWidth > innerWidth + 1) {
    out.push(`page ${root.scrollWidth}x${root.scrollHeight} on ${innerWidth}x${innerHeight}`);
  }
  const shown = '.wall-panel:not([hidden]), .wall-panel:not([hidden]) .wall-number, .wall-feed';
  for (const node of document.querySelectorAll(shown)) {
    if (node.scrollHeight > node.clientHeight + 1 || node.scrollWidth > node.clientWidth + 1) {
      const size = `${node.scrollWidth}x${node.scrollHeight} in ${node.clientWidth}x${node.clientHeight}`;
      out.push(`${node.className} ${size}`);
    }
  }
  return out;
}"""


@pytest.fixture
def room():
    seed_registry()
    agency = AgencyFactory(name="Sở Tư pháp", province=ProvinceFactory())
    version = ProcedureWithRouteFactory(agency=agency)
    for state in (State.RETURNED, State.RETURNED, State.RECEIVED):
        dossier_in_state(state, version=version)
    viewer = UserFactory(username="trucban")
    MembershipFactory(user=viewer, agency=agency, role=Role.OPERATIONS_VIEWER)
    WallLayout.objects.all().delete()
    layout = WallLayout.objects.create(room="Phòng điều hành", name="Thử", panels=[
        {"kind": "numbers", "indicators": [], "layers": [], "seconds": 5},
        {"kind": "map", "indicators": [], "layers": [], "seconds": 5},
        {"kind": "alerts", "indicators": [], "layers": [], "seconds": 5}])
    rule = AlertRule.objects.create(code="thu-trinh-duyet", name="Sự kiện thử", kind=RuleKind.EVENT,
                                    event_kind="test.event", severity=Severity.CRITICAL)
    return viewer, layout, rule


def _shoot(page, name):
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"wall-{name}.png"))


@pytest.mark.parametrize("screen", list(SCREENS))
def test_the_wall_fits_the_screen_rotates_and_shows_a_new_alert_within_seconds(live_server, page, room, screen):
    viewer, _layout, rule = room
    page.set_viewport_size(SCREENS[screen])
    sign_in_as(page, live_server, viewer)
    page.goto(f"{live_server.url}/dieu-hanh/")
    page.get_by_role("link", name="Màn hình phòng điều hành").click()
    expect(page.locator(".wall-number").first).to_be_visible()
    expect(page.locator(".wall-number").first.locator(".status")).not_to_be_empty()  # a text label, not colour only
    assert page.evaluate(OVERFLOW) == [], f"{screen}: numbers panel overflows"
    _shoot(page, f"{screen}-numbers")

    # The rotation advances to the map, then to the alerts.
    expect(page.locator('[data-dot="1"]')).to_have_attribute("aria-current", "step", timeout=8000)
    expect(page.locator('[data-panel="1"]')).to_be_visible()
    expect(page.locator("#wall-map .leaflet-pane").first).to_be_attached()
    assert page.evaluate(OVERFLOW) == [], f"{screen}: map panel overflows"
    found = violations(page)
    assert not found, "axe on the wall's map:\n" + describe(found)
    _shoot(page, f"{screen}-map")
    expect(page.locator('[data-dot="2"]')).to_have_attribute("aria-current", "step", timeout=8000)
    assert page.evaluate(OVERFLOW) == [], f"{screen}: alerts panel overflows"

    # An alert raised now appears in the feed within one poll.
    alerts._raise(rule, "trinh-duyet", "Bắt đầu phát bản tin khẩn cấp tại xã Thử", link="/dieu-hanh/canh-bao/")
    expect(page.locator(".wall-feed .wall-alert").first).to_contain_text(
        "Bắt đầu phát bản tin khẩn cấp tại xã Thử", timeout=ALERT_WITHIN_MS)
    expect(page.locator(".wall-feed .wall-alert").first.locator(".severity")).to_have_text("Khẩn cấp")
    assert page.evaluate(OVERFLOW) == [], f"{screen}: overflow after the alert"
    found = violations(page)
    assert not found, "axe on the wall:\n" + describe(found)
    _shoot(page, f"{screen}-alert")


def test_a_kiosk_keeps_the_last_data_with_its_time_while_offline_and_recovers(live_server, page, room):
    viewer, layout, rule = room
    _device, raw = wall.issue_device(name="Màn hình LED", layout=layout, created_by=viewer)
    page.set_viewport_size(SCREENS["1920x1080"])
    page.goto(f"{live_server.url}/dieu-hanh/phong/kiosk/?ma={raw}")
    expect(page.locator(".wall-number").first).to_be_visible()
    assert "ma=" not in page.url, "the token leaves the address"
    expect(page.locator("#wall-connection")).to_have_attribute("data-state", "live")
    assert page.locator(".wall-links").count() == 0, "a device shows no links to the desk pages"
    numbers = page.locator(".wall-number").count()

    # The server goes away: the wall says so, with the time of the data it still shows.
    page.route("**/dieu-hanh/phong/du-lieu/**", lambda route: route.abort("connectionrefused"))
    expect(page.locator("#wall-connection")).to_have_attribute("data-state", "offline", timeout=ALERT_WITHIN_MS)
    expect(page.locator("#wall-connection")).to_contain_text("Mất kết nối — đang hiển thị số liệu lúc")
    assert page.locator(".wall-number").count() == numbers
    _shoot(page, "kiosk-offline")

    # Back: the wall picks up the changes made meanwhile without anyone touching it.
    alerts._raise(rule, "sau-mat-ket-noi", "Trạm BTS NA-009 mất liên lạc")
    page.unroute("**/dieu-hanh/phong/du-lieu/**")
    expect(page.locator("#wall-connection")).to_have_attribute("data-state", "live", timeout=40000)
    expect(page.locator(".wall-feed")).to_contain_text("Trạm BTS NA-009 mất liên lạc", timeout=ALERT_WITHIN_MS)
    assert json.loads(page.evaluate("document.getElementById('wall-config').textContent"))["poll"] == wall.POLL_SECONDS


@pytest.mark.parametrize("size", ["desktop", "phone"])
def test_duty_officers_handle_alerts_and_reach_rules_and_layouts_from_the_menu(live_server, page, room, size):
    from tinhso.common.tests.test_accessibility_browser import DESKTOP, PHONE

    viewer, _layout, rule = room
    alerts._raise(rule, "xu-ly", "Trạm BTS NA-010 mất liên lạc", link="/dieu-hanh/")
    page.set_viewport_size(DESKTOP if size == "desktop" else PHONE)
    sign_in_as(page, live_server, viewer)
    page.goto(f"{live_server.url}/dieu-hanh/")
    page.get_by_role("navigation", name="Điều hướng chính").get_by_role("link", name="Cảnh báo").click()
    expect(page.locator("h1")).to_have_text("Cảnh báo của phòng điều hành")
    sideways = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert sideways <= 1, f"the alerts page scrolls sideways by {sideways} px"
    found = violations(page)
    assert not found, "axe on the alerts:\n" + describe(found)
    row = page.locator("tr", has_text="Trạm BTS NA-010 mất liên lạc")
    row.get_by_label("Ghi chú").fill("Đã báo nhà mạng")
    row.get_by_role("button", name="Nhận xử lý").click()
    expect(page.locator(".messages")).to_contain_text("Đã nhận xử lý cảnh báo")
    row = page.locator("tr", has_text="Trạm BTS NA-010 mất liên lạc")
    expect(row).to_contain_text("Đã báo nhà mạng")
    row.get_by_role("button", name="Đóng cảnh báo").click()
    expect(page.locator("main")).to_contain_text("Hãy ghi chú cách đã xử lý trước khi đóng cảnh báo.")
    page.go_back()
    page.get_by_role("link", name="Quy tắc cảnh báo").click()
    expect(page.locator("h1")).to_have_text("Quy tắc cảnh báo")
    found = violations(page)
    assert not found, "axe on the rules:\n" + describe(found)
    page.go_back()
    page.get_by_role("link", name="Bố cục màn hình, thiết bị").click()
    expect(page.locator("h1")).to_have_text("Bố cục màn hình phòng điều hành")
    found = violations(page)
    assert not found, "axe on the layouts:\n" + describe(found)
    sideways = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert sideways <= 1, f"the layouts page scrolls sideways by {sideways} px"
