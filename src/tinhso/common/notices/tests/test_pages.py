"""The in-app list for citizens and staff (mark as read, the unread count in the header), and the list of
deliveries that administrators follow and resend, scoped to the agencies they may see."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse

from tinhso.common.notices import Recipient, notify
from tinhso.common.notices.models import Delivery, Notice
from tinhso.directory.models import Role
from tinhso.directory.tests.factories import AgencyFactory, UserFactory
from tinhso.dossiers.tests.factories import officer

pytestmark = pytest.mark.django_db


def _inbox(client) -> str:
    return client.get(reverse("notices:inbox")).content.decode()


def test_staff_read_their_notices_and_the_header_counts_the_unread(client, committed):
    leader = officer(Role.APPROVER, AgencyFactory())
    with committed():
        for n in range(3):
            notify(leader, subject=f"Chỉ đạo số {n}", text=f"Nội dung chỉ đạo {n}", link=f"/chi-dao/{n}/",
                   channels=["in_app"])
        # Another person's unread notice is theirs alone.
        notify(officer(Role.APPROVER, AgencyFactory()), subject="Chỉ đạo khác", text="Nội dung", channels=["in_app"])
    client.force_login(leader)
    home = client.get(reverse("staff-home")).content.decode()
    assert 'id="header-unread">3<' in home and f'href="{reverse("notices:inbox")}"' in home
    page = _inbox(client)
    assert "Bạn có 3 thông báo chưa đọc." in page and 'href="/chi-dao/2/"' in page
    note = Notice.objects.get(subject="Chỉ đạo số 1")
    response = client.post(reverse("notices:read", args=[note.pk]), {"next": reverse("notices:inbox")})
    assert response.status_code == 302
    assert 'id="header-unread">2<' in client.get(reverse("staff-home")).content.decode()
    client.post(reverse("notices:read-all"))
    page = _inbox(client)
    assert "Không có thông báo chưa đọc." in page and 'id="header-unread"' not in page


def test_marking_read_with_htmx_returns_the_entry_alone(client, committed):
    person = UserFactory()
    with committed():
        note = notify(person, subject="Kết quả đã có", text="…", channels=["in_app"])
    client.force_login(person)
    response = client.post(reverse("notices:read", args=[note.pk]), headers={"HX-Request": "true"})
    body = response.content.decode()
    assert response.status_code == 200 and body.startswith("<li") and "Chưa đọc" not in body


def test_nobody_reads_or_marks_anothers_notices(client, committed):
    owner, other = UserFactory(), UserFactory()
    with committed():
        note = notify(owner, subject="Riêng tư", text="…", channels=["in_app"])
    client.force_login(other)
    assert "Riêng tư" not in _inbox(client)
    client.post(reverse("notices:read", args=[note.pk]))
    assert client.post(reverse("notices:read", args=[note.pk]), headers={"HX-Request": "true"}).status_code == 404
    note.refresh_from_db()
    assert note.read_at is None


def test_the_list_is_paginated_and_costs_the_same_queries_for_few_or_many(client, committed,
                                                                          django_assert_max_num_queries):
    person = UserFactory()
    client.force_login(person)
    with committed():
        notify(person, subject="Một", text="…", channels=["in_app"])
    with django_assert_max_num_queries(30) as few:
        _inbox(client)
    with committed():
        for n in range(45):
            notify(person, subject=f"Thông báo {n}", text="…", channels=["in_app"])
    with django_assert_max_num_queries(len(few.captured_queries)):
        page = _inbox(client)
    assert "Trang 1/3" in page and "Thông báo 44" in page and "Thông báo 24" not in page
    assert "Thông báo 24" in client.get(reverse("notices:inbox") + "?trang=2").content.decode()


def test_anonymous_visitors_are_sent_to_sign_in(client):
    response = client.get(reverse("notices:inbox"))
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


# -- deliveries ---------------------------------------------------------------------------------------

def _failed(agency=None, subject="Hồ sơ trả chậm", email="binh@example.vn", at=None):
    notice = Notice.objects.create(subject=subject, text="…", agency_id=agency.pk if agency else None)
    return Delivery.objects.create(notice=notice, channel="email", destination=email, status="failed", attempts=6,
                                   agency_id=notice.agency_id, last_error="Máy chủ thư trả lời 451",
                                   failed_at=at or datetime.datetime(2026, 3, 2, 9, tzinfo=datetime.UTC))


def test_only_administrators_and_leaders_open_the_list_of_deliveries(client):
    agency = AgencyFactory()
    client.force_login(officer(Role.RECEIVER, agency))
    assert client.get(reverse("notices:deliveries")).status_code == 403
    assert "Gửi thông báo" not in client.get(reverse("staff-home")).content.decode()
    client.force_login(officer(Role.PLATFORM_ADMIN, agency))
    assert client.get(reverse("notices:deliveries")).status_code == 200
    home = client.get(reverse("staff-home")).content.decode()
    assert f'href="{reverse("notices:deliveries")}"' in home  # reached from the staff menu


def test_an_agency_sees_only_its_own_deliveries_and_a_viewer_cannot_resend(client, committed):
    ward, other = AgencyFactory(name="UBND phường Vinh Hưng"), AgencyFactory(name="Sở Tư pháp")
    mine, theirs, platform = _failed(ward, "Của phường"), _failed(other, "Của Sở"), _failed(None, "Tài khoản")
    client.force_login(officer(Role.AGENCY_ADMIN, ward))
    page = client.get(reverse("notices:deliveries")).content.decode()
    assert "Của phường" in page and "Của Sở" not in page and "Tài khoản" not in page
    assert client.post(reverse("notices:resend", args=[theirs.pk])).status_code == 404
    assert client.post(reverse("notices:resend", args=[platform.pk])).status_code == 404
    with committed():
        client.post(reverse("notices:resend", args=[mine.pk]))
    mine.refresh_from_db()
    assert mine.resent_count == 1

    client.force_login(officer(Role.OPERATIONS_VIEWER, ward))
    page = client.get(reverse("notices:deliveries")).content.decode()
    assert "Của Sở" in page and "Tài khoản" in page and "Gửi lại" not in page  # sees all, resends nothing
    assert client.post(reverse("notices:resend", args=[theirs.pk])).status_code == 403


def test_the_list_filters_by_status_channel_dates_and_agency(client):
    agency = AgencyFactory()
    _failed(agency, "Tháng hai", at=datetime.datetime(2026, 2, 10, 3, tzinfo=datetime.UTC))
    _failed(agency, "Tháng ba", at=datetime.datetime(2026, 3, 10, 3, tzinfo=datetime.UTC))
    _failed(None, "Của tài khoản", at=datetime.datetime(2026, 3, 11, 3, tzinfo=datetime.UTC))
    client.force_login(officer(Role.PLATFORM_ADMIN, agency))
    url = reverse("notices:deliveries")
    page = client.get(url, {"tu": "01/03/2026", "den": "31/03/2026"}).content.decode()
    assert "Tháng ba" in page and "Tháng hai" not in page and "Của tài khoản" in page
    page = client.get(url, {"co-quan": "khong"}).content.decode()
    assert "Của tài khoản" in page and "Tháng ba" not in page
    page = client.get(url, {"co-quan": agency.pk, "kenh": "sms"}).content.decode()
    assert "Không có lượt gửi nào." in page
    page = client.get(url, {"trang-thai": "da-gui"}).content.decode()
    assert "Không có lượt gửi nào." in page


def test_a_date_typed_wrongly_is_explained_in_vietnamese(client):
    agency = AgencyFactory()
    client.force_login(officer(Role.PLATFORM_ADMIN, agency))
    response = client.get(reverse("notices:deliveries"), {"tu": "31/02/2026", "den": "2026-13-01", "kenh": "fax"})
    page = response.content.decode()
    assert response.status_code == 200
    assert "Từ ngày: Ngày 31/02/2026 không có trong lịch." in page and "Kênh gửi không hợp lệ." in page
    assert "Đến ngày:" in page


def test_a_secret_notice_is_not_offered_for_resending_and_is_refused(client, committed):
    agency = AgencyFactory()
    delivery = _failed(agency, "Mã tải kết quả")
    Notice.objects.filter(pk=delivery.notice_id).update(secret=True, text="")
    client.force_login(officer(Role.PLATFORM_ADMIN, agency))
    page = client.get(reverse("notices:deliveries")).content.decode()
    assert "Mã dùng một lần: không gửi lại" in page
    with committed():
        response = client.post(reverse("notices:resend", args=[delivery.pk]), follow=True)
    assert "không gửi lại được" in response.content.decode()
    delivery.refresh_from_db()
    assert delivery.status == "failed"


def test_the_list_of_deliveries_costs_the_same_queries_for_few_or_many(client, django_assert_max_num_queries):
    agency = AgencyFactory()
    client.force_login(officer(Role.AGENCY_ADMIN, agency))
    _failed(agency)
    with django_assert_max_num_queries(30) as few:
        assert client.get(reverse("notices:deliveries")).status_code == 200
    for n in range(60):
        _failed(agency, f"Số {n}")
    with django_assert_max_num_queries(len(few.captured_queries)):
        page = client.get(reverse("notices:deliveries")).content.decode()
    assert "Trang 1/2" in page


def test_the_pages_speak_english_when_asked(client, committed):
    person = UserFactory()
    with committed():
        notify(Recipient(user=person), subject="Kết quả", text="…", channels=["in_app"])
    client.force_login(person)
    page = client.get(reverse("notices:inbox"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "You have 1 unread notice." in page and "Mark as read" in page


def test_the_admin_lists_deliveries_and_resends_the_selected(client, committed):
    admin = UserFactory(is_staff=True, is_superuser=True)
    client.force_login(admin)
    agency = AgencyFactory()
    failed, other = _failed(agency, "Hỏng máy chủ thư"), _failed(agency, "Hỏng lần nữa")
    listing = client.get("/admin/notices/delivery/?status__exact=failed").content.decode()
    assert "Hỏng máy chủ thư" in listing and "bi••@example.vn" in listing and "binh@example.vn" not in listing
    assert client.get(f"/admin/notices/delivery/{failed.pk}/change/").status_code == 200
    assert client.get(f"/admin/notices/notice/{failed.notice_id}/change/").status_code == 200
    with committed():
        response = client.post("/admin/notices/delivery/", {
            "action": "resend_selected", "_selected_action": [failed.pk, other.pk]}, follow=True)
    assert "Đã đưa 2 lượt gửi vào hàng đợi gửi lại." in response.content.decode()
    failed.refresh_from_db()
    assert failed.resent_count == 1
