"""Serving calls: authentication by client certificate, access rights, scope, metaservices, and the headers and
errors of the protocol against the specification's examples."""

from __future__ import annotations

import datetime
import json
import uuid

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from tinhso.common.statements import original
from tinhso.directory.tests.factories import AgencyFactory, UserFactory
from tinhso.dossiers.models import State
from tinhso.dossiers.tests.factories import ProcedureWithRouteFactory, dossier_in_state
from tinhso.exchange import protocol, services
from tinhso.exchange.models import AccessRight, CertificateAuthority, MessageRecord
from tinhso.exchange.testing import LocalTransport, PeerCertificate, enrol

PROVIDER = "/r1/VN/GOV/000.00.00.H41/tinhso"
CLIENT = "VN/GOV/000.00.00.H42/tinhso"


def get(client, path, credential, *, caller=CLIENT, **extra):
    return client.get(PROVIDER + path, HTTP_X_ROAD_CLIENT=caller,
                      **{"gunicorn.socket": PeerCertificate(credential.cert_der if credential else None)}, **extra)


@pytest.fixture
def neighbour(pki, trusted):
    member, credential = enrol(pki, CLIENT, "Tỉnh Hà Tĩnh")
    return member, credential


@pytest.mark.django_db
def test_a_granted_member_gets_the_service_answer_with_the_x_road_headers(client, neighbour):
    member, credential = neighbour
    services.grant_access(member, "agencies")
    AgencyFactory(identifier="000.00.03.H41", name="Sở Tư pháp")
    message_id = str(uuid.uuid4())
    response = get(client, "/agencies/agencies?q=tu+phap", credential, HTTP_X_ROAD_ID=message_id)
    assert response.status_code == 200
    assert response.json() == client.get("/api/directory/agencies?q=tu+phap").json()
    # §4.3 / example 6.2: the headers the provider's side sets on a service's answer.
    assert response["X-Road-Id"] == message_id
    assert response["X-Road-Client"] == CLIENT
    assert response["X-Road-Service"] == "VN/GOV/000.00.00.H41/tinhso/agencies"
    uuid.UUID(response["X-Road-Request-Id"])
    assert "X-Road-Error" not in response
    headers = [("X-Road-Client", CLIENT), ("X-Road-Id", message_id),
               ("X-Road-Request-Id", response["X-Road-Request-Id"])]
    assert response["X-Road-Request-Hash"] == protocol.request_hash(
        "GET", PROVIDER + "/agencies/agencies?q=tu+phap", headers, b"")
    request, answer = MessageRecord.objects.filter(message_id=message_id).order_by("kind")
    assert (request.direction, request.client, request.service) == ("served", CLIENT,
                                                                     "VN/GOV/000.00.00.H41/tinhso/agencies")
    assert request.path == "VN/GOV/000.00.00.H41/tinhso/agencies/agencies?q=tu+phap"
    assert answer.status == 200 and answer.request_hash == response["X-Road-Request-Hash"]
    assert answer.body == response.content and answer.body_size == len(response.content)


@pytest.mark.django_db
def test_without_a_right_the_call_is_refused_and_logged(client, neighbour):
    _, credential = neighbour
    response = get(client, "/agencies/agencies", credential, HTTP_X_ROAD_ID="m-denied")
    assert response.status_code == 403
    assert response["X-Road-Error"] == "Client.AccessDenied"
    assert response.json()["detail"] == "m-denied"
    assert MessageRecord.objects.get(message_id="m-denied", kind="response").error_type == "Client.AccessDenied"


@pytest.mark.django_db
def test_a_right_on_one_endpoint_opens_only_that_endpoint(client, neighbour):
    member, credential = neighbour
    services.grant_access(member, "agencies", method="GET", path="/agencies")
    assert get(client, "/agencies/agencies", credential).status_code == 200
    assert get(client, "/agencies/agencies/000.00.00.H41", credential)["X-Road-Error"] == "Client.AccessDenied"


@pytest.mark.django_db
def test_what_a_service_does_not_expose_stays_closed_whatever_the_right(client, neighbour):
    member, credential = neighbour
    services.grant_access(member, "dossier-status")
    # The dossier API lists and accepts submissions at /api/dossiers/; the service exposes neither.
    listing = get(client, "/dossier-status/", credential)
    assert listing.status_code == 403 and listing["X-Road-Error"] == "Client.AccessDenied"
    submit = client.post(PROVIDER + "/dossier-status/", data=b"{}", content_type="application/json",
                         HTTP_X_ROAD_CLIENT=CLIENT, **{"gunicorn.socket": PeerCertificate(credential.cert_der)})
    assert submit["X-Road-Error"] == "Client.AccessDenied"


