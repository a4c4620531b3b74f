"""Documents between deployments: packages leave through the transport after commit, arrive idempotently,
revokes and updates change the copy, statuses go back to the sender and are applied there."""

from __future__ import annotations

import datetime

import pytest

from tinhso.directory.tests.factories import AgencyFactory
from tinhso.documents import delivery, edxml, services
from tinhso.documents.gateway import receive_package, speaks_for
from tinhso.documents.models import Channel, IncomingState, Recipient
from tinhso.documents.tests.factories import issued, records_office
from tinhso.exchange.identifiers import ClientId
from tinhso.exchange.registry import GatewayClient, GatewayRequest

pytestmark = pytest.mark.django_db


class Recorder:
    def __init__(self, fail: int = 0):
        self.sent: list[tuple[str, bytes, str]] = []
        self.fail = fail

    def deliver(self, organ_id: str, package: bytes, *, key: str) -> None:
        if self.fail:
            self.fail -= 1
            raise delivery.DeliveryFailed("không kết nối được")
        self.sent.append((organ_id, package, key))


@pytest.fixture
def transport():
    recorder = Recorder()
    previous = delivery.set_transport(recorder)
    yield recorder
    delivery.set_transport(previous)


def test_a_document_to_another_deployment_leaves_as_a_package_after_commit(transport,
                                                                           django_capture_on_commit_callbacks):
    sender = records_office("SKHCN")
    ministry = AgencyFactory(central=True, identifier="000.00.00.G22", name="Văn phòng Chính phủ")
    with django_capture_on_commit_callbacks(execute=True):
        document = issued(sender, recipients=[ministry],
                          files=[services.FileInput("a.pdf", b"%PDF-1.7", "application/pdf")])
    assert [organ for organ, _, _ in transport.sent] == ["000.00.00.G22"]
    package = edxml.read(transport.sent[0][1])
    assert package.document_id == document.document_id and package.attachments[0].data == b"%PDF-1.7"
    assert transport.sent[0][2] == f"{document.document_id}|000.00.00.G22|0"
    assert Recipient.objects.get(document=document).sent_at is not None


def test_a_failed_delivery_is_recorded_on_the_recipient(django_capture_on_commit_callbacks):
    recorder = Recorder(fail=1)
    previous = delivery.set_transport(recorder)
    try:
        sender = records_office("SKHCN")
        ministry = AgencyFactory(central=True, identifier="000.00.00.G22")
        with django_capture_on_commit_callbacks(execute=True):
            document = issued(sender, recipients=[ministry])
    finally:
        delivery.set_transport(previous)
    assert Recipient.objects.get(document=document).delivery_error == "không kết nối được"


def _from_outside(**changes) -> edxml.DocumentPackage:
    values = {"from_organ": edxml.Organ("000.00.00.G22", "Văn phòng Chính phủ"), "to": [], "code_number": "7816",
                  "code_notation": "VPCP-TTĐT", "promulgation_date": datetime.date(2026, 9, 20),
                  "subject": "Thông báo kết luận của Thủ tướng", "type_name": "Thông báo",
                  "attachments": [edxml.Attachment("tb.pdf", b"%PDF-1.7 kl", "application/pdf")]}
    values.update(changes)
    return edxml.DocumentPackage(**values)


def test_a_package_received_twice_registers_once_and_statuses_go_back(transport,
                                                                     django_capture_on_commit_callbacks):
    office = records_office("UBND", identifier="000.00.00.H41")
    package = _from_outside(to=[edxml.Organ("000.00.00.H41")])
    data = edxml.write(package)
    with django_capture_on_commit_callbacks(execute=True):
        first = delivery.receive(data)
        again = delivery.receive(data)
    assert first[0].pk == again[0].pk and office.agency.incoming_documents.count() == 1
    incoming = first[0]
    assert incoming.channel == Channel.GATEWAY and incoming.attachments.get().name == "tb.pdf"
    assert [edxml.read(body).status_code for _, body, _ in transport.sent] == ["01"]
    with django_capture_on_commit_callbacks(execute=True):
        services.accept(incoming, by=office.clerk)
    status = edxml.read(transport.sent[-1][1])
    assert (status.status_code, status.response_for, transport.sent[-1][0]) == ("03", package.document_id,
                                                                                 "000.00.00.G22")


def test_a_revoke_and_an_update_from_outside_change_the_copy_with_history(transport):
    office = records_office("UBND", identifier="000.00.00.H41")
    package = _from_outside(to=[edxml.Organ("000.00.00.H41")])
    incoming = delivery.receive(edxml.write(package))[0]
    update = _from_outside(to=[edxml.Organ("000.00.00.H41")], business_doc_type=2, subject="Thông báo (đính chính)",
                           response_for=package.document_id, attachments=[])
    delivery.receive(edxml.write(update))
    incoming.refresh_from_db()
    assert incoming.subject == "Thông báo (đính chính)"
    revoke = _from_outside(to=[edxml.Organ("000.00.00.H41")], business_doc_type=1, response_for=package.document_id,
                           business_doc_reason="Thu hồi", attachments=[])
    delivery.receive(edxml.write(revoke))
    incoming.refresh_from_db()
    assert incoming.state == IncomingState.RECALLED
    assert [e.action for e in incoming.events.all()] == ["register", "update", "revoke"]
    assert office.agency.incoming_documents.count() == 1


def test_a_status_message_from_a_recipient_is_applied_to_its_copy(transport, django_capture_on_commit_callbacks):
    sender = records_office("SKHCN")
    ministry = AgencyFactory(central=True, identifier="000.00.00.G22")
    with django_capture_on_commit_callbacks(execute=True):
        document = issued(sender, recipients=[ministry])
    status = edxml.StatusPackage(from_organ=edxml.Organ("000.00.00.G22"), response_for=document.document_id,
                                 status_code="06", timestamp=datetime.datetime(2026, 10, 1, 10, 0, 0),
                                 description="Hoàn thành")
    delivery.receive(edxml.write(status))
    copy = Recipient.objects.get(document=document)
    assert copy.status_code == "06" and copy.statuses.get().description == "Hoàn thành"


def test_a_package_for_nobody_here_is_refused_and_nothing_is_written(transport):
    records_office("UBND", identifier="000.00.00.H41")
    with pytest.raises(services.DocumentError) as refused:
        delivery.receive(edxml.write(_from_outside(to=[edxml.Organ("000.00.00.H99")])))
    assert refused.value.status == 404


def test_the_gateway_inbox_accepts_a_members_own_packages_only(transport):
    records_office("UBND", identifier="000.00.00.H41")
    body = edxml.write(_from_outside(to=[edxml.Organ("000.00.00.H41")]))

    def call(member_code: str, data: bytes):
        client = GatewayClient(id=ClientId("XROADVN", "GOV", member_code, "tinhso"))
        return receive_package(GatewayRequest(client=client, service_code="documents", method="POST",
                                              path="/packages", query="", headers={}, body=data))

    assert call("000.00.00.H42", body).status == 403
    assert call("000.00.00.G22", b"junk").status == 400
    answer = call("000.00.00.G22", body)
    assert answer.status == 200 and b'"arrival_number": 1' in answer.body
    assert speaks_for("000.00.00.H42", "H42.05") and not speaks_for("000.00.00.H42", "H41.05")
