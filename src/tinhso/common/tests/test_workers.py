"""Stateless web processes and several task workers on one database.

Real processes: two web servers (gunicorn) and two `tinhso worker` processes on the test database, a real SMTP
server on loopback. Dossiers submitted and received through both web servers send each applicant notice once
and run each task once (the workers claim with SKIP LOCKED); a worker killed in the middle of a task does not
lose it: another one runs it once the first has stopped beating.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from django.db import connections

from tinhso.directory.tests.factories import AgencyFactory
from tinhso.dossiers.models import Dossier, DossierEvent
from tinhso.dossiers.tests.factories import ProcedureWithRouteFactory, api_token
from tinhso.portal.accounts.tests.conftest import SmtpInbox, free_port

pytestmark = [pytest.mark.shared_database, pytest.mark.django_db(transaction=True)]

DOSSIERS = 6


def _environment(smtp_port: int) -> dict[str, str]:
    database = connections["default"].settings_dict
    url = f"postgres://{database['USER']}@{database['HOST']}:{database['PORT']}/{database['NAME']}"
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tinhso.conf.settings.test",
        "DATABASE_URL": url,
        "DATABASE_REPLICA_URLS": "",
        "EMAIL_URL": f"smtp://127.0.0.1:{smtp_port}",
        "TASKS_BACKEND": "database",
        "ALLOWED_HOSTS": "127.0.0.1",
        "TASK_WORKER_HEARTBEAT_SECONDS": "0.3",
        "TASK_WORKER_STALE_SECONDS": "2",
        "LOG_LEVEL": "WARNING",
    }


def _worker(env) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "tinhso.manage", "worker", "--interval", "0.1",
                             "--no-startup-delay", "-v", "0"], env=env)


def _web(env, port: int) -> subprocess.Popen:
    gunicorn = Path(sys.executable).parent / "gunicorn"
    process = subprocess.Popen([str(gunicorn), "tinhso.conf.wsgi", "-w", "1", "-b", f"127.0.0.1:{port}",
                                "--log-level", "warning"], env=env)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2).status == 200:
                return process
        except OSError:
            time.sleep(0.2)
    process.kill()
    raise RuntimeError("the web process did not start")


def _post(port: int, path: str, token: str, payload: dict) -> dict:
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}{path}", data=json.dumps(payload).encode(), method="POST",
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310 — loopback
        return json.loads(response.read())


def _stop(processes) -> None:
    for process in processes:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
    for process in processes:
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()


def _until(condition, timeout: float = 60, what: str = "") -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.1)


def test_two_web_processes_and_two_workers_send_each_notice_once_and_run_each_task_once():
    from aiosmtpd.controller import Controller
    from django_tasks_db.models import DBTaskResult

    agency = AgencyFactory(identifier="000.00.12.H41")
    version = ProcedureWithRouteFactory(agency=agency)
    token = api_token(agency)[1]
    inbox = SmtpInbox()
    smtp_port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=smtp_port)
    controller.start()
    env = _environment(smtp_port)
    ports = [free_port(), free_port()]
    processes = []
    try:
        processes += [_web(env, port) for port in ports]
        processes += [_worker(env), _worker(env)]
        for n in range(DOSSIERS):
            submitted = _post(ports[n % 2], "/api/dossiers/", token, {
                "procedure": version.procedure.code, "receiving_agency": agency.identifier,
                "applicant": {"name": f"Người nộp {n}", "id_number": f"04020100{n:04d}",
                              "email": f"nguoi{n}@example.vn"}})
            _post(ports[(n + 1) % 2], f"/api/dossiers/{submitted['code']}/transitions/receive", token,
                  {"expected_version": submitted["version"]})
        notified = DossierEvent.objects.filter(action__in=["submit_online", "receive"]).count()
        assert notified == 2 * DOSSIERS
        # Each notice is a task of its own, and it enqueues the delivery of each channel as another.
        notices = DBTaskResult.objects.filter(task_path__endswith=".send_applicant_notice")
        _until(lambda: DBTaskResult.objects.exclude(status="SUCCESSFUL").count() == 0
               and notices.count() == notified and len(inbox.raw) >= notified,
               what="every notice sent")
        time.sleep(1.0)  # a duplicate, if any, would arrive now
    finally:
        _stop(processes)
        controller.stop()

    tasks = list(DBTaskResult.objects.all())
    assert notices.count() == notified
    assert all(task.status == "SUCCESSFUL" and len(task.worker_ids) == 1 for task in tasks)
    recipients = sorted(message["To"] for message in inbox.messages)
    assert len(recipients) == notified
    for dossier in Dossier.objects.all():
        assert recipients.count(dossier.applicant_email) == 2, dossier.code  # submitted, then received


def test_a_task_whose_worker_is_killed_runs_again_in_another_worker(tmp_path, settings):
    from django_tasks_db.models import DBTaskResult

    from tinhso.testing.tasks import hold

    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}
    result = hold.enqueue(str(tmp_path))
    env = _environment(free_port())
    first = _worker(env)
    second = None
    try:
        _until(lambda: any(tmp_path.glob(f"started-{first.pid}")), what="the first worker to start the task")
        first.send_signal(signal.SIGKILL)
        first.wait(timeout=10)
        assert DBTaskResult.objects.get(pk=result.id).status == "RUNNING"
        second = _worker(env)
        _until(lambda: any(tmp_path.glob(f"started-{second.pid}")), what="another worker to take it up")
        (tmp_path / "release").touch()
        _until(lambda: DBTaskResult.objects.get(pk=result.id).status == "SUCCESSFUL", what="the task to finish")
    finally:
        _stop([p for p in (first, second) if p is not None])

    task = DBTaskResult.objects.get(pk=result.id)
    assert len(task.worker_ids) == 2 and task.return_value == second.pid
    assert (tmp_path / "finished").read_text().split() == [str(second.pid)]
