"""The signed-in citizen's dossiers: only their own, the timeline, forms, a supplement answered online,
and the notices kept in the account (the notice service's list)."""

from __future__ import annotations

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from tinhso.common.notices.models import Notice
from tinhso.common.workdays import VIETNAM, add_working_days
from tinhso.directory.models import Role
from tinhso.directory.tests.factories import AgencyFactory
from tinhso.dossiers import services
from tinhso.dossiers.models import DocumentKind, State
from tinhso.dossiers.tests.factories import (
    ProcedureWithRouteFactory,
    citizen,
    dossier_in_state,
    officer,
    received_dossier,
    submitted_dossier,
)

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n%%EOF\n"


class Clock:
    def __init__(self, moment: datetime.datetime):
        self.moment = moment

    def __call__(self) -> datetime.datetime:
        return self.moment

    def advance(self, **delta) -> datetime.datetime:
        self.moment += datetime.timedelta(**delta)
        return self.moment


@pytest.fixture
def clock(monkeypatch):
    """Now is Monday 2 March 2026, 09:00 in Vietnam, until the test moves it."""
    fixed = Clock(datetime.datetime(2026, 3, 2, 9, 0, tzinfo=VIETNAM))
    monkeypatch.setattr(timezone, "now", fixed)
    return fixed


@pytest.fixture
def agency():
    return AgencyFactory(name="UBND phường Trường Vinh")


@pytest.fixture
def version(agency):
    return ProcedureWithRouteFactory(agency=agency, name="Đăng ký khai sinh", handle_days=3, approve_days=1)


@pytest.fixture
def user(client):
    person = citizen(email="hoa@example.vn")
    client.force_login(person)
    return person


def detail(dossier) -> str:
    return reverse("filing:my-dossier", args=[dossier.code])


def test_my_dossiers_lists_only_mine(client, user, version):
    mine = submitted_dossier(version, user=user)
    other = submitted_dossier(version, user=citizen())
    page = client.get(reverse("filing:my-dossiers")).content.decode()
    assert mine.code in page and other.code not in page


def test_another_citizens_dossier_answers_404_everywhere(client, user, version):
    other = received_dossier(version, user=citizen(), documents=[SimpleUploadedFile("a.pdf", PDF)])
    document = other.documents.get()
    assert client.get(detail(other)).status_code == 404
    assert client.get(reverse("filing:dossier-form", args=[other.code, "01"])).status_code == 404
    assert client.get(reverse("filing:dossier-document", args=[other.code, document.pk])).status_code == 404
    assert client.post(reverse("filing:answer-supplement", args=[other.code]),
                       {"expected_version": other.version}).status_code == 404
    assert client.get(reverse("filing:submitted", args=[other.code])).status_code == 404
    # …exactly like a code that does not exist.
    assert client.get(reverse("filing:my-dossier", args=["H41-260302-9999"])).status_code == 404


def test_my_dossiers_requires_sign_in(client):
    response = client.get(reverse("filing:my-dossiers"))
    assert response.status_code == 302 and response["Location"].startswith("/dang-nhap/?next=")


def test_the_dossier_page_tells_the_story_in_plain_vietnamese(client, user, version, clock):
    dossier = received_dossier(version, user=user)
    page = client.get(detail(dossier)).content.decode()
    assert "Bạn đã nộp hồ sơ trực tuyến; hồ sơ chờ cơ quan tiếp nhận." in page
    assert "Cơ quan đã tiếp nhận hồ sơ; thời hạn giải quyết bắt đầu được tính." in page
    assert "17:00 06/03/2026" in page  # 4 working days after Monday 2 March
    assert "Trong hạn" in page
    assert reverse("filing:dossier-form", args=[dossier.code, "01"]) in page


def test_the_receipt_form_01_of_my_dossier_is_a_pdf(client, user, version):
    dossier = received_dossier(version, user=user)
    response = client.get(reverse("filing:dossier-form", args=[dossier.code, "01"]))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    assert client.get(reverse("filing:dossier-form", args=[dossier.code, "05"])).status_code == 404


