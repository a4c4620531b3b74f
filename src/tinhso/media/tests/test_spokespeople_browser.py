"""An agency's administrator keeps its spokespeople in Chromium, from the staff home through the media menu:
adds the spokesperson with dates typed dd/mm/yyyy, sees the overlap refused, ends them, and the public page
follows; at desktop width and on a phone (360 px, no sideways scrolling)."""

from __future__ import annotations

import datetime
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from tinhso.directory.models import Role
from tinhso.media.models import Spokesperson
from tinhso.media.tests.factories import agency_with_officer
from tinhso.testing.browser import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ARTIFACTS = Path(__file__).resolve().parents[4] / "test-artifacts"




@pytest.mark.parametrize("width", [1280, 360])
def test_the_agency_admin_keeps_its_spokespeople_from_the_menu(live_server, chromium, width):
    _health, admin = agency_with_officer("Sở Y tế", role=Role.AGENCY_ADMIN)
    today = timezone.localdate()
    context = chromium.new_context(locale="vi-VN", viewport={"width": width, "height": 900})
    elsewhere: list[str] = []
    context.route("**/*", lambda route: route.continue_()
                  if route.request.url.startswith(live_server.url) or route.request.url.startswith("data:")
                  else (elsewhere.append(route.request.url), route.abort()))
    sign_in(context, live_server, admin)
    page = context.new_page()
    page.goto(f"{live_server.url}/can-bo/")
    page.get_by_role("link", name="Báo chí, thông tin", exact=True).first.click()
    page.wait_for_url(f"{live_server.url}/bao-chi/")
    page.get_by_role("link", name="Người phát ngôn của cơ quan").click()
    page.wait_for_url(f"{live_server.url}/bao-chi/phat-ngon/")
    page.get_by_role("link", name="Thêm người phát ngôn").click()
    page.get_by_label("Họ tên").fill("Trần Thị Bình")
    page.get_by_label("Chức vụ").fill("Phó Giám đốc Sở")
    page.get_by_label("Từ ngày (dd/mm/yyyy)").fill(f"{today - datetime.timedelta(days=30):%d/%m/%Y}")
    page.get_by_role("button", name="Lưu").click()
    page.wait_for_url(f"{live_server.url}/bao-chi/phat-ngon/")
    expect(page.get_by_role("link", name="Trần Thị Bình")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= width

    # A second spokesperson over the same days is refused with the reason.
    page.get_by_role("link", name="Thêm người phát ngôn").click()
    page.get_by_label("Họ tên").fill("Người thứ hai")
    page.get_by_label("Chức vụ").fill("Giám đốc Sở")
    page.get_by_label("Từ ngày (dd/mm/yyyy)").fill(f"{today:%d/%m/%Y}")
    page.get_by_role("button", name="Lưu").click()
    expect(page.get_by_text("Thời gian trùng với người phát ngôn Trần Thị Bình")).to_be_visible()
    assert Spokesperson.objects.count() == 1

    # Ended yesterday: gone from the public page.
    page.get_by_role("link", name="Người phát ngôn của cơ quan").first.click()
    page.get_by_role("link", name="Trần Thị Bình").click()
    page.get_by_label("Thôi phát ngôn từ sau ngày (dd/mm/yyyy)").fill(f"{today - datetime.timedelta(days=1):%d/%m/%Y}")
    page.get_by_role("button", name="Thôi phát ngôn").click()
    page.wait_for_url(f"{live_server.url}/bao-chi/phat-ngon/")
    expect(page.locator('[data-list="past"]')).to_contain_text("Trần Thị Bình")
    assert Spokesperson.objects.get().valid_to == today - datetime.timedelta(days=1)
    page.get_by_role("link", name="Trang công khai danh sách người phát ngôn").click()
    expect(page.get_by_role("heading", name="Người phát ngôn của các cơ quan")).to_be_visible()
    expect(page.locator("main")).not_to_contain_text("Trần Thị Bình")
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"media-spokespeople-{width}.png"), full_page=True)
    assert not elsewhere
    context.close()
