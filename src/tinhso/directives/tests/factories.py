"""Factories for the task register: the office, departments with their staff, directives and tasks assigned
through the services (so every test's task has its due moment, its event and its audit entry).

    province, office, officer = office_with_officer()
    sokhcn, handler, leader = department("Sở Khoa học và Công nghệ")
    task = assigned_task(office_user=officer, lead=sokhcn, due_on=date(2026, 3, 31))
"""

from __future__ import annotations

import datetime
import itertools

from tinhso.directives import services
from tinhso.directives.models import DirectiveKind, DueKind
from tinhso.directory.models import Role
from tinhso.directory.tests.factories import AgencyFactory, MembershipFactory, UserFactory

_numbers = itertools.count(1)


def office_with_officer():
    """The People's Committee, its office keeping the register, and an officer of the office."""
    committee = AgencyFactory(name="Ủy ban nhân dân tỉnh", kind="peoples_committee")
    office = AgencyFactory(name="Văn phòng Ủy ban nhân dân tỉnh", parent=committee)
    services.ensure_office(office)
    officer = UserFactory(email="vanphong@example.vn")
    MembershipFactory(user=officer, agency=office, role=Role.HANDLER)
    return committee, office, officer


def department(name: str, parent=None):
    """A department with a handler and a leader (approver)."""
    agency = AgencyFactory(name=name, parent=parent)
    handler = UserFactory(email=f"xuly{agency.pk}@example.vn")
    MembershipFactory(user=handler, agency=agency, role=Role.HANDLER)
    leader = UserFactory(email=f"lanhdao{agency.pk}@example.vn")
    MembershipFactory(user=leader, agency=agency, role=Role.APPROVER)
    return agency, handler, leader


def directive(officer, issuer, *, issued_on=datetime.date(2026, 2, 13), tasks=(), **fields):
    return services.register_directive(
        officer, kind=fields.pop("kind", DirectiveKind.CONCLUSION),
        number=fields.pop("number", f"{next(_numbers)}/TB-UBND"), issued_on=issued_on, issuer=issuer,
        signer_name=fields.pop("signer_name", "Lê Văn Chủ Tịch"), signer_position="Chủ tịch",
        subject=fields.pop("subject", "Kết luận của Chủ tịch UBND tỉnh tại cuộc họp về hạ tầng số"),
        tasks=tasks, **fields)


def assigned_task(officer, issuer, lead, *, issued_on=datetime.date(2026, 2, 13), due_on=None, days=None,
                  every="", coordinating=(), assigned_by=None, text="Rà soát hạ tầng công nghệ thông tin"):
    kind = DueKind.DATE if due_on else DueKind.WORKING_DAYS if days else DueKind.ONGOING
    item = services.TaskInput(text=text, lead_agency=lead, coordinating=list(coordinating), due_kind=kind,
                              due_on=due_on, due_working_days=days, report_every=every, assigned_by=assigned_by,
                              assigned_by_name="Chủ tịch UBND tỉnh")
    made = directive(officer, issuer, issued_on=issued_on, tasks=[item])
    return made.tasks.get()
