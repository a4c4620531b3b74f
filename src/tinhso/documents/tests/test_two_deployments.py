"""Two deployments on loopback (two provinces, two processes each, two databases) exchanging documents over the
data-sharing gateway with mutual TLS: a document and its statuses, an update and a recall.

A (Nghệ An, H41) issues a document to B's People's Committee (Cao Bằng, H14); it arrives in B's incoming
register; B accepts and assigns it and A sees each status on its copy; A corrects it and B's copy changes with
the old subject kept; A revokes it and B's copy is recalled, reporting 15 back.
"""

from __future__ import annotations

import json

import pytest

from tinhso.testing.deployment import Deployment, Template
from tinhso.testing.pki import TestPKI

A_ID = "VN/GOV/000.00.00.H41/tinhso"
B_ID = "VN/GOV/000.00.00.H14/tinhso"

SETUP = """
from pathlib import Path
from django.core.management import call_command
call_command("migrate", "--noinput", verbosity=0)
from tinhso.exchange import services
from tinhso.directory.models import Membership, Role
from tinhso.directory.tests.factories import AgencyFactory, UserFactory
from tinhso.documents.models import RecordsOffice
d = Path({directory!r})
ca = services.add_authority("CA liên tỉnh thử nghiệm", (d / "issuing.pem").read_bytes())
services.store_crl(ca, (d / "issuing.crl").read_bytes())
peer = services.find_member({peer!r}) or services.register_member({peer!r}, {peer_name!r})
peer.address = {peer_url!r}
peer.save()
services.add_certificate(peer, (d / {peer_cert!r}).read_bytes())
services.grant_access(peer, "documents")
own = AgencyFactory(central=True, identifier={own_organ!r}, name={own_name!r})
RecordsOffice.objects.create(agency=own, abbreviation={abbreviation!r}, place={place!r})
AgencyFactory(central=True, identifier={peer_organ!r}, name={peer_name!r})
handler = UserFactory(username="xuly")
Membership.objects.create(user=handler, agency=own, role=Role.HANDLER, valid_from="2020-01-01")
"""

ISSUE = """
import datetime, json
from tinhso.directory.models import Agency
from tinhso.documents import services
from tinhso.documents.models import DocumentType, OutgoingDocument
own = Agency.objects.get(identifier="000.00.00.H41")
document = services.issue_outgoing(own, services.OutgoingInput(
    document_type=DocumentType.objects.get(code="thong-bao"), subject="Thông báo kết luận về liên thông văn bản",
    signer_position="Chủ tịch", signer_name="Lê Hồng Vinh", authority_prefix="TM.",
    recipients=[Agency.objects.get(identifier="000.00.00.H14")],
    attachments=[services.FileInput("tb.pdf", b"%PDF-1.7 thong bao", "application/pdf")]),
    on=datetime.date(2026, 3, 2))
print(json.dumps({"document_id": document.document_id,
                  "error": document.recipients.get().delivery_error}, ensure_ascii=False))
"""

COPY = """
import json
from tinhso.documents.models import IncomingDocument
rows = [{"document_id": d.document_id, "state": d.state, "subject": d.subject, "channel": d.channel,
         "files": [a.name for a in d.attachments.all()],
         "events": [[e.action, e.status_code, (e.before or {}).get("subject")] for e in d.events.all()]}
        for d in IncomingDocument.objects.all()]
print(json.dumps(rows, ensure_ascii=False))
"""

HANDLE = """
from django.contrib.auth import get_user_model
from tinhso.documents import services
from tinhso.documents.models import IncomingDocument
document = IncomingDocument.objects.get()
services.accept(document)
services.assign(document, handler_id=get_user_model().objects.get(username="xuly").pk, days=3)
"""

STATUSES = """
import json
from tinhso.documents.models import Recipient
recipient = Recipient.objects.get()
print(json.dumps({"now": recipient.status_code,
                  "history": [s.status_code for s in recipient.statuses.all()]}))
"""

CHANGE = """
from tinhso.documents import services
from tinhso.documents.models import OutgoingDocument
document = OutgoingDocument.objects.get()
{action}
"""


