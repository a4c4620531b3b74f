"""The register in Chromium, reached through the header and links: the office filters its register at desktop
width, an agency reports a task complete on a phone (360 px, no sideways scrolling), the office confirms it."""

from __future__ import annotations

import datetime
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from tinhso.directives.models import Task, TaskState
from tinhso.directives.tests.factories import assigned_task, department, office_with_officer
from tinhso.testing.browser import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ARTIFACTS = Path(__file__).resolve().parents[4] / "test-artifacts"




def offline(context, live_server) -> list[str]:
    """Refuse every request that leaves the site (no CDN), and remember it."""
    elsewhere: list[str] = []

    def route(route):
        if route.request.url.startswith(live_server.url) or route.request.url.startswith("data:"):
            route.continue_()
        else:
            elsewhere.append(route.request.url)
            route.abort()

    context.route("**/*", route)
    return elsewhere


def test_the_office_filters_its_register_and_an_agency_reports_completion_on_a_phone(live_server, chromium):
    today = timezone.localdate()
    committee, _office, officer = office_with_officer()
    lead, handler, _leader = department("Sở Khoa học và Công nghệ", parent=committee)
    other, _other_handler, _ = department("Sở Y tế", parent=committee)
    task = assigned_task(officer, committee, lead, issued_on=today, due_on=today + datetime.timedelta(days=30),
                         text="Rà soát hạ tầng công nghệ thông tin của các cơ quan")
    assigned_task(officer, committee, other, issued_on=today, due_on=today + datetime.timedelta(days=30),
                  text="Báo cáo kế hoạch trung tâm dữ liệu y tế")

    # The office, at desktop width: the header's entry, then the agency filter.
    desk = chromium.new_context(locale="vi-VN", viewport={"width": 1280, "height": 900})
    elsewhere = offline(desk, live_server)
    sign_in(desk, live_server, officer)
    page = desk.new_page()
    page.goto(f"{live_server.url}/can-bo/")
    page.get_by_role("link", name="Nhiệm vụ được giao").first.click()
    page.wait_for_url(f"{live_server.url}/chi-dao/")
    expect(page.get_by_role("link", name="Báo cáo kế hoạch trung tâm dữ liệu y tế")).to_be_visible()
    page.get_by_label("Cơ quan", exact=True).select_option(label="Sở Khoa học và Công nghệ")
    page.get_by_role("button", name="Lọc").click()
    expect(page.get_by_role("link", name="Rà soát hạ tầng công nghệ thông tin của các cơ quan")).to_be_visible()
    expect(page.get_by_role("link", name="Báo cáo kế hoạch trung tâm dữ liệu y tế")).to_have_count(0)
    page.screenshot(path=str(ARTIFACTS / "directives-register.png"), full_page=True)

    # The agency, on a phone: header → register → task → report completion.
    phone = chromium.new_context(locale="vi-VN", viewport={"width": 360, "height": 740}, is_mobile=True,
                                 has_touch=True)
    elsewhere += offline(phone, live_server)
    sign_in(phone, live_server, handler)
    mobile = phone.new_page()
    mobile.goto(f"{live_server.url}/can-bo/")
    mobile.get_by_role("link", name="Nhiệm vụ được giao").first.click()
    mobile.get_by_role("link", name="Rà soát hạ tầng công nghệ thông tin của các cơ quan").click()
    mobile.wait_for_url(f"{live_server.url}/chi-dao/nhiem-vu/{task.pk}/")
    assert mobile.evaluate("document.documentElement.scrollWidth") <= 360
    mobile.get_by_label("Nội dung báo cáo").fill("Đã rà soát 45 cơ quan; báo cáo kèm đề xuất")
    mobile.get_by_label("Kết quả, minh chứng (số, ký hiệu văn bản; mã hồ sơ; đường dẫn)").fill(
        "Báo cáo 55/BC-SKHCN")
    mobile.get_by_role("button", name="Báo cáo hoàn thành").click()
    expect(mobile.locator("#task-state")).to_have_text("Đã báo cáo hoàn thành")
    assert mobile.evaluate("document.documentElement.scrollWidth") <= 360
    mobile.screenshot(path=str(ARTIFACTS / "directives-task-phone.png"), full_page=True)

    # The office confirms from the task page.
    page.get_by_role("link", name="Rà soát hạ tầng công nghệ thông tin của các cơ quan").click()
    page.get_by_role("button", name="Xác nhận hoàn thành").click()
    expect(page.locator("#task-state")).to_have_text("Đã hoàn thành")
    assert Task.objects.get(pk=task.pk).state == TaskState.DONE
    assert elsewhere == []
    desk.close()
    phone.close()
