"""Notices as people meet them in Chromium, at desktop width and at 360 px: a citizen sees the unread count in
the header, opens the list from it and marks a notice read; an administrator opens the failed deliveries from
the staff menu and resends one once the gateway works again."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tinhso.common.notices import Recipient, notify
from tinhso.common.notices.models import Delivery
from tinhso.common.notices.tests.conftest import FlakyGateway
from tinhso.common.tests.test_accessibility_browser import DESKTOP, PHONE, sign_in_as
from tinhso.directory.models import Role
from tinhso.directory.tests.factories import AgencyFactory
from tinhso.dossiers import services
from tinhso.dossiers.tests.factories import citizen, officer, submitted_dossier

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ARTIFACTS = "test-artifacts"


def shot(page, name: str) -> None:
    page.screenshot(path=f"{ARTIFACTS}/notices-{name}.png", full_page=True)


def fits(page) -> None:
    assert page.evaluate("document.documentElement.scrollWidth - window.innerWidth") <= 1


@pytest.mark.parametrize("size", [DESKTOP, PHONE], ids=["desktop", "360px"])
def test_a_citizen_reads_a_notice_from_the_header(live_server, page, size):
    person = citizen(first_name="Hoa", last_name="Nguyễn Thị", email="hoa@example.vn")
    dossier = submitted_dossier(user=person, phone="0912345678")
    services.receive(dossier, actor=officer(Role.RECEIVER, dossier.receiving_agency),
                     expected_version=dossier.version)
    page.set_viewport_size(size)
    sign_in_as(page, live_server, person)
    page.goto(f"{live_server.url}/ho-so-cua-toi/")
    header_link = page.locator("header").get_by_role("link", name=re.compile("^Thông báo"))
    expect(header_link).to_contain_text("2")
    fits(page)
    header_link.click()
    page.wait_for_url(f"{live_server.url}/thong-bao/")
    expect(page.get_by_text("Bạn có 2 thông báo chưa đọc.")).to_be_visible()
    received = page.locator("li.notification", has_text=f"Hồ sơ {dossier.code}: Đã tiếp nhận")
    expect(received.get_by_text("Chưa đọc")).to_be_visible()
    fits(page)
    shot(page, f"citizen-list-{size['width']}")
    received.get_by_role("button", name=re.compile("Đánh dấu đã đọc")).click()
    expect(received.get_by_text("Chưa đọc")).to_have_count(0)  # htmx swapped the entry alone
    received.get_by_text("Nội dung").click()
    expect(received.get_by_text("Hạn trả kết quả")).to_be_visible()
    page.reload()
    expect(page.locator("header").get_by_role("link", name=re.compile("^Thông báo"))).to_contain_text("1")
    page.get_by_role("button", name="Đánh dấu tất cả là đã đọc").click()
    expect(page.get_by_text("Không có thông báo chưa đọc.").first).to_be_visible()
    expect(page.locator("#header-unread")).to_have_count(0)
    received.get_by_role("link", name=f"Hồ sơ {dossier.code}: Đã tiếp nhận").click()
    page.wait_for_url(f"{live_server.url}/ho-so-cua-toi/{dossier.code}/")
    shot(page, f"citizen-dossier-{size['width']}")


@pytest.mark.parametrize("size", [DESKTOP, PHONE], ids=["desktop", "360px"])
def test_an_administrator_resends_a_failed_sms_from_the_staff_menu(live_server, page, settings, size):
    agency = AgencyFactory(name="UBND phường Trường Vinh")
    settings.TINHSO_SMS_BACKEND = f"{FlakyGateway.__module__}.FlakyGateway"
    FlakyGateway.failures, FlakyGateway.calls, FlakyGateway.delivered = 100, [], []
    notify(Recipient(phone="0912345678", name="Trần Thị Bình"), subject="Hồ sơ H40-260302-0001: Đã tiếp nhận",
           text="", sms="Hồ sơ H40-260302-0001 đã được tiếp nhận.", kind="dossiers.event", agency_id=agency.pk)
    delivery = Delivery.objects.get()
    assert delivery.status == Delivery.Status.FAILED and delivery.attempts == 6

    page.set_viewport_size(size)
    sign_in_as(page, live_server, officer(Role.PLATFORM_ADMIN, agency))
    page.goto(f"{live_server.url}/can-bo/")
    page.get_by_role("navigation", name="Điều hướng chính").get_by_role("link", name="Gửi thông báo").click()
    page.wait_for_url(f"{live_server.url}/thong-bao/gui/")
    row = page.locator(f"#delivery-{delivery.pk}")
    expect(row).to_contain_text("gateway did not answer within 10 s")
    expect(row).to_contain_text("•••••••678")
    expect(page.get_by_role("link", name=re.compile("Không thành công"))).to_contain_text("1")
    fits(page)
    shot(page, f"admin-failed-{size['width']}")

    FlakyGateway.failures = 0  # the gateway works again
    row.get_by_role("button", name=re.compile("Gửi lại")).click()
    expect(page.locator(".messages")).to_contain_text("vào hàng đợi gửi lại")
    expect(page.locator(f"#delivery-{delivery.pk}")).to_have_count(0)
    assert FlakyGateway.delivered == [("0912345678", "Ho so H40-260302-0001 da duoc tiep nhan.")]
    page.get_by_role("link", name="Đã gửi").click()
    expect(page.locator(f"#delivery-{delivery.pk}")).to_contain_text("Đã gửi")
    page.get_by_label("Từ ngày").fill("01/01/2020")
    page.get_by_role("button", name="Lọc").click()
    expect(page.locator(f"#delivery-{delivery.pk}")).to_be_visible()
    fits(page)
    shot(page, f"admin-sent-{size['width']}")
