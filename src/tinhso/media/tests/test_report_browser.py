"""A citizen, with no account, reports false information in Chromium from the portal's header, follows the
report by its code and reaches the refutation page with its ClaimReview; at desktop width and on a phone
(360 px), without leaving the site."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from PIL import Image
from playwright.sync_api import expect

from tinhso.media import services
from tinhso.media.models import FakeNewsReport, Verdict
from tinhso.media.tests.factories import agency_with_officer, department

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ARTIFACTS = Path(__file__).resolve().parents[4] / "test-artifacts"


def screenshot_png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (20, 10), (10, 120, 200)).save(buffer, format="PNG")
    return buffer.getvalue()


@pytest.mark.parametrize("width", [1280, 360])
def test_a_citizen_reports_and_follows_it_to_the_refutation(live_server, chromium, width):
    _office, officer = department()
    agency, person = agency_with_officer("Sở Xây dựng")
    context = chromium.new_context(locale="vi-VN", viewport={"width": width, "height": 900})
    elsewhere = []
    context.route("**/*", lambda route: route.continue_() if route.request.url.startswith(live_server.url)
                  else (elsewhere.append(route.request.url), route.abort()))
    page = context.new_page()
    page.goto(f"{live_server.url}/")
    page.get_by_role("navigation", name="Cổng dịch vụ công").get_by_role("link", name="Báo tin sai sự thật").click()
    page.wait_for_url("**/bao-chi/cong-khai/bao-tin/")
    page.get_by_label("Nơi bạn thấy thông tin").fill("Nhóm Facebook “Chợ Vinh”")
    page.get_by_label("Đường dẫn tới thông tin").fill("https://social.example/p/77")
    page.get_by_label("Mô tả: thông tin sai ở điểm nào").fill("Bài đăng nói cầu Bến Thủy sắp sập.")
    page.get_by_label("Ảnh chụp màn hình").set_input_files(
        {"name": "chup-man-hinh.png", "mimeType": "image/png", "buffer": screenshot_png()})
    page.get_by_role("button", name="Gửi tin báo").click()
    code = page.locator("[data-code]").inner_text()
    assert FakeNewsReport.objects.get(code=code).evidence.count() == 1
    assert page.evaluate("document.documentElement.scrollWidth") <= width

    # The department handles it (through the services, as the staff pages do).
    report = FakeNewsReport.objects.get(code=code)
    case = services.open_case(report=report, title="Cầu Bến Thủy sắp sập", claim="Cầu Bến Thủy sắp sập",
                              topic="other", severity="medium", agencies=[agency], actor=officer)
    services.answer_verification(case.verifications.get(), facts="Cầu an toàn theo kiểm định.", actor=person)
    services.decide(case, verdict=Verdict.FALSE, note="Kiểm định", actor=officer)
    services.publish_refutation(case, title="Cầu Bến Thủy vẫn an toàn", text="Cầu đã được kiểm định.",
                                actor=officer)

    page.get_by_role("link", name="Theo dõi tin báo").click()
    expect(page.get_by_text("Đã mở vụ việc")).to_be_visible()
    page.get_by_role("link", name="Xem thông tin cải chính").click()
    expect(page.get_by_role("heading", name="Cầu Bến Thủy vẫn an toàn")).to_be_visible()
    expect(page.locator("[data-verdict]")).to_contain_text("Sai sự thật")
    review = json.loads(page.locator('script[type="application/ld+json"]').text_content())
    assert review["@type"] == "ClaimReview" and review["reviewRating"]["ratingValue"] == 1
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"media-refutation-{width}.png"), full_page=True)
    assert not elsewhere
    context.close()
