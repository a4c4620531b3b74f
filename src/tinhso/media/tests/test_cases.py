"""Reports of false information and the cases they open: filed with no account and a code to follow,
screenshots kept with their SHA-256, triage, verification due moments by severity, the decision, the
response, closure and the crisis checklist — every step with its event, audit entry and notices."""

from __future__ import annotations

import datetime
import hashlib

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile

from tinhso.common import workdays
from tinhso.common.audit import AuditEntry
from tinhso.common.notices.models import Notice
from tinhso.media import services
from tinhso.media.models import (
    CaseState,
    CrisisScenario,
    Evidence,
    FakeNewsReport,
    ReportState,
    ScenarioStep,
    Severity,
    Verdict,
)
from tinhso.media.tests.factories import agency_with_officer, department, png

pytestmark = pytest.mark.django_db

@pytest.fixture
def at_monday(monkeypatch):
    moment = datetime.datetime(2026, 3, 9, 8, 0, tzinfo=datetime.timezone(datetime.timedelta(hours=7)))
    monkeypatch.setattr(services, "_now", lambda: moment)
    return moment


def citizen_report(**overrides):
    values = {"seen_on": "Nhóm Facebook “Chợ Vinh”", "link": "https://social.example/p/123",
              "description": "Bài đăng nói nước máy Vinh nhiễm độc, khuyên mọi người không dùng.",
              "screenshot": png()}
    values.update(overrides)
    return services.file_report(**values)


def test_a_citizen_report_gets_a_code_and_keeps_its_screenshot_with_its_sha256():
    department()
    upload = png()
    expected = hashlib.sha256(upload.read()).hexdigest()
    upload.seek(0)
    report = citizen_report(screenshot=upload, reporter_email="dan@example.vn")
    assert report.code.startswith("TG-") and report.state == ReportState.RECEIVED
    evidence = report.evidence.get()
    assert evidence.sha256 == expected and evidence.content_type == "image/png"
    assert hashlib.sha256(evidence.file.read()).hexdigest() == expected
    assert evidence.source_url == "https://social.example/p/123"
    # The department is told.
    assert Notice.objects.filter(kind="media.report").exists()


def test_a_bad_screenshot_is_refused_and_nothing_is_stored():
    department()
    fake = SimpleUploadedFile("anh.png", b"MZ\x90\x00 this is an executable", content_type="image/png")
    before = AuditEntry.objects.count()
    with pytest.raises(services.MediaError) as refused:
        citizen_report(screenshot=fake)
    assert refused.value.field == "screenshot" and "định dạng" in refused.value.message
    word = SimpleUploadedFile("a.docx", b"PK\x03\x04", content_type="application/octet-stream")
    with pytest.raises(services.MediaError):
        citizen_report(screenshot=word)
    assert FakeNewsReport.objects.count() == 0 and Evidence.objects.count() == 0
    assert AuditEntry.objects.count() == before


def test_a_report_needs_a_link_or_a_screenshot():
    with pytest.raises(services.MediaError) as refused:
        citizen_report(link="", screenshot=None)
    assert refused.value.field == "link"


def test_a_severe_case_is_verified_in_working_hours_and_a_low_one_in_working_days(at_monday):
    _office, officer = department()
    agency, _person = agency_with_officer()
    severe = services.open_case(title="Nước máy nhiễm độc", claim="Nước máy Vinh nhiễm độc", topic="environment",
                                severity=Severity.SEVERE, agencies=[agency], actor=officer)
    assert severe.verification_due_at == workdays.add_working_hours(at_monday, 4)
    assert workdays.to_local(severe.verification_due_at).date() == datetime.date(2026, 3, 9)
    low = services.open_case(title="Tin đồn", claim="Tin đồn nhỏ", topic="other", severity=Severity.LOW,
                             agencies=[agency], actor=officer)
    assert low.verification_due_at == workdays.add_working_days(at_monday, 5)
    assert low.verifications.get().due_at == low.verification_due_at
    assert severe.code != low.code and severe.code.startswith("VV-")


