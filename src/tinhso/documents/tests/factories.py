"""Factories for the document registers: an agency with its records office and its people.

    office = records_office("SKHCN")          # an agency keeping registers here, with a clerk, leader, handler
    document = issued(office, recipients=[other.agency])
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from tinhso.directory.models import Agency, Role
from tinhso.directory.tests.factories import AgencyFactory, MembershipFactory, UserFactory
from tinhso.documents import services
from tinhso.documents.models import DocumentType, RecordsOffice


@dataclass
class Office:
    agency: Agency
    office: RecordsOffice
    clerk: object
    leader: object
    handler: object


def records_office(abbreviation: str = "SKHCN", place: str = "Nghệ An", **agency) -> Office:
    agency_row = AgencyFactory(**agency)
    office = RecordsOffice.objects.create(agency=agency_row, abbreviation=abbreviation, place=place)
    people = {}
    for name, role in (("clerk", Role.RECEIVER), ("leader", Role.APPROVER), ("handler", Role.HANDLER)):
        user = UserFactory()
        MembershipFactory(user=user, agency=agency_row, role=role, valid_from=datetime.date(2020, 1, 1))
        people[name] = user
    return Office(agency_row, office, **people)


def document_type(code: str = "thong-bao") -> DocumentType:
    return DocumentType.objects.get(code=code)


def outgoing_input(*, code: str = "thong-bao", subject: str = "Về việc triển khai chuyển đổi số năm 2026",
                   recipients=(), files=(), **extra) -> services.OutgoingInput:
    return services.OutgoingInput(
        document_type=document_type(code), subject=subject, signer_position="Giám đốc", signer_name="Trần Văn Bình",
        authority_prefix="KT.", recipients=list(recipients), attachments=list(files), **extra)


def issued(office: Office, *, on: datetime.date | None = None, **options):
    return services.issue_outgoing(office.agency, outgoing_input(**options), by=office.clerk, on=on)


def incoming_input(**extra) -> services.IncomingInput:
    values = {"sender_name": "Bộ Khoa học và Công nghệ", "type_name": "Công văn", "code_number": "125",
                  "code_notation": "BKHCN-CĐSQG", "issued_on": datetime.date(2026, 3, 2),
                  "subject": "Về việc báo cáo kết quả chuyển đổi số quý I"}
    values.update(extra)
    return services.IncomingInput(**values)
