"""The module's pages: a report filed with no account (rate-limited, a bad upload refused with nothing stored),
followed by its code to the refutation page and its ClaimReview; the spokespeople page with its gaps; the
pages in English when chosen; and the scope of an agency's officer."""

from __future__ import annotations

import json
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings
from django.utils import timezone

from tinhso.media import services
from tinhso.media.models import Evidence, FakeNewsReport, Spokesperson, Verdict
from tinhso.media.tests.factories import agency_with_officer, department, png

pytestmark = pytest.mark.django_db


def form(**overrides):
    values = {"seen_on": "Nhóm Zalo khu phố", "link": "https://social.example/p/9",
              "description": "Tin nhắn nói cầu Bến Thủy sắp sập, cấm lưu thông."}
    values.update(overrides)
    return values


def published_case(officer, agency, person, report=None):
    case = services.open_case(report=report, title="Cầu Bến Thủy sắp sập", claim="Cầu Bến Thủy sắp sập",
                              topic="other", severity="medium", agencies=[agency], actor=officer)
    services.answer_verification(case.verifications.get(), facts="Cầu được kiểm định 3/2026, an toàn.", actor=person)
    case = services.decide(case, verdict=Verdict.FALSE, note="Kết quả kiểm định", actor=officer)
    return services.publish_refutation(case, title="Cầu Bến Thủy vẫn an toàn",
                                       text="Sở Xây dựng khẳng định cầu Bến Thủy an toàn.", actor=officer)


def test_a_citizen_files_without_an_account_and_follows_the_report_to_its_refutation(client):
    _office, officer = department()
    agency, person = agency_with_officer("Sở Xây dựng")
    page = client.get("/bao-chi/cong-khai/bao-tin/")
    assert page.status_code == 200 and "Báo tin sai sự thật" in page.content.decode()
    response = client.post("/bao-chi/cong-khai/bao-tin/", {**form(), "screenshot": png()})
    assert response.status_code == 200
    code = re.search(r"data-code>([^<]+)<", response.content.decode()).group(1)
    report = FakeNewsReport.objects.get(code=code)
    assert report.reported_by is None and report.evidence.count() == 1
    followed = client.get(f"/bao-chi/cong-khai/theo-doi/?ma={code.lower()}").content.decode()
    assert "Chờ phân loại" in followed
    case = published_case(officer, agency, person, report)
    followed = client.get(f"/bao-chi/cong-khai/theo-doi/?ma={code}").content.decode()
    assert f"/bao-chi/cong-khai/cai-chinh/{case.code}/" in followed
    assert client.get("/bao-chi/cong-khai/theo-doi/?ma=TG-2000-00001-XXXX").status_code == 404


def test_the_refutation_page_carries_its_claim_review_and_is_searchable(client):
    _office, officer = department()
    agency, person = agency_with_officer("Sở Xây dựng")
    case = published_case(officer, agency, person)
    page = client.get(f"/bao-chi/cong-khai/cai-chinh/{case.code}/").content.decode()
    data = json.loads(re.search(r'<script type="application/ld\+json">(.*?)</script>', page, re.S).group(1))
    assert data["@type"] == "ClaimReview" and data["claimReviewed"] == "Cầu Bến Thủy sắp sập"
    assert data["reviewRating"]["ratingValue"] == 1 and data["reviewRating"]["alternateName"] == "Sai sự thật"
    assert data["author"]["name"] == "Sở Văn hóa, Thể thao và Du lịch" and data["inLanguage"] == "vi"
    assert data["url"].endswith(f"/bao-chi/cong-khai/cai-chinh/{case.code}/")
    found = client.get("/bao-chi/cong-khai/cai-chinh/?q=Bến Thủy").content.decode()
    assert "Cầu Bến Thủy vẫn an toàn" in found
    # Typed without diacritics, in any case, it is found too.
    assert "Cầu Bến Thủy vẫn an toàn" in client.get("/bao-chi/cong-khai/cai-chinh/?q=cau BEN thuy").content.decode()
    assert "Cầu Bến Thủy vẫn an toàn" not in client.get("/bao-chi/cong-khai/cai-chinh/?q=sân bay").content.decode()
    # Unpublished cases have no public page.
    hidden = services.open_case(title="Chưa đăng", claim="x", topic="other", severity="low", agencies=[agency],
                                actor=officer)
    assert client.get(f"/bao-chi/cong-khai/cai-chinh/{hidden.code}/").status_code == 404


