"""The gateway's pages in a real browser, as a platform administrator reaches them: from the header to the
message log (a search with dates typed dd/mm/yyyy, one exchange), to the national-portal page (retrying a
dead letter with its checkbox and button); on a desktop and at 360 px, clean for axe, no sideways scrolling.
Screenshots go to ``test-artifacts/exchange-*.png``."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from tinhso.common.tests.test_accessibility_browser import DESKTOP, PHONE, sign_in_as, violations
from tinhso.directory.models import Role
from tinhso.directory.tests.factories import AgencyFactory
from tinhso.dossiers.models import State
from tinhso.dossiers.tests.factories import dossier_in_state, officer
from tinhso.exchange import services
from tinhso.exchange.client import CallFailed, call
from tinhso.exchange.conf import own_subsystem
from tinhso.exchange.models import OutboxEntry, OutboxStatus
from tinhso.exchange.testing import LocalTransport, enrol, trust

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ARTIFACTS = Path(__file__).resolve().parents[4] / "test-artifacts"
CLIENT = "VN/GOV/000.00.00.H42/tinhso"


def shoot(page, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"exchange-{name}.png"), full_page=True)


def fits(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")


@pytest.fixture
def gateway(pki, settings):
    settings.TINHSO_NATIONAL_PORTAL_URL = ""
    trust(pki)
    member, credential = enrol(pki, CLIENT, "Tỉnh Hà Tĩnh")
    services.grant_access(member, "agencies")
    transport = LocalTransport(credential)
    AgencyFactory(identifier="000.00.03.H41", name="Sở Tư pháp")
    call(own_subsystem().service("agencies"), "/agencies", client=CLIENT, transport=transport)
    with pytest.raises(CallFailed):
        call(own_subsystem().service("dossier-status"), "/000.00.03.H41-260101-0001", client=CLIENT,
             transport=transport)
    dossier = dossier_in_state(State.RECEIVED)
    OutboxEntry.objects.filter(dossier_code=dossier.code, action="submit_online").update(
        status=OutboxStatus.DEAD, attempts=10, last_error="HTTP 503 từ cổng quốc gia")
    return dossier


@pytest.mark.parametrize("size", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_an_administrator_searches_the_log_and_retries_a_dead_letter(live_server, page, gateway, size):
    admin = officer(Role.PLATFORM_ADMIN, AgencyFactory())
    sign_in_as(page, live_server, admin)
    page.set_viewport_size(size)
    page.goto(f"{live_server.url}/can-bo/")
    page.get_by_role("link", name="Kết nối, chia sẻ dữ liệu").click()
    expect(page.locator("h1")).to_have_text("Kết nối, chia sẻ dữ liệu")
    expect(page.get_by_text("VN/GOV/000.00.00.H41/tinhso")).to_be_visible()
    assert not violations(page) and fits(page)
    shoot(page, f"overview-{size['width']}")

    # The message log: today's exchanges of the neighbouring province, then the refused one.
    page.get_by_role("link", name="Nhật ký trao đổi").first.click()
    today = timezone.localdate().strftime("%d/%m/%Y")
    page.get_by_label("Bên gọi (định danh hoặc phần đầu)").fill("VN/GOV/000.00.00.H42")
    page.get_by_label("Từ ngày").fill(today)
    page.get_by_label("Đến ngày").fill(today)
    page.get_by_role("button", name="Tìm", exact=True).click()
    expect(page.get_by_role("heading", name="8 bản ghi")).to_be_visible()
    page.get_by_label("Chỉ các trao đổi lỗi").check()
    page.get_by_role("button", name="Tìm", exact=True).click()
    expect(page.get_by_text("Client.AccessDenied").first).to_be_visible()
    assert not violations(page) and fits(page)
    shoot(page, f"log-{size['width']}")
    page.locator("table a").first.click()
    expect(page.get_by_text("Mã băm bản ghi").first).to_be_visible()
    expect(page.get_by_text("Client.AccessDenied").first).to_be_visible()
    assert not violations(page) and fits(page)

    # A date typed the wrong way round is refused with a message next to the field.
    page.get_by_role("link", name="Nhật ký trao đổi").first.click()
    page.get_by_label("Từ ngày").fill("31/02/2026")
    page.get_by_role("button", name="Tìm", exact=True).click()
    expect(page.locator("#tu-error")).to_be_visible()

    # The national portal: the dead letter, chosen and sent again.
    page.get_by_role("link", name="Cổng Dịch vụ công quốc gia").first.click()
    page.get_by_role("link", name="Gửi lỗi", exact=True).click()
    expect(page.get_by_text("HTTP 503 từ cổng quốc gia")).to_be_visible()
    assert not violations(page) and fits(page)
    shoot(page, f"portal-{size['width']}")
    page.get_by_label(f"Chọn gửi lại thay đổi của hồ sơ {gateway.code}").check()
    page.get_by_role("button", name="Gửi lại các thay đổi đã chọn").click()
    expect(page.get_by_text("Đã đưa 1 thay đổi vào hàng đợi gửi lại.")).to_be_visible()
    assert not OutboxEntry.objects.filter(status=OutboxStatus.DEAD).exists()
