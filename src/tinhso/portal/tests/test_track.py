"""Tracking a dossier without signing in: code + last 4 digits, no enumeration, rate limits, session binding."""

from __future__ import annotations

import re

import pytest
from django.core.cache import cache
from django.core.files.base import ContentFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from tinhso.directory.models import Role
from tinhso.directory.tests.factories import AgencyFactory
from tinhso.dossiers.models import DocumentKind, DossierDocument, State
from tinhso.dossiers.tests.factories import (
    ProcedureWithRouteFactory,
    dossier_in_state,
    officer,
    received_dossier,
    submitted_dossier,
)

pytestmark = pytest.mark.django_db

CSRF = re.compile(r"[A-Za-z0-9]{64}")


@pytest.fixture(autouse=True)
def fresh_limits():
    """Rate-limit counters live in the cache: every test starts with none."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def agency():
    return AgencyFactory(name="Sở Tư pháp tỉnh Nghệ An")


@pytest.fixture
def version(agency):
    return ProcedureWithRouteFactory(agency=agency, name="Cấp phiếu lý lịch tư pháp")


@pytest.fixture
def receiver(agency):
    return officer(Role.RECEIVER, agency, first_name="Lê Thị", last_name="Tiếp Nhận")


@pytest.fixture
def dossier(version, agency, receiver):
    return received_dossier(version, agency, receiver=receiver, phone="0912 345 678", id_number="040200012345",
                            name="Trần Thị Bình")


def _track(client, code, digits, **extra):
    return client.post("/tra-cuu/", {"code": code, "digits": digits}, **extra)


def test_the_form_is_public(client):
    response = client.get("/tra-cuu/")

    assert response.status_code == 200
    assert 'name="code"' in response.text and 'name="digits"' in response.text
    assert '<label for="id_code">Mã số hồ sơ</label>' in response.text


def test_code_and_phone_digits_open_the_tracking_page(client, dossier):
    response = _track(client, dossier.code.lower() + " ", "5678")

    assert response.status_code == 302
    assert response["Location"] == f"/tra-cuu/{dossier.code}/"
    page = client.get(response["Location"])
    assert page.status_code == 200
    text = page.text
    assert dossier.code in text
    assert "Cấp phiếu lý lịch tư pháp" in text
    assert "Đã tiếp nhận" in text
    assert "Sở Tư pháp tỉnh Nghệ An đã tiếp nhận hồ sơ" in text
    assert timezone.localtime(dossier.due_at).strftime("%H:%M %d/%m/%Y") in text
    assert page.context["deadline"].label in text


def test_the_id_number_digits_work_too_and_the_id_is_masked(client, dossier):
    assert _track(client, dossier.code, "2345").status_code == 302

    text = client.get(f"/tra-cuu/{dossier.code}/").text
    assert "••••••••2345" in text
    assert "040200012345" not in text
    assert "0912 345 678" not in text and "0912345678" not in text
    # One masking rule for phones everywhere (logs, SMS records, pages): the last 3 digits only.
    assert "•••••••678" in text and "345678" not in text


def test_officers_are_never_named_only_agencies(client, dossier, receiver):
    _track(client, dossier.code, "5678")

    text = client.get(f"/tra-cuu/{dossier.code}/").text
    assert "Tiếp Nhận" not in text
    assert receiver.get_username() not in text


def test_the_receipt_is_offered_and_downloads(client, dossier):
    _track(client, dossier.code, "5678")
    page = client.get(f"/tra-cuu/{dossier.code}/")
    assert f'href="/tra-cuu/{dossier.code}/mau-01.pdf"' in page.text

    pdf = client.get(f"/tra-cuu/{dossier.code}/mau-01.pdf")

    assert pdf.status_code == 200
    assert pdf["Content-Type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF")
    assert client.get(f"/tra-cuu/{dossier.code}/mau-05.pdf").status_code == 404


def test_a_returned_result_is_pointed_to_but_not_handed_over_on_four_digits(client, version, agency):
    returned = dossier_in_state(State.RETURNED, version, agency, phone="0987 654 321")
    result = DossierDocument(dossier=returned, kind=DocumentKind.RESULT, original_name="phieu-ly-lich.pdf",
                             content_type="application/pdf", size=8, checksum="0" * 64)
    result.file.save("result", ContentFile(b"%PDF-1.7"), save=True)
    _track(client, returned.code, "4321")

    page = client.get(f"/tra-cuu/{returned.code}/")
    download = client.get(f"/tra-cuu/{returned.code}/tai-lieu/{result.pk}/")

    assert "Kết quả đã được trả cho người nộp." in page.text
    assert f"/tra-cuu/{returned.code}/ket-qua/" in page.text
    assert f"/tai-lieu/{result.pk}/" not in page.text
    assert download.status_code == 404


def test_a_supplement_request_lists_what_is_missing(client, version, agency):
    waiting = dossier_in_state(State.SUPPLEMENT_REQUESTED, version, agency, phone="0900 111 222")
    _track(client, waiting.code, "1222")

    text = client.get(f"/tra-cuu/{waiting.code}/").text

    assert "đề nghị bổ sung, hoàn thiện hồ sơ" in text
    assert "Bản sao giấy khai sinh" in text


def _without_tokens(response) -> str:
    return CSRF.sub("TOKEN", response.content.decode())


def test_a_wrong_code_and_wrong_digits_get_the_same_answer(dossier):
    wrong_code = _track(Client(), dossier.code[:-1] + "9", "5678")
    wrong_digits = _track(Client(), dossier.code, "0000")

    assert wrong_code.status_code == wrong_digits.status_code == 404
    assert _without_tokens(wrong_code) == _without_tokens(wrong_digits)
    assert "Không tìm thấy hồ sơ khớp" in wrong_code.text
    assert "Set-Cookie" not in wrong_code.headers or "sessionid" not in wrong_code.headers.get("Set-Cookie", "")


def test_badly_formed_digits_are_refused_with_a_message(client, dossier):
    response = _track(client, dossier.code, "56a8")

    assert response.status_code == 400
    assert "Vui lòng nhập đúng 4 chữ số." in response.text


def test_too_many_attempts_from_one_address_get_429(client, dossier):
    for n in range(10):
        assert _track(client, f"H41.999-260101-{n:04d}", "1234").status_code == 404

    limited = _track(client, dossier.code, "5678")

    assert limited.status_code == 429
    assert "Bạn đã tra cứu quá nhiều lần" in limited.text
    assert int(limited["Retry-After"]) > 0
    other_address = _track(Client(), dossier.code, "5678", REMOTE_ADDR="10.0.0.9")
    assert other_address.status_code == 302


def test_five_wrong_answers_lock_the_code_even_for_the_right_one(dossier):
    for n in range(5):
        response = _track(Client(), dossier.code, f"000{n}", REMOTE_ADDR=f"10.0.1.{n}")
        assert response.status_code == 404

    locked = _track(Client(), dossier.code, "5678", REMOTE_ADDR="10.0.2.1")

    assert locked.status_code == 429
    other = received_dossier(dossier.procedure_version, dossier.receiving_agency, phone="0911 000 333")
    assert _track(Client(), other.code, "0333", REMOTE_ADDR="10.0.2.2").status_code == 302


def test_the_qr_address_shows_the_form_with_the_code_until_verified(client, dossier):
    redirect = client.get(f"/tra-cuu/{dossier.code}")
    assert redirect.status_code == 301 and redirect["Location"] == f"/tra-cuu/{dossier.code}/"

    response = client.get(f"/tra-cuu/{dossier.code}/")

    assert response.status_code == 200
    assert f'value="{dossier.code}"' in response.text
    assert "Trần Thị Bình" not in response.text
    assert client.get(f"/tra-cuu/{dossier.code}/mau-01.pdf").status_code == 404


def test_a_citizen_never_sees_another_dossier(client, dossier, version, agency):
    someone_else = received_dossier(version, agency, phone="0977 888 999", name="Phạm Văn Khác")
    document = DossierDocument(dossier=someone_else, kind=DocumentKind.FORM, original_name="mau.pdf",
                               content_type="application/pdf", size=8, checksum="0" * 64)
    document.file.save("form", ContentFile(b"%PDF-1.7"), save=True)
    assert _track(client, dossier.code, "5678").status_code == 302

    other_page = client.get(f"/tra-cuu/{someone_else.code}/")

    assert "Phạm Văn Khác" not in other_page.text
    assert client.get(f"/tra-cuu/{someone_else.code}/mau-01.pdf").status_code == 404
    assert client.get(f"/tra-cuu/{someone_else.code}/tai-lieu/{document.pk}/").status_code == 404
    assert client.get(f"/tra-cuu/{dossier.code}/tai-lieu/{document.pk}/").status_code == 404
    # Another browser with nothing verified sees nothing of either.
    stranger = Client()
    assert "Trần Thị Bình" not in stranger.get(f"/tra-cuu/{dossier.code}/").text


def test_the_proof_is_a_signed_cookie_of_this_browser_and_no_session_is_made(client, dossier):
    response = _track(client, dossier.code, "5678")

    proof = response.cookies["tinhso_tracking"]
    assert proof["httponly"] and proof["samesite"] == "Lax"
    assert "sessionid" not in response.cookies
    assert client.get(f"/tra-cuu/{dossier.code}/").status_code == 200
    # An altered proof opens nothing: the signature covers the dossiers it names.
    forged = Client()
    forged.cookies["tinhso_tracking"] = proof.value.replace(dossier.code, dossier.code[:-1] + "2")
    assert "Trần Thị Bình" not in forged.get(f"/tra-cuu/{dossier.code}/").text


def test_signing_out_ends_the_proof_earned_while_signed_in(client, dossier):
    from tinhso.dossiers.tests.factories import citizen

    user = citizen()
    client.force_login(user)
    assert _track(client, dossier.code, "5678").status_code == 302
    assert "Trần Thị Bình" in client.get(f"/tra-cuu/{dossier.code}/").text

    client.post("/dang-xuat/")

    assert "Trần Thị Bình" not in client.get(f"/tra-cuu/{dossier.code}/").text


def test_a_dossier_not_yet_received_can_be_tracked(client, version, agency):
    waiting = submitted_dossier(version, agency, phone="0944 555 666")
    _track(client, waiting.code, "5666")

    text = client.get(f"/tra-cuu/{waiting.code}/").text

    assert "Hồ sơ được nộp trực tuyến tới Sở Tư pháp tỉnh Nghệ An." in text
    assert "Có sau khi hồ sơ được tiếp nhận" in text


def test_the_tracking_page_costs_a_constant_number_of_queries(client, version, agency):
    from django.db import connection

    from tinhso.dossiers import services

    dossier = received_dossier(version, agency, phone="0912 000 111")
    _track(client, dossier.code, "0111")
    with CaptureQueriesContext(connection) as before:
        client.get(f"/tra-cuu/{dossier.code}/")
    dossier = services.forward(dossier, actor=officer(Role.HANDLER, agency), expected_version=dossier.version)
    with CaptureQueriesContext(connection) as after:
        client.get(f"/tra-cuu/{dossier.code}/")

    assert len(after) == len(before)


def test_the_code_lock_lives_in_the_database_not_in_a_process(dossier):
    """Another worker (another process's memory) or a restart sees the lock: it is a database row."""
    from tinhso.common.ratelimit import RateCounter

    for n in range(5):
        assert _track(Client(), dossier.code, f"000{n}", REMOTE_ADDR=f"10.0.3.{n}").status_code == 404
    cache.clear()  # what a second worker, or this one after a restart, would start with
    assert _track(Client(), dossier.code, "5678", REMOTE_ADDR="10.0.3.9").status_code == 429
    assert RateCounter.objects.filter(scope="track-code-lock").count() == 1


@pytest.mark.django_db(transaction=True)
def test_racing_wrong_answers_are_checked_no_more_than_the_allowance(version, agency, receiver):
    from tinhso.testing.concurrency import run_together

    dossier = received_dossier(version, agency, receiver=receiver, phone="0912 345 678")
    answers = run_together(lambda i: _track(Client(), dossier.code, f"00{i:02d}",
                                            REMOTE_ADDR=f"10.0.4.{i}").status_code, 8)
    assert set(answers) <= {404, 429} and answers.count(404) <= 5, answers
    if connection.vendor == "postgresql":
        # SQLite's in-memory test database refuses a busy writer and the request is retried whole, which may
        # count an attempt twice (never fewer); PostgreSQL waits, so there every answer counts exactly once.
        assert sorted(answers) == [404] * 5 + [429] * 3, answers
    assert _track(Client(), dossier.code, "5678", REMOTE_ADDR="10.0.4.99").status_code == 429
