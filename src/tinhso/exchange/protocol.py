"""The X-Road message protocol for REST 1.0: its headers, its request hash and its error answers.

Headers (PR-REST §4.3): a request names its caller in ``X-Road-Client``; ``X-Road-Id`` (one message) and
``X-Road-Request-Id`` (one request) may come with it and are generated when they do not. A response carries
``X-Road-Id``, ``X-Road-Client``, ``X-Road-Service``, ``X-Road-Request-Id`` and ``X-Road-Request-Hash`` —
base-64 of SHA-512(SHA-512(request message) ‖ SHA-512(body)), or SHA-512(request message) without a body,
as the reference security server computes it (``ServerRestMessageProcessor``); the request message is the
method, the request path with its query and the request's X-Road headers, each line ended by CRLF.

Errors (§4.6): a fault of the gateway itself is answered with the protocol's body ``{"type", "message",
"detail"}`` (``<error><type/><message/><detail/></error>`` when the caller accepts only XML) and the
``X-Road-Error`` header carrying the type. ``Client.*`` types are the caller's faults and get a 4xx status;
``Server.*`` types are real faults on this side (an internal error, the database, an unreachable provider)
and get a 5xx. An answer of the service itself (category 1) passes unchanged, without ``X-Road-Error``.
"""

from __future__ import annotations

import base64
import hashlib
import json
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from xml.sax.saxutils import escape

from django.http import HttpResponse

# Header names (HTTP header names are case-insensitive; these are the protocol's spelling).
CLIENT = "X-Road-Client"
SERVICE = "X-Road-Service"
MESSAGE_ID = "X-Road-Id"
REQUEST_ID = "X-Road-Request-Id"
REQUEST_HASH = "X-Road-Request-Hash"
ERROR = "X-Road-Error"
USER_ID = "X-Road-UserId"
ISSUE = "X-Road-Issue"
REPRESENTED_PARTY = "X-Road-Represented-Party"
SECURITY_SERVER = "X-Road-Security-Server"

# §4.3 "Filtered headers": never passed through, never part of the request message.
FILTERED = frozenset({
    "connection", "keep-alive", "proxy-authenticate", "proxy-authorization", "te", "trailer",
    "transfer-encoding", "upgrade", "host", "user-agent", "server", "content-length", "expect",
})
# Headers the gateway sets on responses; a service's own values are replaced (§4.3).
RESPONSE_HEADERS = (MESSAGE_ID, CLIENT, SERVICE, REQUEST_ID, REQUEST_HASH)


@dataclass(frozen=True)
class ErrorKind:
    """One error type of the protocol and the HTTP status it is answered with."""

    type: str
    status: int


# The caller's faults (4xx).
BAD_REQUEST = ErrorKind("Client.BadRequest", 400)
INVALID_PROTOCOL_VERSION = ErrorKind("Client.InvalidProtocolVersion", 400)
INVALID_CLIENT_IDENTIFIER = ErrorKind("Client.InvalidClientIdentifier", 400)
INVALID_SERVICE_IDENTIFIER = ErrorKind("Client.InvalidServiceIdentifier", 400)
SSL_AUTHENTICATION_FAILED = ErrorKind("Client.SslAuthenticationFailed", 401)
UNKNOWN_MEMBER = ErrorKind("Client.UnknownMember", 403)
ACCESS_DENIED = ErrorKind("Client.AccessDenied", 403)
SERVICE_DISABLED = ErrorKind("Client.ServiceDisabled", 403)
UNKNOWN_SERVICE = ErrorKind("Client.UnknownService", 404)
REQUEST_TOO_LARGE = ErrorKind("Client.RequestTooLarge", 413)
# Real faults on this side (5xx): the provider's gateway (ServerProxy) or, for calls we make, ours (ClientProxy).
INTERNAL_ERROR = ErrorKind("Server.ServerProxy.InternalError", 500)
DATABASE_ERROR = ErrorKind("Server.ServerProxy.DatabaseError", 503)
REVOCATION_LIST_OUTDATED = ErrorKind("Server.ServerProxy.OutdatedRevocationList", 503)
SERVICE_FAILED = ErrorKind("Server.ServerProxy.ServiceFailed", 500)
NETWORK_ERROR = ErrorKind("Server.ClientProxy.NetworkError", 502)
TIMEOUT = ErrorKind("Server.ClientProxy.Timeout", 504)
INCONSISTENT_RESPONSE = ErrorKind("Server.ClientProxy.InconsistentResponse", 502)
CLIENT_PROXY_INTERNAL = ErrorKind("Server.ClientProxy.InternalError", 500)


