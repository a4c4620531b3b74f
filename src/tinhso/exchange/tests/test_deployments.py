"""Real parts: two deployments (two provinces) on loopback, each with its own database, served by gunicorn
over mutual TLS (``tinhso.exchange.tls_server``), calling each other's services with their own certificates;
members accepted and refused at a real TLS server; and a delivery worker killed mid-delivery.

The deployments' databases are of the kind the suite runs on (SQLite files, or PostgreSQL databases on the
test server), copied from one migrated template.
"""

from __future__ import annotations

import datetime
import json
import signal
import time

import pytest
import requests

from tinhso.testing.deployment import Deployment, Template
from tinhso.testing.national_portal import StandInPortal
from tinhso.testing.pki import TestPKI

A_ID = "VN/GOV/000.00.00.H41/tinhso"
B_ID = "VN/GOV/000.00.00.H14/tinhso"
MEMBER = "VN/GOV/000.00.00.H42/tinhso"


SETUP = """
from pathlib import Path
from django.core.management import call_command
call_command("migrate", "--noinput", verbosity=0)  # this deployment's own subsystem and services
from tinhso.exchange import services
d = Path({directory!r})
ca = services.add_authority("CA liên tỉnh thử nghiệm", (d / "issuing.pem").read_bytes())
services.store_crl(ca, (d / "issuing.crl").read_bytes())
peer = services.find_member({peer!r}) or services.register_member({peer!r}, {peer_name!r})
peer.address = {peer_url!r}
peer.save()
services.add_certificate(peer, (d / {peer_cert!r}).read_bytes())
services.grant_access(peer, {granted!r})
{extra}
"""

A_EXTRA = """
from tinhso.dossiers.tests.factories import ProcedureWithRouteFactory
ProcedureWithRouteFactory(name="Cấp giấy phép hoạt động thử nghiệm")
for name in ("member", "expired", "revoked"):
    member = services.find_member("VN/GOV/000.00.00.H42/tinhso") or services.register_member(
        "VN/GOV/000.00.00.H42/tinhso", "Tỉnh Hà Tĩnh")
    services.add_certificate(member, (d / f"{name}.crt").read_bytes())
services.grant_access(member, "agencies")
"""

B_EXTRA = """
from tinhso.directory.tests.factories import AgencyFactory
AgencyFactory(identifier="000.00.00.H14", name="Ủy ban nhân dân tỉnh Cao Bằng")
"""


@pytest.fixture(scope="module")
def network(tmp_path_factory, _tsa_server):
    """Deployments A (Nghệ An, H41) and B (Cao Bằng, H14), trusting one CA, each serving over mutual TLS."""
    directory = tmp_path_factory.mktemp("deployments")
    pki = TestPKI.create("Mạng trao đổi liên tỉnh thử nghiệm")
    files = {}
    for name, credential in {
        "a-server": pki.issue_tls_server(), "b-server": pki.issue_tls_server(),
        "a-client": pki.issue_tls_client(A_ID), "b-client": pki.issue_tls_client(B_ID),
        "member": pki.issue_tls_client(MEMBER), "unknown": pki.issue_tls_client(MEMBER),
        "expired": pki.issue_tls_client(MEMBER, valid_from=datetime.datetime.now(datetime.UTC)
                                        - datetime.timedelta(days=40), days=10),
        "revoked": pki.issue_tls_client(MEMBER),
        "foreign": TestPKI.create("CA lạ").issue_tls_client(MEMBER),
    }.items():
        files[name] = credential.write(directory, name)
        if name == "revoked":
            pki.revoke(credential)
    (directory / "issuing.pem").write_bytes(pki.issuing.cert_pem)
    (directory / "issuing.crl").write_bytes(pki.crl_der())
    (directory / "chain.pem").write_bytes(pki.chain_pem)
    template = Template.create(directory)
    common = {"TSA_URL": _tsa_server.url, "TSA_TRUSTED_ROOTS": _tsa_server.roots_path,
              "EXCHANGE_TLS_CA": str(directory / "chain.pem"), "EXCHANGE_CALL_RETRIES": "0"}
    a = Deployment("a", template, province="40", env={
        **common, "EXCHANGE_TLS_CERT": str(files["a-client"]["cert"]),
        "EXCHANGE_TLS_KEY": str(files["a-client"]["key"])})
    b = Deployment("b", template, province="04", env={
        **common, "EXCHANGE_TLS_CERT": str(files["b-client"]["cert"]),
        "EXCHANGE_TLS_KEY": str(files["b-client"]["key"])})
    a.prepare(migrate=False)
    b.prepare(migrate=False)
    a.shell(SETUP.format(directory=str(directory), peer=B_ID, peer_name="Tỉnh Cao Bằng", peer_url=b.url,
                         peer_cert="b-client.crt", granted="procedures", extra=A_EXTRA))
    b.shell(SETUP.format(directory=str(directory), peer=A_ID, peer_name="Tỉnh Nghệ An", peer_url=a.url,
                         peer_cert="a-client.crt", granted="agencies", extra=B_EXTRA))
    a.serve(files["a-server"]["cert"], files["a-server"]["key"])
    b.serve(files["b-server"]["cert"], files["b-server"]["key"])
    yield {"a": a, "b": b, "files": files, "chain": directory / "chain.pem", "directory": directory}
    a.stop()
    b.stop()


