"""The module's API for agency tokens: the registries read, an agency's verification tasks in its scope only,
answered through the API; bad input refused with a message."""

from __future__ import annotations

import pytest

from tinhso.dossiers.tests.factories import api_token
from tinhso.media import services
from tinhso.media.models import PressAgency, PressChannel
from tinhso.media.tests.factories import agency_with_officer, department, licence

pytestmark = pytest.mark.django_db


def auth(secret):
    return {"HTTP_AUTHORIZATION": f"Bearer {secret}"}


def test_an_agency_token_reads_the_registries(client):
    department()
    press = PressAgency.objects.create(name="Báo Nghệ An", kind="newspaper", licence_number="123/GP-BTTTT")
    PressChannel.objects.create(press_agency=press, kind="online", name="Báo Nghệ An điện tử",
                                domain="baonghean.example")
    licence()
    _token, secret = api_token()
    body = client.get("/api/media/press-agencies", **auth(secret)).json()
    assert body["count"] == 1 and body["items"][0]["channels"][0]["domain"] == "baonghean.example"
    licences = client.get("/api/media/licences?state=in_force", **auth(secret)).json()
    assert licences["items"][0]["domain"] == "tintuc.example"
    assert client.get("/api/media/licences?state=nonsense", **auth(secret)).status_code == 422
    assert client.get("/api/media/licences").status_code == 401


def test_an_agency_answers_its_verification_tasks_and_sees_no_others(client):
    _office, officer = department()
    health, _nurse = agency_with_officer("Sở Y tế")
    police, _cop = agency_with_officer("Công an tỉnh")
    mine = services.open_case(title="Dịch", claim="Dịch", topic="epidemic", severity="severe", agencies=[health],
                              actor=officer)
    theirs = services.open_case(title="Cướp", claim="Cướp", topic="security", severity="low", agencies=[police],
                                actor=officer)
    _token, secret = api_token(health)
    tasks = client.get("/api/media/verification-tasks?open=true", **auth(secret)).json()
    assert [t["case"] for t in tasks["items"]] == [mine.code]
    other = theirs.verifications.get().pk
    assert client.post(f"/api/media/verification-tasks/{other}/answer", {"facts": "x"},
                       content_type="application/json", **auth(secret)).status_code == 404
    task = mine.verifications.get().pk
    empty = client.post(f"/api/media/verification-tasks/{task}/answer", {"facts": "   "},
                        content_type="application/json", **auth(secret))
    assert empty.status_code == 400 and empty.json()["field"] == "facts"
    answered = client.post(f"/api/media/verification-tasks/{task}/answer", {"facts": "Không có ổ dịch."},
                           content_type="application/json", **auth(secret))
    assert answered.status_code == 200 and answered.json()["answered_at"] is not None
    again = client.post(f"/api/media/verification-tasks/{task}/answer", {"facts": "lần hai"},
                        content_type="application/json", **auth(secret))
    assert again.status_code == 409
    mine.refresh_from_db()
    assert mine.state == "decision" and mine.events.filter(action="verify", actor_label__startswith="API").exists()


# -- reports from the monitoring tool ---------------------------------------------------------------------------

def _b64(upload) -> str:
    import base64

    upload.seek(0)
    return base64.b64encode(upload.read()).decode()


def _finding(**overrides):
    body = {"external_id": "sl-2026-000123", "link": "https://mangxahoi.example/bai/42",
            "seen_on": "Nhóm Facebook “Tin nóng Nghệ An”", "description": "Bài đăng nói sai về dịch tả lợn."}
    body.update(overrides)
    return body


def test_the_department_token_files_a_monitoring_report_once(client):
    from tinhso.common.audit import AuditEntry
    from tinhso.media.models import Evidence, FakeNewsReport
    from tinhso.media.tests.factories import png

    office, _officer = department()
    _token, secret = api_token(office)
    created = client.post("/api/media/reports", _finding(screenshot=_b64(png()), screenshot_name="anh.png"),
                          content_type="application/json", **auth(secret))
    assert created.status_code == 201, created.content
    body = created.json()
    assert body["source"] == "monitoring" and body["state"] == "received" and body["code"].startswith("TG-")
    report = FakeNewsReport.objects.get()
    assert report.source == "monitoring" and report.external_id == "sl-2026-000123"
    assert report.evidence.get().content_type == "image/png"
    assert AuditEntry.objects.filter(after__action="media.report.file").count() == 1
    # The same finding again: the same report, nothing new.
    again = client.post("/api/media/reports", _finding(description="khác"), content_type="application/json",
                        **auth(secret))
    assert again.status_code == 200 and again.json()["code"] == body["code"]
    assert FakeNewsReport.objects.count() == 1 and Evidence.objects.count() == 1
    assert AuditEntry.objects.filter(after__action="media.report.file").count() == 1
    # It goes into the department's triage like any other report.
    services.dismiss_report(report, note="Không thuộc phạm vi.", actor=_officer)
    assert client.post("/api/media/reports", _finding(), content_type="application/json",
                       **auth(secret)).json()["state"] == "out_of_scope"


def test_only_the_department_token_files_monitoring_reports(client):
    from tinhso.media.models import FakeNewsReport

    department()
    health, nurse = agency_with_officer("Sở Y tế")
    _token, secret = api_token(health)
    refused = client.post("/api/media/reports", _finding(), content_type="application/json", **auth(secret))
    assert refused.status_code == 403 and "cơ quan quản lý báo chí" in refused.json()["detail"]
    client.force_login(nurse)
    assert client.post("/api/media/reports", _finding(), content_type="application/json").status_code == 403
    assert not FakeNewsReport.objects.exists()


@pytest.mark.parametrize("overrides, status, field", [
    ({"external_id": ""}, 422, None),
    ({"seen_on": "   "}, 400, "seen_on"),
    ({"link": "javascript:alert(1)"}, 422, "link"),
    ({"link": "", "screenshot": None}, 400, "link"),
    ({"screenshot": "không phải base64!"}, 422, "screenshot"),
    ({"screenshot": "PGh0bWw+PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0PjwvaHRtbD4="}, 400, "screenshot"),
])
def test_bad_monitoring_reports_are_refused_and_nothing_is_stored(client, overrides, status, field):
    from tinhso.media.models import Evidence, FakeNewsReport

    office, _officer = department()
    _token, secret = api_token(office)
    answer = client.post("/api/media/reports", _finding(**overrides), content_type="application/json",
                         **auth(secret))
    assert answer.status_code == status, answer.content
    if field:
        assert answer.json()["field"] == field
    assert answer.json()["detail"]
    assert not FakeNewsReport.objects.exists() and not Evidence.objects.exists()


def test_an_oversized_screenshot_is_refused_before_decoding(client, settings):
    from tinhso.media.models import FakeNewsReport

    settings.TINHSO_UPLOAD_MAX_BYTES = 1024
    office, _officer = department()
    _token, secret = api_token(office)
    answer = client.post("/api/media/reports", _finding(screenshot="A" * 4000), content_type="application/json",
                         **auth(secret))
    assert answer.status_code == 413 and answer.json()["field"] == "screenshot"
    assert not FakeNewsReport.objects.exists()
