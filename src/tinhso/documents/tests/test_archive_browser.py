"""The records office in Chromium, reaching the archive through the menu: archives an issued document from its
page with a retention period, finds it in the archive list by an unaccented search, and downloads the BagIt
package, at desktop width and at 360 px."""

from __future__ import annotations

import hashlib
import zipfile

import pytest
from playwright.sync_api import expect

from tinhso.documents import services
from tinhso.documents.models import RetentionPeriod
from tinhso.documents.tests.factories import issued, records_office
from tinhso.documents.tests.test_registers_browser import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize("viewport", [{"width": 1280, "height": 900}, {"width": 360, "height": 740}],
                         ids=["desktop", "phone"])
def test_the_records_office_archives_a_document_and_exports_the_bag(live_server, chromium, viewport):
    office = records_office("SKHCN")
    document = issued(office, subject="Quyết định phê duyệt Đề án 06", code="quyet-dinh",
                      files=[services.FileInput("qd.pdf", b"%PDF-1.7 quyet dinh", "application/pdf")])
    ten_years = RetentionPeriod.objects.get(code="10-nam")
    context = chromium.new_context(locale="vi-VN", viewport=viewport, accept_downloads=True)
    sign_in(context, live_server, office.clerk)
    page = context.new_page()
    page.goto(f"{live_server.url}/can-bo/")
    page.get_by_role("link", name="Văn bản", exact=True).first.click()
    page.get_by_role("link", name="Sổ văn bản đi").first.click()
    page.get_by_role("link", name=document.notation).click()
    page.get_by_label("Thời hạn bảo quản", exact=True).select_option(
        label=f"{ten_years.name} ({ten_years.legal_source})")
    assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"]
    page.get_by_role("button", name="Đưa vào lưu trữ").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(f"Hồ sơ lưu trữ {document.notation}")
    expect(page.get_by_text(ten_years.legal_source)).to_be_visible()
    expect(page.get_by_text("Nguyên vẹn")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"]

    page.get_by_role("link", name="Lưu trữ điện tử").first.click()
    page.get_by_label("Số, ký hiệu, trích yếu, mã hồ sơ", exact=True).fill("de an 06")
    page.get_by_role("button", name="Tìm").click()
    expect(page.get_by_role("row").filter(has_text="Đề án 06")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"]
    with page.expect_download() as waiting:
        page.get_by_role("link", name="Xuất gói nộp lưu (BagIt)").click()
    bag = zipfile.ZipFile(waiting.value.path())
    for line in bag.read("bag/manifest-sha256.txt").decode().splitlines():
        digest, path = line.split("  ", 1)
        assert hashlib.sha256(bag.read(f"bag/{path}")).hexdigest() == digest
    assert "bag/data/0001/qd.pdf" in bag.namelist()
    context.close()
