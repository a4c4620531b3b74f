"""The operations centre in a real browser: the period and unit pickers update the page in place (htmx),
push the address, redraw the charts and announce the change; the page stays clean for axe at 360 px.
Screenshots go to ``test-artifacts/ioc-*.png``."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from tinhso.common.tests.test_accessibility_browser import PHONE, assert_clean, sign_in_as, violations
from tinhso.directory.models import Role
from tinhso.directory.tests.factories import AgencyFactory, MembershipFactory, ProvinceFactory, UserFactory
from tinhso.dossiers.models import State
from tinhso.dossiers.tests.factories import ProcedureWithRouteFactory, dossier_in_state
from tinhso.ioc.indicators import seed_registry
from tinhso.ioc.models import Indicator

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ARTIFACTS = Path(__file__).resolve().parents[4] / "test-artifacts"


def htmx_settled(page) -> None:
    """Wait for htmx to finish: the new content's triggers are attached once it has settled, and a choice
    made before that would reach the replaced form."""
    page.wait_for_function("() => !document.querySelector('.htmx-request, .htmx-swapping, .htmx-settling')")


def shoot(page, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"ioc-{name}.png"), full_page=True)


def test_the_overview_updates_in_place_when_the_period_and_the_agency_change(live_server, page):
    seed_registry()
    justice = AgencyFactory(name="Sở Tư pháp", province=ProvinceFactory())
    building = AgencyFactory(name="Sở Xây dựng")
    versions = {}
    for agency, count in ((justice, 2), (building, 1)):
        version = versions[agency.name] = ProcedureWithRouteFactory(agency=agency)
        for _ in range(count):
            dossier_in_state(State.RETURNED, version=version)
    viewer = UserFactory(username="dieuhanh")
    MembershipFactory(user=viewer, agency=justice, role=Role.OPERATIONS_VIEWER)
    settled_name = Indicator.objects.get(code="ho-so-da-giai-quyet").name
    year = timezone.localdate().year

    # htmx's own indicator stylesheet is refused by the CSP on every page (the base layout's concern) and
    # the browser asks for a favicon; any other console error is a fault.
    errors = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" and not (
        message.text.startswith("Applying inline style") or "404" in message.text) else None)
    sign_in_as(page, live_server, viewer)
    page.goto(f"{live_server.url}/dieu-hanh/?ky={year}")
    expect(page.locator("h1")).to_contain_text(f"Năm {year}")
    expect(page.locator("[data-spark] canvas").first).to_be_attached()
    page.evaluate("window.__marker = 'cùng một trang'")
    settled_card = page.locator(".ioc-card", has=page.get_by_role("link", name=settled_name, exact=True))
    expect(settled_card.locator(".value")).to_have_text(re.compile(r"^\s*3\s"))

    # The period: the heading, the title and the address change, the page is not loaded again.
    page.get_by_label("Kỳ báo cáo").focus()
    htmx_settled(page)
    page.get_by_label("Kỳ báo cáo").select_option(f"{year}-Q1")
    page.wait_for_function(f"() => new URLSearchParams(location.search).get('ky') === '{year}-Q1'")
    htmx_settled(page)
    expect(page.locator("h1")).to_contain_text(f"Quý I/{year}")
    expect(page).to_have_title(re.compile(f"Quý I/{year}"))
    expect(page.locator("#ioc-status")).to_have_text(f"Đã cập nhật số liệu: Quý I/{year}.")
    assert page.evaluate("window.__marker") == "cùng một trang"
    assert "co-quan" not in page.url, "the empty choices stay out of the address"
    assert page.evaluate("document.activeElement.id") == "ky", "focus stays on the select that was used"
    expect(page.locator("[data-spark] canvas").first).to_be_attached()

    # The agency: the numbers narrow to it and a chip shows the choice.
    htmx_settled(page)
    page.get_by_label("Kỳ báo cáo").select_option(str(year))
    expect(page.locator("h1")).to_contain_text(f"Năm {year}")
    htmx_settled(page)
    page.get_by_label("Cơ quan", exact=True).select_option(label="Sở Xây dựng")
    page.wait_for_function(f"() => new URLSearchParams(location.search).get('co-quan') === '{building.pk}'")
    htmx_settled(page)
    expect(page.get_by_role("link", name="Cơ quan: Sở Xây dựng (bỏ chọn)")).to_be_visible()
    expect(settled_card.locator(".value")).to_have_text(re.compile(r"^\s*1\s"))
    expect(page.locator("#ioc-status")).to_have_text(f"Đã cập nhật số liệu: Năm {year}, cơ quan Sở Xây dựng.")
    expect(page.locator("[data-spark] canvas").first).to_be_attached()
    assert page.evaluate("window.__marker") == "cùng một trang"
    shoot(page, "overview-agency-chosen")

    # Removing the chip brings the whole province back, still without a reload; focus goes to the heading.
    htmx_settled(page)
    page.get_by_role("link", name="Cơ quan: Sở Xây dựng (bỏ chọn)").click()
    page.wait_for_function("() => !new URLSearchParams(location.search).has('co-quan')")
    htmx_settled(page)
    expect(settled_card.locator(".value")).to_have_text(re.compile(r"^\s*3\s"))
    expect(page.locator("h1")).to_be_focused()
    assert page.evaluate("window.__marker") == "cùng một trang"

    # A field lists its procedures; clearing the field clears the procedure chosen in it.
    version = versions["Sở Tư pháp"]
    htmx_settled(page)
    page.get_by_label("Lĩnh vực").select_option(label=version.field.name)
    page.wait_for_function(f"() => new URLSearchParams(location.search).get('linh-vuc') === '{version.field.pk}'")
    htmx_settled(page)
    page.get_by_label("Thủ tục").select_option(label=f"{version.procedure.code} — {version.name}")
    page.wait_for_function(f"() => new URLSearchParams(location.search).get('thu-tuc') === '{version.procedure.pk}'")
    htmx_settled(page)
    expect(settled_card.locator(".value")).to_have_text(re.compile(r"^\s*2\s"))
    htmx_settled(page)
    page.get_by_label("Lĩnh vực").select_option("")
    page.wait_for_function("() => !/linh-vuc|thu-tuc/.test(location.search)")
    htmx_settled(page)
    expect(settled_card.locator(".value")).to_have_text(re.compile(r"^\s*3\s"))
    assert page.evaluate("window.__marker") == "cùng một trang"

    # At 360 px the picker with a chosen unit passes axe and does not scroll sideways.
    page.set_viewport_size(PHONE)
    page.goto(f"{live_server.url}/dieu-hanh/?ky={year}&co-quan={justice.pk}")
    expect(page.get_by_role("link", name="Cơ quan: Sở Tư pháp (bỏ chọn)")).to_be_visible()
    assert_clean([f"axe: {v['id']} at {', '.join(v['targets'])}" for v in violations(page)])
    assert page.evaluate("document.documentElement.scrollWidth - window.innerWidth") <= 1
    shoot(page, "overview-360")
    assert errors == []
