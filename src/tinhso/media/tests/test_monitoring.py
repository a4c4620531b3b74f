"""Monitoring of licensed websites against web servers started on loopback (never the internet): a site that
shows its licence, one that is down, one with an expired TLS certificate, one without the licence text; the
history kept, and three failures in a row opening one alert that a passing check closes."""

from __future__ import annotations

import datetime
import ssl
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.test import override_settings

from tinhso.common.notices.models import Notice
from tinhso.media import monitoring
from tinhso.media.models import MonitoringAlert, MonitoringCheck
from tinhso.media.tests.factories import department, licence
from tinhso.testing.loopback import LoopbackServer, free_port
from tinhso.testing.pki import TestPKI

pytestmark = pytest.mark.django_db

NUMBER = "15/2025/GP-TTĐT"
PAGE_WITH_LICENCE = ("<html><body><footer>Giấy phép số 15/2025/GP-TTĐT do Sở Văn hóa, Thể thao và Du lịch cấp"
                     "</footer></body></html>").encode()
PAGE_WITHOUT = b"<html><body><p>Tin tuc</p></body></html>"


def site(body: bytes, status: int = 200) -> LoopbackServer:
    return LoopbackServer(lambda method, path, headers, data: (status, {"Content-Type": "text/html"}, body))


class TlsSite:
    """An HTTPS server on loopback presenting ``credential`` (certificate + key)."""

    def __init__(self, credential, tmp_path, body: bytes):
        paths = credential.write(tmp_path, "site")
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(paths["cert"], paths["key"])
        page = body

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):
                self.send_response(200)
                self.send_header("Content-Length", str(len(page)))
                self.end_headers()
                self.wfile.write(page)

            def log_message(self, *args):
                return

        self.port = free_port()
        self.server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self.server.socket = context.wrap_socket(self.server.socket, server_side=True)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()


def test_a_site_showing_its_licence_passes_and_the_check_is_kept():
    with site(PAGE_WITH_LICENCE) as server:
        watched = licence(number=NUMBER, monitor_url=server.url + "/")
        result = monitoring.check_licence(watched)
    assert result.ok and result.reachable and result.http_status == 200 and result.licence_shown
    assert MonitoringCheck.objects.filter(licence=watched).count() == 1


def test_a_site_without_the_licence_number_fails():
    with site(PAGE_WITHOUT) as server:
        result = monitoring.check_licence(licence(number=NUMBER, monitor_url=server.url + "/"))
    assert not result.ok and result.reachable and not result.licence_shown
    assert "số giấy phép" in result.problem


def test_a_server_error_and_a_site_that_is_down_fail():
    with site(b"loi", status=503) as server:
        broken = monitoring.check_licence(licence(number=NUMBER, monitor_url=server.url + "/"))
    assert not broken.ok and broken.http_status == 503
    down = monitoring.check_licence(licence(domain="down.example", number="16/2025/GP-TTĐT",
                                            monitor_url=f"http://127.0.0.1:{free_port()}/"))
    assert not down.ok and not down.reachable and down.http_status is None
    assert "không truy cập được" in down.problem


def test_an_expired_certificate_fails_and_its_expiry_is_recorded(tmp_path):
    now = datetime.datetime.now(datetime.UTC)
    pki = TestPKI.create(valid_from=now - datetime.timedelta(days=800))
    expired = pki.issue_tls_server(valid_from=now - datetime.timedelta(days=400), days=30)
    with TlsSite(expired, tmp_path, PAGE_WITH_LICENCE) as server:
        result = monitoring.check_licence(licence(number=NUMBER, monitor_url=f"https://127.0.0.1:{server.port}/"))
    assert result.reachable and result.licence_shown and not result.ok
    assert result.tls_expires_at == expired.certificate.not_valid_after_utc
    assert "chứng thư TLS hết hạn" in result.problem
    fresh = pki.issue_tls_server()
    with TlsSite(fresh, tmp_path / "b", PAGE_WITH_LICENCE.replace(b"15/2025", b"17/2025")) as server:
        good = monitoring.check_licence(licence(domain="ok.example", number="17/2025/GP-TTĐT",
                                                monitor_url=f"https://127.0.0.1:{server.port}/"))
    assert good.ok and good.tls_expires_at > now, good.problem


@override_settings(TINHSO_MEDIA_MONITOR_FAILURES=3)
def test_three_failures_in_a_row_open_one_alert_and_a_pass_closes_it():
    _office, officer = department()
    server = site(PAGE_WITH_LICENCE)
    watched = licence(number=NUMBER, monitor_url=server.url + "/")
    for _ in range(2):
        monitoring.check_licence(watched)  # the server is not started: down
    assert not MonitoringAlert.objects.exists()
    monitoring.check_licence(watched)
    alert = MonitoringAlert.objects.get(licence=watched, closed_at__isnull=True)
    assert Notice.objects.filter(user=officer, kind="media.monitoring_alert").count() == 1
    monitoring.check_licence(watched)  # a fourth failure: still one alert, no second notice
    assert MonitoringAlert.objects.count() == 1
    assert Notice.objects.filter(kind="media.monitoring_alert").count() == 1
    with server:
        monitoring.check_licence(watched)
    alert.refresh_from_db()
    watched.refresh_from_db()
    assert alert.closed_at is not None and watched.failures_in_a_row == 0
    assert MonitoringCheck.objects.filter(licence=watched).count() == 5