def test_the_public_pages_speak_english_when_chosen(client):
    _office, officer = department()
    agency, person = agency_with_officer("Sở Xây dựng")
    case = published_case(officer, agency, person)
    client.cookies["django_language"] = "en"
    page = client.get("/bao-chi/cong-khai/bao-tin/").content.decode()
    assert "Report false information" in page and "Báo tin sai sự thật" not in page
    assert "Verdict: False" in client.get(f"/bao-chi/cong-khai/cai-chinh/{case.code}/").content.decode()
    refused = client.post("/bao-chi/cong-khai/bao-tin/", {**form(), "screenshot": SimpleUploadedFile(
        "a.png", b"GIF89a not accepted")})
    assert refused.status_code == 400 and "not an accepted type" in refused.content.decode()


@override_settings(TINHSO_MEDIA_REPORTS_PER_HOUR=2)
def test_reports_are_rate_limited_per_address_and_a_bad_upload_stores_nothing(client):
    department()
    bad = client.post("/bao-chi/cong-khai/bao-tin/", {**form(), "screenshot": SimpleUploadedFile(
        "anh.png", b"<html><script>alert(1)</script></html>")})
    assert bad.status_code == 400 and "định dạng" in bad.content.decode()
    assert FakeNewsReport.objects.count() == 0 and Evidence.objects.count() == 0
    assert client.post("/bao-chi/cong-khai/bao-tin/", form()).status_code == 200
    limited = client.post("/bao-chi/cong-khai/bao-tin/", form())
    assert limited.status_code == 429 and "quá nhiều" in limited.content.decode()
    assert FakeNewsReport.objects.count() == 1
    # Another address is not limited.
    assert client.post("/bao-chi/cong-khai/bao-tin/", form(), REMOTE_ADDR="10.1.2.3").status_code == 200


def test_the_spokespeople_page_lists_them_by_agency_and_shows_the_gaps(client):
    office, officer = department()
    health, _nurse = agency_with_officer("Sở Y tế")
    today = timezone.localdate()
    Spokesperson.objects.create(agency=health, name="Trần Thị Lan", position="Phó Giám đốc", phone="0238 3844 000",
                                valid_from=today.replace(year=today.year - 1))
    Spokesperson.objects.create(agency=office, name="Người cũ", position="Giám đốc",
                                valid_from=today.replace(year=today.year - 3),
                                valid_to=today.replace(year=today.year - 1))
    page = client.get("/bao-chi/cong-khai/nguoi-phat-ngon/").content.decode()
    assert "Trần Thị Lan" in page and "Người cũ" not in page
    assert page.count('data-gap="1"') == 1 and "Chưa có người phát ngôn" in page
    found = client.get("/bao-chi/cong-khai/nguoi-phat-ngon/?q=Y tế").content.decode()
    assert "Trần Thị Lan" in found and "Sở Văn hóa" not in found
    client.force_login(officer)
    staff = client.get("/bao-chi/nguoi-phat-ngon/").content.decode()
    assert "Sở Văn hóa, Thể thao và Du lịch" in staff.split('data-list="gaps"')[1].split("</ul>")[0]


