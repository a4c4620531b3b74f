import re

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.urls import reverse

from tinhso.portal.accounts.models import CitizenProfile, PhoneVerification
from tinhso.portal.accounts.tests.factories import CitizenFactory
from tinhso.portal.accounts.tests.sms import SmsInbox

pytestmark = pytest.mark.django_db

PASSWORD = "Hoa-sen-nở-2026"


def registration(**overrides):
    data = {"full_name": "Trần Văn Bình", "email": "binh@example.vn", "phone": "0912 345 678",
            "id_number": "040095001234", "password1": PASSWORD, "password2": PASSWORD}
    data.update(overrides)
    return data


def without_tokens(html: str) -> str:
    html = re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", html)
    return re.sub(r'"X-CSRFToken": "[^"]+"', "", html)


def test_register_verify_by_email_over_smtp_then_sign_in_with_email_and_with_phone(client, smtp_server, sms):
    response = client.post(reverse("citizens:register"), registration())
    assert response.status_code == 302
    assert response["Location"] == reverse("citizens:registration-sent")

    user = get_user_model().objects.get(email="binh@example.vn")
    assert not user.is_active  # no sign-in before verification
    assert client.post(reverse("login"), {"username": "binh@example.vn", "password": PASSWORD}).status_code == 200
    assert "_auth_user_id" not in client.session

    # The verification e-mail came through a real SMTP conversation.
    assert len(smtp_server.messages) == 1
    message = smtp_server.messages[0]
    assert message["To"] == "binh@example.vn"
    assert "Xác minh" in message["Subject"]
    link = smtp_server.link(r"/tai-khoan/xac-minh-email/")
    response = client.get(link)
    assert response.status_code == 302 and response["Location"] == reverse("login")
    user.refresh_from_db()
    assert user.is_active and user.citizen_profile.email_verified

    # The link works once.
    assert client.get(link).status_code == 400

    response = client.post(reverse("login"), {"username": "BINH@example.vn", "password": PASSWORD})
    assert response.status_code == 302
    assert response["Location"] == reverse("filing:my-dossiers")  # a citizen's home: their own dossiers
    assert client.session["_auth_user_id"] == str(user.pk)
    client.post(reverse("logout"))

    # The phone signs in only once its code is entered.
    assert client.post(reverse("login"), {"username": "0912345678", "password": PASSWORD}).status_code == 200
    code = SmsInbox.last_code("0912345678")
    response = client.post(reverse("citizens:verify-phone"), {"phone": "+84912345678", "code": code})
    assert response.status_code == 302
    response = client.post(reverse("login"), {"username": "+84 912 345 678", "password": PASSWORD})
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(user.pk)


def test_a_new_account_can_be_verified_by_phone_alone(client, sms):
    client.post(reverse("citizens:register"), registration(email=""))
    user = CitizenProfile.objects.get(phone="0912345678").user
    assert not user.is_active
    page = client.get(reverse("citizens:registration-sent")).content.decode()
    assert 'value="0912345678"' in page  # the code form is prefilled with the number typed
    code = SmsInbox.last_code("0912345678")
    client.post(reverse("citizens:verify-phone"), {"phone": "0912345678", "code": code})
    user.refresh_from_db()
    assert user.is_active and user.citizen_profile.phone_verified
    assert PhoneVerification.objects.get().code_hash != code  # only a hash is kept


def test_a_phone_code_allows_few_attempts(client, sms):
    client.post(reverse("citizens:register"), registration(email=""))
    code = SmsInbox.last_code("0912345678")
    wrong = f"{(int(code) + 1) % 10**6:06d}"
    for _ in range(PhoneVerification.MAX_ATTEMPTS):
        response = client.post(reverse("citizens:verify-phone"), {"phone": "0912345678", "code": wrong})
        assert "Mã xác minh không đúng hoặc đã hết hạn." in response.content.decode()
    response = client.post(reverse("citizens:verify-phone"), {"phone": "0912345678", "code": code})
    assert response.status_code == 200  # the right code no longer works
    assert not CitizenProfile.objects.get().phone_verified


def test_registering_a_taken_address_answers_the_same_and_warns_the_owner(client, sms):
    owner = CitizenFactory(user__email="da-co@example.vn", phone="0987654321")
    fresh = client.post(reverse("citizens:register"), registration(email="moi@example.vn", phone=""))
    taken = client.post(reverse("citizens:register"), registration(email="DA-CO@example.vn", phone=""))
    assert (fresh.status_code, fresh["Location"]) == (taken.status_code, taken["Location"])
    page = client.get(reverse("citizens:registration-sent"))
    other_client_page = client.get(reverse("citizens:registration-sent"))
    assert without_tokens(page.content.decode()) == without_tokens(other_client_page.content.decode())

    assert get_user_model().objects.filter(email__iexact="da-co@example.vn").count() == 1
    warning = mail.outbox[-1]
    assert warning.to == ["da-co@example.vn"]
    assert "Có người vừa dùng địa chỉ email này" in warning.body
    owner.user.refresh_from_db()
    assert owner.user.check_password("Cong-dan-2026!")  # nothing about the owner changed

    taken_phone = client.post(reverse("citizens:register"), registration(email="", phone="0987654321"))
    assert taken_phone["Location"] == fresh["Location"]
    assert "Co nguoi vua dung so dien thoai" in SmsInbox.sent[-1][1]
    assert CitizenProfile.objects.filter(phone="0987654321").count() == 1


def test_registration_explains_what_is_wrong_in_vietnamese(client):
    response = client.post(reverse("citizens:register"), registration(
        email="", phone="", password2="khac", id_number="999123456789"))
    html = response.content.decode()
    assert response.status_code == 200
    assert "Vui lòng nhập email hoặc số điện thoại (ít nhất một)." in html
    assert "Hai mật khẩu không khớp." in html
    assert "Ba chữ số đầu của số định danh cá nhân" in html
    response = client.post(reverse("citizens:register"), registration(password1="12345678", password2="12345678"))
    assert response.status_code == 200
    assert not get_user_model().objects.filter(email="binh@example.vn").exists()
    response = client.post(reverse("citizens:register"), registration(phone="012345"))
    assert "Số điện thoại di động không hợp lệ" in response.content.decode()


def test_a_forged_or_expired_verification_link_is_refused(client, settings):
    client.post(reverse("citizens:register"), registration(phone=""))
    path = re.search(r"https?://[^/\s]+(/\S+)", mail.outbox[-1].body).group(1)
    token = path.rstrip("/").rsplit("/", 1)[1]
    forged = token[:-2] + ("AA" if not token.endswith("AA") else "BB")
    assert client.get(reverse("citizens:verify-email", args=[forged])).status_code == 400
    settings.SECRET_KEY = "another-key"
    assert client.get(path).status_code == 400
    assert not get_user_model().objects.get(email="binh@example.vn").is_active


def test_an_account_registered_in_english_gets_its_notices_in_english(client, sms):
    from django.conf import settings

    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    client.post(reverse("citizens:register"), registration(email=""))
    assert CitizenProfile.objects.get(phone="0912345678").language == "en"
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "vi"
    client.post(reverse("citizens:register"), registration(email="", phone="0987654321"))
    assert CitizenProfile.objects.get(phone="0987654321").language == "vi"
