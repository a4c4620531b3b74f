"""A records clerk in Chromium, reaching the pages through the menu and the register's own links: registers
an incoming document and assigns it to a handler, at desktop width and at 360 px (the pages fit a phone)."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tinhso.documents.tests.factories import records_office
from tinhso.testing.browser import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]




@pytest.mark.parametrize("viewport", [{"width": 1280, "height": 900}, {"width": 360, "height": 740}],
                         ids=["desktop", "phone"])
def test_a_clerk_registers_an_incoming_document_and_assigns_it(live_server, chromium, viewport):
    office = records_office("SKHCN")
    office.handler.first_name, office.handler.last_name = "Phạm Thị", "Hoa"
    office.handler.save()
    context = chromium.new_context(locale="vi-VN", viewport=viewport)
    sign_in(context, live_server, office.clerk)
    page = context.new_page()
    page.goto(f"{live_server.url}/can-bo/")
    page.get_by_role("link", name="Văn bản", exact=True).first.click()
    page.get_by_role("link", name="Vào sổ văn bản đến").first.click()
    page.get_by_label("Cơ quan ban hành", exact=True).fill("Bộ Khoa học và Công nghệ")
    page.get_by_label("Tên loại văn bản", exact=True).fill("Công văn")
    page.get_by_label("Số", exact=True).fill("125")
    page.get_by_label("Ký hiệu", exact=True).fill("BKHCN-CĐSQG")
    page.get_by_label("Ngày văn bản", exact=True).fill("02/03/2026")
    page.get_by_label("Trích yếu", exact=True).fill("Về việc báo cáo kết quả chuyển đổi số quý I")
    assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"]
    page.get_by_role("button", name="Vào sổ").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Văn bản đến số 01/")
    page.get_by_label("Người xử lý", exact=True).select_option(label="Phạm Thị Hoa")
    page.get_by_label("Thời hạn (ngày làm việc)", exact=True).fill("3")
    page.get_by_role("button", name="Giao xử lý").click()
    expect(page.locator("#trang-thai")).to_have_text("Đã phân công")
    assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"]
    page.get_by_role("link", name="Sổ văn bản đến").first.click()
    expect(page.get_by_role("row").filter(has_text="BKHCN-CĐSQG")).to_be_visible()
    context.close()