def test_a_case_runs_from_triage_to_a_published_refutation_and_closure(at_monday):
    _office, officer = department()
    agency, person = agency_with_officer()
    report = citizen_report(reporter_email="dan@example.vn")
    start = AuditEntry.objects.count()
    case = services.open_case(report=report, title="Nước máy Vinh nhiễm độc", claim="Nước máy Vinh nhiễm độc",
                              topic="environment", severity=Severity.MEDIUM, agencies=[agency], actor=officer)
    report.refresh_from_db()
    assert report.state == ReportState.CASE and report.case == case
    assert case.evidence.count() == 1 and case.claim_url == "https://social.example/p/123"
    # The competent agency's officer is told.
    assert Notice.objects.filter(user=person, kind="media.verification").exists()
    with pytest.raises(services.MediaError):
        services.publish_refutation(case, title="x", text="y", actor=officer)  # not decided yet
    task = case.verifications.get()
    services.answer_verification(task, facts="Kết quả xét nghiệm ngày 8/3 đạt QCVN 01-1:2018.", actor=person)
    case.refresh_from_db()
    assert case.state == CaseState.DECISION
    case = services.decide(case, verdict=Verdict.FALSE, note="Theo kết quả xét nghiệm", actor=officer)
    assert case.state == CaseState.RESPONSE and case.response_due_at == workdays.add_working_days(at_monday, 1)
    with pytest.raises(services.MediaError) as refused:
        services.close_case(case, actor=officer)
    assert refused.value.status == 409
    case = services.publish_refutation(case, title="Nước máy Vinh bảo đảm an toàn",
                                       text="Kết quả xét nghiệm cho thấy nước đạt chuẩn.", actor=officer)
    assert case.published_at is not None
    # The reporter hears of the refutation.
    outcome = Notice.objects.get(kind="media.report_outcome", subject__contains=report.code)
    # read in a mail client, far from the site: the address is whole
    assert f"Xem: {settings.TINHSO_PUBLIC_BASE_URL}/bao-chi/cong-khai/cai-chinh/{case.code}/" in outcome.text
    case = services.close_case(case, actor=officer)
    assert case.state == CaseState.CLOSED
    assert list(case.events.values_list("action", flat=True)) == ["open", "verify", "decide", "publish", "close"]
    actions = {(entry.after or {}).get("action") for entry in AuditEntry.objects.order_by("pk")[start:]}
    assert {"media.case.open", "media.case.verify", "media.case.decide", "media.case.publish",
            "media.case.close"} <= actions


def test_duplicates_merge_into_a_case_and_out_of_scope_reports_are_dismissed_with_a_reason():
    _office, officer = department()
    agency, _person = agency_with_officer()
    first = citizen_report()
    case = services.open_case(report=first, title="A", claim="A", topic="land", severity="low", agencies=[agency],
                              actor=officer)
    second = citizen_report()
    services.merge_report(second, case, actor=officer)
    second.refresh_from_db()
    assert second.state == ReportState.DUPLICATE and second.case == case and case.evidence.count() == 2
    third = citizen_report()
    with pytest.raises(services.MediaError):
        services.dismiss_report(third, note="  ", actor=officer)
    services.dismiss_report(third, note="Nội dung quảng cáo, không phải thông tin sai sự thật.", actor=officer)
    third.refresh_from_db()
    assert third.state == ReportState.OUT_OF_SCOPE
    with pytest.raises(services.MediaError) as again:
        services.merge_report(third, case, actor=officer)
    assert again.value.status == 409