def test_an_agency_officer_sees_only_its_own_verification_tasks_and_cases(client):
    _office, officer = department()
    health, nurse = agency_with_officer("Sở Y tế")
    police, _cop = agency_with_officer("Công an tỉnh")
    mine = services.open_case(title="Dịch tả", claim="Dịch tả", topic="epidemic", severity="severe",
                              agencies=[health], actor=officer)
    theirs = services.open_case(title="Cướp", claim="Cướp", topic="security", severity="low", agencies=[police],
                                actor=officer)
    client.force_login(nurse)
    assert client.get(f"/bao-chi/vu-viec/{mine.pk}/").status_code == 200
    assert client.get(f"/bao-chi/vu-viec/{theirs.pk}/").status_code == 404
    listing = client.get("/bao-chi/vu-viec/").content.decode()
    assert mine.code in listing and theirs.code not in listing
    assert client.get("/bao-chi/tin-bao/").status_code == 403
    other_task = theirs.verifications.get()
    assert client.post(f"/bao-chi/xac-minh/{other_task.pk}/", {"facts": "x"}).status_code == 404
    assert client.post(f"/bao-chi/vu-viec/{mine.pk}/ket-luan/", {"verdict": "false", "note": "x"}).status_code == 403
    response = client.post(f"/bao-chi/xac-minh/{mine.verifications.get().pk}/", {"facts": "Không có ca tả nào."})
    assert response.status_code == 302
    mine.refresh_from_db()
    assert mine.state == "decision"
    # The department sees everything and its menu entry.
    client.force_login(officer)
    home = client.get("/bao-chi/").content.decode()
    assert "Tin báo chờ phân loại" in home and client.get("/bao-chi/tin-bao/").status_code == 200


def test_the_department_plans_a_briefing_records_questions_and_marks_it_held(client):
    _office, officer = department()
    health, nurse = agency_with_officer("Sở Y tế")
    client.force_login(officer)
    bad = client.post("/bao-chi/giao-ban/lap/", {"title": "Giao ban", "kind": "monthly", "held_at": "04/30/2026 14:00",
                                                  "chair": "Chủ tịch", "agencies": [health.pk]}, follow=True)
    assert "dd/mm/yyyy" in bad.content.decode()
    response = client.post("/bao-chi/giao-ban/lap/", {"title": "Giao ban tháng 4", "kind": "monthly",
                                                       "held_at": "02/04/2026 14:00", "chair": "Phó Chủ tịch",
                                                       "agencies": [health.pk]})
    assert response.status_code == 302
    from tinhso.media.models import Briefing

    briefing = Briefing.objects.get()
    assert timezone.localtime(briefing.held_at).strftime("%d/%m/%Y %H:%M") == "02/04/2026 14:00"
    client.post(f"/bao-chi/giao-ban/{briefing.pk}/cau-hoi/", {"journalist": "Lê Nga", "outlet": "Báo Nghệ An",
                                                             "question": "Vắc xin?", "agency": health.pk})
    assert briefing.questions.get().agency == health
    client.force_login(nurse)
    assert client.post(f"/bao-chi/giao-ban/{briefing.pk}/da-hop/", {"summary": "x"}).status_code == 403
    page = client.get(f"/bao-chi/giao-ban/{briefing.pk}/").content.decode()
    assert "Vắc xin?" in page and "Gửi thông tin" in page
    client.force_login(officer)
    client.post(f"/bao-chi/giao-ban/{briefing.pk}/da-hop/", {"summary": "Đủ thông tin."})
    briefing.refresh_from_db()
    assert briefing.held and briefing.summary == "Đủ thông tin."


