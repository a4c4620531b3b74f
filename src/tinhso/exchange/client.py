"""Calling another member's service through the exchange, for the platform's modules.

::

    from tinhso.exchange.client import call, CallFailed

    answer = call("VN/GOV/000.00.00.H42/tinhso/document-inbox", "/packages", method="POST",
                  body=package_bytes, content_type="application/xml", idempotency_key=document.uid)
    answer.status, answer.json(), answer.message_id

The request goes as the X-Road message protocol for REST says: ``{METHOD} /r1/{service}{path}`` with
``X-Road-Client`` (this deployment's subsystem unless ``client`` is given), a fresh ``X-Road-Id`` and
``X-Road-Request-Id`` (kept across retries, so that the provider sees a repeat as one message), over mutual
TLS with this deployment's certificate (``EXCHANGE_TLS_CERT``/``KEY``), to the provider's own address
(``Member.address``) or else to the security server that routes for us (``EXCHANGE_SECURITY_SERVER_URL``).

The provider's answer comes back as an :class:`Answer` whatever its status (a 404 of the service is the
service's answer). :class:`CallFailed` is raised for a fault of the exchange itself: an ``X-Road-Error`` answer
(``Client.*`` at once; ``Server.*`` after the retries), a 502/503/504 answer (after the retries), or a
network fault or timeout after the retries.
Retries (``EXCHANGE_CALL_RETRIES``, backing off 0.5 s, 1 s, 2 s…) apply to repeatable calls only — GET, HEAD,
PUT, DELETE, OPTIONS, or any call given an ``idempotency_key`` — except that a connection refused before
anything was sent is always retried. Every attempt is in the message log, request and answer.
"""

from __future__ import annotations

import json as jsonlib
import logging
import random
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Protocol
from urllib.parse import urlencode

from django.conf import settings
from django.utils import timezone

from tinhso.exchange import messagelog, protocol
from tinhso.exchange.conf import own_subsystem
from tinhso.exchange.identifiers import ClientId, IdentifierError, ServiceId, parse_client, parse_service

logger = logging.getLogger(__name__)

REPEATABLE = frozenset({"GET", "HEAD", "PUT", "DELETE", "OPTIONS"})


@dataclass
class Answer:
    """The provider's answer to a call."""

    status: int
    headers: dict[str, str]
    body: bytes
    service: ServiceId
    client: ClientId
    message_id: str
    request_id: str
    request_hash_ok: bool | None = None  # whether X-Road-Request-Hash matched the request we sent
    attempts: int = 1

    @property
    def ok(self) -> bool:
        return 200 <= self.status < 300

    def header(self, name: str) -> str:
        return next((v for k, v in self.headers.items() if k.lower() == name.lower()), "")

    def json(self) -> Any:
        return jsonlib.loads(self.body.decode() or "null")


class CallFailed(Exception):
    """The exchange could not carry the call: ``type`` is the protocol's error type (``Client.*`` or
    ``Server.*``), ``message`` says why (Vietnamese), ``status`` is the HTTP status when one came."""

    def __init__(self, type: str, message: str, *, detail: str = "", status: int | None = None,
                 service: ServiceId | None = None, message_id: str = "", attempts: int = 1):
        super().__init__(f"{type}: {message}")
        self.type = type
        self.message = message
        self.detail = detail
        self.status = status
        self.service = service
        self.message_id = message_id
        self.attempts = attempts

    @property
    def is_client_fault(self) -> bool:
        return self.type.startswith("Client.")


class TransportFault(Exception):
    """The request did not get an HTTP answer: ``kind`` is ``network`` or ``timeout``; ``sent`` says whether
    any of it may have reached the other side."""

    def __init__(self, kind: str, message: str, *, sent: bool):
        super().__init__(message)
        self.kind = kind
        self.sent = sent


class Transport(Protocol):
    """Carries one HTTP request to the provider's side and returns (status, headers, body)."""

    def send(self, method: str, target: str, headers: list[tuple[str, str]], body: bytes,
             timeout: float) -> tuple[int, list[tuple[str, str]], bytes]: ...


