"""An officer works the desk in a real browser: sign in, open the queue, receive a dossier."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from tinhso.catalogue.tests.factories import ProcedureVersionFactory
from tinhso.directory.models import Role
from tinhso.directory.tests.factories import AgencyFactory, MembershipFactory, ProvinceFactory, UserFactory
from tinhso.dossiers import services

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_receiver_signs_in_opens_the_desk_and_receives_an_online_dossier(live_server, page):
    agency = AgencyFactory(identifier="000.00.20.H41", name="Sở Tư pháp tỉnh Nghệ An", province=ProvinceFactory())
    version = ProcedureVersionFactory(name="Cấp Phiếu lý lịch tư pháp", agencies=[agency])
    officer = UserFactory(username="tiepnhan", first_name="Trần Văn", last_name="Bình",
                          password="Mat-khau-2026!")
    MembershipFactory(user=officer, agency=agency, role=Role.RECEIVER)
    dossier = services.submit_online(
        version=version, receiving_agency=agency,
        applicant=services.Applicant(name="Nguyễn Thị Hoa", id_number="040195000123"),
        documents=[SimpleUploadedFile("to-khai.pdf", b"%PDF-1.4\n%%EOF\n")],
    )

    # htmx's own indicator stylesheet is refused by the CSP on every page (the base layout's concern) and
    # the browser asks for a favicon; any other console error on the desk is a fault.
    errors = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" and not (
        message.text.startswith("Applying inline style") or "404" in message.text) else None)
    page.goto(f"{live_server.url}/dang-nhap/")
    page.get_by_label("Tên đăng nhập").fill("tiepnhan")
    page.get_by_label("Mật khẩu").fill("Mat-khau-2026!")
    page.keyboard.press("Enter")
    page.wait_for_url(f"{live_server.url}/can-bo/")

    page.get_by_role("link", name="Hồ sơ một cửa").click()
    page.wait_for_url(f"{live_server.url}/mot-cua/")
    assert "Chờ tiếp nhận" in page.locator("#queue-title").inner_text()

    # Searching swaps the list in place (htmx) and pushes the filtered address.
    page.get_by_label("Tìm theo mã hồ sơ hoặc người nộp").fill("Nguyễn Thị Hoa")
    page.wait_for_function("() => new URLSearchParams(location.search).get('q') === 'Nguyễn Thị Hoa'")
    row_link = page.get_by_role("link", name=dossier.code)
    row_link.wait_for()
    assert "••••••••0123" in page.locator("#queue-results").inner_text()
    row_link.click()

    page.wait_for_url(f"{live_server.url}/mot-cua/ho-so/{dossier.code}/")
    assert page.locator("#dossier-state").inner_text() == "Mới nộp trực tuyến, chờ tiếp nhận"
    page.locator("#action-receive summary").click()
    page.get_by_label("Ghi chú").first.fill("Đủ thành phần hồ sơ")
    page.get_by_role("button", name="Tiếp nhận", exact=True).click()

    page.wait_for_selector("text=Đã tiếp nhận hồ sơ.")
    assert page.locator("#dossier-state").inner_text() == "Đã tiếp nhận"
    assert errors == []
    assert page.get_by_role("link", name="Mẫu 01: Giấy tiếp nhận hồ sơ và hẹn trả kết quả (PDF)").is_visible()