def _get(network, path, credential=None, caller=MEMBER):
    files = network["files"]
    cert = (str(files[credential]["cert"]), str(files[credential]["key"])) if credential else None
    return requests.get(f"{network['a'].url}/r1/{A_ID}{path}", headers={"X-Road-Client": caller}, cert=cert,
                        verify=str(network["chain"]), timeout=30)


def test_a_member_with_its_registered_certificate_is_served_over_mutual_tls(network):
    answer = _get(network, "/agencies/agencies", "member")
    assert answer.status_code == 200, answer.text
    assert answer.headers["X-Road-Service"] == f"{A_ID}/agencies"
    assert answer.headers["X-Road-Client"] == MEMBER
    assert answer.headers["X-Road-Request-Hash"] and "X-Road-Error" not in answer.headers


@pytest.mark.parametrize("credential, reason", [
    (None, "Không có chứng thư số máy khách"),
    ("expired", "hết hạn"),
    ("revoked", "danh sách thu hồi"),
    ("unknown", "chưa được đăng ký"),
])
def test_refused_certificates_get_the_protocols_error_from_the_tls_server(network, credential, reason):
    answer = _get(network, "/agencies/agencies", credential)
    assert answer.status_code == 401
    assert answer.headers["X-Road-Error"] == "Client.SslAuthenticationFailed"
    assert reason in answer.json()["message"]


def test_a_certificate_from_a_ca_the_platform_does_not_trust_fails_the_handshake(network):
    with pytest.raises(requests.exceptions.SSLError):
        _get(network, "/agencies/agencies", "foreign")


CALLS = """
import io, json
from django.core.management import call_command
from django.core.management.base import CommandError

def run(*args):
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command(*args, stdout=out, stderr=err)
        return {"ok": True, "out": out.getvalue(), "err": err.getvalue()}
    except CommandError as error:
        return {"ok": False, "out": out.getvalue(), "err": err.getvalue() + str(error)}

results = {"call": run("exchange", "call", *%(call)r)}
if %(refused)r:
    results["refused"] = run("exchange", "call", *%(refused)r)
results["log"] = run("exchange", "log", "--service", %(service)r)
print(json.dumps(results, ensure_ascii=False))
"""

SEAL_AND_VERIFY = """
import io, json
from django.core.management import call_command
out = io.StringIO()
call_command("exchange", "seal", stdout=out)
call_command("exchange", "verify-log", stdout=out)
print(json.dumps(out.getvalue(), ensure_ascii=False))
"""


