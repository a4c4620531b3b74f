"""Request-scoped plumbing: a request id for logs and the audit chain, the Content-Security-Policy, the client's
address behind trusted proxies, and the refusal of characters no column can hold."""

from __future__ import annotations

import contextvars
import ipaddress
import json
import logging
import re
import uuid
from functools import lru_cache, partial

from django.conf import settings
from django.core.exceptions import (
    ImproperlyConfigured,
    RequestDataTooBig,
    TooManyFieldsSent,
    TooManyFilesSent,
)
from django.http import JsonResponse
from django.http.multipartparser import MultiPartParser, MultiPartParserError
from django.shortcuts import render
from django.utils.datastructures import ImmutableList
from django.utils.encoding import force_str
from django.utils.translation import gettext

from tinhso.common import inputs

_request_id: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default="-")
_INCOMING_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")

# Everything is served from this origin: no CDN, no inline scripts (government networks are closed).
CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)


def policy() -> str:
    """The policy, with a map tile server on another host allowed for images only (``MAP_TILE_URL``)."""
    from tinhso.common.maps import tile_origin

    origin = tile_origin()
    if not origin:
        return CONTENT_SECURITY_POLICY
    return CONTENT_SECURITY_POLICY.replace("img-src 'self' data:", f"img-src 'self' data: {origin}")


def current_request_id() -> str:
    """The id of the request being served ('-' outside a request), tying log lines and audit entries."""
    return _request_id.get()


class RequestIdMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        incoming = request.headers.get("X-Request-ID", "")
        request_id = incoming if _INCOMING_ID.match(incoming) else uuid.uuid4().hex
        token = _request_id.set(request_id)
        request.request_id = request_id
        try:
            response = self.get_response(request)
        finally:
            _request_id.reset(token)
        response["X-Request-ID"] = request_id
        return response


class ContentSecurityPolicyMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        # The API docs page loads its own bundled assets; everything else gets the strict policy.
        response.setdefault("Content-Security-Policy", policy())
        return response


class RequestIdLogFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = current_request_id()
        return True


# -- the client's address behind trusted proxies ------------------------------------------------------------

@lru_cache(maxsize=8)
def _trusted_networks(entries: tuple[str, ...]) -> list:
    return _networks(entries)


def _networks(entries) -> list:
    networks = []
    for entry in entries:
        try:
            networks.append(ipaddress.ip_network(entry.strip(), strict=False))
        except ValueError as error:
            raise ImproperlyConfigured(f"TRUSTED_PROXIES: {entry!r} is not an address or a network") from error
    return networks


def _is_trusted(address: str, networks) -> bool:
    try:
        ip = ipaddress.ip_address(address.strip().strip("[]"))
    except ValueError:
        return False
    return any(ip in network for network in networks)


def client_address_from(meta, trusted) -> str:
    """The address of the client that sent a request, given the networks of trusted proxies.

    The peer (``REMOTE_ADDR``) is the client unless it is a trusted proxy; then ``X-Forwarded-For`` is read
    from its right end (each proxy appends the address it received from) and the first address that is not
    a trusted proxy is the client. What an untrusted peer writes in the header is never believed.
    """
    peer = meta.get("REMOTE_ADDR", "") or ""
    if not trusted or not _is_trusted(peer, trusted):
        return peer
    hops = [hop.strip() for hop in meta.get("HTTP_X_FORWARDED_FOR", "").split(",") if hop.strip()]
    for hop in reversed(hops):
        if not _is_trusted(hop, trusted):
            try:
                return str(ipaddress.ip_address(hop.strip("[]")))
            except ValueError:
                return peer  # a garbled header from the first proxy's client: keep the proxy's view
    return hops[0] if hops else peer


