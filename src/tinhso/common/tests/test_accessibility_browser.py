"""Accessibility in Chromium: axe-core's WCAG 2.1 A/AA rules on the main pages at desktop width and at 360 px
(no horizontal scroll there), and the keyboard path through sign-in and the skip link.

axe-core is a pinned development dependency (``package.json``); ``npm ci`` puts it in ``node_modules``. It is
injected through the DevTools protocol, which the pages' Content-Security-Policy does not govern."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from playwright.sync_api import expect

from tinhso.directory.models import Role
from tinhso.directory.tests.factories import AgencyFactory, MembershipFactory, ProvinceFactory, UserFactory
from tinhso.dossiers import services
from tinhso.dossiers.models import PaymentChannel, State
from tinhso.dossiers.tests.factories import ProcedureWithRouteFactory, citizen, dossier_in_state, submitted_dossier
from tinhso.ioc.indicators import seed_registry
from tinhso.testing.browser import sign_in_as

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

AXE = Path(__file__).resolve().parents[4] / "node_modules" / "axe-core" / "axe.min.js"
WCAG = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
PHONE = {"width": 360, "height": 740}
DESKTOP = {"width": 1280, "height": 900}
RUN_AXE = """async (tags) => {
    const results = await axe.run(document, {runOnly: {type: "tag", values: tags}});
    return results.violations.map(v => ({
        id: v.id, impact: v.impact, help: v.help,
        targets: v.nodes.slice(0, 5).map(n => n.target.join(" ")),
        count: v.nodes.length,
    }));
}"""




def violations(page) -> list[dict]:
    if not AXE.exists():
        pytest.fail(f"{AXE} is missing: run `npm ci` (make test does)")
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.evaluate(AXE.read_text())
    return page.evaluate(RUN_AXE, WCAG)


def describe(found: list[dict]) -> str:
    return "\n".join(f"  [{v['impact']}] {v['id']}: {v['help']} ({v['count']}×) at {', '.join(v['targets'])}"
                     for v in found)


def audit(page, url: str, *, open_page=None) -> list[str]:
    """axe at desktop width and at 360 px; at 360 px the page also fits without scrolling sideways."""
    problems = []
    for size in (DESKTOP, PHONE):
        page.set_viewport_size(size)
        if open_page is None:
            page.goto(url)
        else:
            open_page(page, url)
        found = violations(page)
        if found:
            problems.append(f"{url} at {size['width']} px:\n{describe(found)}")
        if size is PHONE:
            overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
            if overflow > 1:
                problems.append(f"{url} at 360 px scrolls sideways by {overflow} px")
    return problems


def assert_clean(problems: list[str]) -> None:
    assert not problems, "\n" + "\n".join(problems)


@pytest.fixture
def province():
    """One agency with a published procedure, its desk officer, a citizen with dossiers, a centre viewer."""
    agency = AgencyFactory(identifier="000.00.20.H41", name="Sở Tư pháp tỉnh Nghệ An",
                           address="Số 5 đường Trường Thi, TP Vinh", province=ProvinceFactory())
    version = ProcedureWithRouteFactory(agency=agency, name="Cấp giấy phép tổ chức lễ hội truyền thống")
    desk = UserFactory(username="tiepnhan", first_name="Trần Văn", last_name="Bình")
    for role in (Role.RECEIVER, Role.HANDLER):
        MembershipFactory(user=desk, agency=agency, role=role)
    person = citizen(first_name="Hoa", last_name="Nguyễn Thị", email="hoa@example.vn")
    waiting = submitted_dossier(version, agency, user=person, phone="0912345678")
    received = dossier_in_state(State.RECEIVED, version, agency, user=person, phone="0912345678")
    services.record_payment(received, actor=desk, amount=100_000, channel=PaymentChannel.TRANSFER,
                            receipt_number="BL-2026-000123")
    seed_registry()
    viewer = UserFactory(username="dieuhanh")
    MembershipFactory(user=viewer, agency=agency, role=Role.OPERATIONS_VIEWER)
    return {"code": version.procedure.code, "desk": desk, "citizen": person, "waiting": waiting,
            "received": received, "viewer": viewer}


def track(page, live_server, code: str) -> None:
    """Open a dossier's public tracking page the way a citizen does: code and the phone's last 4 digits."""
    page.goto(f"{live_server.url}/tra-cuu/")
    page.get_by_label("Mã số hồ sơ").fill(code)
    page.get_by_label("4 chữ số cuối").fill("5678")
    page.get_by_role("button", name="Tra cứu").click()
    page.wait_for_url(f"{live_server.url}/tra-cuu/{code}/")


def test_public_pages_pass_axe(live_server, page, province):
    url, received = live_server.url, province["received"].code
    problems = [problem for path in ("/dang-nhap/", "/", "/thu-tuc/?q=le hoi truyen thong",
                                     f"/thu-tuc/{province['code']}/", "/tra-cuu/", "/tai-khoan/dang-ky/")
                for problem in audit(page, url + path)]
    problems += audit(page, f"{url}/tra-cuu/{received}/",
                      open_page=lambda page, _url: track(page, live_server, received))
    assert_clean(problems)


def test_officer_pages_pass_axe(live_server, page, province):
    sign_in_as(page, live_server, province["desk"])
    assert_clean([problem for path in ("/mot-cua/", f"/mot-cua/ho-so/{province['waiting'].code}/",
                                       f"/mot-cua/ho-so/{province['received'].code}/", "/mot-cua/tiep-nhan/")
                  for problem in audit(page, live_server.url + path)])


def test_citizen_pages_pass_axe(live_server, page, province):
    sign_in_as(page, live_server, province["citizen"])
    assert_clean([problem for path in (f"/nop-ho-so/{province['code']}/", "/ho-so-cua-toi/",
                                       f"/ho-so-cua-toi/{province['received'].code}/", "/phan-anh/gui/",
                                       "/thong-bao/")
                  for problem in audit(page, live_server.url + path)])


def test_operations_centre_overview_passes_axe(live_server, page, province):
    sign_in_as(page, live_server, province["viewer"])
    assert_clean(audit(page, f"{live_server.url}/dieu-hanh/"))


def test_the_list_of_notice_deliveries_passes_axe(live_server, page, province):
    from tinhso.common.notices.models import Delivery

    Delivery.objects.filter(channel="sms").update(status="failed", attempts=6, last_error="Cổng tin nhắn không trả lời")
    sign_in_as(page, live_server, province["viewer"])
    assert_clean(audit(page, f"{live_server.url}/thong-bao/gui/"))


def test_sign_in_and_the_skip_link_work_from_the_keyboard(live_server, page):
    get_user_model().objects.create_user("canbo.demo", password="Mat-khau-2026!")
    page.goto(f"{live_server.url}/dang-nhap/")
    focused = 'document.activeElement.getAttribute("name") || document.activeElement.getAttribute("type")'
    reached = []
    for _ in range(40):
        page.keyboard.press("Tab")
        current = page.evaluate(focused)
        if current == "username" and not reached:
            page.keyboard.type("canbo.demo")
            reached.append(current)
        elif current == "password" and reached == ["username"]:
            page.keyboard.type("Mat-khau-2026!")
            reached.append(current)
        elif current == "submit" and reached == ["username", "password"]:
            reached.append(current)
            break
    assert reached == ["username", "password", "submit"]
    page.keyboard.press("Enter")
    page.wait_for_url(f"{live_server.url}/can-bo/")

    page.context.clear_cookies()
    page.goto(f"{live_server.url}/")
    page.keyboard.press("Tab")
    skip = page.locator(":focus")
    assert skip.get_attribute("href") == "#main"
    expect(skip).to_be_visible()
    page.keyboard.press("Enter")
    expect(page.locator("main")).to_be_focused()
