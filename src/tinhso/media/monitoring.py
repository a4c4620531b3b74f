"""Monitoring of licensed websites: reachable or not, the HTTP status, the TLS certificate's expiry, and
whether the home page shows the licence number as NĐ 147/2024/NĐ-CP requires of a licensed website.

Each check is kept (:class:`~tinhso.media.models.MonitoringCheck`); ``MEDIA_MONITOR_FAILURES`` failures in a
row open one alert for the department (notified), which a passing check closes. The task ``check_websites``
runs every licence in force; ``tinhso media monitor`` enqueues it (``--every`` to repeat). The TLS check reads
the certificate the site presents and judges its validity dates (the chain is not judged here).
"""

from __future__ import annotations

import datetime
import html
import http.client
import re
import ssl
from dataclasses import dataclass
from urllib.parse import urlsplit

from cryptography import x509
from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext

from tinhso.media.models import LicenceState, MonitoringAlert, MonitoringCheck, WebsiteLicence

MAX_BODY = 2 * 1024 * 1024
_SPACES = re.compile(r"\s+")


@dataclass
class Outcome:
    reachable: bool = False
    http_status: int | None = None
    tls_expires_at: datetime.datetime | None = None
    body: bytes = b""
    error: str = ""


def fetch(url: str, timeout: float) -> Outcome:
    """GET ``url`` (http or https) once, without following redirects; never raises."""
    parts = urlsplit(url)
    outcome = Outcome()
    if parts.scheme not in ("http", "https") or not parts.hostname:
        outcome.error = "địa chỉ không hợp lệ"
        return outcome
    try:
        if parts.scheme == "https":
            context = ssl.create_default_context()
            context.check_hostname = False
            context.verify_mode = ssl.CERT_NONE  # read the certificate whatever it is; its dates are judged below
            connection = http.client.HTTPSConnection(parts.hostname, parts.port or 443, timeout=timeout,
                                                     context=context)
        else:
            connection = http.client.HTTPConnection(parts.hostname, parts.port or 80, timeout=timeout)
        try:
            connection.request("GET", (parts.path or "/") + (f"?{parts.query}" if parts.query else ""),
                               headers={"User-Agent": "tinhso-giam-sat/1", "Accept": "text/html"})
            if parts.scheme == "https":
                der = connection.sock.getpeercert(binary_form=True)
                if der:
                    outcome.tls_expires_at = x509.load_der_x509_certificate(der).not_valid_after_utc
            response = connection.getresponse()
            outcome.reachable, outcome.http_status = True, response.status
            outcome.body = response.read(MAX_BODY)
        finally:
            connection.close()
    except (TimeoutError, OSError, http.client.HTTPException, ssl.SSLError, ValueError) as error:
        outcome.error = (str(error) or error.__class__.__name__)[:200]
    return outcome


def shows_licence(body: bytes, number: str) -> bool:
    text = _SPACES.sub(" ", html.unescape(body.decode("utf-8", "replace")))
    return _SPACES.sub(" ", number).strip().lower() in text.lower()


def check_licence(licence: WebsiteLicence, now: datetime.datetime | None = None) -> MonitoringCheck:
    """Check one licensed website, keep the result, and open or close its alert."""
    now = now or timezone.now()
    outcome = fetch(licence.address_to_check, settings.TINHSO_MEDIA_MONITOR_TIMEOUT)
    problems = []
    if not outcome.reachable:
        problems.append(f"không truy cập được ({outcome.error})" if outcome.error else "không truy cập được")
    elif outcome.http_status is None or outcome.http_status >= 400:
        problems.append(f"mã trạng thái HTTP {outcome.http_status}")
    if outcome.tls_expires_at is not None and outcome.tls_expires_at <= now:
        problems.append(f"chứng thư TLS hết hạn ngày {timezone.localtime(outcome.tls_expires_at):%d/%m/%Y}")
    shown = outcome.reachable and shows_licence(outcome.body, licence.licence_number)
    if outcome.reachable and not shown:
        problems.append("trang chủ không hiển thị số giấy phép")
    with transaction.atomic():
        locked = WebsiteLicence.objects.select_for_update().get(pk=licence.pk)
        result = MonitoringCheck.objects.create(
            licence=locked, checked_at=now, reachable=outcome.reachable, http_status=outcome.http_status,
            tls_expires_at=outcome.tls_expires_at, licence_shown=shown, ok=not problems,
            problem="; ".join(problems)[:300])
        locked.failures_in_a_row = 0 if result.ok else locked.failures_in_a_row + 1
        locked.save(update_fields=["failures_in_a_row"])
        open_alert = MonitoringAlert.objects.filter(licence=locked, closed_at__isnull=True).first()
        if result.ok and open_alert is not None:
            open_alert.closed_at = now
            open_alert.save(update_fields=["closed_at"])
        elif (not result.ok and open_alert is None
              and locked.failures_in_a_row >= settings.TINHSO_MEDIA_MONITOR_FAILURES):
            alert = MonitoringAlert.objects.create(licence=locked, opened_at=now, problem=result.problem)
            from tinhso.media.services import _notify_department

            _notify_department(compose=lambda: (
                gettext("Cảnh báo giám sát: %(domain)s") % {"domain": locked.domain},
                gettext("%(domain)s (%(number)s) lỗi %(count)d lần liên tiếp: %(problem)s") % {
                    "domain": locked.domain, "number": locked.licence_number, "count": locked.failures_in_a_row,
                    "problem": result.problem}),
                link=reverse("media:licence", args=[locked.pk]), concerns=alert, kind="media.monitoring_alert")
    return result


def check_all(now: datetime.datetime | None = None) -> dict[str, int]:
    today = timezone.localdate()
    checked = failed = 0
    for licence in WebsiteLicence.objects.filter(monitored=True, state=LicenceState.IN_FORCE,
                                                 expires_on__gte=today).order_by("pk"):
        result = check_licence(licence, now)
        checked += 1
        failed += not result.ok
    return {"checked": checked, "failed": failed}
