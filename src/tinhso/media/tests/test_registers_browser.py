"""The department's officer in Chromium, from the staff menu: adds a press agency and records an inspection
of a licensed website with the violation and the decision that settled it, at desktop width and at 360 px."""

from __future__ import annotations

import datetime

import pytest
from playwright.sync_api import expect

from tinhso.media.models import Inspection, PressAgency
from tinhso.media.tests.factories import department, licence
from tinhso.testing.browser import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]




@pytest.mark.parametrize("viewport", [{"width": 1280, "height": 900}, {"width": 360, "height": 740}],
                         ids=["desktop", "phone"])
def test_the_department_adds_a_press_agency_and_records_an_inspection(live_server, chromium, viewport):
    _office, officer = department()
    site = licence("tinnghean.example")
    context = chromium.new_context(locale="vi-VN", viewport=viewport)
    sign_in(context, live_server, officer)
    page = context.new_page()
    page.goto(f"{live_server.url}/can-bo/")
    page.get_by_role("link", name="Báo chí, thông tin", exact=True).first.click()
    page.get_by_role("link", name="Cơ quan báo chí", exact=True).first.click()
    page.get_by_role("link", name="Thêm cơ quan báo chí").click()
    page.get_by_label("Tên cơ quan báo chí").fill("Tạp chí Sông Lam")
    page.get_by_role("combobox", name="Loại").select_option(label="Tạp chí")
    page.get_by_label("Ngày cấp phép (dd/mm/yyyy)").fill("02/03/2020")
    page.get_by_label("Tổng biên tập / người đứng đầu").fill("Lê Văn Cường")
    assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"]
    page.get_by_role("button", name="Lưu").click()
    expect(page.get_by_role("row").filter(has_text="Tạp chí Sông Lam")).to_be_visible()
    assert PressAgency.objects.get().licence_date == datetime.date(2020, 3, 2)

    page.get_by_role("link", name="Giấy phép trang thông tin", exact=True).first.click()
    page.get_by_role("link", name="tinnghean.example").first.click()
    page.get_by_text("Ghi kết quả kiểm tra", exact=True).first.click()
    inspected = site.issued_on + datetime.timedelta(days=10)
    page.get_by_label("Ngày kiểm tra (dd/mm/yyyy)").fill(f"{inspected:%d/%m/%Y}")
    page.get_by_label("Kết quả thanh tra, kiểm tra").fill("Không hiển thị số giấy phép ở trang chủ.")
    page.get_by_label("Có vi phạm").check()
    page.get_by_label("Quyết định xử lý (số, ký hiệu)").fill("12/QĐ-XPHC")
    page.get_by_label("Ngày quyết định (dd/mm/yyyy)").fill(f"{inspected + datetime.timedelta(days=5):%d/%m/%Y}")
    page.get_by_label("Hình thức xử lý").fill("Cảnh cáo")
    assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"]
    page.get_by_role("button", name="Ghi kết quả kiểm tra").click()
    expect(page.get_by_text("Đã ghi kết quả kiểm tra.")).to_be_visible()
    expect(page.get_by_text("12/QĐ-XPHC")).to_be_visible()
    assert Inspection.objects.get().decision == "12/QĐ-XPHC"
    context.close()
