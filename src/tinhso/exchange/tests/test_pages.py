"""The gateway's pages, API and admin for platform administrators, and its numbers in the operations centre."""

from __future__ import annotations

import datetime
import io
import zipfile
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from tinhso.common.audit import AuditEntry
from tinhso.directory.models import Role
from tinhso.directory.tests.factories import AgencyFactory, UserFactory
from tinhso.dossiers.models import State
from tinhso.dossiers.tests.factories import dossier_in_state, officer
from tinhso.exchange import services
from tinhso.exchange.models import AccessRight, MessageRecord, OutboxEntry, OutboxStatus, Service
from tinhso.exchange.testing import PeerCertificate, enrol

PROVIDER = "/r1/VN/GOV/000.00.00.H41/tinhso"
CLIENT = "VN/GOV/000.00.00.H42/tinhso"


@pytest.fixture
def admin_user():
    return officer(Role.PLATFORM_ADMIN, AgencyFactory())


@pytest.fixture
def signed_in(client, admin_user):
    client.force_login(admin_user)
    return client


def _calls(client, credential, count):
    for n in range(count):
        client.get(PROVIDER + "/agencies/agencies", HTTP_X_ROAD_CLIENT=CLIENT, HTTP_X_ROAD_ID=f"page-{n}",
                   **{"gunicorn.socket": PeerCertificate(credential.cert_der)})


@pytest.fixture
def logged(client, pki, trusted):
    member, credential = enrol(pki, CLIENT, "Tỉnh Hà Tĩnh")
    services.grant_access(member, "agencies")
    _calls(client, credential, 3)
    return member, credential


@pytest.mark.django_db
def test_only_platform_administrators_see_the_gateway(client):
    client.force_login(officer(Role.HANDLER, AgencyFactory()))
    for url in ("/trao-doi/", "/trao-doi/nhat-ky/", "/trao-doi/cong-quoc-gia/"):
        assert client.get(url).status_code == 403
    assert "Kết nối, chia sẻ dữ liệu" not in client.get("/can-bo/").content.decode()


@pytest.mark.django_db
def test_the_overview_names_this_deployment_and_its_services(signed_in):
    page = signed_in.get("/can-bo/").content.decode()
    assert 'href="/trao-doi/"' in page  # the menu entry
    page = signed_in.get("/trao-doi/").content.decode()
    assert "VN/GOV/000.00.00.H41/tinhso" in page
    for code in ("agencies", "procedures", "dossier-status", "indicators"):
        assert code in page


@pytest.mark.django_db
def test_the_log_is_searched_by_client_service_dates_and_id(signed_in, logged):
    today = timezone.localdate().strftime("%d/%m/%Y")
    page = signed_in.get(f"/trao-doi/nhat-ky/?ben-goi=VN/GOV/000.00.00.H42&tu={today}&den={today}")
    assert page.status_code == 200 and "6 bản ghi" in page.content.decode()
    by_id = signed_in.get("/trao-doi/nhat-ky/?ma=page-1").content.decode()
    assert "2 bản ghi" in by_id
    yesterday = (timezone.localdate() - datetime.timedelta(days=1)).strftime("%d/%m/%Y")
    assert "0 bản ghi" in signed_in.get(f"/trao-doi/nhat-ky/?den={yesterday}").content.decode()
    wrong = signed_in.get("/trao-doi/nhat-ky/?tu=31/02/2026")
    assert wrong.status_code == 400 and 'aria-invalid="true"' in wrong.content.decode()


@pytest.mark.django_db
def test_the_log_page_costs_the_same_queries_for_few_and_many_records(signed_in, logged):
    _member, credential = logged
    with CaptureQueriesContext(connection) as few:
        assert signed_in.get("/trao-doi/nhat-ky/").status_code == 200
    _calls(signed_in, credential, 20)
    with CaptureQueriesContext(connection) as many:
        page = signed_in.get("/trao-doi/nhat-ky/")
    assert "Trang 1/2" in page.content.decode()
    assert len(many.captured_queries) == len(few.captured_queries)


@pytest.mark.django_db
def test_one_exchange_shows_request_and_answer_with_their_hashes(signed_in, logged):
    record = MessageRecord.objects.get(message_id="page-0", kind="request")
    page = signed_in.get(f"/trao-doi/nhat-ky/{record.pk}/").content.decode()
    answer = MessageRecord.objects.get(message_id="page-0", kind="response")
    assert record.record_hash in page and answer.request_hash in page and answer.body_hash in page


@pytest.mark.django_db
def test_the_auditors_export_downloads_from_the_log_page(signed_in, logged):
    today = timezone.localdate().strftime("%d/%m/%Y")
    response = signed_in.get(f"/trao-doi/nhat-ky/trich-xuat/?tu={today}&den={today}")
    assert response.status_code == 200 and response["Content-Type"] == "application/zip"
    with zipfile.ZipFile(io.BytesIO(response.content)) as archive:
        assert len(archive.read("records.jsonl").splitlines()) == 6
    missing = signed_in.get("/trao-doi/nhat-ky/trich-xuat/?tu=" + today)
    assert missing.status_code == 400 and "ngày kết thúc" in missing.content.decode()