def test_a_result_document_is_offered_for_download(client, user, version, agency):
    dossier = dossier_in_state(State.RESULT_READY, version, user=user)
    services.attach_document(dossier, actor=officer(Role.RETURNER, agency), kind=DocumentKind.RESULT,
                             upload=SimpleUploadedFile("giay-khai-sinh.pdf", PDF))
    page = client.get(detail(dossier)).content.decode()
    assert "Kết quả: giay-khai-sinh.pdf" in page
    document = dossier.documents.get(kind=DocumentKind.RESULT)
    response = client.get(reverse("filing:dossier-document", args=[dossier.code, document.pk]))
    assert response.status_code == 200 and b"".join(response.streaming_content) == PDF


def test_a_supplement_answered_online_goes_back_to_the_agency_and_restarts_the_clock(client, user, version,
                                                                                     agency, clock):
    dossier = received_dossier(version, user=user)
    first_due = dossier.due_at
    dossier = services.request_supplement(dossier, actor=officer(Role.HANDLER, agency),
                                          expected_version=dossier.version,
                                          missing=["Bản sao giấy chứng sinh", "Giấy xác nhận cư trú"])
    page = client.get(detail(dossier)).content.decode()
    assert "Cần bổ sung, hoàn thiện hồ sơ" in page
    assert "Bản sao giấy chứng sinh" in page and "Giấy xác nhận cư trú" in page

    # Nothing sent: the answer needs the papers.
    response = client.post(reverse("filing:answer-supplement", args=[dossier.code]),
                           {"expected_version": dossier.version})
    assert response.status_code == 400
    assert "Vui lòng tải lên giấy tờ bổ sung theo yêu cầu." in response.content.decode()

    clock.advance(days=2)  # Wednesday 4 March, 09:00
    response = client.post(reverse("filing:answer-supplement", args=[dossier.code]), {
        "expected_version": dossier.version, "note": "Gửi bổ sung đủ hai giấy tờ",
        "files": [SimpleUploadedFile("chung-sinh.pdf", PDF), SimpleUploadedFile("cu-tru.pdf", PDF)],
    })
    assert response.status_code == 302 and response["Location"] == detail(dossier)
    dossier.refresh_from_db()
    assert dossier.state == State.RECEIVED
    # NĐ 61/2018 Art. 19: the clock restarts from zero when the complete dossier arrives.
    assert dossier.clock_started_at == clock.moment
    assert dossier.due_at == add_working_days(clock.moment, version.time_limit) != first_due
    assert sorted(dossier.documents.filter(kind=DocumentKind.SUPPLEMENT).values_list("original_name", flat=True)) \
        == ["chung-sinh.pdf", "cu-tru.pdf"]
    page = client.get(detail(dossier)).content.decode()
    assert "Hồ sơ đã được bổ sung và chuyển lại cho cơ quan giải quyết." in page


def test_a_supplement_with_a_bad_file_stores_nothing_and_keeps_the_request(client, user, version, agency):
    dossier = dossier_in_state(State.SUPPLEMENT_REQUESTED, version, user=user)
    response = client.post(reverse("filing:answer-supplement", args=[dossier.code]), {
        "expected_version": dossier.version, "files": [SimpleUploadedFile("a.pdf", b"MZ\x90\x00 not a pdf")],
    })
    assert response.status_code == 400
    assert "không phải định dạng được chấp nhận" in response.content.decode()
    dossier.refresh_from_db()
    assert dossier.state == State.SUPPLEMENT_REQUESTED and not dossier.documents.exists()


def test_a_stale_supplement_form_is_told_to_reload(client, user, version):
    dossier = dossier_in_state(State.SUPPLEMENT_REQUESTED, version, user=user)
    response = client.post(reverse("filing:answer-supplement", args=[dossier.code]), {
        "expected_version": dossier.version - 1, "files": [SimpleUploadedFile("a.pdf", PDF)],
    })
    assert response.status_code == 409
    assert "Hồ sơ đã được người khác thay đổi" in response.content.decode()