class HttpTransport:
    """HTTPS with this deployment's client certificate (mutual TLS) to ``base_url``."""

    def __init__(self, base_url: str, *, cert: str = "", key: str = "", ca: str = ""):
        import requests

        self.base_url = base_url.rstrip("/")
        self.session = requests.Session()
        self.session.trust_env = False  # no proxy from the environment: the exchange goes where it is told
        if cert:
            self.session.cert = (cert, key) if key else cert
        if ca:
            self.session.verify = ca

    def send(self, method, target, headers, body, timeout):
        import requests

        try:
            answer = self.session.request(method, self.base_url + target, headers=dict(headers), data=body or None,
                                          timeout=timeout, allow_redirects=False, stream=True)
            limit = settings.TINHSO_EXCHANGE_MAX_REQUEST_BYTES
            chunks, size = [], 0
            for chunk in answer.iter_content(64 * 1024):
                size += len(chunk)
                if size > limit:
                    answer.close()
                    raise TransportFault("network", "câu trả lời vượt quá giới hạn kích thước", sent=True)
                chunks.append(chunk)
            return answer.status_code, list(answer.headers.items()), b"".join(chunks)
        except requests.exceptions.ConnectTimeout as error:
            raise TransportFault("timeout", f"không kết nối được trong thời hạn: {error}", sent=False) from None
        except requests.exceptions.Timeout as error:
            raise TransportFault("timeout", f"quá thời gian chờ trả lời: {error}", sent=True) from None
        except requests.exceptions.SSLError as error:
            raise TransportFault("network", f"lỗi TLS: {error}", sent=False) from None
        except requests.exceptions.ConnectionError as error:
            refused = "NewConnectionError" in repr(error) or "Connection refused" in str(error)
            raise TransportFault("network", f"lỗi kết nối: {error}", sent=not refused) from None
        except requests.exceptions.RequestException as error:
            raise TransportFault("network", str(error), sent=True) from None


_transports: dict[str, HttpTransport] = {}


def transport_for(provider: ClientId) -> Transport:
    """Where calls to ``provider`` go: its own address, or the security server routing for us."""
    from tinhso.exchange.state import current

    known = current().members.get(provider) or current().members.get(provider.member)
    base = (known.address if known is not None else "") or settings.TINHSO_EXCHANGE_SECURITY_SERVER_URL
    if not base:
        raise CallFailed("Client.UnknownMember",
                         f"Không biết địa chỉ cổng kết nối của {provider}: đăng ký địa chỉ của thành viên hoặc đặt "
                         "EXCHANGE_SECURITY_SERVER_URL.")
    key = f"{base}|{settings.TINHSO_EXCHANGE_TLS_CERT}|{settings.TINHSO_EXCHANGE_TLS_CA}"
    transport = _transports.get(key)
    if transport is None:
        transport = _transports[key] = HttpTransport(
            base, cert=settings.TINHSO_EXCHANGE_TLS_CERT, key=settings.TINHSO_EXCHANGE_TLS_KEY,
            ca=settings.TINHSO_EXCHANGE_TLS_CA)
    return transport


def _service_id(service: str | ServiceId) -> ServiceId:
    if isinstance(service, ServiceId):
        return service
    try:
        return parse_service(service)
    except IdentifierError as error:
        raise CallFailed("Client.InvalidServiceIdentifier", error.message) from None


