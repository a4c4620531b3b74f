"""A wall device through a restart of the server, in a real browser at 1920×1080: the platform runs as a real
gunicorn process on loopback on a database of its own (a SQLite file, or a PostgreSQL database when the suite
runs there); the kiosk signs in with its device token; the server stops — the wall keeps the last data with
its time and says "Mất kết nối"; numbers and alerts change meanwhile; the server starts again on the same
port and the wall shows the new numbers and the alert by itself, without a reload. Screenshots go to
``test-artifacts/kiosk-restart-*.png``."""

from __future__ import annotations

import re
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tinhso.ioc import wall
from tinhso.testing.deployment import ROOT, Deployment, Template

pytestmark = [pytest.mark.browser]

ARTIFACTS = Path(__file__).resolve().parents[4] / "test-artifacts"
# After the server is back, the wall's next poll comes within its back-off (at most 30 s) and one draw.
RECOVERS_WITHIN_MS = 40_000
OFFLINE_WITHIN_MS = (wall.POLL_SECONDS + 3) * 1000

SETUP = """
from tinhso.directory.models import Role
from tinhso.directory.tests.factories import AgencyFactory, MembershipFactory, ProvinceFactory, UserFactory
from tinhso.ioc import wall
from tinhso.ioc.indicators import seed_registry
from tinhso.ioc.models import WallLayout
seed_registry()
agency = AgencyFactory(name="Văn phòng UBND tỉnh", province=ProvinceFactory())
duty = UserFactory(username="trucban")
MembershipFactory(user=duty, agency=agency, role=Role.OPERATIONS_VIEWER)
WallLayout.objects.all().delete()
layout = WallLayout.objects.create(room="Phòng điều hành", name="Tường chính", panels=[
    {"kind": "numbers", "indicators": ["ty-le-dung-han", "ho-so-tiep-nhan"], "layers": [], "seconds": 30},
    {"kind": "alerts", "indicators": [], "layers": [], "seconds": 30}])
device, raw = wall.issue_device(name="Màn hình LED phòng họp", layout=layout, created_by=duty)
print("TOKEN", raw)
"""

# What happens while the server is down: a dossier received, a target set, an alert raised.
MEANWHILE = """
import datetime
from decimal import Decimal
from django.utils import timezone
from tinhso.directory.models import Agency
from tinhso.dossiers.models import State
from tinhso.dossiers.tests.factories import ProcedureWithRouteFactory, dossier_in_state
from tinhso.ioc import alerts
from tinhso.ioc.models import AlertRule, Indicator, Plan, RuleKind, Severity, Target
agency = Agency.objects.get(name="Văn phòng UBND tỉnh")
dossier_in_state(State.RECEIVED, version=ProcedureWithRouteFactory(agency=agency), agency=agency)
plan = Plan.objects.create(name="Kế hoạch chuyển đổi số", issuer="UBND tỉnh", issued_on=datetime.date(2026, 1, 5))
Target.objects.create(plan=plan, indicator=Indicator.objects.get(code="ty-le-dung-han"),
                      period=str(timezone.localdate().year), value=Decimal("95"), unit="%")
rule = AlertRule.objects.create(code="thu-khoi-dong-lai", name="Sự kiện thử", kind=RuleKind.EVENT,
                                event_kind="test.event", severity=Severity.CRITICAL)
alerts._raise(rule, "sau-khoi-dong-lai", "Trạm BTS NA-009 mất liên lạc")
"""