@pytest.fixture
def failed_changes(settings):
    settings.TINHSO_NATIONAL_PORTAL_URL = ""
    dossiers = [dossier_in_state(State.RECEIVED) for _ in range(2)]
    OutboxEntry.objects.filter(action="submit_online").update(status=OutboxStatus.DEAD, attempts=10,
                                                              last_error="HTTP 503")
    return dossiers


@pytest.mark.django_db
def test_the_portal_page_lists_waiting_and_failed_changes_and_retries_them(signed_in, failed_changes, admin_user):
    page = signed_in.get("/trao-doi/cong-quoc-gia/?trang-thai=dead").content.decode()
    assert "HTTP 503" in page and "Chưa cấu hình địa chỉ cổng quốc gia" in page
    assert all(d.code in page for d in failed_changes)
    dead = list(OutboxEntry.objects.filter(status=OutboxStatus.DEAD).order_by("id"))
    response = signed_in.post("/trao-doi/cong-quoc-gia/gui-lai/", {"entry": [dead[0].pk]})
    assert response.status_code == 302
    assert OutboxEntry.objects.filter(status=OutboxStatus.DEAD).count() == 1
    assert AuditEntry.objects.filter(object_type="exchange.outboxentry", actor=admin_user).exists()
    signed_in.post("/trao-doi/cong-quoc-gia/gui-lai/", {"all": "1"})
    assert not OutboxEntry.objects.filter(status=OutboxStatus.DEAD).exists()


@pytest.mark.django_db
def test_the_portal_page_costs_the_same_queries_for_few_and_many_changes(signed_in, settings):
    settings.TINHSO_NATIONAL_PORTAL_URL = ""
    dossier_in_state(State.RECEIVED)
    with CaptureQueriesContext(connection) as few:
        signed_in.get("/trao-doi/cong-quoc-gia/")
    for _ in range(3):
        dossier_in_state(State.IN_PROGRESS)
    with CaptureQueriesContext(connection) as many:
        signed_in.get("/trao-doi/cong-quoc-gia/")
    assert len(many.captured_queries) == len(few.captured_queries)


@pytest.mark.django_db
def test_pulling_the_catalogue_from_the_page_keeps_its_report(signed_in, settings):
    from tinhso.testing.national_portal import StandInPortal

    agency = AgencyFactory()
    with StandInPortal() as portal:
        portal.catalogue = [{"code": "1.040001", "name": "Thủ tục kéo về", "field": {"code": "KV", "name": "Kéo về"},
                             "level": "province", "time_limit": 3, "result": "Văn bản",
                             "agencies": [agency.identifier]}]
        settings.TINHSO_NATIONAL_PORTAL_URL = portal.url
        settings.TINHSO_NATIONAL_PORTAL_SYSTEM_ID = portal.system_id
        settings.TINHSO_NATIONAL_PORTAL_SECRET = portal.secret
        signed_in.post("/trao-doi/cong-quoc-gia/lay-danh-muc/")  # the tests' task queue runs it at once
    page = signed_in.get("/trao-doi/cong-quoc-gia/").content.decode()
    assert "Các lần lấy gần đây" in page
    from tinhso.exchange.models import CatalogueSync

    sync = CatalogueSync.objects.get()
    report = signed_in.get(f"/trao-doi/cong-quoc-gia/danh-muc/{sync.pk}/").content.decode()
    assert "1.040001" in report and "Thủ tục mới" in report


# -- API -----------------------------------------------------------------------------------------------------

@pytest.mark.django_db
def test_the_api_grants_lists_and_revokes_rights_on_the_audit_chain(signed_in, pki, trusted, admin_user):
    enrol(pki, CLIENT, "Tỉnh Hà Tĩnh")
    created = signed_in.post("/api/exchange/rights", {"client": CLIENT, "service": "agencies", "method": "GET",
                                                      "path": "/agencies/*", "note": "CV 12/UBND"},
                             content_type="application/json")
    assert created.status_code == 201, created.content
    right = created.json()
    assert (right["client"], right["service"], right["granted_by"]) == (CLIENT, "agencies", admin_user.username)
    listed = signed_in.get(f"/api/exchange/rights?client={CLIENT}").json()
    assert listed["count"] == 1
    again = signed_in.post("/api/exchange/rights", {"client": CLIENT, "service": "agencies", "method": "GET",
                                                    "path": "/agencies/*"}, content_type="application/json")
    assert again.status_code == 409 and "đã được cấp" in again.json()["detail"]
    wrong = signed_in.post("/api/exchange/rights", {"client": CLIENT, "service": "agencies", "path": "/khong-co"},
                           content_type="application/json")
    assert wrong.status_code == 422
    assert signed_in.delete(f"/api/exchange/rights/{right['id']}").status_code == 204
    assert not AccessRight.objects.exists()
    assert list(AuditEntry.objects.filter(object_type="exchange.accessright").values_list("action", flat=True)) == [
        "create", "delete"]


