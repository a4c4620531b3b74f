"""The national public-service portal, behind one interface.

Provincial one-stop systems push every dossier's status changes to the national portal and take the
procedure catalogue from the national database of procedures. The portal's own interface is not public, so
the payloads below are this platform's, documented here and in the README; an adapter for another wire
format implements :class:`NationalPortal` and is returned by :func:`configured_portal`, the one place to
change. Nothing here knows whether the other end is the real portal or a stand-in.

**Status changes** — ``POST {NATIONAL_PORTAL_URL}/status-changes`` with ``{"changes": [change, …]}``, at most
``NATIONAL_PORTAL_BATCH`` per request, in order per dossier::

    {"id": "000.00.10.H41-260302-0001:4711",      # idempotency key: dossier code and event
     "dossier_code": "000.00.10.H41-260302-0001", "event_id": 4711,
     "action": "receive", "status": "received", "status_label": "Đã tiếp nhận",
     "previous_status": "submitted", "changed_at": "2026-03-02T09:00:00+07:00",
     "procedure_code": "1.001193", "receiving_agency": "000.00.10.H41", "channel": "online",
     "received_at": "…", "due_at": "…", "finished_at": null, "note": ""}

The answer is ``{"results": [{"id": …, "result": "accepted" | "duplicate" | "rejected", "message": "…"}]}``:
``duplicate`` says the portal already holds that change (an earlier attempt reached it) and counts as
delivered; ``rejected`` is final for that change (it goes to the dead-letter list with the message). Any
other answer — a network fault, a timeout, HTTP 5xx or 429, an unreadable body — fails the whole request,
to be retried with backoff.

**Catalogue** — ``GET {NATIONAL_PORTAL_URL}/procedures?page=N`` answers ``{"items": [procedure, …],
"next_page": N+1 | null}`` with each procedure as :mod:`tinhso.exchange.catalogue_pull` reads it.

Every request is signed as the national exchange's SDK signs its calls: ``X-System-Id`` (``NATIONAL_PORTAL_
SYSTEM_ID``), ``X-Timestamp`` (Unix seconds) and ``X-Signature`` = base-64 HMAC-SHA256 with
``NATIONAL_PORTAL_SECRET`` over system id ‖ timestamp ‖ content type ‖ body. Every request and answer is
in the message log (calls made), with the portal as the service.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from dataclasses import dataclass
from typing import Protocol

from django.conf import settings
from django.utils import timezone

from tinhso.exchange import messagelog, protocol

RESULTS = ("accepted", "duplicate", "rejected")


class PortalUnavailable(Exception):
    """The request did not get a usable answer (network, timeout, 5xx, unreadable): retry later."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class PortalNotConfigured(PortalUnavailable):
    """No portal address is set: deliveries wait."""


@dataclass(frozen=True)
class ChangeResult:
    id: str
    result: str
    message: str = ""


class NationalPortal(Protocol):
    def push_status_changes(self, changes: list[dict]) -> list[ChangeResult]: ...

    def fetch_procedures(self, page: int) -> tuple[list[dict], int | None]: ...


def sign(secret: str, system_id: str, timestamp: str, content_type: str, body: bytes) -> str:
    message = system_id.encode() + timestamp.encode() + content_type.encode() + body
    return base64.b64encode(hmac.new(secret.encode(), message, hashlib.sha256).digest()).decode()