@pytest.mark.django_db
def test_path_tricks_are_refused(client, neighbour):
    member, credential = neighbour
    services.grant_access(member, "agencies")
    for path in ("/agencies/../dossiers/x", "/agencies/agencies%2F..%2F..%2Fadmin"):
        response = get(client, path, credential)
        assert response["X-Road-Error"] == "Client.BadRequest", path


@pytest.mark.django_db
def test_a_disabled_service_says_so(client, neighbour):
    member, credential = neighbour
    services.grant_access(member, "agencies")
    services.set_service_state("agencies", enabled=False, notice="Bảo trì đến 17:00")
    response = get(client, "/agencies/agencies", credential)
    assert response.status_code == 403 and response["X-Road-Error"] == "Client.ServiceDisabled"
    assert "Bảo trì đến 17:00" in response.json()["message"]


@pytest.mark.django_db
def test_unknown_services_and_providers_are_client_faults(client, neighbour):
    _, credential = neighbour
    unknown = get(client, "/khong-co/x", credential)
    assert unknown.status_code == 404 and unknown["X-Road-Error"] == "Client.UnknownService"
    elsewhere = client.get("/r1/VN/GOV/000.00.00.H14/tinhso/agencies/agencies", HTTP_X_ROAD_CLIENT=CLIENT,
                           **{"gunicorn.socket": PeerCertificate(credential.cert_der)})
    assert elsewhere.status_code == 404 and elsewhere["X-Road-Error"] == "Client.UnknownService"


@pytest.mark.django_db
def test_a_member_reads_dossiers_only_within_its_scope_and_others_look_like_nothing(client, pki, trusted):
    mine = AgencyFactory(identifier="000.00.10.H41")
    other = AgencyFactory()
    member, credential = enrol(pki, "VN/GOV/000.00.10.H41/motcua", "Trung tâm Phục vụ hành chính công")
    assert member.agency == mine  # scope from the member code by default
    services.grant_access(member, "dossier-status")
    own = dossier_in_state(State.IN_PROGRESS, version=ProcedureWithRouteFactory(agency=mine), agency=mine)
    foreign = dossier_in_state(State.IN_PROGRESS, version=ProcedureWithRouteFactory(agency=other), agency=other)
    caller = "VN/GOV/000.00.10.H41/motcua"
    answer = get(client, f"/dossier-status/{own.code}", credential, caller=caller)
    assert answer.status_code == 200 and answer.json()["state"] == "in_progress"
    assert answer.json()["applicant_id_number"].startswith("•")
    events = get(client, f"/dossier-status/{own.code}/events", credential, caller=caller)
    assert [e["action"] for e in events.json()][:2] == ["submit_online", "receive"]
    hidden = get(client, f"/dossier-status/{foreign.code}", credential, caller=caller)
    missing = get(client, "/dossier-status/000.00.10.H41-260101-9999", credential, caller=caller)
    assert hidden.status_code == missing.status_code == 404
    assert hidden.json() == missing.json() and "X-Road-Error" not in hidden  # the service's own answer


@pytest.mark.django_db
def test_the_callers_own_cookies_and_tokens_do_not_reach_the_service(client, neighbour):
    member, credential = neighbour  # a member outside the province: no scope
    services.grant_access(member, "dossier-status")
    dossier = dossier_in_state(State.RECEIVED)
    client.force_login(UserFactory(superuser=True))
    answer = get(client, f"/dossier-status/{dossier.code}", credential, HTTP_AUTHORIZATION="Bearer ts_forged")
    assert answer.status_code == 401  # the router's own answer: no identity but the member's, which has none


@pytest.mark.django_db
def test_indicator_values_for_a_member_acting_for_the_province(client, pki, trusted):
    committee = AgencyFactory(identifier="000.00.00.H41", name="Ủy ban nhân dân tỉnh Nghệ An")
    AgencyFactory(parent=committee)
    member, credential = enrol(pki, "VN/GOV/G12/thongke", "Bộ Tài chính — Cục Thống kê", agency=committee)
    services.grant_access(member, "indicators")
    answer = get(client, "/indicators/values?ky=2026", credential, caller="VN/GOV/G12/thongke")
    assert answer.status_code == 200
    assert {"code", "value", "target", "status"} <= set(answer.json()[0])


