"""Vietnamese first means Django's own texts too: password rules, the administration's frame and its scripts
speak Vietnamese where Django's Vietnamese catalogue leaves them in English (the project's ``locale/vi``)."""

from __future__ import annotations

import pytest
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.utils import translation

from tinhso.directory.tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_password_rules_are_explained_in_vietnamese():
    with translation.override("vi"), pytest.raises(ValidationError) as refused:
        validate_password("1234567")

    assert refused.value.messages[0] == "Mật khẩu quá ngắn: phải có ít nhất 8 ký tự."
    assert not [message for message in refused.value.messages if "password" in message.lower()]


def test_registration_refuses_a_short_password_in_vietnamese(client):
    page = client.post("/tai-khoan/dang-ky/", {
        "full_name": "Trần Văn Bình", "email": "binh@example.vn", "phone": "", "id_number": "",
        "password1": "Ab-1", "password2": "Ab-1"}, HTTP_ACCEPT_LANGUAGE="vi").content.decode()

    assert "Mật khẩu quá ngắn: phải có ít nhất 8 ký tự." in page
    assert "too short" not in page


def test_the_administration_frame_speaks_vietnamese(client):
    client.force_login(UserFactory(superuser=True))

    page = client.get("/admin/auth/user/", HTTP_ACCEPT_LANGUAGE="vi").content.decode()
    scripts = client.get("/admin/jsi18n/", HTTP_ACCEPT_LANGUAGE="vi").content.decode()

    for english in ("Skip to main content", "Toggle navigation", "Filter navigation items", "Breadcrumbs",
                    "Toggle theme"):
        assert english not in page, english
    assert "Bỏ qua, tới nội dung chính" in page
    assert "Th\\u1ee9 hai" in scripts or "Thứ hai" in scripts