def test_notices_are_kept_in_the_account_and_can_be_marked_read(client, user, version, agency,
                                                                  django_capture_on_commit_callbacks, mailoutbox):
    with django_capture_on_commit_callbacks(execute=True):
        dossier = submitted_dossier(version, user=user)
    with django_capture_on_commit_callbacks(execute=True):
        services.receive(dossier, actor=officer(Role.RECEIVER, agency), expected_version=dossier.version)
    notes = Notice.objects.filter(user=user, in_app=True, concerns_id=str(dossier.pk)).order_by("created_at", "id")
    assert list(notes.values_list("subject", flat=True)) == [
        f"Hồ sơ {dossier.code}: Mới nộp trực tuyến, chờ tiếp nhận", f"Hồ sơ {dossier.code}: Đã tiếp nhận"]
    assert {note.concerns for note in notes} == {dossier}
    assert len(mailoutbox) == 2  # the e-mails still go out

    mine = client.get(reverse("filing:my-dossiers")).content.decode()
    assert 'id="unread-total">2<' in mine and 'id="unread-count">2<' in mine

    page = client.get(reverse("notices:inbox")).content.decode()
    assert f"Hồ sơ {dossier.code}: Đã tiếp nhận" in page and "Bạn có 2 thông báo chưa đọc." in page
    # Each notice opens the citizen's own page of the dossier.
    assert f'href="{reverse("filing:my-dossier", args=[dossier.code])}"' in page

    note = notes.first()
    response = client.post(reverse("notices:read", args=[note.pk]), headers={"HX-Request": "true"})
    assert response.status_code == 200 and "Chưa đọc" not in response.content.decode()
    note.refresh_from_db()
    assert note.read_at is not None

    client.post(reverse("notices:read-all"))
    assert not Notice.objects.filter(user=user, read_at__isnull=True).exists()
    assert "id=\"unread-total\"" not in client.get(reverse("filing:my-dossiers")).content.decode()


def test_another_citizens_notice_cannot_be_marked(client, user, version):
    from tinhso.common.notices import notify

    other = citizen()
    note = notify(other, subject="Hồ sơ X", text="…", channels=["in_app"])
    client.post(reverse("notices:read", args=[note.pk]))
    note.refresh_from_db()
    assert note.read_at is None
    assert "Hồ sơ X" not in client.get(reverse("notices:inbox")).content.decode()


def test_a_dossier_filed_without_an_account_keeps_no_notice_in_any_list(version, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        submitted_dossier(version)
    assert not Notice.objects.filter(in_app=True).exists()
    assert Notice.objects.filter(user__isnull=True).count() == 1  # the e-mail and SMS went to the addresses


def _queries_for_my_dossiers(client) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(reverse("filing:my-dossiers")).status_code == 200
    return len(queries)


def test_my_dossiers_costs_the_same_queries_for_few_or_many(client, user, version, monkeypatch):
    from tinhso.common import workdays

    workdays.current_calendar()
    monkeypatch.setattr(workdays, "RECHECK_SECONDS", 10**9)
    received_dossier(version, user=user)
    few = _queries_for_my_dossiers(client)
    for _ in range(5):
        received_dossier(version, user=user)
    submitted_dossier(version, user=user)
    many = _queries_for_my_dossiers(client)
    assert many == few
    assert many <= 12  # session, user, count, page, drafts, unread; the rest is the site menu


def test_a_returned_dossier_offers_the_rating_page(client, user, version):
    dossier = dossier_in_state(State.RETURNED, version, user=user)
    page = client.get(detail(dossier)).content.decode()
    assert f'href="/phan-anh/danh-gia/{dossier.code}/"' in page
    assert "Kết quả đã được trả cho bạn." in page
