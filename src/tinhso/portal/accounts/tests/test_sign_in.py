import datetime

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from tinhso.common import ratelimit
from tinhso.directory.models import Agency, Membership
from tinhso.portal.accounts.selectors import is_citizen, profile_of
from tinhso.portal.accounts.tests.factories import PASSWORD, CitizenFactory
from tinhso.portal.accounts.tests.test_registration import without_tokens
from tinhso.portal.accounts.views import (
    ACCOUNT_FAILURES,
    ACCOUNT_WAIT,
    FREE_FAILURES,
    LONGEST_WAIT,
    SIGN_IN_PER_ADDRESS,
    SIGN_IN_PER_ADDRESS_AND_ACCOUNT,
)

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
        assert response["Location"] == reverse("filing:my-dossiers")
        assert client.session["_auth_user_id"] == str(profile.user.pk)
        client.post(reverse("logout"))


def test_an_unverified_phone_does_not_sign_in(client):
    CitizenFactory(phone="0911111111", phone_verified=False)
    assert sign_in(client, "0911111111").status_code == 200


def test_one_address_guessing_one_account_is_stopped_and_only_that_address(client):
    CitizenFactory(user__email="lan@example.vn")
    here = {"REMOTE_ADDR": "203.0.113.10"}
    ratelimit_free = {"HTTP_COOKIE": ""}
    for number in range(SIGN_IN_PER_ADDRESS_AND_ACCOUNT.max_hits):
        _forget_account_wait("lan@example.vn")
        assert sign_in(client, "lan@example.vn", "sai", **here, **ratelimit_free).status_code == 200, number
    refused = sign_in(client, "LAN@example.vn", "sai", **here)
    assert refused.status_code == 429
    assert "Bạn đã thử đăng nhập quá nhiều lần" in refused.content.decode()
    # Even the right password is refused from there while the limit holds: guessing gains nothing.
    assert sign_in(client, "lan@example.vn", **here).status_code == 429
    assert "_auth_user_id" not in client.session
    # The owner, from another address, is not locked out by it.
    _forget_account_wait("lan@example.vn")
    assert sign_in(Client(), "lan@example.vn", REMOTE_ADDR="198.51.100.20").status_code == 302


def test_one_address_trying_many_accounts_is_stopped(client):
    other = {"REMOTE_ADDR": "10.0.0.7"}
    answers = [sign_in(client, f"khac{number}@example.vn", "sai", **other).status_code
               for number in range(SIGN_IN_PER_ADDRESS.max_hits + 1)]
    assert answers[:SIGN_IN_PER_ADDRESS.max_hits] == [200] * SIGN_IN_PER_ADDRESS.max_hits
    assert answers[-1] == 429


def test_failures_from_many_addresses_slow_an_account_down_without_locking_its_owner_out(client, monkeypatch):
    """Ten wrong passwords from ten addresses, under any spelling of the name, do not lock the officer out
    for 15 minutes: past 5 failures each one closes the account for a growing few seconds (2, 4, 8 … at most
    60), and a browser that signed in to it before is not delayed at all."""
    get_user_model().objects.create_user("trakq", password="Mat-khau-2026!")
    owner = Client()
    assert sign_in(owner, "trakq", "Mat-khau-2026!", REMOTE_ADDR="10.9.0.1").status_code == 302
    owner.post(reverse("logout"))
    now = timezone.now()
    monkeypatch.setattr(ratelimit.timezone, "now", lambda: now)
    waits, failures = [], 0
    for number, spelling in enumerate(["TRAKQ", " trakq ", "Trakq"] * 10):
        answer = sign_in(Client(), spelling, "doan-mo", REMOTE_ADDR=f"198.51.100.{number}")
        if answer.status_code == 429:
            waits.append(int(answer["Retry-After"]))
            now += datetime.timedelta(seconds=int(answer["Retry-After"]))
        else:
            assert answer.status_code == 200
            failures += 1
        if failures == 10:
            break
    assert ratelimit.strikes(ACCOUNT_FAILURES, "trakq") == 10
    assert waits and max(waits) <= LONGEST_WAIT and waits == sorted(waits)
    # The owner's own browser signs in at once; a new browser waits seconds, not 15 minutes.
    assert sign_in(owner, "trakq", "Mat-khau-2026!", REMOTE_ADDR="10.9.0.1").status_code == 302
    stranger = sign_in(Client(), "trakq", "doan-mo", REMOTE_ADDR="198.51.100.200")
    assert stranger.status_code == 200  # the owner's success cleared the account's failures


def test_the_delay_grows_with_each_failure_past_the_free_ones(client):
    get_user_model().objects.create_user("canbo.mot", password="Mat-khau-2026!")
    for number in range(FREE_FAILURES):
        assert sign_in(Client(), "canbo.mot", "sai", REMOTE_ADDR=f"198.51.100.{number}").status_code == 200
    assert ratelimit.locked_for(ACCOUNT_WAIT, "canbo.mot") == 0
    assert sign_in(Client(), "canbo.mot", "sai", REMOTE_ADDR="198.51.100.50").status_code == 200
    assert ratelimit.locked_for(ACCOUNT_WAIT, "canbo.mot") == 2
    waiting = sign_in(Client(), "canbo.mot", "Mat-khau-2026!", REMOTE_ADDR="198.51.100.51")
    assert waiting.status_code == 429 and "đợi 2 giây" in waiting.content.decode()


def _forget_account_wait(identifier: str) -> None:
    ratelimit.forgive(ACCOUNT_WAIT, identifier)


def test_a_successful_sign_in_clears_the_count_of_its_identifier(client):
    CitizenFactory(user__email="lan@example.vn")
    for _ in range(SIGN_IN_PER_ADDRESS_AND_ACCOUNT.max_hits - 1):
        _forget_account_wait("lan@example.vn")
        sign_in(client, "lan@example.vn", "sai")
    _forget_account_wait("lan@example.vn")
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
