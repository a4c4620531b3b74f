"""An officer finds form 06 from the desk and prints the register for a period typed dd/mm/yyyy, at desktop
width and at 360 px (screenshots in ``test-artifacts/register-*.png``)."""

from pathlib import Path

import pytest
from django.utils import timezone

from tinhso.catalogue.tests.factories import ProcedureVersionFactory
from tinhso.directory.models import Role
from tinhso.directory.tests.factories import AgencyFactory, MembershipFactory, ProvinceFactory, UserFactory
from tinhso.dossiers import services

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ARTIFACTS = Path(__file__).resolve().parents[4] / "test-artifacts"


@pytest.mark.parametrize("width", [1280, 360])
def test_an_officer_prints_the_register_from_the_desk(live_server, page, width):
    agency = AgencyFactory(identifier="000.00.20.H41", name="Sở Tư pháp tỉnh Nghệ An", province=ProvinceFactory())
    version = ProcedureVersionFactory(name="Cấp Phiếu lý lịch tư pháp", agencies=[agency])
    officer = UserFactory(username="tiepnhan", first_name="Trần Văn", last_name="Bình", password="Mat-khau-2026!")
    MembershipFactory(user=officer, agency=agency, role=Role.RECEIVER)
    services.receive_at_counter(version=version, receiving_agency=agency, actor=officer,
                                applicant=services.Applicant(name="Nguyễn Thị Hoa", id_number="040195000123"))

    page.set_viewport_size({"width": width, "height": 800})
    page.goto(f"{live_server.url}/dang-nhap/")
    page.get_by_label("Tên đăng nhập").fill("tiepnhan")
    page.get_by_label("Mật khẩu").fill("Mat-khau-2026!")
    page.keyboard.press("Enter")
    page.wait_for_url(f"{live_server.url}/can-bo/")
    page.goto(f"{live_server.url}/mot-cua/")
    page.get_by_role("link", name="Sổ theo dõi hồ sơ (mẫu 06)").click()
    page.wait_for_url(f"{live_server.url}/mot-cua/so-theo-doi/")
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    year = timezone.localdate().year
    page.get_by_label("Từ ngày").fill(f"01/01/{year}")
    page.get_by_label("Đến ngày").fill(f"31/12/{year}")
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"register-{width}.png"), full_page=True)
    with page.expect_download() as download:
        page.get_by_role("button", name="In sổ theo dõi (PDF)").click()
    assert download.value.suggested_filename == f"mau-06-000.00.20.H41-{year}0101-{year}1231.pdf"