def call(service: str | ServiceId, path: str = "", *, method: str = "GET", query: Mapping | str | None = None,
         body: bytes | None = None, json: Any = None, content_type: str = "", headers: Mapping | None = None,
         client: str | ClientId | None = None, idempotency_key: str = "", user_id: str = "", issue: str = "",
         timeout: float | None = None, retries: int | None = None, transport: Transport | None = None) -> Answer:
    """Call ``service`` (``INSTANCE/CLASS/CODE/SUBSYSTEM/SERVICE``) at ``path``; see the module docstring."""
    service_id = _service_id(service)
    try:
        client_id = parse_client(client) if isinstance(client, str) else (client or own_subsystem())
    except IdentifierError as error:
        raise CallFailed("Client.InvalidClientIdentifier", error.message) from None
    method = method.upper()
    if path and not path.startswith("/"):
        path = "/" + path
    if json is not None:
        body = jsonlib.dumps(json, ensure_ascii=False, default=str).encode()
        content_type = content_type or "application/json; charset=utf-8"
    body = body or b""
    query_string = query if isinstance(query, str) else urlencode(query or {}, doseq=True)
    target = f"/r1/{service_id.encode()}{path}" + (f"?{query_string}" if query_string else "")
    message_id, request_id = protocol.new_id(), protocol.new_id()
    sent_headers: list[tuple[str, str]] = [
        (protocol.CLIENT, client_id.encode()), (protocol.MESSAGE_ID, message_id),
        (protocol.REQUEST_ID, request_id), ("Accept", "application/json"),
    ]
    if user_id:
        sent_headers.append((protocol.USER_ID, user_id))
    if issue:
        sent_headers.append((protocol.ISSUE, issue))
    if content_type:
        sent_headers.append(("Content-Type", content_type))
    if idempotency_key:
        sent_headers.append(("Idempotency-Key", idempotency_key))
    for name, value in (headers or {}).items():
        if name.lower().startswith("x-road-") or name.lower() in protocol.FILTERED:
            continue
        sent_headers.append((name, str(value)))
    expected_hash = protocol.request_hash(method, target, sent_headers, body)
    repeatable = method in REPEATABLE or bool(idempotency_key)
    retries = settings.TINHSO_EXCHANGE_CALL_RETRIES if retries is None else retries
    timeout = settings.TINHSO_EXCHANGE_CALL_TIMEOUT if timeout is None else timeout
    carrier = transport or transport_for(service_id.provider)
    attempt = 0
    while True:
        attempt += 1
        outcome = _attempt(carrier, method, target, sent_headers, body, timeout, service_id, client_id,
                           message_id, request_id, expected_hash)
        if isinstance(outcome, Answer):
            outcome.attempts = attempt
            return outcome
        failure, sent = outcome
        failure.attempts = attempt
        transient = failure.type.startswith("Server.") or failure.status in (502, 503, 504)
        if attempt > retries or not transient or (sent and not repeatable):
            raise failure
        time.sleep(min(0.5 * 2 ** (attempt - 1), 8.0) * (0.8 + 0.4 * random.random()))


def _attempt(carrier: Transport, method, target, sent_headers, body, timeout, service_id, client_id, message_id,
             request_id, expected_hash):
    started_at = timezone.now()
    started = time.perf_counter()
    exchange = messagelog.Exchange(
        direction=messagelog.MADE, message_id=message_id, request_id=request_id, client=str(client_id),
        service=str(service_id), method=method, path=target.removeprefix("/r1/"),
        messages=[messagelog.Message(messagelog.REQUEST, started_at, list(sent_headers), body,
                                     dict(sent_headers).get("Content-Type", ""))],
    )
    try:
        status, answer_headers, answer_body = carrier.send(method, target, sent_headers, body, timeout)
    except TransportFault as fault:
        kind = protocol.TIMEOUT if fault.kind == "timeout" else protocol.NETWORK_ERROR
        failure = CallFailed(kind.type, f"Không gọi được {service_id}: {fault}", service=service_id,
                             message_id=message_id)
        exchange.messages.append(messagelog.Message(
            messagelog.RESPONSE, timezone.now(), [], b"", error_type=kind.type,
            duration_ms=int((time.perf_counter() - started) * 1000)))
        messagelog.write(exchange)
        return failure, fault.sent
    headers = dict(answer_headers)
    received_hash = next((v for k, v in answer_headers if k.lower() == protocol.REQUEST_HASH.lower()), "")
    error = protocol.parse_error(headers, answer_body)
    exchange.messages.append(messagelog.Message(
        messagelog.RESPONSE, timezone.now(), list(answer_headers), answer_body,
        headers.get("Content-Type", headers.get("content-type", "")), status=status,
        error_type=error[0] if error else "", duration_ms=int((time.perf_counter() - started) * 1000),
        request_hash=received_hash))
    messagelog.write(exchange)
    if error is not None:
        kind, message, detail = error
        return CallFailed(kind, message or kind, detail=detail, status=status, service=service_id,
                          message_id=message_id), True
    answer = Answer(status=status, headers=headers, body=answer_body, service=service_id, client=client_id,
                    message_id=message_id, request_id=request_id,
                    request_hash_ok=(received_hash == expected_hash) if received_hash else None)
    if answer.request_hash_ok is False:
        logger.warning("exchange: the request hash answered by %s does not match message %s", service_id, message_id)
    if status in (502, 503, 504):
        return CallFailed("Server.ClientProxy.ServiceUnavailable", f"{service_id} trả lời HTTP {status}.",
                          status=status, service=service_id, message_id=message_id), True
    return answer