def test_every_staff_page_opens_for_the_department(client):
    from tinhso.media.models import CrisisScenario, ScenarioStep

    _office, officer = department()
    agency, person = agency_with_officer("Sở Y tế")
    report = services.file_report(seen_on="Facebook", link="https://social.example/x", description="Tin đồn",
                                  screenshot=png())
    waiting = services.file_report(seen_on="Zalo", link="https://social.example/y", description="Tin khác")
    case = services.open_case(report=report, title="Tin đồn", claim="Tin đồn", topic="epidemic", severity="severe",
                              agencies=[agency], actor=officer)
    scenario = CrisisScenario.objects.create(topic="epidemic", title="Dịch bệnh")
    ScenarioStep.objects.create(scenario=scenario, order=1, title="Thông cáo", performer="Sở Y tế", hours=4)
    services.open_crisis(case, scenario, actor=officer)
    briefing = services.plan_briefing(title="Giao ban", held_at=timezone.now() + timezone.timedelta(days=10),
                                      chair="Chủ tịch", agencies=[agency], actor=officer)
    client.force_login(officer)
    for url in ["/bao-chi/", "/bao-chi/tin-bao/", "/bao-chi/tin-bao/?trang-thai=received",
                f"/bao-chi/tin-bao/{waiting.pk}/", f"/bao-chi/tin-bao/{report.pk}/", "/bao-chi/vu-viec/",
                f"/bao-chi/vu-viec/{case.pk}/", "/bao-chi/giao-ban/", f"/bao-chi/giao-ban/{briefing.pk}/",
                "/bao-chi/giay-phep/?sap-het-han=1", "/bao-chi/nguoi-phat-ngon/",
                "/bao-chi/co-quan-bao-chi/?loai=newspaper",
                "/bao-chi/cong-khai/theo-doi/", "/bao-chi/cong-khai/cai-chinh/"]:
        assert client.get(url).status_code == 200, url
    page = client.get(f"/bao-chi/vu-viec/{case.pk}/").content.decode()
    assert "Thông cáo" in page and report.evidence.get().sha256 in page
    # The officer of the agency asked sees its task on its home page.
    client.force_login(person)
    assert case.code in client.get("/bao-chi/").content.decode()


def test_an_officer_chooses_the_source_of_the_report_and_a_citizen_cannot(client):
    _office, officer = department()
    client.force_login(officer)
    page = client.get("/bao-chi/cong-khai/bao-tin/").content.decode()
    assert 'name="source"' in page and "Theo dõi, giám sát" in page
    assert client.post("/bao-chi/cong-khai/bao-tin/", form(source="monitoring")).status_code == 200
    assert client.post("/bao-chi/cong-khai/bao-tin/", form(source="officer")).status_code == 200
    assert client.post("/bao-chi/cong-khai/bao-tin/", form(source="citizen")).status_code == 400
    assert sorted(FakeNewsReport.objects.values_list("source", flat=True)) == ["monitoring", "officer"]
    assert set(FakeNewsReport.objects.values_list("reported_by", flat=True)) == {officer.pk}
    client.logout()
    assert 'name="source"' not in client.get("/bao-chi/cong-khai/bao-tin/").content.decode()
    assert client.post("/bao-chi/cong-khai/bao-tin/", form(source="monitoring")).status_code == 200
    assert FakeNewsReport.objects.filter(reported_by=None).get().source == "citizen"


def test_an_officer_files_a_report_found_by_monitoring_and_a_citizen_cannot_choose_the_source(client):
    _office, officer = department()
    client.force_login(officer)
    page = client.get("/bao-chi/cong-khai/bao-tin/").content.decode()
    assert 'name="source"' in page and "Theo dõi, giám sát" in page
    assert client.post("/bao-chi/cong-khai/bao-tin/", {**form(), "source": "monitoring"}).status_code == 200
    report = FakeNewsReport.objects.get()
    assert report.source == "monitoring" and report.reported_by == officer
    assert client.post("/bao-chi/cong-khai/bao-tin/", {**form(), "source": "citizen"}).status_code == 400
    client.logout()
    assert 'name="source"' not in client.get("/bao-chi/cong-khai/bao-tin/").content.decode()
    assert client.post("/bao-chi/cong-khai/bao-tin/", {**form(), "source": "monitoring"}).status_code == 200
    assert FakeNewsReport.objects.filter(source="citizen").count() == 1 and FakeNewsReport.objects.count() == 2
