"""A result carrying personal data is not handed over on a dossier code and four digits: the signed-in
applicant, or a one-time code sent to the applicant's phone or e-mail on file, opens it."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.core.cache import cache
from django.core.files.base import ContentFile
from django.test import Client

from tinhso.common.audit import AuditEntry
from tinhso.directory.tests.factories import AgencyFactory
from tinhso.dossiers.models import DocumentKind, DossierDocument, State
from tinhso.dossiers.tests.factories import ProcedureWithRouteFactory, dossier_in_state
from tinhso.portal.models import ResultAccessCode

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def fresh_limits():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def returned():
    agency = AgencyFactory(name="Sở Tư pháp tỉnh Nghệ An")
    version = ProcedureWithRouteFactory(agency=agency, name="Cấp phiếu lý lịch tư pháp")
    dossier = dossier_in_state(State.RETURNED, version, agency, phone="0987 654 321")
    dossier.applicant_email = "binh@example.vn"
    dossier.save(update_fields=["applicant_email"])
    return dossier


@pytest.fixture
def result(returned):
    document = DossierDocument(dossier=returned, kind=DocumentKind.RESULT, original_name="phieu-ly-lich.pdf",
                               content_type="application/pdf", size=8, checksum="0" * 64)
    document.file.save("result", ContentFile(b"%PDF-1.7"), save=True)
    return document


def _tracked(returned) -> Client:
    browser = Client()
    assert browser.post("/tra-cuu/", {"code": returned.code, "digits": "4321"}).status_code == 302
    return browser


def _send_code(browser, returned, capture) -> str:
    with capture(execute=True):
        response = browser.post(f"/tra-cuu/{returned.code}/ket-qua/", {"send": "1"})
    assert response.status_code == 200
    assert "Đã gửi mã" in response.text
    message = mail.outbox[-1]
    assert message.to == ["binh@example.vn"]
    return re.search(r"hồ sơ \S+: (\d{6})\.", message.body).group(1)


def test_code_and_four_digits_show_the_status_and_how_to_get_the_result_not_the_result(returned, result):
    browser = _tracked(returned)

    page = browser.get(f"/tra-cuu/{returned.code}/")

    assert "Đã trả kết quả" in page.text
    assert "Cách nhận kết quả" in page.text
    assert f'href="/tra-cuu/{returned.code}/ket-qua/"' in page.text
    assert "phieu-ly-lich.pdf" not in page.text
    assert browser.get(f"/tra-cuu/{returned.code}/tai-lieu/{result.pk}/").status_code == 404
    assert browser.get(f"/tra-cuu/{returned.code}/ket-qua/{result.pk}/").status_code == 404
    access = browser.get(f"/tra-cuu/{returned.code}/ket-qua/")
    assert "Đăng nhập tài khoản đã nộp hồ sơ" in access.text
    assert "/dang-nhap/?next=%2Fho-so-cua-toi%2F" in access.text or "next=%2Fho-so-cua-toi%2F" in access.text


def test_a_one_time_code_sent_to_the_contacts_on_file_opens_the_result(returned, result,
                                                                        django_capture_on_commit_callbacks):
    browser = _tracked(returned)
    code = _send_code(browser, returned, django_capture_on_commit_callbacks)
    stored = ResultAccessCode.objects.get(dossier=returned)
    assert code not in stored.code_hash

    opened = browser.post(f"/tra-cuu/{returned.code}/ket-qua/", {"otp": code})
    assert opened.status_code == 302
    listing = browser.get(opened["Location"])
    download = browser.get(f"/tra-cuu/{returned.code}/ket-qua/{result.pk}/")

    assert "phieu-ly-lich.pdf" in listing.text
    assert AuditEntry.objects.filter(object_id=str(returned.pk),
                                     summary=f"Mở kết quả hồ sơ {returned.code} bằng mã một lần").count() == 1
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == b"%PDF-1.7"
    # The code works once, and only in the browser that gave it back.
    assert browser.post(f"/tra-cuu/{returned.code}/ket-qua/", {"otp": code}).status_code == 400
    other = _tracked(returned)
    assert other.get(f"/tra-cuu/{returned.code}/ket-qua/{result.pk}/").status_code == 404


def test_wrong_expired_and_absent_codes_get_the_same_answer_and_attempts_are_limited(
        returned, result, django_capture_on_commit_callbacks):
    browser = _tracked(returned)
    no_code = browser.post(f"/tra-cuu/{returned.code}/ket-qua/", {"otp": "000000"})
    code = _send_code(browser, returned, django_capture_on_commit_callbacks)
    wrong = "111111" if code != "111111" else "222222"
    answers = [browser.post(f"/tra-cuu/{returned.code}/ket-qua/", {"otp": wrong})
               for _ in range(ResultAccessCode.MAX_ATTEMPTS)]
    spent = browser.post(f"/tra-cuu/{returned.code}/ket-qua/", {"otp": code})

    assert {r.status_code for r in [no_code, *answers, spent]} == {400}
    assert len({r.context["error"] for r in [no_code, *answers, spent]}) == 1
    assert browser.get(f"/tra-cuu/{returned.code}/ket-qua/{result.pk}/").status_code == 404

    fresh = _send_code(browser, returned, django_capture_on_commit_callbacks)
    ResultAccessCode.objects.filter(used_at__isnull=True).update(
        expires_at=ResultAccessCode.objects.get(used_at__isnull=True).created_at - timedelta(seconds=1))
    expired = browser.post(f"/tra-cuu/{returned.code}/ket-qua/", {"otp": fresh})
    assert expired.status_code == 400 and expired.context["error"] == no_code.context["error"]


def test_only_three_codes_an_hour_are_sent_for_a_dossier(returned, result, django_capture_on_commit_callbacks):
    browser = _tracked(returned)
    for _ in range(3):
        _send_code(browser, returned, django_capture_on_commit_callbacks)

    fourth = browser.post(f"/tra-cuu/{returned.code}/ket-qua/", {"send": "1"})

    assert fourth.status_code == 429
    assert ResultAccessCode.objects.filter(dossier=returned).count() == 3


def test_the_result_page_needs_the_tracking_proof_first(returned, result):
    assert Client().get(f"/tra-cuu/{returned.code}/ket-qua/").status_code == 404
    assert Client().post(f"/tra-cuu/{returned.code}/ket-qua/", {"send": "1"}).status_code == 404
    assert not ResultAccessCode.objects.exists()


def test_the_signed_in_applicant_takes_the_result_without_a_code(returned, result):
    user = get_user_model().objects.create_user("binh", password="x")
    returned.applicant_user = user
    returned.save(update_fields=["applicant_user"])
    browser = Client()
    browser.force_login(user)

    download = browser.get(f"/ho-so-cua-toi/{returned.code}/tai-lieu/{result.pk}/")

    assert download.status_code == 200


def test_absent_wrong_and_right_codes_cost_the_same_work(returned, result, settings,
                                                         django_capture_on_commit_callbacks):
    """No timing tells whether a code is waiting or how close a guess was: one hash each time."""
    from tinhso.portal.accounts.tests.test_enumeration_timing import COUNTS, CountingHasher

    settings.PASSWORD_HASHERS = [f"{CountingHasher.__module__}.CountingHasher"]
    browser = _tracked(returned)

    def hashes(otp: str) -> int:
        COUNTS["hashes"] = 0
        browser.post(f"/tra-cuu/{returned.code}/ket-qua/", {"otp": otp})
        return COUNTS["hashes"]

    absent = hashes("123456")
    code = _send_code(browser, returned, django_capture_on_commit_callbacks)
    wrong = hashes("111111" if code != "111111" else "222222")
    right = hashes(code)

    assert absent == wrong == right == 1
