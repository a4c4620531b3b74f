import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from tinhso.directory.models import Agency, Membership
from tinhso.portal.accounts.selectors import is_citizen, profile_of
from tinhso.portal.accounts.tests.factories import PASSWORD, CitizenFactory
from tinhso.portal.accounts.tests.test_registration import without_tokens
from tinhso.portal.accounts.views import SIGN_IN_PER_ADDRESS, SIGN_IN_PER_IDENTIFIER

pytestmark = pytest.mark.django_db


def sign_in(client, username, password=PASSWORD, **extra):
    return client.post(reverse("login"), {"username": username, "password": password}, **extra)


def test_an_unknown_account_and_a_wrong_password_get_the_same_answer(client):
    CitizenFactory(user__email="lan@example.vn", phone="0911111111")
    answers = [
        sign_in(client, "lan@example.vn", "sai-mat-khau"),
        sign_in(client, "khong-co@example.vn", "sai-mat-khau"),
        sign_in(client, "0911111111", "sai-mat-khau"),
        sign_in(client, "0922222222", "sai-mat-khau"),
    ]
    assert {answer.status_code for answer in answers} == {200}
    pages = set()
    for answer, typed in zip(answers, ["lan@example.vn", "khong-co@example.vn", "0911111111", "0922222222"],
                             strict=True):
        html = without_tokens(answer.content.decode())
        assert "Tên đăng nhập hoặc mật khẩu không đúng. Vui lòng thử lại." in html
        pages.add(html.replace(typed, "…"))
    assert len(pages) == 1
    assert "_auth_user_id" not in client.session


def test_an_unverified_account_gets_the_same_answer_too(client):
    profile = CitizenFactory(user__email="moi@example.vn", user__is_active=False, email_verified=False)
    unverified = sign_in(client, "moi@example.vn")
    unknown = sign_in(client, "khong-co@example.vn")
    assert without_tokens(unverified.content.decode()).replace("moi@", "x@") == \
        without_tokens(unknown.content.decode()).replace("khong-co@", "x@")
    assert profile.user.is_active is False


def test_a_citizen_signs_in_with_email_in_any_case_or_phone_in_either_form(client):
    profile = CitizenFactory(user__email="lan@example.vn", phone="0911111111")
    for identifier in ["Lan@Example.VN", "0911111111", "+84911111111", "84 911 111 111"]:
        response = sign_in(client, identifier)
        assert response.status_code == 302, identifier
        assert response["Location"] == reverse("citizens:profile")
        assert client.session["_auth_user_id"] == str(profile.user.pk)
        client.post(reverse("logout"))


def test_an_unverified_phone_does_not_sign_in(client):
    CitizenFactory(phone="0911111111", phone_verified=False)
    assert sign_in(client, "0911111111").status_code == 200


def test_repeated_failures_are_refused_with_429_per_identifier_and_per_address(client):
    CitizenFactory(user__email="lan@example.vn")
    for _ in range(SIGN_IN_PER_IDENTIFIER.max_hits):
        assert sign_in(client, "lan@example.vn", "sai").status_code == 200
    refused = sign_in(client, "LAN@example.vn", "sai")
    assert refused.status_code == 429
    assert "Bạn đã thử đăng nhập quá nhiều lần" in refused.content.decode()
    # Even the right password is refused while the limit holds: guessing gains nothing.
    assert sign_in(client, "lan@example.vn").status_code == 429
    assert "_auth_user_id" not in client.session

    # Another address may still sign in other accounts; one address trying many accounts is stopped too.
    other = {"REMOTE_ADDR": "10.0.0.7"}
    for number in range(SIGN_IN_PER_ADDRESS.max_hits - SIGN_IN_PER_IDENTIFIER.max_hits - 2):
        assert sign_in(client, f"nguoi{number}@example.vn", "sai", **other).status_code == 200
    answers = [sign_in(client, f"khac{number}@example.vn", "sai", **other).status_code for number in range(20)]
    assert answers[-1] == 429


def test_a_successful_sign_in_clears_the_count_of_its_identifier(client):
    CitizenFactory(user__email="lan@example.vn")
    for _ in range(SIGN_IN_PER_IDENTIFIER.max_hits - 1):
        sign_in(client, "lan@example.vn", "sai")
    assert sign_in(client, "lan@example.vn").status_code == 302
    client.post(reverse("logout"))
    assert sign_in(client, "lan@example.vn", "sai").status_code == 200


def test_staff_still_sign_in_with_their_user_name_and_land_on_their_desk(client):
    get_user_model().objects.create_user("canbo.xa", password="Mat-khau-2026!", email="canbo@example.vn")
    response = sign_in(client, "canbo.xa", "Mat-khau-2026!")
    assert response.status_code == 302
    assert response["Location"] == reverse("staff-home")
    client.post(reverse("logout"))
    assert sign_in(client, "canbo@example.vn", "Mat-khau-2026!")["Location"] == reverse("staff-home")


def test_the_sign_in_page_offers_registration_and_reset_and_hides_vneid_when_unset(client):
    html = client.get(reverse("login")).content.decode()
    assert "Email, số điện thoại hoặc tên đăng nhập" in html
    assert reverse("citizens:register") in html and "Đăng ký tài khoản" in html
    assert reverse("citizens:password-reset") in html and "Quên mật khẩu" in html
    assert "Đăng nhập bằng VNeID" not in html
    assert client.get(reverse("citizens:vneid")).status_code == 404


def test_profile_of_and_is_citizen_tell_citizens_from_staff(client):
    citizen = CitizenFactory()
    assert profile_of(citizen.user) == citizen
    assert is_citizen(citizen.user)
    officer = CitizenFactory()
    agency = Agency.objects.create(identifier="H40.1", name="UBND xã Thử", short_name="Xã Thử",
                                   level=Agency.Level.COMMUNE, kind=Agency.Kind.choices[0][0])
    Membership.objects.create(user=officer.user, agency=agency, role=Membership.Role.RECEIVER)
    assert not is_citizen(officer.user)
    staff = get_user_model().objects.create_user("canbo")
    assert profile_of(staff) is None and not is_citizen(staff)
