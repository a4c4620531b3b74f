"""Citizens find their way: the header signs in and registers, a citizen gets their own navigation and staff
theirs, "Nộp hồ sơ" says why an account is needed, and every sign-in or registration returns to where the
person was going (never to another site)."""

from __future__ import annotations

import re
from html import unescape
from urllib.parse import quote

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from tinhso.common.notices import notify
from tinhso.directory.models import Role
from tinhso.directory.tests.factories import AgencyFactory
from tinhso.dossiers.tests.factories import ProcedureWithRouteFactory, officer
from tinhso.portal.accounts.tests.factories import PASSWORD, CitizenFactory
from tinhso.portal.accounts.tests.sms import SmsInbox

pytestmark = pytest.mark.django_db


def _header(html: str) -> str:
    return unescape(re.search(r'<header class="site-header">(.*?)</header>', html, re.S).group(1))


def _nav_labels(html: str) -> list[str]:
    nav = re.search(r'<nav aria-label="[^"]*"[^>]*>(.*?)</nav>', _header(html), re.S)
    return [re.sub(r"<[^>]+>", "", item).strip() for item in re.findall(r"<a [^>]*>(.*?)</a>", nav.group(1), re.S)]


@pytest.fixture
def version():
    return ProcedureWithRouteFactory(agency=AgencyFactory(), name="Đăng ký khai sinh")


def test_an_anonymous_visitor_can_sign_in_or_register_from_the_header_and_come_back(client):
    header = _header(client.get("/tra-cuu/").text)

    assert 'href="/dang-nhap/?next=/tra-cuu/"' in header
    assert 'href="/tai-khoan/dang-ky/?next=/tra-cuu/"' in header
    assert "Đăng nhập" in header and "Đăng ký" in header


def test_a_citizen_gets_their_own_navigation_with_the_unread_count(client, django_capture_on_commit_callbacks):
    citizen = CitizenFactory()
    with django_capture_on_commit_callbacks(execute=True):
        notify(citizen.user, subject="Hồ sơ đã có kết quả", text="…", channels=["in_app"])
    client.force_login(citizen.user)

    html = client.get(reverse("filing:my-dossiers")).text

    assert _nav_labels(html) == ["Thủ tục hành chính", "Hồ sơ của tôi", "Phản ánh", "Tài khoản"]
    assert re.search(r'Thông báo <span class="count" id="header-unread">1</span>', _header(html))
    assert "Trang làm việc" not in _header(html)
    # The staff page is not a citizen's: it sends them home instead of saying "no agency".
    assert client.get(reverse("staff-home"))["Location"] == reverse("filing:my-dossiers")


def test_staff_keep_their_own_navigation(client):
    receiver = officer(Role.RECEIVER, AgencyFactory())
    client.force_login(receiver)

    labels = _nav_labels(client.get(reverse("staff-home")).text)

    assert labels[0] == "Trang làm việc"
    assert "Hồ sơ của tôi" not in labels and "Tài khoản" not in labels


def test_filing_anonymously_explains_why_to_sign_in_and_returns_to_the_procedure(client, version):
    filing = f"/nop-ho-so/{version.procedure.code}/"
    procedure_page = client.get(f"/thu-tuc/{version.procedure.code}/").text
    assert "Nộp trực tuyến cần tài khoản dịch vụ công" in procedure_page

    to_sign_in = client.get(filing)
    assert to_sign_in.status_code == 302
    page = client.get(to_sign_in["Location"]).text
    assert "Để nộp hồ sơ trực tuyến, vui lòng đăng nhập tài khoản dịch vụ công" in page
    assert f'href="/tai-khoan/dang-ky/?next={filing}"' in page

    citizen = CitizenFactory()
    signed_in = client.post(to_sign_in["Location"], {"username": citizen.user.email, "password": PASSWORD,
                                                     "next": filing})
    assert signed_in.status_code == 302 and signed_in["Location"] == filing


def test_sign_in_never_returns_to_another_site(client):
    citizen = CitizenFactory()
    for elsewhere in ("https://lua-dao.example/", "//lua-dao.example/", "/\\lua-dao.example"):
        response = client.post("/dang-nhap/", {"username": citizen.user.email, "password": PASSWORD,
                                               "next": elsewhere})
        assert response.status_code == 302 and response["Location"] == reverse("filing:my-dossiers"), elsewhere
        client.logout()


def test_registering_returns_to_the_procedure_the_citizen_came_from(client, version, settings,
                                                                     django_capture_on_commit_callbacks):
    settings.TINHSO_SMS_BACKEND = "tinhso.portal.accounts.tests.sms.SmsInbox"
    SmsInbox.sent.clear()
    filing = f"/nop-ho-so/{version.procedure.code}/"
    form = client.get(f"/tai-khoan/dang-ky/?next={quote(filing)}").text
    assert f'name="next" value="{filing}"' in form

    with django_capture_on_commit_callbacks(execute=True):
        client.post("/tai-khoan/dang-ky/", {
            "full_name": "Trần Văn Bình", "email": "", "phone": "0912 345 678", "id_number": "",
            "password1": "Hoa-sen-nở-2026", "password2": "Hoa-sen-nở-2026", "next": filing})
    verified = client.post(reverse("citizens:verify-phone"),
                           {"phone": "0912345678", "code": SmsInbox.last_code("0912345678")})
    assert verified.status_code == 302
    assert verified["Location"] == f"/dang-nhap/?next={quote(filing, safe='')}"
    signed_in = client.post(verified["Location"], {"username": "0912345678", "password": "Hoa-sen-nở-2026",
                                                   "next": filing})
    assert signed_in["Location"] == filing
    assert get_user_model().objects.get(citizen_profile__phone="0912345678").is_active


def test_registering_with_a_foreign_next_forgets_it(client):
    form = client.get("/tai-khoan/dang-ky/?next=https://lua-dao.example/").text
    links_and_fields = re.findall(r'(?:href|name="next" value)="[^"]*"', form.split("</header>", 1)[1])
    assert links_and_fields and not [found for found in links_and_fields if "lua-dao" in found]
    assert 'href="/dang-nhap/?next=https' not in _header(form)