class HttpNationalPortal:
    """The portal's synchronisation interface over HTTPS, requests signed with the shared secret."""

    service_name = "national-portal"

    def __init__(self, url: str, system_id: str, secret: str, timeout: float):
        import requests

        self.url = url.rstrip("/")
        self.system_id = system_id
        self.secret = secret
        self.timeout = timeout
        self.session = requests.Session()
        self.session.trust_env = False

    def _request(self, method: str, path: str, payload: dict | None = None) -> tuple[int, dict]:
        import requests

        body = json.dumps(payload, ensure_ascii=False, default=str).encode() if payload is not None else b""
        content_type = "application/json; charset=utf-8" if payload is not None else ""
        stamp = str(int(time.time()))
        headers = [("X-System-Id", self.system_id), ("X-Timestamp", stamp),
                   ("X-Signature", sign(self.secret, self.system_id, stamp, content_type, body)),
                   ("Accept", "application/json")]
        if content_type:
            headers.append(("Content-Type", content_type))
        message_id = protocol.new_id()
        exchange = messagelog.Exchange(
            direction=messagelog.MADE, message_id=message_id, request_id=message_id, client=self.system_id,
            service=f"{self.service_name}:{self.url}", method=method, path=path,
            messages=[messagelog.Message(messagelog.REQUEST, timezone.now(),
                                         [h for h in headers if h[0] != "X-Signature"], body, content_type)],
        )
        started = time.perf_counter()
        try:
            answer = self.session.request(method, self.url + path, data=body or None, headers=dict(headers),
                                          timeout=self.timeout, allow_redirects=False)
        except requests.RequestException as error:
            kind = protocol.TIMEOUT if isinstance(error, requests.Timeout) else protocol.NETWORK_ERROR
            exchange.messages.append(messagelog.Message(messagelog.RESPONSE, timezone.now(), [], b"",
                                                        error_type=kind.type,
                                                        duration_ms=int((time.perf_counter() - started) * 1000)))
            messagelog.write(exchange)
            what = "quá thời gian chờ" if kind is protocol.TIMEOUT else "lỗi kết nối"
            raise PortalUnavailable(f"Cổng dịch vụ công quốc gia: {what} ({error.__class__.__name__}).") from None
        exchange.messages.append(messagelog.Message(
            messagelog.RESPONSE, timezone.now(), list(answer.headers.items()), answer.content,
            answer.headers.get("Content-Type", ""), status=answer.status_code,
            duration_ms=int((time.perf_counter() - started) * 1000)))
        messagelog.write(exchange)
        if answer.status_code >= 500 or answer.status_code in (408, 429):
            raise PortalUnavailable(f"Cổng dịch vụ công quốc gia trả lời HTTP {answer.status_code}.")
        try:
            data = answer.json()
        except ValueError:
            raise PortalUnavailable("Cổng dịch vụ công quốc gia trả lời không đọc được (không phải JSON).") from None
        if not isinstance(data, dict):
            raise PortalUnavailable("Cổng dịch vụ công quốc gia trả lời không đúng định dạng.")
        return answer.status_code, data

    def push_status_changes(self, changes: list[dict]) -> list[ChangeResult]:
        status, data = self._request("POST", "/status-changes", {"changes": changes})
        if status >= 400:
            detail = str(data.get("detail") or data.get("message") or "")[:300]
            raise PortalUnavailable(f"Cổng dịch vụ công quốc gia từ chối yêu cầu (HTTP {status}) {detail}".strip())
        results = []
        for item in data.get("results") or []:
            if not isinstance(item, dict) or item.get("result") not in RESULTS:
                continue
            results.append(ChangeResult(str(item.get("id", "")), item["result"], str(item.get("message", ""))[:500]))
        return results

    def fetch_procedures(self, page: int) -> tuple[list[dict], int | None]:
        status, data = self._request("GET", f"/procedures?page={int(page)}")
        if status >= 400:
            raise PortalUnavailable(f"Cổng dịch vụ công quốc gia từ chối yêu cầu danh mục (HTTP {status}).")
        items = data.get("items")
        if not isinstance(items, list):
            raise PortalUnavailable("Danh mục thủ tục trả về không có danh sách items.")
        next_page = data.get("next_page")
        return items, next_page if isinstance(next_page, int) and next_page > page else None


def configured_portal() -> NationalPortal:
    """The portal this deployment talks to, from the settings."""
    if not settings.TINHSO_NATIONAL_PORTAL_URL:
        raise PortalNotConfigured("Chưa cấu hình địa chỉ cổng dịch vụ công quốc gia (NATIONAL_PORTAL_URL).")
    return HttpNationalPortal(settings.TINHSO_NATIONAL_PORTAL_URL, settings.TINHSO_NATIONAL_PORTAL_SYSTEM_ID,
                              settings.TINHSO_NATIONAL_PORTAL_SECRET, settings.TINHSO_NATIONAL_PORTAL_TIMEOUT)
