"""The gateway's serving side: ``{METHOD} /r1/{instance}/{class}/{code}/{subsystem}/{service}[/path]``.

One call: read the body (bounded), parse the service and the ``X-Road-Client`` identifiers, authenticate the
caller by its TLS client certificate, check that the service is offered here and enabled and that the
caller holds an access right covering the method and path, run the service, and answer with the X-Road
headers. Whatever happens, the request and the answer are logged (one INSERT). The decisions read this
process's in-memory snapshot (``state.py``): no lock and no per-call lookup besides the service's own work.

The metaservices of the service metadata protocol for REST answer on the same path: ``listMethods`` (every
service and endpoint offered by the subsystem), ``allowedMethods`` (those the caller may call) and
``getOpenAPI?serviceCode=`` (a service's OpenAPI description, cut from the platform's own).
"""

from __future__ import annotations

import json
import logging
import time
from urllib.parse import parse_qs, quote, unquote

from django.conf import settings
from django.db import DatabaseError
from django.http import HttpResponse
from django.utils import timezone, translation
from django.views.decorators.csrf import csrf_exempt

from tinhso.exchange import certificates, messagelog, protocol, registry, state
from tinhso.exchange.conf import own_subsystem
from tinhso.exchange.identifiers import ClientId, IdentifierError, ServiceId, parse_client, parse_request_path
from tinhso.exchange.protocol import XRoadError
from tinhso.exchange.registry import GatewayClient, GatewayRequest, path_matches

logger = logging.getLogger(__name__)

METASERVICES = ("listMethods", "allowedMethods", "getOpenAPI")
_ID_LIMIT = 100


def _raw_path(request) -> str:
    """The request path as sent (percent-encoded), without the query."""
    raw = request.META.get("RAW_URI") or request.META.get("REQUEST_URI")
    if raw:
        raw = raw.split("?", 1)[0]
        if raw.startswith(("http://", "https://")):  # an absolute-form request target
            raw = "/" + raw.split("/", 3)[3] if raw.count("/") >= 3 else "/"
        return raw
    return quote(request.path_info, safe="/'()+,-.=~:@!$&*;")


def _message_id(value: str | None) -> str:
    """A caller's message or request id, kept when it is a short printable token; otherwise a new one."""
    if value and len(value) <= _ID_LIMIT and value.isprintable() and " " not in value:
        return value
    return protocol.new_id()


def _read_body(request) -> bytes:
    limit = settings.TINHSO_EXCHANGE_MAX_REQUEST_BYTES
    declared = request.META.get("CONTENT_LENGTH") or "0"
    try:
        if int(declared) > limit:
            raise _too_large(limit)
    except ValueError:
        raise XRoadError(protocol.BAD_REQUEST, "Tiêu đề Content-Length không hợp lệ.",
                         "The Content-Length header is invalid.") from None
    chunks, size = [], 0
    while True:
        chunk = request.read(64 * 1024)
        if not chunk:
            break
        size += len(chunk)
        if size > limit:
            raise _too_large(limit)
        chunks.append(chunk)
    return b"".join(chunks)


def _too_large(limit: int) -> XRoadError:
    megabytes = limit // (1024 * 1024)
    return XRoadError(protocol.REQUEST_TOO_LARGE, f"Nội dung yêu cầu vượt quá {megabytes} MB.",
                      f"The request body is larger than {megabytes} MB.")


def _service_path(raw: str) -> str:
    """The decoded path after the service code; refuses dot segments and encoded slashes (§4.2: no path
    tricks reach the provider)."""
    if not raw:
        return ""
    if "%2f" in raw.lower() or "%5c" in raw.lower() or "\\" in raw:
        raise XRoadError(protocol.BAD_REQUEST, "Đường dẫn dịch vụ không được chứa dấu gạch chéo đã mã hoá.",
                         "The service path must not contain encoded slashes.")
    try:
        decoded = unquote(raw, errors="strict")
    except UnicodeDecodeError:
        raise XRoadError(protocol.BAD_REQUEST, "Đường dẫn dịch vụ không phải UTF-8 hợp lệ.",
                         "The service path is not valid UTF-8.") from None
    if any(segment in (".", "..") for segment in decoded.split("/")) or not decoded.isprintable():
        raise XRoadError(protocol.BAD_REQUEST, "Đường dẫn dịch vụ không hợp lệ.", "The service path is invalid.")
    return decoded


def _english() -> bool:
    return (translation.get_language() or "vi").startswith("en")


