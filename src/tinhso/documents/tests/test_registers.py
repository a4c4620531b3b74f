"""The registers of NĐ 30/2020: numbers per agency and year from 01, notations, arrival numbers, handling,
scope of what each agency may do."""

from __future__ import annotations

import datetime

import pytest
from django.db import transaction

from tinhso.common.audit import AuditEntry
from tinhso.documents import services
from tinhso.documents.models import IncomingState, OutgoingState, Recipient
from tinhso.documents.tests.factories import incoming_input, issued, outgoing_input, records_office

pytestmark = pytest.mark.django_db


def test_numbers_run_from_01_per_agency_and_year_with_the_notation_of_the_type():
    department = records_office("SKHCN")
    committee = records_office("UBND")
    first = issued(department, on=datetime.date(2026, 1, 2))
    second = issued(department, code="quyet-dinh", on=datetime.date(2026, 1, 5))
    letter = issued(department, code="cong-van", drafting_unit="vp", on=datetime.date(2026, 1, 6))
    other = issued(committee, on=datetime.date(2026, 1, 2))
    assert [first.notation, second.notation, letter.notation] == ["01/TB-SKHCN", "02/QĐ-SKHCN", "03/SKHCN-VP"]
    assert other.notation == "01/TB-UBND"
    assert first.state == OutgoingState.ISSUED and first.place == "Nghệ An"
    assert first.document_id == f"{department.agency.identifier},2026/01/02,01/TB-SKHCN"