@pytest.fixture(scope="module")
def network(tmp_path_factory):
    directory = tmp_path_factory.mktemp("document-deployments")
    pki = TestPKI.create("Mạng liên thông văn bản thử nghiệm")
    files = {}
    for name, credential in {"a-server": pki.issue_tls_server(), "b-server": pki.issue_tls_server(),
                             "a-client": pki.issue_tls_client(A_ID), "b-client": pki.issue_tls_client(B_ID)}.items():
        files[name] = credential.write(directory, name)
    (directory / "issuing.pem").write_bytes(pki.issuing.cert_pem)
    (directory / "issuing.crl").write_bytes(pki.crl_der())
    (directory / "chain.pem").write_bytes(pki.chain_pem)
    template = Template.create(directory)
    common = {"EXCHANGE_TLS_CA": str(directory / "chain.pem"), "EXCHANGE_CALL_RETRIES": "0"}
    a = Deployment("a", template, province="40", env={
        **common, "EXCHANGE_TLS_CERT": str(files["a-client"]["cert"]),
        "EXCHANGE_TLS_KEY": str(files["a-client"]["key"])})
    b = Deployment("b", template, province="04", env={
        **common, "EXCHANGE_TLS_CERT": str(files["b-client"]["cert"]),
        "EXCHANGE_TLS_KEY": str(files["b-client"]["key"])})
    a.prepare(migrate=False)
    b.prepare(migrate=False)
    a.shell(SETUP.format(directory=str(directory), peer=B_ID, peer_name="Ủy ban nhân dân tỉnh Cao Bằng",
                         peer_url=b.url, peer_cert="b-client.crt", own_organ="000.00.00.H41",
                         own_name="Ủy ban nhân dân tỉnh Nghệ An", abbreviation="UBND", place="Nghệ An",
                         peer_organ="000.00.00.H14"))
    b.shell(SETUP.format(directory=str(directory), peer=A_ID, peer_name="Ủy ban nhân dân tỉnh Nghệ An",
                         peer_url=a.url, peer_cert="a-client.crt", own_organ="000.00.00.H14",
                         own_name="Ủy ban nhân dân tỉnh Cao Bằng", abbreviation="UBND", place="Cao Bằng",
                         peer_organ="000.00.00.H41"))
    a.serve(files["a-server"]["cert"], files["a-server"]["key"])
    b.serve(files["b-server"]["cert"], files["b-server"]["key"])
    yield {"a": a, "b": b}
    a.stop()
    b.stop()


def _json(side, code: str):
    return json.loads(side.shell(code).stdout_text.strip().splitlines()[-1])


def test_a_document_its_statuses_an_update_and_a_recall_travel_between_two_deployments(network):
    a, b = network["a"], network["b"]
    issued = _json(a, ISSUE)
    assert issued["error"] == "" and issued["document_id"] == "000.00.00.H41,2026/03/02,01/TB-UBND"
    [copy] = _json(b, COPY)
    assert copy["document_id"] == issued["document_id"] and copy["channel"] == "gateway"
    assert copy["files"] == ["tb.pdf"]
    assert _json(a, STATUSES) == {"now": "01", "history": ["01"]}

    b.shell(HANDLE)
    assert _json(a, STATUSES) == {"now": "04", "history": ["01", "03", "04"]}

    a.shell(CHANGE.format(action='services.update_issued(document, subject="Thông báo kết luận (đính chính)")'))
    [copy] = _json(b, COPY)
    assert copy["subject"] == "Thông báo kết luận (đính chính)"
    assert ["update", "", "Thông báo kết luận về liên thông văn bản"] in copy["events"]
    assert _json(a, STATUSES)["now"] == "15"

    a.shell(CHANGE.format(action='services.revoke(document, reason="Ban hành nhầm")'))
    [copy] = _json(b, COPY)
    assert copy["state"] == "recalled"
    assert _json(a, STATUSES)["history"] == ["01", "03", "04", "15", "15"]
    # the update and the revoke changed the one copy, they never registered another
    assert len(_json(b, COPY)) == 1