@csrf_exempt
def gateway(request, rest: str = ""):
    started = time.perf_counter()
    received_at = timezone.now()
    message_id = _message_id(request.headers.get(protocol.MESSAGE_ID))
    request_id = _message_id(request.headers.get(protocol.REQUEST_ID))
    raw_path = _raw_path(request)
    query = request.META.get("QUERY_STRING", "")
    client_text = (request.headers.get(protocol.CLIENT) or "")[:600]
    service_text = raw_path.removeprefix("/r1/")[:800]
    service_header = ""
    body = b""
    request_headers = [(name, value) for name, value in request.headers.items()]
    try:
        body = _read_body(request)
        try:
            target = parse_request_path(raw_path)
        except IdentifierError as error:
            kind = protocol.INVALID_PROTOCOL_VERSION if error.part == "version" else protocol.INVALID_SERVICE_IDENTIFIER
            raise XRoadError(kind, error.message, error.message_en) from None
        service_text = str(target.service)
        service_header = target.service.encode()
        try:
            client_id = parse_client(request.headers.get(protocol.CLIENT))
        except IdentifierError as error:
            raise XRoadError(protocol.INVALID_CLIENT_IDENTIFIER, error.message, error.message_en) from None
        client_text = str(client_id)
        response = _serve(request, target.service, _service_path(target.path), query, body, client_id,
                          message_id, request_id)
    except XRoadError as error:
        response = protocol.error_response(error, message_id, accept=request.headers.get("Accept", ""),
                                           english=_english())
    except DatabaseError:
        logger.exception("gateway: database error serving %s", message_id)
        error = XRoadError(protocol.DATABASE_ERROR, "Lỗi truy cập cơ sở dữ liệu của cổng kết nối.",
                           "The gateway could not reach its database.")
        response = protocol.error_response(error, message_id, accept=request.headers.get("Accept", ""),
                                           english=_english())
    except Exception:
        logger.exception("gateway: internal error serving %s", message_id)
        error = XRoadError(protocol.INTERNAL_ERROR, "Lỗi nội bộ của cổng kết nối khi xử lý yêu cầu.",
                           "Internal error of the gateway.")
        response = protocol.error_response(error, message_id, accept=request.headers.get("Accept", ""),
                                           english=_english())
    # The request as hashed and logged carries the identifiers the gateway settled on (PR-REST §4.3).
    hashed_headers = [(n, v) for n, v in request_headers
                      if n.lower() not in (protocol.MESSAGE_ID.lower(), protocol.REQUEST_ID.lower())]
    hashed_headers += [(protocol.MESSAGE_ID, message_id), (protocol.REQUEST_ID, request_id)]
    path_and_query = raw_path + (f"?{query}" if query else "")
    request_hash = protocol.request_hash(request.method, path_and_query, hashed_headers, body)
    if protocol.ERROR not in response:
        response[protocol.MESSAGE_ID] = message_id
        response[protocol.CLIENT] = request.headers.get(protocol.CLIENT, "")
        response[protocol.SERVICE] = service_header
        response[protocol.REQUEST_ID] = request_id
        response[protocol.REQUEST_HASH] = request_hash
    elapsed = int((time.perf_counter() - started) * 1000)
    response_body = response.content if not getattr(response, "streaming", False) else b""
    messagelog.write(messagelog.Exchange(
        direction=messagelog.SERVED, message_id=message_id, request_id=request_id, client=client_text,
        service=service_text, method=request.method, path=path_and_query.removeprefix("/r1/")[:2000],
        messages=[
            messagelog.Message(messagelog.REQUEST, received_at, hashed_headers, body,
                               request.META.get("CONTENT_TYPE", "")),
            messagelog.Message(messagelog.RESPONSE, timezone.now(), list(response.items()), response_body,
                               response.get("Content-Type", ""), status=response.status_code,
                               error_type=response.get(protocol.ERROR, ""), duration_ms=elapsed,
                               request_hash=request_hash),
        ],
    ))
    return response


