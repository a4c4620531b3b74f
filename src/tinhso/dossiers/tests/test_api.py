"""The dossier API: token and session auth, scope, idempotent submission, transitions, documents."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from tinhso.directory.models import Role
from tinhso.directory.tests.factories import AgencyFactory
from tinhso.dossiers.models import Dossier, DossierDocument, State
from tinhso.dossiers.tests.factories import (
    ProcedureWithRouteFactory,
    api_token,
    citizen,
    dossier_in_state,
    officer,
    received_dossier,
    submitted_dossier,
)

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.7\n1 0 obj<<>>endobj\n%%EOF\n"


@pytest.fixture
def agency():
    return AgencyFactory(identifier="000.00.12.H41", name="Sở Khoa học và Công nghệ")


@pytest.fixture
def version(agency):
    return ProcedureWithRouteFactory(agency=agency)


@pytest.fixture
def token(agency):
    return api_token(agency)[1]


def bearer(raw: str) -> dict:
    return {"HTTP_AUTHORIZATION": f"Bearer {raw}"}


def body(version, agency, **applicant) -> dict:
    return {
        "procedure": version.procedure.code, "receiving_agency": agency.identifier,
        "applicant": {"name": "Lê Văn Cường", "id_number": "040201000123", "email": "cuong@example.vn",
                      **applicant},
    }


def test_requests_without_valid_credentials_are_refused(client, agency):
    assert client.get("/api/dossiers/").status_code == 401
    assert client.get("/api/dossiers/", **bearer("ts_not-a-token")).status_code == 401
    token, raw = api_token(agency)
    token.revoked_at = timezone.now()
    token.save()
    assert client.get("/api/dossiers/", **bearer(raw)).status_code == 401


def test_a_token_submits_a_dossier_for_its_agency(client, version, agency, token):
    response = client.post("/api/dossiers/", body(version, agency), content_type="application/json",
                           **bearer(token))
    assert response.status_code == 201, response.content
    data = response.json()
    assert data["code"] == Dossier.objects.get().code and data["state"] == State.SUBMITTED
    assert data["applicant_id_number"] == "••••••••0123"


def test_a_token_cannot_submit_to_another_agency(client, version, token):
    other = AgencyFactory()
    version2 = ProcedureWithRouteFactory(agency=other)
    response = client.post("/api/dossiers/", body(version2, other), content_type="application/json",
                           **bearer(token))
    assert response.status_code == 403 and response.json()["detail"]
    assert not Dossier.objects.exists()


def test_bad_applicant_data_gets_a_vietnamese_400(client, version, agency, token):
    response = client.post("/api/dossiers/", body(version, agency, id_number="12"), content_type="application/json",
                           **bearer(token))
    assert response.status_code == 400 and "12 chữ số" in response.json()["detail"]


def test_a_retry_with_the_same_idempotency_key_returns_the_same_dossier(client, version, agency, token):
    headers = {**bearer(token), "HTTP_IDEMPOTENCY_KEY": "portal-7f3a"}
    first = client.post("/api/dossiers/", body(version, agency), content_type="application/json", **headers)
    second = client.post("/api/dossiers/", body(version, agency), content_type="application/json", **headers)
    assert (first.status_code, second.status_code) == (201, 200)
    assert first.json()["code"] == second.json()["code"] and Dossier.objects.count() == 1
    changed = client.post("/api/dossiers/", body(version, agency, name="Người khác"),
                          content_type="application/json", **headers)
    assert changed.status_code == 422 and "Idempotency-Key" in changed.json()["detail"]
    assert Dossier.objects.count() == 1


def test_transitions_check_the_version_and_give_reasons(client, version, agency, token):
    dossier = submitted_dossier(version, agency)
    url = f"/api/dossiers/{dossier.code}/transitions/"
    stale = client.post(url + "receive", {"expected_version": 0}, content_type="application/json", **bearer(token))
    assert stale.status_code == 409
    assert stale.json()["detail"] == "Hồ sơ đã được người khác thay đổi. Vui lòng tải lại trang."
    invalid = client.post(url + "approve", {"expected_version": 1}, content_type="application/json",
                          **bearer(token))
    assert invalid.status_code == 409 and "phê duyệt" in invalid.json()["detail"]
    done = client.post(url + "receive", {"expected_version": 1}, content_type="application/json", **bearer(token))
    assert done.status_code == 200 and done.json()["state"] == State.RECEIVED and done.json()["version"] == 2
    events = client.get(f"/api/dossiers/{dossier.code}/events", **bearer(token)).json()
    assert [e["action"] for e in events] == ["submit_online", "receive"]


def test_an_officer_session_can_act_within_its_role(client, version, agency):
    dossier = received_dossier(version, agency)
    handler = officer(Role.HANDLER, agency)
    client.force_login(handler)
    url = f"/api/dossiers/{dossier.code}/transitions/"
    denied = client.post(url + "approve", {"expected_version": dossier.version}, content_type="application/json")
    assert denied.status_code == 409  # not at the approval step yet
    moved = client.post(url + "forward", {"expected_version": dossier.version}, content_type="application/json")
    assert moved.status_code == 200
    refused = client.post(url + "approve", {"expected_version": moved.json()["version"]},
                          content_type="application/json")
    assert refused.status_code == 403


def test_officers_cannot_cross_agency_lines(client, version, agency):
    dossier = received_dossier(version, agency)
    outsider = officer(Role.HANDLER, AgencyFactory())
    client.force_login(outsider)
    assert client.get("/api/dossiers/").json()["count"] == 0
    missing = client.get("/api/dossiers/000.00.12.H41-990101-0001")
    hidden = client.get(f"/api/dossiers/{dossier.code}")
    assert hidden.status_code == missing.status_code == 404 and hidden.json() == missing.json()
    assert client.get(f"/api/dossiers/{dossier.code}/events").status_code == 404
    post = client.post(f"/api/dossiers/{dossier.code}/transitions/forward", {"expected_version": dossier.version},
                       content_type="application/json")
    assert post.status_code == 404


def test_a_token_sees_only_its_agencys_dossiers(client, version, agency, token):
    mine = submitted_dossier(version, agency)
    other = AgencyFactory()
    theirs = submitted_dossier(ProcedureWithRouteFactory(agency=other), other)
    listed = client.get("/api/dossiers/", **bearer(token)).json()
    assert [item["code"] for item in listed["items"]] == [mine.code]
    assert client.get(f"/api/dossiers/{theirs.code}", **bearer(token)).status_code == 404


def test_a_citizen_sees_only_their_own_dossiers(client, version, agency):
    owner, stranger = citizen(), citizen()
    dossier = submitted_dossier(version, agency, user=owner)
    client.force_login(stranger)
    assert client.get(f"/api/dossiers/{dossier.code}").status_code == 404
    client.force_login(owner)
    assert client.get(f"/api/dossiers/{dossier.code}").json()["code"] == dossier.code


def test_the_list_filters_paginates_and_keeps_a_constant_query_count(client, version, agency, token,
                                                                     steady_calendar):
    for _ in range(3):
        submitted_dossier(version, agency)
    received = received_dossier(version, agency)
    by_state = client.get("/api/dossiers/?state=received", **bearer(token)).json()
    assert [item["code"] for item in by_state["items"]] == [received.code]
    assert client.get(f"/api/dossiers/?q={received.code}", **bearer(token)).json()["count"] == 1
    with CaptureQueriesContext(connection) as few:
        client.get("/api/dossiers/", **bearer(token))
    for _ in range(5):
        dossier_in_state(State.IN_PROGRESS, version, agency)
    with CaptureQueriesContext(connection) as many:
        page = client.get("/api/dossiers/", **bearer(token)).json()
    assert page["count"] == 9
    assert len(many) == len(few)


def test_documents_upload_and_download_within_scope(client, version, agency, token):
    dossier = received_dossier(version, agency)
    url = f"/api/dossiers/{dossier.code}/documents"
    uploaded = client.post(url, {"file": SimpleUploadedFile("giay-phep.pdf", PDF)}, **bearer(token))
    assert uploaded.status_code == 201, uploaded.content
    document_id = uploaded.json()["id"]
    download = client.get(f"{url}/{document_id}", **bearer(token))
    assert download.status_code == 200 and b"".join(download.streaming_content) == PDF
    assert download["Content-Type"] == "application/pdf"
    rejected = client.post(url, {"file": SimpleUploadedFile("giay-phep.pdf", b"MZ\x90\x00" + b"\0" * 64)},
                           **bearer(token))
    assert rejected.status_code == 400 and "không phải định dạng" in rejected.json()["detail"]
    assert DossierDocument.objects.count() == 1
    other_token = api_token(AgencyFactory())[1]
    assert client.get(f"{url}/{document_id}", **bearer(other_token)).status_code == 404


def test_the_admin_shows_a_new_tokens_secret_once_and_stores_only_its_hash(client, agency):
    from tinhso.directory.tests.factories import UserFactory
    from tinhso.dossiers.models import ApiToken

    admin = UserFactory(superuser=True)
    client.force_login(admin)
    response = client.post("/admin/dossiers/apitoken/add/", {"agency": agency.pk, "name": "Cổng DVC tỉnh"},
                           follow=True)
    assert response.status_code == 200
    shown = next(str(m) for m in response.context["messages"] if "ts_" in str(m))
    raw = shown[shown.index("ts_"):].strip()
    token = ApiToken.objects.get()
    assert token.token_hash == ApiToken.hash(raw) and raw not in str(token.__dict__)
    assert client.get("/api/dossiers/", **bearer(raw)).status_code == 200
    assert client.get("/admin/dossiers/dossier/").status_code == 200
