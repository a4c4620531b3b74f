"""Fresh work on the printed demo logins' desks, so that someone trying the demo finds a dossier to
receive, one to handle, one to approve and one to return (a year of history mostly ends returned)."""

from __future__ import annotations

from django.contrib.auth import get_user_model

from tinhso.catalogue.models import ProcedureVersion, Status, StepRole
from tinhso.directory.models import Membership, Role
from tinhso.dossiers import services
from tinhso.dossiers.selectors import queue_for
from tinhso.dossiers.services import Applicant

# (queue, the login whose queue it is)
STAGES = [("receive", "tiepnhan"), ("handle", "xuly"), ("approve", "lanhdao"), ("return", "trakq")]
APPLICANTS = [
    ("Nguyễn Văn An", "040090001234", "0912000111"),
    ("Trần Thị Bích", "040185004321", "0983000222"),
    ("Lê Hoàng Cường", "040201007777", "0368000333"),
    ("Phạm Thị Dung", "040192005555", "0905000444"),
]


def _routed_version(agency) -> ProcedureVersion | None:
    """A published procedure received at ``agency`` whose route has handling and approval steps."""
    candidates = (
        ProcedureVersion.objects.filter(status=Status.PUBLISHED, agencies=agency)
        .prefetch_related("steps").order_by("procedure__code")
    )
    for version in candidates:
        roles = [step.role for step in version.steps.all()]
        if roles[:1] == [StepRole.RECEIVE] and StepRole.HANDLE in roles and StepRole.APPROVE in roles:
            return version
    return None


def _member(agency_id: int, role: str):
    """An officer holding ``role`` at ``agency_id`` (the demo gives every agency on a route its officers)."""
    membership = Membership.objects.filter(agency_id=agency_id, role=role).select_related("user").order_by("id").first()
    return membership.user if membership is not None else None


def _advance_to(dossier, target: str, users: dict):
    """Drive ``dossier`` through the services until its queue is ``target``; a liên thông step at another
    agency is done by that agency's officers."""
    if target == "receive":
        return dossier
    home = users["xuly"].memberships.filter(role=Role.HANDLER).values_list("agency_id", flat=True).first()
    dossier = services.receive(dossier, actor=users["tiepnhan"], expected_version=dossier.version)
    while True:
        step = dossier.current_step
        if step is None or step.role == StepRole.RETURN:
            return dossier
        if step.role == StepRole.HANDLE and step.agency_id not in (None, home):
            handler, leader = _member(step.agency_id, Role.HANDLER), _member(step.agency_id, Role.APPROVER)
            if handler is None or leader is None:
                return dossier
            if step.assignee_id is None:
                dossier = services.assign(dossier, actor=leader, expected_version=dossier.version, assignee=handler)
            dossier = services.forward(dossier, actor=handler, expected_version=dossier.version)
            continue
        if step.role == StepRole.HANDLE:
            if step.assignee_id is None:
                dossier = services.assign(dossier, actor=users["lanhdao"], expected_version=dossier.version,
                                          assignee=users["xuly"])
            if target == "handle":
                return dossier
            dossier = services.forward(dossier, actor=users["xuly"], expected_version=dossier.version)
        elif step.role == StepRole.APPROVE:
            if target == "approve":
                return dossier
            dossier = services.approve(dossier, actor=users["lanhdao"], expected_version=dossier.version)


def fill_printed_desks() -> int:
    """Put one dossier in each empty queue of the printed logins; returns how many were created."""
    users = {u.username: u for u in get_user_model().objects.filter(username__in=[s[1] for s in STAGES])}
    handler_membership = Membership.objects.filter(user=users.get("xuly"), role=Role.HANDLER).first()
    if len(users) < len(STAGES) or handler_membership is None:
        return 0
    agency = handler_membership.agency
    version = _routed_version(agency)
    if version is None:
        return 0
    created = 0
    for (queue, username), (name, id_number, phone) in zip(STAGES, APPLICANTS, strict=True):
        if queue_for(users[username], queue).exists():
            continue
        dossier = services.submit_online(
            version=version, receiving_agency=agency,
            applicant=Applicant(name=name, id_number=id_number, phone=phone, address="Nghệ An"),
        )
        _advance_to(dossier, queue, users)
        created += 1
    return created
