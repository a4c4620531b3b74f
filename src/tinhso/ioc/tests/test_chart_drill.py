"""Every chart point carries the address it drills down to: a month to the dossiers behind its number, a
league bar to the agency's on-time rate, a card's trend to its indicator; a click in Chromium follows it."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.utils import timezone

from tinhso.common.tests.test_accessibility_browser import sign_in_as
from tinhso.directory.models import Role
from tinhso.directory.tests.factories import AgencyFactory, MembershipFactory, UserFactory
from tinhso.dossiers.models import State
from tinhso.dossiers.tests.factories import ProcedureWithRouteFactory, dossier_in_state, officer
from tinhso.ioc.indicators import seed_registry

ARTIFACTS = Path(__file__).resolve().parents[4] / "test-artifacts"


@pytest.fixture
def province(db):
    seed_registry()
    agency = AgencyFactory(name="Sở Tư pháp")
    version = ProcedureWithRouteFactory(agency=agency)
    for _ in range(2):
        dossier_in_state(State.RETURNED, version=version)
    return agency


@pytest.mark.django_db
def test_the_charts_carry_their_drill_down_links(client, province):
    client.force_login(officer(Role.OPERATIONS_VIEWER, AgencyFactory()))
    year = timezone.localdate().year
    chart = client.get(f"/dieu-hanh/chi-so/ty-le-dung-han/?ky={year}").context["chart"]
    assert len(chart["links"]) == len(chart["labels"]) >= 1
    month = timezone.localdate()
    assert chart["links"][chart["labels"].index(f"{month:%m/%Y}")] == f"/dieu-hanh/ho-so/returned/?ky={month:%Y-%m}"
    late = client.get(f"/dieu-hanh/chi-so/ho-so-tre-han/?ky={year}&co-quan={province.pk}").context["chart"]
    assert all(link.startswith("/dieu-hanh/ho-so/late/?ky=") and f"co-quan={province.pk}" in link
               for link in late["links"])
    league = client.get(f"/dieu-hanh/xep-hang/?ky={year}").context["chart"]
    assert league["links"] == [f"/dieu-hanh/chi-so/ty-le-dung-han/?ky={year}&co-quan={province.pk}&theo=field"]


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_a_click_on_a_league_bar_opens_the_agencys_on_time_rate(live_server, page, province):
    viewer = UserFactory(username="bieudo")
    MembershipFactory(user=viewer, agency=province, role=Role.OPERATIONS_VIEWER)
    year = timezone.localdate().year
    sign_in_as(page, live_server, viewer)
    page.goto(f"{live_server.url}/dieu-hanh/xep-hang/?ky={year}")
    page.wait_for_function("() => { const el = document.querySelector('[data-chart]');"
                           " return window.echarts && el && window.echarts.getInstanceByDom(el); }")
    # The middle of the first bar, in page coordinates, from the chart's own axes.
    x, y = page.evaluate("""() => {
        const el = document.querySelector('[data-chart]');
        const chart = window.echarts.getInstanceByDom(el);
        const data = JSON.parse(document.getElementById('league-data').textContent);
        const [px, py] = chart.convertToPixel({seriesIndex: 0}, [0, data.values[0] / 2]);
        const box = el.getBoundingClientRect();
        return [box.left + px, box.top + py];
    }""")
    page.mouse.click(x, y)
    page.wait_for_url(f"**/dieu-hanh/chi-so/ty-le-dung-han/?ky={year}&co-quan={province.pk}&theo=field")
    assert "Sở Tư pháp" in page.locator("main").inner_text()
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "ioc-league-bar-drilled.png"), full_page=True)
