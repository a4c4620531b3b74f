import re

import pytest
from django.core import mail
from django.urls import reverse

from tinhso.geo.tests.factories import CommuneFactory, ProvinceFactory
from tinhso.portal.accounts.tests.factories import CitizenFactory

pytestmark = pytest.mark.django_db


def profile_data(profile, **overrides):
    data = {"full_name": profile.full_name, "id_number": profile.id_number, "email": profile.user.email,
            "phone": profile.phone, "address": profile.address,
            "commune": profile.commune_id or ""}
    data.update(overrides)
    return data


@pytest.fixture
def citizen(client):
    profile = CitizenFactory(user__email="lan@example.vn", phone="0911111111")
    client.force_login(profile.user)
    return profile


def test_the_profile_needs_sign_in(client):
    response = client.get(reverse("citizens:profile"))
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


def test_a_citizen_edits_the_profile_that_prefills_applications(client, citizen):
    commune = CommuneFactory(name="Xã Hoa Sen Thử", province=ProvinceFactory())
    response = client.post(reverse("citizens:profile"), profile_data(
        citizen, full_name="  Nguyễn   Thị Lan ", id_number="040195001234", address="Xóm 3",
        commune=commune.pk))
    assert response.status_code == 302
    citizen.refresh_from_db()
    assert (citizen.full_name, citizen.id_number, citizen.address, citizen.commune) == (
        "Nguyễn Thị Lan", "040195001234", "Xóm 3", commune)
    assert citizen.phone_verified  # the phone did not change
    assert "Xã Hoa Sen Thử" in client.get(reverse("citizens:profile")).content.decode()


def test_a_bad_citizen_id_is_explained_and_nothing_is_saved(client, citizen):
    response = client.post(reverse("citizens:profile"), profile_data(
        citizen, full_name="Tên Mới", id_number="04019500123"))
    assert response.status_code == 400  # bad input is a client error, with the form shown again
    assert "Số định danh cá nhân phải gồm đúng 12 chữ số." in response.content.decode()
    response = client.post(reverse("citizens:profile"), profile_data(citizen, id_number="970195001234"))
    assert "Ba chữ số đầu của số định danh cá nhân không phải mã tỉnh hợp lệ" in response.content.decode()
    response = client.post(reverse("citizens:profile"), profile_data(citizen, phone="12345"))
    assert "Số điện thoại di động không hợp lệ" in response.content.decode()
    response = client.post(reverse("citizens:profile"), profile_data(citizen, commune="999999999"))
    assert "Xã, phường, đặc khu không có trong danh mục." in response.content.decode()
    citizen.refresh_from_db()
    assert citizen.full_name == "Nguyễn Thị Lan" and citizen.id_number == ""


def test_a_new_email_takes_effect_only_once_verified(client, citizen):
    client.post(reverse("citizens:profile"), profile_data(citizen, email="Lan.Moi@example.vn"))
    citizen.refresh_from_db()
    citizen.user.refresh_from_db()
    assert citizen.user.email == "lan@example.vn"
    assert citizen.pending_email == "lan.moi@example.vn"
    assert mail.outbox[-1].to == ["lan.moi@example.vn"]
    path = re.search(r"https?://[^/\s]+(/\S+)", mail.outbox[-1].body).group(1)
    assert client.get(path).status_code == 302
    citizen.refresh_from_db()
    citizen.user.refresh_from_db()
    assert citizen.user.email == "lan.moi@example.vn" and citizen.pending_email == ""
    assert client.get(path).status_code == 400  # used once


def test_a_new_phone_must_be_verified_before_it_signs_in(client, citizen, sms):
    response = client.post(reverse("citizens:profile"), profile_data(citizen, phone="+84 988 888 888"))
    assert response["Location"] == reverse("citizens:verify-phone") + "?so=0988888888"
    citizen.refresh_from_db()
    assert citizen.phone == "0988888888" and not citizen.phone_verified
    assert sms[-1][0] == "0988888888"


def test_a_citizen_id_from_vneid_cannot_be_edited(client):
    profile = CitizenFactory(id_number="040195001234", id_verified=True)
    client.force_login(profile.user)
    client.post(reverse("citizens:profile"), profile_data(profile, id_number="001099000001"))
    profile.refresh_from_db()
    assert profile.id_number == "040195001234"


def test_the_commune_list_can_be_searched_without_accents(client, citizen):
    CommuneFactory(name="Xã Thượng Lâm Thử", province=ProvinceFactory())
    html = client.get(reverse("citizens:commune-options"), {"q": "thuong lam thu"}).content.decode()
    assert "Xã Thượng Lâm Thử" in html
    assert "<option" in html


def test_the_citizen_chooses_the_language_of_their_notices(client, citizen):
    assert citizen.language == "vi"
    page = client.get(reverse("citizens:profile")).content.decode()
    assert "Ngôn ngữ của thư, tin nhắn gửi bạn" in page
    assert client.post(reverse("citizens:profile"), profile_data(citizen, language="en")).status_code == 302
    citizen.refresh_from_db()
    assert citizen.language == "en"
    # Left out of the form, the choice stays as it was.
    assert client.post(reverse("citizens:profile"), profile_data(citizen)).status_code == 302
    citizen.refresh_from_db()
    assert citizen.language == "en"
    response = client.post(reverse("citizens:profile"), profile_data(citizen, language="fr"))
    assert response.status_code == 400
    citizen.refresh_from_db()
    assert citizen.language == "en"


def test_the_notice_service_reaches_a_citizen_at_verified_addresses_in_the_chosen_language():
    from tinhso.common.notices import Recipient, language_of
    from tinhso.common.notices.recipients import resolve

    profile = CitizenFactory(user__email="lan@example.vn", phone="0912345678", language="en")
    person = resolve(profile.user)
    assert (person.email, person.phone, person.language, person.name) == (
        "lan@example.vn", "0912345678", "en", "Nguyễn Thị Lan")
    profile.phone_verified = profile.email_verified = False
    profile.save()
    profile.user.refresh_from_db()
    person = resolve(profile.user)
    assert (person.email, person.phone) == ("", "")  # not verified: not written to
    assert language_of(Recipient(user=profile.user, email="khac@example.vn")) == "en"