class Server:
    """gunicorn serving the deployment over plain HTTP on loopback, stopped and started on the same port."""

    def __init__(self, deployment: Deployment):
        self.deployment = deployment
        self.process: subprocess.Popen | None = None
        self.log = deployment.template.directory / "kiosk-server.log"

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.deployment.port}"

    def start(self) -> None:
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "gunicorn", "tinhso.conf.wsgi", "-b", f"127.0.0.1:{self.deployment.port}",
                 "-w", "1", "--timeout", "60", "--log-level", "warning"],
                env=self.deployment.env, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn exited:\n{self.log.read_text(errors='replace')[-3000:]}")
            try:
                with urllib.request.urlopen(f"{self.url}/healthz", timeout=2) as answer:  # noqa: S310 — loopback
                    if answer.status == 200:
                        return
            except OSError:
                time.sleep(0.2)
        self.stop()
        raise RuntimeError(f"gunicorn did not answer on {self.url}")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)
        self.process = None


@pytest.fixture
def server(tmp_path):
    template = Template.create(tmp_path)
    deployment = Deployment("room", template, env={"ALLOWED_HOSTS": "127.0.0.1", "DEBUG": "false"})
    deployment.prepare(migrate=False)
    token = next(line.split()[1] for line in deployment.shell(SETUP).stdout_text.splitlines()
                 if line.startswith("TOKEN "))
    running = Server(deployment)
    running.start()
    try:
        yield running, token
    finally:
        running.stop()


def _shoot(page, name):
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"kiosk-restart-{name}.png"))


def test_the_kiosk_keeps_the_last_data_while_the_server_is_down_and_resumes_when_it_restarts(page, server):
    running, token = server
    page.set_viewport_size({"width": 1920, "height": 1080})
    page.goto(f"{running.url}/dieu-hanh/phong/kiosk/?ma={token}")
    expect(page.locator(".wall-number").first).to_be_visible()
    assert "ma=" not in page.url, "the token leaves the address"
    connection = page.locator("#wall-connection")
    expect(connection).to_have_attribute("data-state", "live", timeout=OFFLINE_WITHIN_MS)
    received = page.locator('.wall-number[data-code="ho-so-tiep-nhan"] .value')
    expect(received).not_to_have_text(re.compile(r"^\s*1\s*hồ sơ"))
    on_time = page.locator('.wall-number[data-code="ty-le-dung-han"]')
    expect(on_time.locator(".target")).to_have_count(0)
    expect(page.locator(".wall-feed")).not_to_contain_text("Trạm BTS NA-009 mất liên lạc")
    page.evaluate("window.sameDocument = true")  # gone if anything reloads the page
    shown = [page.locator(".wall-number").nth(i).inner_text() for i in range(page.locator(".wall-number").count())]

    # The server stops: the wall keeps its numbers and says since when it has no connection.
    running.stop()
    expect(connection).to_have_attribute("data-state", "offline", timeout=OFFLINE_WITHIN_MS)
    expect(connection).to_contain_text("Mất kết nối — đang hiển thị số liệu lúc")
    expect(connection).to_contain_text(page.evaluate("new Date().getFullYear().toString()"))
    expect(connection).to_be_visible()
    assert [page.locator(".wall-number").nth(i).inner_text()
            for i in range(page.locator(".wall-number").count())] == shown, "the last data stays on the wall"
    _shoot(page, "offline")

    # Meanwhile the province moves on; then the server starts again on the same port.
    running.deployment.shell(MEANWHILE)
    time.sleep(wall.POLL_SECONDS)  # at least one more failed poll: the wall backs off
    expect(connection).to_have_attribute("data-state", "offline")
    running.start()

    expect(connection).to_have_attribute("data-state", "live", timeout=RECOVERS_WITHIN_MS)
    expect(received).to_have_text(re.compile(r"^\s*1\s*hồ sơ"), timeout=OFFLINE_WITHIN_MS)
    expect(on_time.locator(".target")).to_have_text("Chỉ tiêu: 95,0%")
    expect(page.locator(".wall-feed")).to_contain_text("Trạm BTS NA-009 mất liên lạc")
    expect(connection).to_contain_text("Trực tuyến")
    assert page.evaluate("window.sameDocument === true"), "the wall recovered without a reload"
    _shoot(page, "recovered")
