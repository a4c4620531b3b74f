"""The protocol's headers, request hash and error answers (PR-REST §4.3, §4.6), through the gateway."""

import base64
import hashlib
import json

import pytest

from tinhso.exchange import protocol
from tinhso.exchange.models import MessageRecord, Service

SERVICE = "/r1/VN/GOV/000.00.00.H41/tinhso/agencies/agencies"
CLIENT = "VN/GOV/000.00.00.H42/tinhso"


def test_the_request_hash_is_sha512_of_message_and_body_as_the_reference_server_computes():
    headers = [("X-Road-Client", CLIENT), ("x-road-id", "m-1"), ("X-Road-Request-Id", "r-1"),
               ("Accept", "application/json")]
    message = b"POST\r\n/r1/VN/GOV/X/Y/svc/p?a=1\r\nx-road-client:VN/GOV/000.00.00.H42/tinhso\r\n" \
              b"x-road-id:m-1\r\nx-road-request-id:r-1\r\n"
    body = b'{"a": 1}'
    expected = hashlib.sha512(hashlib.sha512(message).digest() + hashlib.sha512(body).digest()).digest()
    assert protocol.request_message("post", "/r1/VN/GOV/X/Y/svc/p?a=1", headers) == message
    assert protocol.request_hash("POST", "/r1/VN/GOV/X/Y/svc/p?a=1", headers, body) == \
        base64.b64encode(expected).decode()
    # Without a body only the message is hashed (§4.3 "Request hash header").
    assert protocol.request_hash("GET", "/r1/x", headers, b"") == \
        base64.b64encode(hashlib.sha512(protocol.request_message("GET", "/r1/x", headers)).digest()).decode()


def test_an_error_body_is_the_protocols_json_with_the_x_road_error_header():
    error = protocol.XRoadError(protocol.BAD_REQUEST, "Sai định dạng.", "Malformed.")
    response = protocol.error_response(error, "018cbcae-537e-421b-b6f6-2608dc97bd90")
    # Example 3 (category 3) of the specification.
    assert response.status_code == 400
    assert response["X-Road-Error"] == "Client.BadRequest"
    assert response["Content-Type"] == "application/json; charset=utf-8"
    assert json.loads(response.content) == {"type": "Client.BadRequest", "message": "Sai định dạng.",
                                            "detail": "018cbcae-537e-421b-b6f6-2608dc97bd90"}
    english = protocol.error_response(error, "d", english=True)
    assert json.loads(english.content)["message"] == "Malformed."


def test_an_error_body_is_xml_when_the_caller_accepts_only_xml():
    error = protocol.XRoadError(protocol.INTERNAL_ERROR, "Lỗi <nội bộ>.")
    response = protocol.error_response(error, "3c4d", accept="application/xml")
    assert response.status_code == 500
    assert response["Content-Type"] == "application/xml; charset=utf-8"
    assert b"<type>Server.ServerProxy.InternalError</type>" in response.content
    assert b"<message>L\xe1\xbb\x97i &lt;n\xe1\xbb\x99i b\xe1\xbb\x99&gt;.</message>" in response.content


def test_client_faults_are_4xx_and_server_faults_5xx():
    kinds = [value for value in vars(protocol).values() if isinstance(value, protocol.ErrorKind)]
    assert kinds
    for kind in kinds:
        if kind.type.startswith("Client."):
            assert 400 <= kind.status < 500, kind
        else:
            assert kind.type.startswith("Server.") and 500 <= kind.status < 600, kind


def _logged(message_id):
    return list(MessageRecord.objects.filter(message_id=message_id).order_by("kind"))


@pytest.mark.django_db
def test_another_protocol_version_gets_client_invalid_protocol_version(client):
    response = client.get("/r2/VN/GOV/000.00.00.H41/tinhso/agencies", HTTP_X_ROAD_CLIENT=CLIENT)
    assert response.status_code == 404  # not the gateway's path at all


@pytest.mark.django_db
def test_a_path_without_the_service_gets_client_invalid_service_identifier(client):
    response = client.get("/r1/VN/GOV/000.00.00.H41", HTTP_X_ROAD_CLIENT=CLIENT, HTTP_X_ROAD_ID="m-path")
    assert response.status_code == 400
    assert response["X-Road-Error"] == "Client.InvalidServiceIdentifier"
    body = response.json()
    assert set(body) == {"type", "message", "detail"}
    assert body["detail"] == "m-path"
    request, answer = _logged("m-path")
    assert (request.kind, answer.kind) == ("request", "response")
    assert answer.status == 400 and answer.error_type == "Client.InvalidServiceIdentifier"


@pytest.mark.django_db
def test_a_missing_client_header_gets_client_invalid_client_identifier(client):
    response = client.get(SERVICE, HTTP_X_ROAD_ID="m-noclient")
    assert response.status_code == 400
    assert response["X-Road-Error"] == "Client.InvalidClientIdentifier"
    assert "X-Road-Client" in response.json()["message"]
    assert "X-Road-Id" not in response  # error answers carry the error header, as the examples show


@pytest.mark.django_db
def test_a_client_without_a_certificate_gets_client_ssl_authentication_failed(client):
    response = client.get(SERVICE, HTTP_X_ROAD_CLIENT=CLIENT, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 401
    assert response["X-Road-Error"] == "Client.SslAuthenticationFailed"
    assert response.json()["message"] == "No TLS client certificate was presented."


@pytest.mark.django_db
def test_a_body_over_the_limit_is_refused_before_anything_else(client, settings):
    settings.TINHSO_EXCHANGE_MAX_REQUEST_BYTES = 10
    response = client.post(SERVICE, data=b"x" * 11, content_type="application/octet-stream",
                           HTTP_X_ROAD_CLIENT=CLIENT)
    assert response.status_code == 413
    assert response["X-Road-Error"] == "Client.RequestTooLarge"


@pytest.mark.django_db
def test_every_offered_service_has_its_row_after_migrate():
    assert {"agencies", "procedures", "dossier-status", "indicators"} <= set(
        Service.objects.values_list("code", flat=True))
