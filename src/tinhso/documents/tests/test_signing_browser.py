"""A records clerk in Chromium saves an outgoing document as a draft from the menu, then signs it with the
agency's key file and issues it from the draft's page, at desktop width and at 360 px."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tinhso.common.rendering import html_to_pdf
from tinhso.documents.tests.factories import records_office
from tinhso.testing.browser import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize("viewport", [{"width": 1280, "height": 900}, {"width": 360, "height": 740}],
                         ids=["desktop", "phone"])
def test_a_clerk_saves_a_draft_then_signs_and_issues_it(live_server, chromium, viewport, pki, settings, tmp_path):
    root = tmp_path / "root.pem"
    root.write_bytes(pki.root_pem)
    settings.TINHSO_DOCUMENTS_TRUSTED_ROOTS = str(root)
    key = tmp_path / "skhcn.p12"
    key.write_bytes(pki.issue_signing("Sở Khoa học và Công nghệ").pkcs12(b"Mat-khau-2026"))
    letter = tmp_path / "thong-bao.pdf"
    letter.write_bytes(html_to_pdf("<h1>THÔNG BÁO</h1><p>Lịch tiếp công dân tháng 12</p>"))
    office = records_office("SKHCN")
    context = chromium.new_context(locale="vi-VN", viewport=viewport)
    sign_in(context, live_server, office.clerk)
    page = context.new_page()
    page.goto(f"{live_server.url}/can-bo/")
    page.get_by_role("link", name="Văn bản", exact=True).first.click()
    page.get_by_role("link", name="Ban hành văn bản đi").first.click()
    page.get_by_label("Loại văn bản", exact=True).select_option(label="Thông báo (TB)")
    page.get_by_label("Trích yếu", exact=True).fill("Lịch tiếp công dân tháng 12")
    page.get_by_label("Họ tên người ký", exact=True).fill("Trần Văn Bình")
    page.get_by_label("Tệp văn bản", exact=True).set_input_files(str(letter))
    page.get_by_role("button", name="Lưu dự thảo").click()
    expect(page.get_by_text("Đã lưu dự thảo")).to_be_visible()
    expect(page.get_by_role("button", name="Cấp số, ký số và ban hành")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"]
    page.get_by_label("Tệp khóa ký số (.p12, .pfx)").check()
    page.get_by_label("Chọn tệp khóa ký số").set_input_files(str(key))
    page.get_by_label("Mật khẩu hoặc mã PIN").fill("Mat-khau-2026")
    page.get_by_role("button", name="Cấp số, ký số và ban hành").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("01/TB-SKHCN")
    expect(page.get_by_text("Đã ký số và ban hành văn bản số 01/TB-SKHCN.")).to_be_visible()
    expect(page.get_by_text("Chữ ký hợp lệ")).to_be_visible()
    page.get_by_role("link", name="Sổ văn bản đi").first.click()
    expect(page.get_by_role("row").filter(has_text="Lịch tiếp công dân tháng 12")).to_be_visible()
    context.close()
