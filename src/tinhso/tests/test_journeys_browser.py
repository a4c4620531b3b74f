"""What citizens, officers, leaders and administrators hit, walked in Chromium at desktop width and at 360 px,
reaching every page through the header, links and buttons: the header's own navigation and sign-in that
returns to the procedure, the result behind a one-time code, search that forgives typos, filters folded
behind a button on a phone, charts and tables that scroll in their own box, the catalogue workbook in the
administration. Screenshots go to ``test-artifacts/journey-*.png``."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.core import mail
from django.core.files.base import ContentFile
from django.utils import timezone
from playwright.sync_api import expect

from tinhso.catalogue.tests.test_excel import _birth_registration
from tinhso.directory.models import Role
from tinhso.directory.tests.factories import AgencyFactory, MembershipFactory, ProvinceFactory, UserFactory
from tinhso.dossiers.models import DocumentKind, DossierDocument, State
from tinhso.dossiers.tests.factories import ProcedureWithRouteFactory, dossier_in_state
from tinhso.ioc.indicators import seed_registry
from tinhso.portal.accounts.tests.factories import PASSWORD, CitizenFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ARTIFACTS = Path(__file__).resolve().parents[3] / "test-artifacts"
SIZES = {"desktop": {"width": 1280, "height": 900}, "phone": {"width": 360, "height": 740}}
STAFF_PASSWORD = "Mat-khau-2026!"


def shoot(page, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"journey-{name}.png"), full_page=True)


def fits(page) -> None:
    """The page never scrolls sideways: wide things scroll inside their own box."""
    assert page.evaluate("document.documentElement.scrollWidth - window.innerWidth") <= 1


def header(page):
    return page.locator("header.site-header")


def sign_in_from_the_header(page, live_server, username: str, password: str) -> None:
    page.goto(live_server.url + "/")
    header(page).get_by_role("link", name="Đăng nhập").click()
    page.get_by_label("Email, số điện thoại hoặc tên đăng nhập").fill(username)
    page.get_by_label("Mật khẩu").fill(password)
    page.get_by_role("button", name="Đăng nhập").click()


@pytest.fixture
def justice():
    return AgencyFactory(identifier="000.00.20.H41", name="Sở Tư pháp tỉnh Nghệ An", province=ProvinceFactory())


@pytest.mark.parametrize("size", SIZES)
def test_a_citizen_finds_a_procedure_with_a_typo_signs_in_to_file_and_gets_their_own_navigation(
        live_server, page, justice, size):
    page.set_viewport_size(SIZES[size])
    version = ProcedureWithRouteFactory(agency=justice, name="Đăng ký khai sinh")
    CitizenFactory(user__email="lan@example.vn")

    page.goto(live_server.url + "/")
    expect(header(page).get_by_role("link", name="Đăng ký")).to_be_visible()
    header(page).get_by_role("link", name="Thủ tục hành chính").click()
    page.get_by_label("Từ khóa").fill("dang ki khai sinh")
    page.get_by_label("Từ khóa").press("Enter")
    page.get_by_role("link", name="Đăng ký khai sinh").first.click()
    page.get_by_role("link", name="Nộp hồ sơ trực tuyến").click()

    # Why an account is needed, then back to the procedure being filed.
    expect(page.locator("#why-sign-in")).to_be_visible()
    shoot(page, f"citizen-why-sign-in-{size}")
    page.get_by_label("Email, số điện thoại hoặc tên đăng nhập").fill("lan@example.vn")
    page.get_by_label("Mật khẩu").fill(PASSWORD)
    page.get_by_role("button", name="Đăng nhập").click()
    page.wait_for_url(f"{live_server.url}/nop-ho-so/{version.procedure.code}/")

    nav = header(page).locator("nav")
    for label in ("Hồ sơ của tôi", "Phản ánh", "Tài khoản"):
        expect(nav.get_by_role("link", name=label)).to_be_visible()
    expect(header(page).get_by_role("link", name=re.compile("^Thông báo"))).to_be_visible()
    expect(header(page).get_by_role("link", name="Trang làm việc")).to_have_count(0)
    fits(page)
    shoot(page, f"citizen-filing-{size}")
    nav.get_by_role("link", name="Hồ sơ của tôi").click()
    page.wait_for_url(f"{live_server.url}/ho-so-cua-toi/")
    expect(page.locator("h1")).to_contain_text("Hồ sơ của tôi")


@pytest.mark.parametrize("size", SIZES)
def test_a_citizen_tracks_a_dossier_and_takes_the_result_with_a_code_sent_to_their_email(
        live_server, page, justice, size):
    page.set_viewport_size(SIZES[size])
    version = ProcedureWithRouteFactory(agency=justice, name="Cấp phiếu lý lịch tư pháp")
    dossier = dossier_in_state(State.RETURNED, version, justice, phone="0987 654 321")
    dossier.applicant_email = "binh@example.vn"
    dossier.save(update_fields=["applicant_email"])
    result = DossierDocument(dossier=dossier, kind=DocumentKind.RESULT, original_name="phieu-ly-lich.pdf",
                             content_type="application/pdf", size=8, checksum="0" * 64)
    result.file.save("result", ContentFile(b"%PDF-1.7"), save=True)

    page.goto(live_server.url + "/")
    header(page).get_by_role("link", name="Tra cứu hồ sơ").click()
    page.get_by_label("Mã số hồ sơ").fill(dossier.code)
    page.get_by_label("4 chữ số cuối").fill("4321")
    page.get_by_role("button", name="Tra cứu").click()
    expect(page.locator("#dossier-state")).to_have_text("Đã trả kết quả")
    expect(page.get_by_role("link", name=re.compile("phieu-ly-lich"))).to_have_count(0)
    page.get_by_role("link", name="Nhận kết quả điện tử").click()

    page.get_by_role("button", name="Gửi mã").click()
    expect(page.locator("#result-code-sent")).to_be_visible()
    code = re.search(r"hồ sơ \S+: (\d{6})\.", mail.outbox[-1].body).group(1)
    page.get_by_label("Mã nhận kết quả").fill(code)
    page.get_by_role("button", name="Xác nhận mã").click()
    with page.expect_download() as download:
        page.get_by_role("link", name="Kết quả: phieu-ly-lich.pdf").click()
    assert Path(download.value.path()).read_bytes() == b"%PDF-1.7"
    fits(page)
    shoot(page, f"citizen-result-{size}")


@pytest.mark.parametrize("size", SIZES)
def test_an_officer_reaches_the_desk_from_the_header_and_the_filters_fold_on_a_phone(
        live_server, page, justice, size):
    page.set_viewport_size(SIZES[size])
    officer = UserFactory(username="tiepnhan", first_name="Văn Bình", last_name="Trần", password=STAFF_PASSWORD)
    MembershipFactory(user=officer, agency=justice, role=Role.RECEIVER)
    dossier_in_state(State.SUBMITTED, ProcedureWithRouteFactory(agency=justice), justice)

    sign_in_from_the_header(page, live_server, "tiepnhan", STAFF_PASSWORD)
    page.wait_for_url(f"{live_server.url}/can-bo/")
    expect(header(page).get_by_role("link", name="Trang làm việc")).to_be_visible()
    expect(header(page).get_by_role("link", name="Hồ sơ của tôi")).to_have_count(0)
    header(page).get_by_role("link", name="Hồ sơ một cửa").click()
    page.wait_for_url(f"{live_server.url}/mot-cua/")

    search = page.get_by_label("Tìm theo mã hồ sơ hoặc người nộp")
    toggle = page.get_by_role("button", name="Tìm kiếm và lọc hồ sơ")
    if size == "phone":
        expect(search).to_be_hidden()
        expect(page.locator("#queue-results")).to_be_in_viewport()
        shoot(page, f"officer-desk-{size}")
        toggle.click()
        expect(toggle).to_have_attribute("aria-expanded", "true")
    else:
        expect(toggle).to_be_hidden()
        shoot(page, f"officer-desk-{size}")
    expect(search).to_be_visible()
    fits(page)


@pytest.mark.parametrize("size", SIZES)
def test_a_leader_opens_the_operations_centre_from_the_header_with_filters_folded_and_charts_in_their_box(
        live_server, page, justice, size):
    page.set_viewport_size(SIZES[size])
    seed_registry()
    for number in range(8):
        agency = AgencyFactory(name=f"Ủy ban nhân dân xã Thử Nghiệm Số {number + 1}")
        dossier_in_state(State.RETURNED, version=ProcedureWithRouteFactory(agency=agency))
    leader = UserFactory(username="lanhdao", password=STAFF_PASSWORD)
    MembershipFactory(user=leader, agency=justice, role=Role.OPERATIONS_VIEWER)

    sign_in_from_the_header(page, live_server, "lanhdao", STAFF_PASSWORD)
    header(page).get_by_role("link", name="Trung tâm điều hành").click()
    expect(page.locator("h1")).to_contain_text(str(timezone.localdate().year))
    period = page.get_by_label("Kỳ báo cáo")
    toggle = page.get_by_role("button", name=re.compile("^(Chọn kỳ và đơn vị|Kỳ báo cáo)"))
    if size == "phone":
        expect(period).to_be_hidden()
        shoot(page, f"leader-overview-{size}")
        toggle.click()
    else:
        expect(toggle).to_be_hidden()
        shoot(page, f"leader-overview-{size}")
    expect(period).to_be_visible()
    fits(page)

    page.get_by_role("link", name="Xếp hạng cơ quan").click()
    expect(page.locator("[data-chart] canvas").first).to_be_attached()
    fits(page)
    shoot(page, f"leader-league-{size}")


@pytest.mark.parametrize("size", SIZES)
def test_an_administrator_imports_the_catalogue_with_a_dry_run_and_searches_without_diacritics(
        live_server, page, justice, size, tmp_path):
    page.set_viewport_size(SIZES[size])
    UserFactory(username="quantri", password=STAFF_PASSWORD, superuser=True)
    workbook = tmp_path / "danh-muc.xlsx"
    workbook.write_bytes(_birth_registration(justice.identifier).getvalue())

    sign_in_from_the_header(page, live_server, "quantri", STAFF_PASSWORD)
    header(page).get_by_role("link", name="Quản trị hệ thống").click()
    page.get_by_role("link", name=re.compile("^Thủ tục hành chính$", re.I)).first.click()
    page.get_by_role("link", name="Nhập từ sổ tính").click()
    page.get_by_label("Sổ tính danh mục thủ tục (.xlsx)").set_input_files(str(workbook))
    expect(page.get_by_label("Chỉ kiểm tra, chưa ghi")).to_be_checked()
    page.get_by_role("button", name="Nhập").click()
    expect(page.locator("#import-report")).to_contain_text("Chạy thử: chưa ghi gì")
    fits(page)
    shoot(page, f"admin-dry-run-{size}")
    page.get_by_label("Sổ tính danh mục thủ tục (.xlsx)").set_input_files(str(workbook))
    page.get_by_label("Chỉ kiểm tra, chưa ghi").uncheck()
    page.get_by_role("button", name="Nhập").click()
    expect(page.locator("#import-report")).to_contain_text("1 tạo mới")

    page.get_by_role("link", name=re.compile("^Thủ tục hành chính$", re.I)).last.click()
    page.locator("#searchbar").fill("dang ky khai sinh")
    page.locator("#searchbar").press("Enter")
    expect(page.locator("#result_list tbody tr")).to_have_count(1)
    expect(page.locator("body")).not_to_contain_text("Skip to main content")
    fits(page)
    shoot(page, f"admin-search-{size}")