def _serve(request, service_id: ServiceId, path: str, query: str, body: bytes, client_id: ClientId,
           message_id: str, request_id: str) -> HttpResponse:
    snapshot = state.current()
    member = state.authenticate(snapshot, certificates.presented_certificate(request), client_id)
    provider = service_id.provider
    if provider != own_subsystem():
        known = snapshot.members.get(provider)
        if known is None or not known.local:
            raise XRoadError(protocol.UNKNOWN_SERVICE,
                             f"Phân hệ {provider} không cung cấp dịch vụ tại cổng kết nối này.",
                             f"The subsystem {provider} offers no service at this gateway.")
    code = service_id.service_code
    if code in METASERVICES:
        return _metaservice(request, snapshot, code, client_id, query, provider)
    service = registry.get(code)
    info = snapshot.services.get(code)
    if service is None or info is None:
        raise XRoadError(protocol.UNKNOWN_SERVICE, f"Không có dịch vụ “{code}” tại {provider}.",
                         f"There is no service “{code}” at {provider}.")
    if not info.enabled:
        notice = f": {info.notice}" if info.notice else "."
        raise XRoadError(protocol.SERVICE_DISABLED, f"Dịch vụ “{code}” đang tạm dừng{notice}",
                         f"The service “{code}” is disabled{notice}")
    method = request.method.upper()
    endpoint_path = path or "/"
    rights = snapshot.rights.get((client_id, code), ())
    if service.endpoint_for(method, endpoint_path) is None or not any(
            right.matches(method, endpoint_path) for right in rights):
        raise XRoadError(protocol.ACCESS_DENIED,
                         f"{client_id} không có quyền gọi {method} {endpoint_path} của dịch vụ “{code}”.",
                         f"{client_id} may not call {method} {endpoint_path} of the service “{code}”.")
    call = GatewayRequest(
        client=GatewayClient(id=client_id, name=member.name, agency_id=member.agency_id,
                             user_id=request.headers.get(protocol.USER_ID, "")[:100],
                             issue=request.headers.get(protocol.ISSUE, "")[:200],
                             message_id=message_id, request_id=request_id),
        service_code=code, method=method, path=path, query=query,
        headers=dict(request.headers.items()), body=body,
        content_type=request.META.get("CONTENT_TYPE", ""),
    )
    answer = service.handle(call, request)
    if len(answer.body) > settings.TINHSO_EXCHANGE_MAX_REQUEST_BYTES:
        raise XRoadError(protocol.SERVICE_FAILED, "Câu trả lời của dịch vụ vượt quá giới hạn kích thước.",
                         "The service's answer is larger than the gateway accepts.")
    response = HttpResponse(answer.body, status=answer.status, content_type=answer.content_type or None)
    for name, value in answer.headers.items():
        lowered = name.lower()
        if lowered in protocol.FILTERED or lowered.startswith("x-road-") or lowered == "set-cookie":
            continue
        response[name] = value
    return response


# -- metaservices (service metadata protocol for REST) -------------------------------------------------------

def _json_response(data) -> HttpResponse:
    return HttpResponse(json.dumps(data, ensure_ascii=False), content_type="application/json; charset=utf-8")


def _service_entry(provider: ClientId, service: registry.OfferedService, endpoints) -> dict:
    return {
        "member_class": provider.member_class,
        "member_code": provider.member_code,
        "object_type": "SERVICE",
        "service_code": service.code,
        "service_type": service.kind,
        "subsystem_code": provider.subsystem_code,
        "xroad_instance": provider.instance,
        "endpoint_list": [{"method": e.method, "path": e.path} for e in endpoints],
    }


def _available(snapshot: state.Snapshot) -> list[registry.OfferedService]:
    return [service for service in registry.offered()
            if service.code in snapshot.services and snapshot.services[service.code].enabled]


def allowed_endpoints(service: registry.OfferedService, rights) -> list[registry.Endpoint]:
    """The endpoints of ``service`` ``rights`` open (a right narrower than an endpoint is listed itself)."""
    listed: list[registry.Endpoint] = []
    for right in rights:
        covered = [e for e in service.endpoints
                   if right.method in ("*", e.method) and path_matches(right.path, e.path)]
        if covered:
            listed += [e for e in covered if e not in listed]
        elif right not in listed and any(e.method in ("*", right.method) and path_matches(e.path, right.path)
                                         for e in service.endpoints):
            listed.append(right)
    return listed


def _metaservice(request, snapshot, code: str, client_id: ClientId, query: str, provider: ClientId):
    if request.method.upper() != "GET":
        raise XRoadError(protocol.BAD_REQUEST, f"Dịch vụ siêu dữ liệu {code} chỉ nhận phương thức GET.",
                         f"The metaservice {code} accepts GET only.")
    if code == "listMethods":
        return _json_response({"service": [_service_entry(provider, s, s.endpoints) for s in _available(snapshot)]})
    if code == "allowedMethods":
        entries = []
        for service in _available(snapshot):
            endpoints = allowed_endpoints(service, snapshot.rights.get((client_id, service.code), ()))
            if endpoints:
                entries.append(_service_entry(provider, service, endpoints))
        return _json_response({"service": entries})
    wanted = parse_qs(query).get("serviceCode", [""])[-1]
    if not wanted:
        raise XRoadError(protocol.BAD_REQUEST, "getOpenAPI cần tham số serviceCode.",
                         "getOpenAPI needs the serviceCode parameter.")
    service = registry.get(wanted)
    if service is None or wanted not in snapshot.services or not snapshot.services[wanted].enabled:
        raise XRoadError(protocol.UNKNOWN_SERVICE, f"Không có dịch vụ “{wanted}” tại {provider}.",
                         f"There is no service “{wanted}” at {provider}.")
    server_url = request.build_absolute_uri(f"/r1/{provider.service(wanted).encode()}")
    return _json_response(service.openapi(server_url))
