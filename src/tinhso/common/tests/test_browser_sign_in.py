import pytest
from django.contrib.auth import get_user_model

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_an_officer_signs_in_sees_the_staff_home_and_signs_out(live_server, page):
    get_user_model().objects.create_user("canbo.demo", password="Mat-khau-2026!", first_name="Nguyễn Văn",
                                         last_name="An")
    page.goto(f"{live_server.url}/dang-nhap/")
    assert page.locator("h1").inner_text() == "Đăng nhập"
    page.get_by_label("Tên đăng nhập").fill("canbo.demo")
    page.get_by_label("Mật khẩu").fill("Mat-khau-2026!")
    page.keyboard.press("Enter")
    page.wait_for_url(f"{live_server.url}/can-bo/")
    assert "Xin chào" in page.locator("h1").inner_text()
    page.get_by_role("button", name="Đăng xuất").click()
    page.wait_for_url(f"{live_server.url}/dang-nhap/")
