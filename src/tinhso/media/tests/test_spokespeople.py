"""An agency's administrator keeps the agency's spokesperson and the people authorised to speak in their
place, from the media menu: dates typed dd/mm/yyyy, the end not before the start, never two spokespeople in
force at once; the public page follows; another agency's administrator, or a plain officer, cannot touch
them."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from tinhso.common.audit import AuditEntry
from tinhso.directory.models import Role
from tinhso.media.models import Spokesperson
from tinhso.media.tests.factories import agency_with_officer

pytestmark = pytest.mark.django_db


def day(offset: int = 0) -> str:
    return f"{timezone.localdate() + datetime.timedelta(days=offset):%d/%m/%Y}"


def person(**overrides):
    values = {"role": "spokesperson", "name": "Trần Thị Bình", "position": "Phó Giám đốc Sở",
              "phone": "0238 3844 555", "email": "binh@syt.example", "decision": "123/QĐ-SYT",
              "valid_from": day(-30), "valid_to": ""}
    values.update(overrides)
    return values


def test_the_agency_admin_adds_edits_and_ends_the_spokesperson_and_the_public_page_follows(client):
    health, admin = agency_with_officer("Sở Y tế", role=Role.AGENCY_ADMIN)
    client.force_login(admin)
    home = client.get("/bao-chi/").content.decode()
    assert 'href="/bao-chi/phat-ngon/"' in home
    listing = client.get("/bao-chi/phat-ngon/")
    assert listing.status_code == 200 and "Cơ quan chưa có người phát ngôn." in listing.content.decode()
    form = client.get("/bao-chi/phat-ngon/them/").content.decode()
    assert 'placeholder="dd/mm/yyyy"' in form
    added = client.post("/bao-chi/phat-ngon/them/", {**person(), "agency": health.pk})
    assert added.status_code == 302
    speaker = Spokesperson.objects.get()
    assert speaker.agency == health and speaker.valid_from == timezone.localdate() - datetime.timedelta(days=30)
    assert AuditEntry.objects.filter(after__action="media.spokesperson.add").count() == 1
    public = client.get("/bao-chi/cong-khai/nguoi-phat-ngon/").content.decode()
    assert "Trần Thị Bình" in public
    # An authorised person beside the spokesperson is fine.
    assert client.post("/bao-chi/phat-ngon/them/", {**person(role="authorised", name="Lê Văn Cường",
                                                             position="Chánh Văn phòng"),
                                                    "agency": health.pk}).status_code == 302
    edited = client.post(f"/bao-chi/phat-ngon/{speaker.pk}/", person(position="Giám đốc Sở"))
    assert edited.status_code == 302
    speaker.refresh_from_db()
    assert speaker.position == "Giám đốc Sở"
    ended = client.post(f"/bao-chi/phat-ngon/{speaker.pk}/ket-thuc/", {"valid_to": day(-1)})
    assert ended.status_code == 302
    speaker.refresh_from_db()
    assert speaker.valid_to == timezone.localdate() - datetime.timedelta(days=1)
    listing = client.get("/bao-chi/phat-ngon/").content.decode()  # shows the messages, listed as past
    assert 'data-list="past"><li>Trần Thị Bình' in listing
    public = client.get("/bao-chi/cong-khai/nguoi-phat-ngon/").content.decode()
    assert "Trần Thị Bình" not in public and "Lê Văn Cường" in public
    # The successor starts the day after.
    assert client.post("/bao-chi/phat-ngon/them/", {**person(name="Phạm Minh Dũng", valid_from=day()),
                                                    "agency": health.pk}).status_code == 302


@pytest.mark.parametrize("overrides, message", [
    ({"valid_from": "2026-13-45"}, "Ngày phải viết dạng ngày/tháng/năm"),
    ({"valid_from": ""}, "Vui lòng nhập ngày."),
    ({"valid_from": day(), "valid_to": day(-1)}, "Ngày kết thúc không được trước ngày bắt đầu."),
    ({"name": "  "}, "Trường này là bắt buộc"),
])
def test_bad_dates_and_missing_fields_are_refused_and_nothing_is_written(client, overrides, message):
    health, admin = agency_with_officer("Sở Y tế", role=Role.AGENCY_ADMIN)
    client.force_login(admin)
    refused = client.post("/bao-chi/phat-ngon/them/", {**person(**overrides), "agency": health.pk})
    assert refused.status_code == 400 and message in refused.content.decode()
    assert not Spokesperson.objects.exists()


def test_two_spokespeople_in_force_over_the_same_days_are_refused(client):
    health, admin = agency_with_officer("Sở Y tế", role=Role.AGENCY_ADMIN)
    client.force_login(admin)
    assert client.post("/bao-chi/phat-ngon/them/", {**person(), "agency": health.pk}).status_code == 302
    clash = client.post("/bao-chi/phat-ngon/them/", {**person(name="Người thứ hai", valid_from=day(10)),
                                                     "agency": health.pk})
    assert clash.status_code == 409 and "Thời gian trùng với người phát ngôn Trần Thị Bình" in clash.content.decode()
    assert Spokesperson.objects.count() == 1
    first = Spokesperson.objects.get()
    ended_before_start = client.post(f"/bao-chi/phat-ngon/{first.pk}/ket-thuc/", {"valid_to": day(-40)})
    assert ended_before_start.status_code == 400
    first.refresh_from_db()
    assert first.valid_to is None


def test_another_agencys_admin_gets_404_and_a_plain_officer_403(client):
    health, admin = agency_with_officer("Sở Y tế", role=Role.AGENCY_ADMIN)
    _other, other_admin = agency_with_officer("Sở Xây dựng", role=Role.AGENCY_ADMIN)
    _same, handler = agency_with_officer("Sở Nội vụ")
    client.force_login(admin)
    client.post("/bao-chi/phat-ngon/them/", {**person(), "agency": health.pk})
    speaker = Spokesperson.objects.get()
    client.get("/bao-chi/phat-ngon/")  # the message of the addition shown
    client.force_login(other_admin)
    assert "Trần Thị Bình" not in client.get("/bao-chi/phat-ngon/").content.decode()
    assert client.get(f"/bao-chi/phat-ngon/{speaker.pk}/").status_code == 404
    assert client.post(f"/bao-chi/phat-ngon/{speaker.pk}/", person(name="Đổi tên")).status_code == 404
    assert client.post(f"/bao-chi/phat-ngon/{speaker.pk}/ket-thuc/", {"valid_to": day()}).status_code == 404
    # Nor can they add one to an agency not theirs.
    refused = client.post("/bao-chi/phat-ngon/them/", {**person(name="Kẻ lạ"), "agency": health.pk})
    assert refused.status_code == 400
    assert Spokesperson.objects.get().name == "Trần Thị Bình" and Spokesperson.objects.count() == 1
    client.force_login(handler)
    assert 'href="/bao-chi/phat-ngon/"' not in client.get("/bao-chi/").content.decode()
    assert client.get("/bao-chi/phat-ngon/").status_code == 403
