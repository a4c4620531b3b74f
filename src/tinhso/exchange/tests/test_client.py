"""Calling another member: the request a module's call becomes, retries, faults, and the log of each attempt."""

import json

import pytest

from tinhso.exchange import protocol
from tinhso.exchange.client import CallFailed, TransportFault, call
from tinhso.exchange.models import MessageRecord

SERVICE = "VN/GOV/000.00.00.H42/tinhso/document-inbox"


class Scripted:
    """A transport answering from a script: each item is (status, headers, body) or a TransportFault."""

    def __init__(self, *answers):
        self.answers = list(answers)
        self.sent = []

    def send(self, method, target, headers, body, timeout):
        self.sent.append((method, target, headers, body))
        answer = self.answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        if callable(answer):
            return answer(method, target, headers, body)
        return answer


def echo_hash(method, target, headers, body):
    """What a provider's gateway answers: its own body, and the request hash it computed."""
    return 200, [("Content-Type", "application/json"),
                 ("X-Road-Request-Hash", protocol.request_hash(method, target, headers, body))], b'{"ok": true}'


def _error(kind, status):
    body = json.dumps({"type": kind, "message": "x", "detail": "d"}).encode()
    return status, [("X-Road-Error", kind), ("Content-Type", "application/json")], body


@pytest.fixture(autouse=True)
def _no_sleep(monkeypatch):
    monkeypatch.setattr("tinhso.exchange.client.time.sleep", lambda seconds: None)


@pytest.mark.django_db
def test_a_call_is_a_protocol_request_and_its_answer_is_checked_against_the_request_hash():
    transport = Scripted(echo_hash)
    answer = call(SERVICE, "/packages", method="POST", json={"a": 1}, transport=transport,
                  idempotency_key="k-1", user_id="VN012345678901", issue="CV-12")
    method, target, headers, body = transport.sent[0]
    sent = {name.lower(): value for name, value in headers}
    assert (method, target) == ("POST", "/r1/VN/GOV/000.00.00.H42/tinhso/document-inbox/packages")
    assert sent["x-road-client"] == "VN/GOV/000.00.00.H41/tinhso"
    assert sent["x-road-id"] == answer.message_id and sent["x-road-request-id"] == answer.request_id
    assert sent["x-road-userid"] == "VN012345678901" and sent["x-road-issue"] == "CV-12"
    assert sent["idempotency-key"] == "k-1" and json.loads(body) == {"a": 1}
    assert answer.ok and answer.json() == {"ok": True} and answer.request_hash_ok is True
    logged = list(MessageRecord.objects.filter(message_id=answer.message_id).order_by("kind"))
    assert [(r.direction, r.kind) for r in logged] == [("made", "request"), ("made", "response")]
    assert logged[1].status == 200 and logged[0].body == body


@pytest.mark.django_db
def test_a_repeatable_call_is_retried_after_server_faults_with_the_same_message_id():
    transport = Scripted(_error("Server.ServerProxy.DatabaseError", 503),
                         TransportFault("timeout", "slow", sent=True), echo_hash)
    answer = call(SERVICE, "/status", transport=transport, retries=2)
    assert answer.attempts == 3
    ids = {{k.lower(): v for k, v in headers}["x-road-id"] for _, _, headers, _ in transport.sent}
    assert ids == {answer.message_id}
    assert MessageRecord.objects.filter(message_id=answer.message_id, kind="response").count() == 3


@pytest.mark.django_db
def test_a_client_fault_is_raised_at_once():
    transport = Scripted(_error("Client.AccessDenied", 403), echo_hash)
    with pytest.raises(CallFailed) as caught:
        call(SERVICE, "/status", transport=transport)
    assert caught.value.type == "Client.AccessDenied" and caught.value.is_client_fault
    assert caught.value.attempts == 1 and len(transport.sent) == 1


@pytest.mark.django_db
def test_a_post_without_idempotency_key_is_not_sent_twice():
    transport = Scripted(TransportFault("timeout", "no answer", sent=True), echo_hash)
    with pytest.raises(CallFailed) as caught:
        call(SERVICE, "/packages", method="POST", body=b"<x/>", transport=transport)
    assert caught.value.type == "Server.ClientProxy.Timeout"
    assert len(transport.sent) == 1


@pytest.mark.django_db
def test_a_connection_refused_before_sending_is_retried_even_for_a_post():
    transport = Scripted(TransportFault("network", "refused", sent=False), echo_hash)
    answer = call(SERVICE, "/packages", method="POST", body=b"<x/>", transport=transport)
    assert answer.ok and answer.attempts == 2


@pytest.mark.django_db
def test_retries_end_with_the_last_fault():
    transport = Scripted(*[TransportFault("network", "down", sent=False)] * 3)
    with pytest.raises(CallFailed) as caught:
        call(SERVICE, transport=transport, retries=2)
    assert caught.value.type == "Server.ClientProxy.NetworkError" and caught.value.attempts == 3


@pytest.mark.django_db
def test_the_providers_own_error_is_an_answer_not_a_fault():
    transport = Scripted((404, [("Content-Type", "application/json")], '{"detail": "Không tìm thấy."}'.encode()))
    answer = call(SERVICE, "/packages/9", transport=transport)
    assert answer.status == 404 and not answer.ok


@pytest.mark.django_db
def test_a_wrong_request_hash_is_flagged():
    transport = Scripted((200, [("X-Road-Request-Hash", "AAAA")], b""))
    assert call(SERVICE, transport=transport).request_hash_ok is False


def test_a_malformed_service_identifier_is_a_client_fault():
    with pytest.raises(CallFailed) as caught:
        call("VN/GOV/not a code/x/y", transport=Scripted())
    assert caught.value.type == "Client.InvalidServiceIdentifier"


@pytest.mark.django_db
def test_a_member_without_an_address_cannot_be_called(settings):
    settings.TINHSO_EXCHANGE_SECURITY_SERVER_URL = ""
    with pytest.raises(CallFailed) as caught:
        call(SERVICE)
    assert caught.value.type == "Client.UnknownMember"