@pytest.mark.django_db
def test_the_api_is_for_platform_administrators_only(client):
    assert client.get("/api/exchange/services").status_code == 401
    client.force_login(UserFactory())
    assert client.get("/api/exchange/services").status_code == 403


@pytest.mark.django_db
def test_the_api_searches_the_log_and_tells_the_sealing_status(signed_in, logged):
    found = signed_in.get("/api/exchange/log?request_id=page-2").json()
    assert found["count"] == 2 and {r["kind"] for r in found["items"]} == {"request", "response"}
    assert signed_in.get("/api/exchange/log?direction=sideways").status_code == 422
    assert signed_in.get("/api/exchange/outbox?status=lost").status_code == 422
    status = signed_in.get("/api/exchange/log/status").json()
    assert status["unchained"] == 6 and status["overdue"] is False
    with CaptureQueriesContext(connection) as queries:
        assert signed_in.get("/api/exchange/log").json()["count"] == 6
    assert len(queries.captured_queries) <= 8


@pytest.mark.django_db
def test_the_api_lists_and_retries_the_dead_letters(signed_in, failed_changes):
    dead = signed_in.get("/api/exchange/outbox?status=dead").json()
    assert dead["count"] == 2
    assert signed_in.post("/api/exchange/outbox/retry", {"all": True}, content_type="application/json").json() == {
        "retried": 2}


# -- admin ----------------------------------------------------------------------------------------------------

@pytest.mark.django_db
def test_the_admin_registers_a_certificate_and_refuses_a_right_on_no_endpoint(client, pki):
    client.force_login(UserFactory(superuser=True))
    credential = pki.issue_tls_client(CLIENT)
    data = {"instance": "VN", "member_class": "GOV", "member_code": "000.00.00.H42", "subsystem_code": "tinhso",
            "name": "Tỉnh Hà Tĩnh", "active": "on", "agency": "", "address": "",
            "certificates-TOTAL_FORMS": "1", "certificates-INITIAL_FORMS": "0",
            "certificates-0-certificate_pem": credential.cert_pem.decode(), "certificates-0-revoked_at": ""}
    response = client.post("/admin/exchange/member/add/", data)
    assert response.status_code == 302, response.content.decode()[-2000:]
    member = services.find_member(CLIENT)
    assert member.certificates.get().serial_number == format(credential.serial_number, "x")
    service = Service.objects.get(code="agencies")
    refused = client.post("/admin/exchange/accessright/add/", {"client": member.pk, "service": service.pk,
                                                               "method": "GET", "path": "/khong-co", "note": ""})
    assert refused.status_code == 200 and "không có điểm truy cập" in refused.content.decode()
    client.post("/admin/exchange/accessright/add/", {"client": member.pk, "service": service.pk, "method": "get",
                                                     "path": "/agencies", "note": ""})
    assert AccessRight.objects.get().method == "GET"


# -- the operations centre --------------------------------------------------------------------------------

@pytest.mark.django_db
def test_the_operations_centre_counts_synchronised_waiting_and_failed_dossiers(settings):
    from tinhso.common.indicators import ReadQuery, by_formula

    settings.TINHSO_NATIONAL_PORTAL_URL = ""
    mine, other = AgencyFactory(), AgencyFactory()
    kept = dossier_in_state(State.RECEIVED, agency=mine)  # two changes
    dossier_in_state(State.RECEIVED, agency=other)
    now = timezone.now()
    OutboxEntry.objects.filter(dossier_code=kept.code, action="submit_online").update(
        status=OutboxStatus.DELIVERED, delivered_at=now)
    OutboxEntry.objects.filter(dossier_code=kept.code, action="receive").update(
        created_at=now - datetime.timedelta(hours=5))
    today = timezone.localdate()
    query = ReadQuery(start=today, end=today + datetime.timedelta(days=1), agency_ids=None, at=now)
    scoped = ReadQuery(start=today, end=today + datetime.timedelta(days=1), agency_ids=(mine.pk,), at=now)
    synced = by_formula("exchange.portal_synchronised").reader
    pending = by_formula("exchange.portal_pending").reader
    oldest = by_formula("exchange.portal_oldest_pending").reader
    assert synced.read(query) == Decimal(1)
    assert pending.read(query) == Decimal(3) and pending.read(scoped) == Decimal(1)
    assert oldest.read(scoped) == Decimal("5.0")
    assert pending.counts_by(query, "agency")[other.pk]["changes"] == 2
    assert "trang-thai=pending" in pending.records(query, "agency", mine.pk)