@pytest.mark.django_db
def test_list_methods_allowed_methods_and_get_openapi(client, neighbour):
    member, credential = neighbour
    services.grant_access(member, "agencies", method="GET", path="/agencies/*")
    services.grant_access(member, "dossier-status")
    listed = get(client, "/listMethods", credential).json()["service"]
    codes = [s["service_code"] for s in listed]
    assert {"agencies", "procedures", "dossier-status", "indicators"} <= set(codes)
    assert not {"listMethods", "allowedMethods", "getOpenAPI"} & set(codes)
    agencies = next(s for s in listed if s["service_code"] == "agencies")
    # Annex B.1 of the service metadata protocol for REST.
    assert agencies == {"member_class": "GOV", "member_code": "000.00.00.H41", "object_type": "SERVICE",
                        "service_code": "agencies", "service_type": "OPENAPI", "subsystem_code": "tinhso",
                        "xroad_instance": "VN", "endpoint_list": [{"method": "GET", "path": "/agencies"},
                                                                  {"method": "GET", "path": "/agencies/*"}]}
    answer = get(client, "/allowedMethods", credential).json()
    allowed = {s["service_code"]: s["endpoint_list"] for s in answer["service"]}
    assert allowed == {"agencies": [{"method": "GET", "path": "/agencies/*"}],
                       "dossier-status": [{"method": "GET", "path": "/*"}, {"method": "GET", "path": "/*/events"}]}
    described = get(client, "/getOpenAPI?serviceCode=procedures", credential)
    assert described.status_code == 200
    document = described.json()
    assert document["servers"][0]["url"].endswith("/r1/VN/GOV/000.00.00.H41/tinhso/procedures")
    assert "/procedures/{code}" in document["paths"]
    assert get(client, "/getOpenAPI?serviceCode=khong-co", credential)["X-Road-Error"] == "Client.UnknownService"
    assert get(client, "/getOpenAPI", credential)["X-Road-Error"] == "Client.BadRequest"


# -- certificates ------------------------------------------------------------------------------------------

@pytest.mark.django_db
def test_an_unregistered_certificate_is_refused(client, pki, neighbour):
    member, _ = neighbour
    services.grant_access(member, "agencies")
    stranger = pki.issue_tls_client(CLIENT)
    response = get(client, "/agencies/agencies", stranger)
    assert response.status_code == 401 and response["X-Road-Error"] == "Client.SslAuthenticationFailed"
    assert "chưa được đăng ký" in response.json()["message"]


@pytest.mark.django_db
def test_a_certificate_of_another_member_cannot_speak_for_this_one(client, pki, neighbour):
    member, _ = neighbour
    services.grant_access(member, "agencies")
    _, other = enrol(pki, "VN/GOV/000.00.00.H14/tinhso", "Tỉnh Cao Bằng")
    response = get(client, "/agencies/agencies", other)
    assert response["X-Road-Error"] == "Client.SslAuthenticationFailed"
    assert "VN/GOV/000.00.00.H14/tinhso" in response.json()["message"]


@pytest.mark.django_db
def test_a_member_certificate_covers_its_subsystems_and_a_subsystem_certificate_only_itself(client, pki, trusted):
    member, member_credential = enrol(pki, "VN/GOV/000.00.00.H42", "Tỉnh Hà Tĩnh")
    subsystem = services.register_member("VN/GOV/000.00.00.H42/dvc", "Tỉnh Hà Tĩnh — DVC")
    services.grant_access(subsystem, "agencies")
    assert get(client, "/agencies/agencies", member_credential, caller="VN/GOV/000.00.00.H42/dvc").status_code == 200
    _, sub_credential = enrol(pki, "VN/GOV/000.00.00.H42/dvc", "Tỉnh Hà Tĩnh — DVC")
    services.grant_access(member, "agencies")
    refused = get(client, "/agencies/agencies", sub_credential, caller="VN/GOV/000.00.00.H42")
    assert refused["X-Road-Error"] == "Client.SslAuthenticationFailed"


@pytest.mark.django_db
def test_an_expired_certificate_is_refused(client, pki, trusted):
    start = timezone.now() - datetime.timedelta(days=30)
    member, credential = enrol(pki, CLIENT, "Tỉnh Hà Tĩnh", valid_from=start, days=10)
    services.grant_access(member, "agencies")
    response = get(client, "/agencies/agencies", credential)
    assert response["X-Road-Error"] == "Client.SslAuthenticationFailed" and "hết hạn" in response.json()["message"]


