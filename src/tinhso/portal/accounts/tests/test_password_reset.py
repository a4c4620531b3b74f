import re

import pytest
from django.core import mail
from django.urls import reverse

from tinhso.portal.accounts.tests.factories import CitizenFactory
from tinhso.portal.accounts.tests.test_registration import without_tokens

pytestmark = pytest.mark.django_db


def test_a_citizen_resets_the_password_by_email_and_signs_in_with_the_new_one(client):
    profile = CitizenFactory(user__email="lan@example.vn")
    response = client.post(reverse("citizens:password-reset"), {"email": "LAN@example.vn"})
    assert response.status_code == 302
    assert response["Location"] == reverse("citizens:password-reset-done")
    assert len(mail.outbox) == 1
    body = mail.outbox[0].body
    assert mail.outbox[0].subject == "Đặt lại mật khẩu tài khoản dịch vụ công"
    path = re.search(r"https?://[^/\s]+(/tai-khoan/dat-lai-mat-khau/\S+)", body).group(1)

    form_page = client.get(path, follow=True)
    assert "Đặt mật khẩu mới" in form_page.content.decode()
    response = client.post(form_page.redirect_chain[-1][0],
                           {"new_password1": "Song-Lam-2027!", "new_password2": "Song-Lam-2027!"})
    assert response.status_code == 302
    assert response["Location"] == reverse("citizens:password-reset-complete")
    profile.user.refresh_from_db()
    assert profile.user.check_password("Song-Lam-2027!")
    # The link is spent.
    assert "không hợp lệ" in client.get(path, follow=True).content.decode()
    response = client.post(reverse("login"), {"username": "lan@example.vn", "password": "Song-Lam-2027!"})
    assert response.status_code == 302


def test_an_unknown_email_gets_the_same_answer_and_no_mail(client):
    CitizenFactory(user__email="lan@example.vn")
    known = client.post(reverse("citizens:password-reset"), {"email": "lan@example.vn"}, follow=True)
    unknown = client.post(reverse("citizens:password-reset"), {"email": "ai-do@example.vn"}, follow=True)
    assert known.redirect_chain == unknown.redirect_chain
    assert without_tokens(known.content.decode()) == without_tokens(unknown.content.decode())
    assert [message.to for message in mail.outbox] == [["lan@example.vn"]]


def test_reset_requests_are_rate_limited(client):
    for _ in range(10):
        client.post(reverse("citizens:password-reset"), {"email": "ai-do@example.vn"})
    assert client.post(reverse("citizens:password-reset"), {"email": "ai-do@example.vn"}).status_code == 429