def test_numbering_starts_again_on_1_january_and_normative_documents_have_their_own_series():
    office = records_office("UBND")
    for day in range(1, 11):
        last = issued(office, on=datetime.date(2026, 12, 20 + day // 2))
    assert last.code_number == "10"
    normative = issued(office, code="quyet-dinh-qppl", on=datetime.date(2026, 12, 31))
    assert normative.notation == "01/2026/QĐ-UBND"
    new_year = issued(office, on=datetime.date(2027, 1, 1))
    assert new_year.notation == "01/TB-UBND" and new_year.year == 2027


def test_a_failed_issue_leaves_no_gap_in_the_numbers():
    office = records_office("SKHCN")
    issued(office, on=datetime.date(2026, 4, 1))
    with pytest.raises(RuntimeError), transaction.atomic():
        issued(office, on=datetime.date(2026, 4, 1))
        raise RuntimeError("the transaction failed after numbering")
    assert issued(office, on=datetime.date(2026, 4, 2)).code_number == "02"


def test_a_draft_takes_its_number_only_once():
    office = records_office("SKHCN")
    draft = services.draft_outgoing(office.agency, outgoing_input(), by=office.clerk)
    assert draft.number is None and draft.state == OutgoingState.DRAFT
    services.issue(draft, by=office.clerk, on=datetime.date(2026, 5, 5))
    with pytest.raises(services.DocumentError) as refused:
        services.issue(draft, by=office.clerk)
    assert refused.value.status == 409


def test_only_the_agencys_records_office_issues_and_registers():
    office = records_office("SKHCN")
    stranger = records_office("SYT")
    with pytest.raises(services.DocumentError) as refused:
        services.issue_outgoing(office.agency, outgoing_input(), by=stranger.clerk)
    assert refused.value.status == 403
    with pytest.raises(services.DocumentError):
        services.register_incoming(office.agency, incoming_input(), by=office.handler)


def test_fields_longer_than_annex_vi_are_refused_with_the_field_named():
    office = records_office("SKHCN")
    with pytest.raises(services.DocumentError) as refused:
        services.issue_outgoing(office.agency, outgoing_input(subject="x" * 501), by=office.clerk)
    assert "500" in refused.value.message and refused.value.field == "subject"


def test_incoming_documents_get_arrival_numbers_per_year_and_are_handled_to_the_end():
    office = records_office("SKHCN")
    first = services.register_incoming(office.agency, incoming_input(), by=office.clerk)
    second = services.register_incoming(office.agency, incoming_input(code_number="126"), by=office.clerk)
    assert (first.arrival_number, second.arrival_number) == (1, 2)
    services.accept(first, by=office.clerk)
    assigned = services.assign(first, handler_id=office.handler.pk, leader_id=office.leader.pk, days=5,
                               direction="Giao phòng Bưu chính tham mưu.", by=office.leader)
    assert assigned.state == IncomingState.ASSIGNED and assigned.handling_due > assigned.arrived_at
    services.start(assigned, by=office.handler)
    done = services.complete(assigned, result="Đã báo cáo.", by=office.handler)
    assert done.state == IncomingState.COMPLETED
    assert list(done.events.values_list("status_code", flat=True)) == ["01", "03", "04", "05", "06"]


def test_a_handler_must_belong_to_the_agency():
    office = records_office("SKHCN")
    other = records_office("SYT")
    document = services.register_incoming(office.agency, incoming_input(), by=office.clerk)
    with pytest.raises(services.DocumentError) as refused:
        services.assign(document, handler_id=other.handler.pk, days=3, by=office.clerk)
    assert refused.value.field == "handler"


def test_an_illegal_transition_is_refused():
    office = records_office("SKHCN")
    document = services.register_incoming(office.agency, incoming_input(), by=office.clerk)
    with pytest.raises(services.DocumentError) as refused:
        services.complete(document, by=office.clerk)
    assert refused.value.status == 409


def test_inside_the_deployment_a_document_arrives_at_once_and_statuses_flow_back():
    sender = records_office("SKHCN")
    receiver = records_office("SYT")
    document = issued(sender, recipients=[receiver.agency], other_recipients=["Lưu: VT"],
                      files=[services.FileInput("van-ban.pdf", b"%PDF-1.7 test", "application/pdf")])
    incoming = receiver.agency.incoming_documents.get()
    assert incoming.document_id == document.document_id and incoming.arrival_number == 1
    assert incoming.attachments.get().sha256 == document.attachments.get().sha256
    copy = Recipient.objects.get(document=document, agency=receiver.agency)
    assert copy.status_code == "01"
    services.accept(incoming, by=receiver.clerk)
    services.assign(incoming, handler_id=receiver.handler.pk, days=3, by=receiver.clerk)
    copy.refresh_from_db()
    assert copy.status_code == "04"
    assert list(copy.statuses.values_list("status_code", flat=True)) == ["01", "03", "04"]
    # a revoke marks the copy recalled, keeps its history and reports 15 back
    services.revoke(document, by=sender.clerk, reason="Ban hành nhầm")
    incoming.refresh_from_db()
    copy.refresh_from_db()
    assert incoming.state == IncomingState.RECALLED and copy.status_code == "15"
    assert incoming.events.filter(action="revoke").get().before["state"] == "assigned"


def test_an_update_changes_the_recipients_copy_and_keeps_the_old_values():
    sender = records_office("SKHCN")
    receiver = records_office("SYT")
    document = issued(sender, recipients=[receiver.agency])
    services.update_issued(document, subject="Về việc triển khai chuyển đổi số năm 2026 (sửa đổi)", by=sender.clerk)
    incoming = receiver.agency.incoming_documents.get()
    assert incoming.subject.endswith("(sửa đổi)")
    assert incoming.events.get(action="update").before["subject"] == "Về việc triển khai chuyển đổi số năm 2026"


def test_registers_are_on_the_audit_chain():
    office = records_office("SKHCN")
    start = AuditEntry.objects.count()
    issued(office)
    assert AuditEntry.objects.count() > start
    assert AuditEntry.objects.filter(object_type="documents.outgoingdocument").exists()


def test_the_indicators_count_electronic_exchange_and_handling_on_time_per_agency():
    import datetime as dt

    from django.utils import timezone

    from tinhso.common.indicators import ReadQuery, by_formula

    sender = records_office("SKHCN")
    receiver = records_office("SYT")
    today = timezone.localdate()
    issued(sender, recipients=[receiver.agency], other_recipients=["UBND huyện cũ (bản giấy)"], on=today)
    services.register_incoming(receiver.agency, incoming_input(issued_on=today), by=receiver.clerk)
    electronic = receiver.agency.incoming_documents.get(channel="local")
    services.assign(electronic, handler_id=receiver.handler.pk, days=2, by=receiver.clerk)
    services.complete(electronic, by=receiver.handler)
    query = ReadQuery(start=today.replace(day=1), end=today + dt.timedelta(days=1), agency_ids=None,
                      at=timezone.now())
    assert by_formula("documents.sent_electronically").reader.read(query) == 1
    assert by_formula("documents.sent_electronically_share").reader.read(query) == 50
    assert by_formula("documents.received_electronically_share").reader.read(query) == 50
    assert by_formula("documents.handled_on_time_share").reader.read(query) == 100
    by_agency = by_formula("documents.received_electronically_share").reader.counts_by(query, "agency")
    assert by_agency[receiver.agency.pk] == {"received": 2, "electronic": 1}
    mine = ReadQuery(start=query.start, end=query.end, agency_ids=(sender.agency.pk,), at=query.at)
    assert by_formula("documents.received_electronically_share").reader.read(mine) is None
