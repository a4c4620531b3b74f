"""A leader drills down to the late dossiers in a real browser: most overdue first, re-sorted by a click on a
column heading, at desktop width and at 360 px (screenshots in ``test-artifacts/ioc-late-*.png``)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tinhso.common.tests.test_accessibility_browser import sign_in_as
from tinhso.directory.models import Role
from tinhso.directory.tests.factories import AgencyFactory
from tinhso.dossiers.tests.factories import officer
from tinhso.ioc.tests.test_drill_down_order import late_and_overdue  # noqa: F401 — the same dossiers

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ARTIFACTS = Path(__file__).resolve().parents[4] / "test-artifacts"


@pytest.mark.parametrize("width", [1280, 360])
def test_a_leader_sorts_the_late_dossiers(live_server, page, late_and_overdue, width):  # noqa: F811
    late = late_and_overdue["late"]
    page.set_viewport_size({"width": width, "height": 800})
    sign_in_as(page, live_server, officer(Role.OPERATIONS_VIEWER, AgencyFactory()))
    page.goto(f"{live_server.url}/dieu-hanh/chi-so/ho-so-tre-han/?ky=2026")
    page.get_by_role("link", name="Hồ sơ trễ hạn", exact=True).first.click()
    page.wait_for_url("**/dieu-hanh/ho-so/late/**")
    rows = page.locator("tbody th[scope=row]")
    assert rows.all_inner_texts() == late  # 13, 11 and 2 days late
    page.get_by_role("link", name="Mã hồ sơ").click()
    page.wait_for_url("**sap-xep=ma**")
    assert page.locator("tbody th[scope=row]").all_inner_texts() == sorted(late)
    assert page.locator("th[aria-sort=ascending]").inner_text().startswith("Mã hồ sơ")
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"ioc-late-{width}.png"), full_page=True)