def test_a_police_referral_lists_the_evidence_with_its_hashes():
    _office, officer = department()
    agency, person = agency_with_officer()
    case = services.open_case(title="Lừa đảo", claim="Lừa đảo", topic="security", severity="severe",
                              agencies=[agency], actor=officer)
    services.answer_verification(case.verifications.get(), facts="Sai", actor=person)
    case = services.decide(case, verdict=Verdict.FALSE, note="Sai", actor=officer)
    with pytest.raises(services.MediaError):
        services.refer_to_police(case, text="Chuyển công an", actor=officer)
    kept = services.add_evidence(case, upload=png("trang-luu.png"), source_url="https://social.example/x",
                                 actor=officer)
    case = services.refer_to_police(case, text="Chuyển Công an tỉnh", actor=officer)
    assert kept.sha256 in case.police_referral and case.referred_at is not None


def test_a_crisis_instantiates_the_scenario_as_tasks_and_closes_when_they_are_done(at_monday):
    _office, officer = department()
    agency, _person = agency_with_officer()
    scenario = CrisisScenario.objects.create(topic="environment", title="Sự cố môi trường")
    ScenarioStep.objects.create(scenario=scenario, order=1, title="Họp báo", performer="Người phát ngôn", hours=2)
    ScenarioStep.objects.create(scenario=scenario, order=2, title="Thông cáo", performer="Sở VHTT&DL", hours=8)
    case = services.open_case(title="A", claim="A", topic="environment", severity="severe", agencies=[agency],
                              actor=officer)
    crisis = services.open_crisis(case, scenario, actor=officer)
    tasks = list(crisis.tasks.all())
    assert [t.due_at for t in tasks] == [workdays.add_working_hours(at_monday, 2),
                                          workdays.add_working_hours(at_monday, 8)]
    with pytest.raises(services.MediaError):
        services.open_crisis(case, scenario, actor=officer)
    for task in tasks:
        services.complete_crisis_task(task, actor=officer)
    crisis.refresh_from_db()
    assert crisis.closed_at is not None


def test_agencies_are_reminded_once_of_verifications_due_soon_and_again_when_overdue(at_monday):
    _office, officer = department()
    agency, person = agency_with_officer()
    case = services.open_case(title="A", claim="A", topic="other", severity="severe", agencies=[agency],
                              actor=officer)
    assert services.remind_due(at_monday) == 1
    assert services.remind_due(at_monday) == 1  # counted, but the same notice is not sent twice
    assert Notice.objects.filter(user=person, kind="media.reminder_verification").count() == 1
    later = case.verification_due_at + datetime.timedelta(hours=1)
    services.remind_due(later)
    notices = Notice.objects.filter(user=person, kind="media.reminder_verification")
    assert notices.count() == 2 and "quá hạn" in notices.order_by("pk").last().subject
    services.answer_verification(case.verifications.get(), facts="x", actor=person)
    assert services.remind_due(later) == 0


def test_the_evidence_is_handed_over_unchanged_to_the_department_only(client):
    _office, officer = department()
    _agency, person = agency_with_officer()
    upload = png()
    expected = hashlib.sha256(upload.read()).hexdigest()
    upload.seek(0)
    kept = citizen_report(screenshot=upload).evidence.get()
    client.force_login(person)
    assert client.get(f"/bao-chi/chung-cu/{kept.pk}/").status_code == 403
    client.force_login(officer)
    response = client.get(f"/bao-chi/chung-cu/{kept.pk}/")
    body = b"".join(response.streaming_content)
    assert hashlib.sha256(body).hexdigest() == expected == response["X-Content-SHA256"]
    assert response["Content-Type"] == "image/png" and "attachment" in response["Content-Disposition"]


def test_an_officer_who_reads_english_is_asked_in_english(monkeypatch):
    from tinhso.common.notices import recipients

    _office, officer = department()
    agency, person = agency_with_officer()
    monkeypatch.setattr(recipients, "_SOURCES", [
        lambda user: recipients.Contact(email="en@example.vn", name="EN", language="en") if user == person else None])
    case = services.open_case(title="Cầu sập", claim="Cầu sập", topic="other", severity="low", agencies=[agency],
                              actor=officer)
    english = Notice.objects.get(user=person, kind="media.verification")
    assert english.subject == f"Please verify case {case.code}" and "Facts due:" in english.text