@pytest.mark.django_db
def test_a_certificate_on_the_crl_is_refused_once_the_crl_is_fetched(client, pki, neighbour, trusted):
    member, credential = neighbour
    services.grant_access(member, "agencies")
    assert get(client, "/agencies/agencies", credential).status_code == 200
    pki.revoke(credential)
    try:
        services.store_crl(CertificateAuthority.objects.get(), pki.crl_der())
        response = get(client, "/agencies/agencies", credential)
        assert response["X-Road-Error"] == "Client.SslAuthenticationFailed"
        assert "danh sách thu hồi" in response.json()["message"]
    finally:
        pki.revoked.pop(credential.serial_number)


@pytest.mark.django_db
def test_an_administrator_can_revoke_a_certificate_at_once(client, neighbour):
    member, credential = neighbour
    services.grant_access(member, "agencies")
    services.revoke_certificate(member.certificates.get())
    assert get(client, "/agencies/agencies", credential)["X-Road-Error"] == "Client.SslAuthenticationFailed"


@pytest.mark.django_db
def test_an_out_of_date_crl_is_the_gateways_fault(client, neighbour):
    member, credential = neighbour
    services.grant_access(member, "agencies")
    CertificateAuthority.objects.update(crl_next_update=timezone.now() - datetime.timedelta(hours=1))
    response = get(client, "/agencies/agencies", credential)
    assert response.status_code == 503 and response["X-Road-Error"] == "Server.ServerProxy.OutdatedRevocationList"


@pytest.mark.django_db
def test_a_certificate_from_an_untrusted_ca_is_refused(client, neighbour):
    from tinhso.testing.pki import TestPKI

    member, _ = neighbour
    services.grant_access(member, "agencies")
    foreign = TestPKI.create("CA lạ").issue_tls_client(CLIENT)
    services.add_certificate(member, foreign.cert_pem)  # registered, but its CA is not trusted
    response = get(client, "/agencies/agencies", foreign)
    assert response["X-Road-Error"] == "Client.SslAuthenticationFailed"
    assert "tin cậy" in response.json()["message"]


# -- rights on the audit chain, the client against our own gateway, cost ----------------------------------

@pytest.mark.django_db
def test_granting_and_revoking_a_right_is_on_the_audit_chain(neighbour):
    from tinhso.common.audit import AuditEntry

    member, _ = neighbour
    admin = UserFactory(superuser=True)
    right = services.grant_access(member, "agencies", note="Công văn 12/UBND-KSTT", by=admin)
    services.revoke_access(right)
    actions = list(AuditEntry.objects.filter(object_type="exchange.accessright").values_list("action", flat=True))
    assert actions == ["create", "delete"]
    with pytest.raises(services.ExchangeError) as caught:
        services.grant_access(member, "agencies", method="GET", path="/khong-co")
    assert caught.value.field == "path"


@pytest.mark.django_db
def test_the_client_calls_our_own_gateway_end_to_end(neighbour):
    from tinhso.exchange.client import call
    from tinhso.exchange.conf import own_subsystem

    member, credential = neighbour
    services.grant_access(member, "procedures")
    answer = call(own_subsystem().service("procedures"), "/fields", client=member.client_id,
                  transport=LocalTransport(credential))
    assert answer.ok and answer.request_hash_ok is True and answer.json() == {"items": [], "count": 0}
    kinds = set(MessageRecord.objects.filter(message_id=answer.message_id).values_list("direction", "kind"))
    assert kinds == {("made", "request"), ("made", "response"), ("served", "request"), ("served", "response")}


@pytest.mark.django_db
def test_a_gateway_call_costs_the_service_and_one_insert(client, neighbour):
    member, credential = neighbour
    services.grant_access(member, "agencies")
    AgencyFactory.create_batch(3)
    get(client, "/agencies/agencies", credential)  # warm: the registers are read once per process
    with CaptureQueriesContext(connection) as direct:
        client.get("/api/directory/agencies")
    with CaptureQueriesContext(connection) as through:
        assert get(client, "/agencies/agencies", credential).status_code == 200
    extra = [original(q["sql"]) for q in through.captured_queries[len(direct.captured_queries):]]
    assert len(through.captured_queries) == len(direct.captured_queries) + 1, extra
    assert "exchange_messagerecord" in extra[0]
    assert AccessRight.objects.count() == 1


def test_json_errors_match_the_specification_example_3():
    body, content_type = protocol.error_body(protocol.XRoadError(protocol.BAD_REQUEST, "x"), "018c")
    assert content_type == "application/json; charset=utf-8"
    assert list(json.loads(body)) == ["type", "message", "detail"]