def _calls(side, call, service, refused=None):
    return json.loads(side.shell(CALLS % {"call": call, "refused": refused, "service": service}).stdout_text
                      .strip().splitlines()[-1])


def test_two_deployments_call_each_others_services(network):
    a, b = network["a"], network["b"]
    from_a = _calls(a, [f"{B_ID}/agencies", "/agencies"], f"{B_ID}/agencies",
                    refused=[f"{B_ID}/dossier-status", "/000.00.00.H14-260101-0001"])
    agencies = json.loads(from_a["call"]["out"])
    assert [(x["identifier"], x["name"]) for x in agencies["items"]] == [
        ("000.00.00.H14", "Ủy ban nhân dân tỉnh Cao Bằng")]
    assert not from_a["refused"]["ok"] and "Client.AccessDenied" in from_a["refused"]["err"]
    made = [json.loads(line) for line in from_a["log"]["out"].splitlines()]
    assert {(r["direction"], r["kind"], r["status"]) for r in made} == {("made", "request", None),
                                                                       ("made", "response", 200)}

    from_b = _calls(b, [f"{A_ID}/procedures", "/procedures"], f"{A_ID}/procedures")
    listed = json.loads(from_b["call"]["out"])
    assert listed["count"] >= 1 and any("thử nghiệm" in item["name"] for item in listed["items"])
    served = [json.loads(line) for line in b.run("exchange", "log", "--request-id", made[0]["x_road_id"]
                                                 ).stdout_text.splitlines()]
    assert {(r["direction"], r["kind"], r["status"]) for r in served} == {("served", "request", None),
                                                                         ("served", "response", 200)}
    # Both logs seal with the timestamp authority and verify.
    for side in (a, b):
        report = json.loads(side.shell(SEAL_AND_VERIFY).stdout_text.strip().splitlines()[-1])
        assert "nguyên vẹn" in report and "dấu thời gian hợp lệ" in report and "0 lô chờ" in report, report


DOSSIERS = """
from tinhso.directory.tests.factories import AgencyFactory
from tinhso.dossiers.models import State
from tinhso.dossiers.tests.factories import ProcedureWithRouteFactory, dossier_in_state
agency = AgencyFactory(identifier="000.00.20.H41")
version = ProcedureWithRouteFactory(agency=agency, procedure__code="1.777001")
for _ in range(3):
    dossier_in_state(State.IN_PROGRESS, version=version)
"""

DELIVER_AND_COUNT = """
from django.core.management import call_command
from tinhso.exchange.models import OutboxEntry
call_command("exchange", "deliver")
print(OutboxEntry.objects.filter(status="delivered").count(), OutboxEntry.objects.count())
"""


def test_a_delivery_worker_killed_mid_delivery_loses_nothing_and_repeats_nothing(network):
    a = network["a"]
    a.shell(DOSSIERS, env={"NATIONAL_PORTAL_URL": ""})
    with StandInPortal() as portal:
        settings = {"NATIONAL_PORTAL_URL": portal.url, "NATIONAL_PORTAL_SYSTEM_ID": portal.system_id,
                    "NATIONAL_PORTAL_SECRET": portal.secret, "NATIONAL_PORTAL_TIMEOUT": "2"}
        portal.mode = "hang"
        worker = a.start("exchange", "deliver", env=settings)
        assert portal.arrived.wait(60), "the worker never reached the portal"
        worker.send_signal(signal.SIGKILL)  # mid-delivery: the portal took the changes, no answer came
        worker.wait(timeout=10)
        assert len(portal.received) == 3  # the first change of each dossier
        portal.release.set()
        portal.mode = "accept"
        time.sleep(2 * 2 + 2 + 0.5)  # the dead worker's lease runs out
        counted = a.shell(DELIVER_AND_COUNT, env=settings).stdout_text.strip().splitlines()[-1]
        delivered, total = map(int, counted.split())
    assert delivered == total == 9
    ids = portal.received_ids()
    assert len(ids) == len(set(ids)) == 9  # the portal's application took each change once
    assert not portal.out_of_order