class ClientAddressMiddleware:
    """Puts the real client's address in ``REMOTE_ADDR`` (the peer's is kept in ``TINHSO_PEER_ADDR``).

    Behind a reverse proxy every request comes from the proxy: rate limits keyed on that address would
    lock everyone out together. Only the proxies named in ``TRUSTED_PROXIES`` are believed; from any other
    peer the ``X-Forwarded-*`` headers are removed, so a client cannot claim another address or HTTPS.
    """

    def __init__(self, get_response):
        self.get_response = get_response
        _trusted_networks(tuple(getattr(settings, "TINHSO_TRUSTED_PROXIES", ())))  # a bad setting fails at start

    def __call__(self, request):
        meta = request.META
        peer = meta.get("REMOTE_ADDR", "")
        meta["TINHSO_PEER_ADDR"] = peer
        trusted = _trusted_networks(tuple(getattr(settings, "TINHSO_TRUSTED_PROXIES", ())))
        if trusted and _is_trusted(peer, trusted):
            meta["REMOTE_ADDR"] = client_address_from(meta, trusted)
        else:
            for header in ("HTTP_X_FORWARDED_FOR", "HTTP_X_FORWARDED_PROTO", "HTTP_X_FORWARDED_HOST",
                           "HTTP_X_FORWARDED_PORT", "HTTP_X_REAL_IP", "HTTP_FORWARDED"):
                meta.pop(header, None)
        return self.get_response(request)


# -- refusing what no column can hold ------------------------------------------------------------------------

class _RawNameParser(MultiPartParser):
    """Django's multipart parser, keeping each file's name exactly as the client sent it.

    Django strips path parts and unprintable characters from upload names (and drops a file named "..")
    before any check sees them, so ``../../etc/passwd.pdf`` would be stored as ``passwd.pdf``. The name as
    sent is kept on the file as ``raw_name`` for the upload checks (``common.uploads``) to judge.
    """

    def sanitize_file_name(self, file_name):
        self._raw_name = file_name
        return super().sanitize_file_name(file_name) or "upload"

    def handle_file_complete(self, old_field_name, counters):
        super().handle_file_complete(old_field_name, counters)
        files = self._files.getlist(force_str(old_field_name, self._encoding, errors="replace"))
        if files:
            files[-1].raw_name = getattr(self, "_raw_name", files[-1].name)


def _parse_keeping_raw_names(request, meta, post_data):
    request.upload_handlers = ImmutableList(request.upload_handlers, warning="Upload handlers are fixed.")
    return _RawNameParser(meta, post_data, request.upload_handlers, request.encoding).parse()


def _json_strings(value):
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield key
            yield from _json_strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _json_strings(item)


class UnsafeInputMiddleware:
    """Refuses, with 422 and a message naming the field, any request whose address, query, form fields or
    JSON body holds a NUL or an unpaired surrogate: no column stores them (PostgreSQL refuses NUL in text,
    UTF-8 cannot encode a lone surrogate), so they would otherwise end as a 500 somewhere deeper.

    It also makes the multipart parser keep upload names as sent (see :class:`_RawNameParser`).
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.parse_file_upload = partial(_parse_keeping_raw_names, request)
        try:
            field = self._unsafe_field(request)
        except RequestDataTooBig:
            if not request.path.startswith("/api/"):
                raise
            return JsonResponse({"detail": gettext("Dữ liệu gửi lên quá lớn.")}, status=413)
        except (MultiPartParserError, TooManyFieldsSent, TooManyFilesSent):
            if not request.path.startswith("/api/"):
                raise
            return JsonResponse({"detail": gettext("Yêu cầu không đọc được (dữ liệu gửi lên sai định dạng).")},
                                status=400)
        if field is not None:
            return self._refuse(request, field)
        return self.get_response(request)

    @staticmethod
    def _unsafe_field(request) -> str | None:
        if inputs.has_unsafe_characters(request.path):
            return gettext("địa chỉ")
        for name, values in request.GET.lists():
            if inputs.has_unsafe_characters(name) or any(inputs.has_unsafe_characters(v) for v in values):
                return name
        content_type = request.content_type or ""
        if request.method in ("POST", "PUT", "PATCH"):
            if content_type in ("application/x-www-form-urlencoded", "multipart/form-data"):
                for name, values in request.POST.lists():
                    if inputs.has_unsafe_characters(name) or any(inputs.has_unsafe_characters(v) for v in values):
                        return name
            elif content_type.endswith("json") and (b"\\u" in request.body or b"\x00" in request.body):
                try:
                    document = json.loads(request.body)
                except ValueError:
                    return None  # the API answers a body that is not JSON itself
                for text in _json_strings(document):
                    if inputs.has_unsafe_characters(text):
                        return "body"
        return None

    @staticmethod
    def _refuse(request, field: str):
        error = inputs.unsafe_text_error(field)
        if request.path.startswith("/api/") or "json" in request.headers.get("Accept", ""):
            return JsonResponse({"detail": error.localized, "field": field}, status=422)
        return render(request, "common/refused_input.html", {"message": error.localized}, status=422)