class XRoadError(Exception):
    """A fault answered with the protocol's error body; ``message`` is Vietnamese, ``message_en`` English."""

    def __init__(self, kind: ErrorKind, message: str, message_en: str = ""):
        super().__init__(f"{kind.type}: {message}")
        self.kind = kind
        self.message = message
        self.message_en = message_en or message

    @property
    def type(self) -> str:
        return self.kind.type

    @property
    def status(self) -> int:
        return self.kind.status


def new_id() -> str:
    return str(uuid.uuid4())


def sha512(data: bytes) -> bytes:
    return hashlib.sha512(data).digest()


def request_message(method: str, path_and_query: str, headers: Iterable[tuple[str, str]]) -> bytes:
    """The request message hashed by ``X-Road-Request-Hash``: method, path with query, X-Road headers.

    Only the ``X-Road-*`` headers are taken (a proxy between the parties may add, drop or reorder others),
    lower-cased and sorted, without ``X-Road-Request-Hash`` itself, so that both ends compute the same bytes.
    """
    lines = [method.upper(), path_and_query]
    chosen = sorted(
        (name.lower(), value.strip()) for name, value in headers
        if name.lower().startswith("x-road-") and name.lower() != REQUEST_HASH.lower()
    )
    lines += [f"{name}:{value}" for name, value in chosen]
    return "".join(f"{line}\r\n" for line in lines).encode()


def request_hash(method: str, path_and_query: str, headers: Iterable[tuple[str, str]], body: bytes) -> str:
    """``X-Road-Request-Hash``: base-64 SHA-512(SHA-512(message) ‖ SHA-512(body)), or SHA-512(message)."""
    message = request_message(method, path_and_query, headers)
    digest = sha512(sha512(message) + sha512(body)) if body else sha512(message)
    return base64.b64encode(digest).decode()


def headers_digest(headers: Iterable[tuple[str, str]]) -> str:
    """SHA-256 (hex) of the headers as logged: ``name:value`` lines, names lower-cased, sorted."""
    lines = sorted(f"{name.lower()}:{value.strip()}" for name, value in headers)
    return hashlib.sha256("".join(f"{line}\r\n" for line in lines).encode()).hexdigest()


def headers_size(headers: Iterable[tuple[str, str]]) -> int:
    return sum(len(name.encode()) + len(str(value).encode()) + 4 for name, value in headers)


def wants_xml(accept: str) -> str | None:
    """The XML media type the caller asked for in ``Accept``, or None for JSON (the default, §4.3)."""
    for item in (accept or "").split(","):
        media = item.split(";", 1)[0].strip().lower()
        if media in ("application/xml", "text/xml"):
            return media
        if media == "text/*":
            return "text/xml"
    return None


def error_body(error: XRoadError, detail: str, *, english: bool = False, xml: str | None = None) -> tuple[bytes, str]:
    """The protocol's error body (§4.6) and its content type."""
    message = error.message_en if english else error.message
    if xml:
        text = (f'<?xml version="1.0" encoding="UTF-8"?>\n<error><type>{escape(error.type)}</type>'
                f"<message>{escape(message)}</message><detail>{escape(detail)}</detail></error>")
        return text.encode(), f"{xml}; charset=utf-8"
    payload = {"type": error.type, "message": message, "detail": detail}
    return json.dumps(payload, ensure_ascii=False).encode(), "application/json; charset=utf-8"


def error_response(error: XRoadError, detail: str, *, accept: str = "", english: bool = False) -> HttpResponse:
    body, content_type = error_body(error, detail, english=english, xml=wants_xml(accept))
    response = HttpResponse(body, status=error.status, content_type=content_type)
    response[ERROR] = error.type
    return response


def parse_error(headers: Mapping[str, str], body: bytes) -> tuple[str, str, str] | None:
    """(type, message, detail) of a protocol error answer, or None when the answer is the service's own."""
    kind = next((value for name, value in headers.items() if name.lower() == ERROR.lower()), None)
    if not kind:
        return None
    message = detail = ""
    try:
        data = json.loads(body.decode() or "{}")
        if isinstance(data, dict):
            message, detail = str(data.get("message", "")), str(data.get("detail", ""))
    except (UnicodeDecodeError, ValueError):
        # Our client asks for JSON; a gateway that answered otherwise still gives its type in the header.
        message = body[:300].decode(errors="replace")
    return kind.strip(), message, detail
