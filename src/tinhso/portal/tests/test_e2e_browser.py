"""End to end in Chromium: a citizen finds a procedure and files it with uploads, an officer receives it on
the desk, the citizen follows it, a supplement is requested and answered online, the result is returned
and the citizen rates the service. Screenshots of the key steps go to ``test-artifacts/e2e-*.png``."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import expect

from tinhso.directory.models import Role
from tinhso.directory.tests.factories import AgencyFactory, MembershipFactory, ProvinceFactory, UserFactory
from tinhso.dossiers import services
from tinhso.dossiers.models import Dossier, State
from tinhso.dossiers.tests.factories import ProcedureWithRouteFactory, citizen, officer
from tinhso.testing.browser import sign_in_as

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ARTIFACTS = Path(__file__).resolve().parents[4] / "test-artifacts"
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\n%%EOF\n"
EFORM = {
    "type": "object",
    "properties": {"purpose": {"type": "string", "title": "Mục đích sử dụng", "maxLength": 200}},
    "required": ["purpose"],
}


def shot(page, step: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"e2e-{step}.png"), full_page=True)




def test_a_citizen_files_online_and_follows_the_dossier_to_the_rating(live_server, page):
    url = live_server.url
    agency = AgencyFactory(identifier="000.00.20.H41", name="Sở Tư pháp tỉnh Nghệ An",
                           address="Số 5 đường Trường Thi, TP Vinh", province=ProvinceFactory())
    version = ProcedureWithRouteFactory(agency=agency, name="Cấp giấy phép tổ chức lễ hội truyền thống",
                                        eform_schema=EFORM)
    code = version.procedure.code
    person = citizen(first_name="Hoa", last_name="Nguyễn Thị", email="hoa@example.vn")
    desk_officer = UserFactory(username="tiepnhan", first_name="Trần Văn", last_name="Bình")
    MembershipFactory(user=desk_officer, agency=agency, role=Role.RECEIVER)
    MembershipFactory(user=desk_officer, agency=agency, role=Role.HANDLER)

    # 1. The citizen searches for the procedure (typed without diacritics) and opens its page.
    sign_in_as(page, live_server, person)
    page.goto(f"{url}/thu-tuc/?q=le hoi truyen thong")
    page.get_by_role("link", name=version.name).first.click()
    page.wait_for_url(f"{url}/thu-tuc/{code}/")
    shot(page, "01-procedure")
    page.get_by_role("link", name="Nộp hồ sơ trực tuyến").first.click()
    page.wait_for_url(f"{url}/nop-ho-so/{code}/")

    # 2. Applicant data (prefilled from the account), then the papers with an upload progress bar.
    expect(page.get_by_label("Họ và tên / tên tổ chức")).to_have_value("Hoa Nguyễn Thị")
    page.get_by_label("Số định danh cá nhân (CCCD, 12 chữ số)").fill("040195000123")
    page.get_by_label("Số điện thoại").fill("0912345678")
    expect(page.get_by_label(agency.name, exact=False)).to_be_checked()
    page.get_by_role("button", name="Lưu và tiếp tục").click()
    page.wait_for_url("**/buoc/giay-to/")

    page.get_by_label("Chọn tệp cho “Đơn đề nghị theo mẫu”").set_input_files([
        {"name": "don-de-nghi.pdf", "mimeType": "application/pdf", "buffer": PDF},
        {"name": "don-trang-2.pdf", "mimeType": "application/pdf", "buffer": PDF},
    ])
    shot(page, "02-uploads")
    page.get_by_role("button", name="Lưu và tiếp tục").click()
    page.wait_for_url("**/buoc/to-khai/")
    page.get_by_label("Mục đích sử dụng").fill("Tổ chức lễ hội làng năm 2026")
    page.get_by_role("button", name="Lưu và tiếp tục").click()
    page.wait_for_url("**/buoc/xem-lai/")
    expect(page.get_by_text("don-trang-2.pdf")).to_be_visible()
    shot(page, "03-review")
    page.get_by_role("button", name="Nộp hồ sơ").click()
    page.wait_for_url("**/nop-ho-so/da-nop/**")
    dossier_code = page.locator("#dossier-code").inner_text()
    dossier = Dossier.objects.get(code=dossier_code)
    assert dossier.applicant_user == person and dossier.documents.count() == 2
    shot(page, "04-submitted")

    # 3. The officer receives it on the desk.
    sign_in_as(page, live_server, desk_officer)
    page.goto(f"{url}/mot-cua/")
    page.get_by_role("link", name=dossier_code).click()
    page.wait_for_url(f"{url}/mot-cua/ho-so/{dossier_code}/")
    page.locator("#action-receive summary").click()
    page.get_by_role("button", name="Tiếp nhận", exact=True).click()
    expect(page.locator("#dossier-state")).to_have_text("Đã tiếp nhận")
    shot(page, "05-received-on-desk")

    # 4. The citizen follows it from "my dossiers".
    sign_in_as(page, live_server, person)
    page.goto(f"{url}/ho-so-cua-toi/")
    page.get_by_role("link", name=dossier_code).click()
    page.wait_for_url(f"{url}/ho-so-cua-toi/{dossier_code}/")
    expect(page.locator("#dossier-state")).to_have_text("Đã tiếp nhận")
    expect(page.get_by_text("Cơ quan đã tiếp nhận hồ sơ; thời hạn giải quyết bắt đầu được tính.")).to_be_visible()
    shot(page, "06-tracking")
    # ... and without signing in, on the public tracking page: the code and the phone's last 4 digits.
    page.context.clear_cookies()
    page.goto(f"{url}/tra-cuu/")
    page.get_by_label("Mã số hồ sơ").fill(dossier_code)
    page.get_by_label("4 chữ số cuối").fill("5678")
    page.get_by_role("button", name="Tra cứu").click()
    expect(page.get_by_text("Đã tiếp nhận").first).to_be_visible()
    expect(page.get_by_text(dossier_code).first).to_be_visible()
    shot(page, "06b-public-tracking")

    # 5. The officer asks for a supplement, once, with the complete list.
    sign_in_as(page, live_server, desk_officer)
    page.goto(f"{url}/mot-cua/ho-so/{dossier_code}/")
    page.locator("#action-request-supplement summary").click()
    page.locator("#request-supplement_missing").fill("Bản sao giấy xác nhận của UBND xã")
    page.get_by_role("button", name="Gửi yêu cầu bổ sung").click()
    expect(page.locator("#dossier-state")).to_have_text("Yêu cầu bổ sung, hoàn thiện hồ sơ")
    shot(page, "07-supplement-requested")

    # 6. The citizen answers it online; the dossier goes back to the agency and the clock restarts.
    sign_in_as(page, live_server, person)
    page.goto(f"{url}/ho-so-cua-toi/{dossier_code}/")
    expect(page.get_by_text("Bản sao giấy xác nhận của UBND xã").first).to_be_visible()
    page.locator("#id_files").set_input_files(
        [{"name": "xac-nhan-ubnd.pdf", "mimeType": "application/pdf", "buffer": PDF}])
    page.get_by_role("button", name="Gửi giấy tờ bổ sung").click()
    expect(page.get_by_text("Đã gửi giấy tờ bổ sung")).to_be_visible()
    expect(page.locator("#dossier-state")).to_have_text("Đã tiếp nhận")
    shot(page, "08-supplement-answered")
    page.goto(f"{url}/thong-bao/")
    expect(page.locator(".notification-head strong", has_text="Yêu cầu bổ sung, hoàn thiện hồ sơ")).to_be_visible()
    shot(page, "09-notifications")

    # 7. Handling and approval go through the engine's services; the result is returned.
    dossier = Dossier.objects.get(code=dossier_code)
    assert dossier.state == State.RECEIVED and dossier.due_at is not None
    dossier = services.forward(dossier, actor=desk_officer, expected_version=dossier.version)
    dossier = services.approve(dossier, actor=officer(Role.APPROVER, agency), expected_version=dossier.version)
    dossier = services.return_result(dossier, actor=officer(Role.RETURNER, agency),
                                     expected_version=dossier.version, method="desk")

    # 8. The citizen sees the result returned and rates the service.
    page.goto(f"{url}/ho-so-cua-toi/{dossier_code}/")
    expect(page.locator("#dossier-state")).to_have_text("Đã trả kết quả")
    page.locator("#rate-link").click()
    page.wait_for_url(f"{url}/phan-anh/danh-gia/{dossier_code}/")
    names = page.eval_on_selector_all(
        "form input[type=radio]", "inputs => [...new Set(inputs.map(i => i.name))]")
    assert names, "the rating form has its score choices"
    for name in names:
        page.locator(f'input[name="{name}"][value="5"]').check()
    page.get_by_role("button", name="Gửi đánh giá").click()
    expect(page.get_by_text("Cảm ơn bạn đã đánh giá")).to_be_visible()
    shot(page, "10-rated")
    from tinhso.portal.feedback.models import Rating

    assert Rating.objects.get(dossier__code=dossier_code).overall_score == 5


def test_a_refused_upload_is_explained_in_place_on_a_narrow_phone_screen(live_server, page):
    """360 px wide, with the upload-progress script: an HTML page named .pdf is refused by content, the
    error summary takes the focus and links to the slot, and nothing was stored."""
    from tinhso.portal.models import DraftFile

    url = live_server.url
    agency = AgencyFactory(name="UBND phường Vinh Phú", address="Số 2 Lê Hồng Phong")
    version = ProcedureWithRouteFactory(agency=agency, name="Đăng ký khai sinh")
    person = citizen(first_name="Lan", last_name="Trần Thị", email="lan@example.vn")
    page.set_viewport_size({"width": 360, "height": 740})
    sign_in_as(page, live_server, person)
    page.goto(f"{url}/nop-ho-so/{version.procedure.code}/")
    page.get_by_label("Số định danh cá nhân (CCCD, 12 chữ số)").fill("040195000777")
    page.get_by_role("button", name="Lưu và tiếp tục").click()
    page.wait_for_url("**/buoc/giay-to/")
    page.get_by_label("Chọn tệp cho “Đơn đề nghị theo mẫu”").set_input_files(
        [{"name": "don.pdf", "mimeType": "application/pdf", "buffer": b"<!DOCTYPE html><html><body>x</body></html>"}])
    page.get_by_role("button", name="Lưu và tiếp tục").click()
    summary = page.locator("#error-summary")
    expect(summary).to_be_focused()
    expect(summary).to_contain_text("không phải định dạng được chấp nhận")
    assert page.url.endswith("/buoc/giay-to/")
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    shot(page, "11-refused-upload-360px")
    assert not DraftFile.objects.exists()

    # Corrected, the same form goes on (the script is bound again to the re-rendered form).
    page.get_by_label("Chọn tệp cho “Đơn đề nghị theo mẫu”").set_input_files(
        [{"name": "don.pdf", "mimeType": "application/pdf", "buffer": PDF}])
    page.get_by_role("button", name="Lưu và tiếp tục").click()
    page.wait_for_url("**/buoc/xem-lai/")
    expect(page.get_by_text("don.pdf")).to_be_visible()
