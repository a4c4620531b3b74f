"""Factories for the one-stop engine: a published procedure with its route, officers per role, and
dossiers brought to any state through the services (so every dossier a test sees is one the engine
could really produce).

    version = ProcedureWithRouteFactory(agency=agency, handle_days=3, approve_days=1)
    receiver = officer(Role.RECEIVER, agency)
    dossier = dossier_in_state(State.IN_PROGRESS, version=version)
"""

from __future__ import annotations

import itertools

import factory
from django.db import transaction
from factory.django import DjangoModelFactory

from tinhso.catalogue import services as catalogue_services
from tinhso.catalogue.models import ProcedureVersion, RouteStep, Status, StepRole
from tinhso.catalogue.tests.factories import FieldFactory, ProcedureFactory
from tinhso.directory.models import Role
from tinhso.directory.tests.factories import AgencyFactory, MembershipFactory, UserFactory
from tinhso.dossiers import services
from tinhso.dossiers.models import ApiToken, State

__all__ = [
    "ProcedureWithRouteFactory", "api_token", "applicant", "citizen", "dossier_in_state", "officer",
    "received_dossier", "staff_for", "submitted_dossier",
]

_ids = itertools.count(1)


class ProcedureWithRouteFactory(DjangoModelFactory):
    """A published version at ``agency``: receive (0) → handle (``handle_days``) → approve
    (``approve_days``) → return (0), one required paper and one fee; ``hours=True`` counts working hours.

    ``also_at`` names more implementing agencies; ``liaison_agency`` adds a second handling step at that
    agency (an inter-agency route) after the first.
    """

    class Meta:
        model = ProcedureVersion
        skip_postgeneration_save = True

    procedure = factory.SubFactory(ProcedureFactory)
    name = factory.Sequence(lambda n: f"Cấp giấy phép thử nghiệm {n}")
    field = factory.SubFactory(FieldFactory)
    level = ProcedureVersion.Level.PROVINCE
    time_unit = ProcedureVersion.TimeUnit.WORKING_DAYS
    result = "Giấy phép"
    online_level = ProcedureVersion.OnlineLevel.FULL
    agency = factory.SubFactory(AgencyFactory)
    liaison_agency = None
    handle_days = 3
    approve_days = 1
    liaison_days = 1
    time_limit = factory.LazyAttribute(
        lambda o: o.handle_days + o.approve_days + (o.liaison_days if o.liaison_agency else 0))

    class Params:
        hours = factory.Trait(time_unit=ProcedureVersion.TimeUnit.WORKING_HOURS, handle_days=6, approve_days=2)

    @classmethod
    def _create(cls, model_class, *args, agency=None, liaison_agency=None, handle_days=3, approve_days=1,
                liaison_days=1, also_at=(), **kwargs):
        from tinhso.catalogue.models import ProcedureFee, RequiredDocument

        version = model_class.objects.create(**kwargs)
        RequiredDocument.objects.create(version=version, order=1, name="Đơn đề nghị theo mẫu", originals=1)
        RequiredDocument.objects.create(version=version, order=2, name="Bản sao giấy tờ liên quan", originals=0,
                                        copies=1, required=False)
        ProcedureFee.objects.create(version=version, order=1, description="Lệ phí cấp phép", amount=100_000)
        steps = [(StepRole.RECEIVE, 0, None), (StepRole.HANDLE, handle_days, None)]
        if liaison_agency is not None:
            steps.append((StepRole.HANDLE, liaison_days, liaison_agency))
        steps += [(StepRole.APPROVE, approve_days, None), (StepRole.RETURN, 0, None)]
        for order, (role, share, at) in enumerate(steps, start=1):
            RouteStep.objects.create(version=version, order=order, role=role, share=share, agency=at)
        if agency is not None:
            version.agencies.set([agency, *also_at])
        with transaction.atomic():
            catalogue_services.publish(version)
        version.refresh_from_db()
        assert version.status == Status.PUBLISHED
        version.test_agency = agency
        return version


def officer(role: str, agency, **user_fields):
    """A user holding ``role`` at ``agency`` (membership in force since 1/1/2025)."""
    user = UserFactory(**user_fields)
    MembershipFactory(user=user, agency=agency, role=role)
    return user


def staff_for(agency) -> dict[str, object]:
    """One officer per desk role at ``agency``: receiver, handler, approver, returner."""
    return {role: officer(role, agency) for role in (Role.RECEIVER, Role.HANDLER, Role.APPROVER, Role.RETURNER)}


def citizen(**fields):
    """A citizen account (no memberships)."""
    return UserFactory(username=fields.pop("username", f"congdan{next(_ids)}"), **fields)


def applicant(**overrides) -> services.Applicant:
    """A valid person applicant (citizen ID of Nghệ An, code 040)."""
    values = {
        "name": "Trần Thị Bình", "id_number": f"040{next(_ids) % 10**9:09d}", "phone": "0912345678",
        "email": "binh@example.vn", "address": "Số 1 đường Lê Lợi",
    }
    values.update(overrides)
    return services.Applicant(**values)


def api_token(agency=None, name: str = "Cổng dịch vụ công") -> tuple[ApiToken, str]:
    """An agency API token and its raw secret."""
    return ApiToken.issue(agency or AgencyFactory(), name)


def _version_and_agency(version, agency):
    if version is None:
        agency = agency or AgencyFactory()
        version = ProcedureWithRouteFactory(agency=agency)
    elif agency is None:
        agency = getattr(version, "test_agency", None) or version.agencies.first() or AgencyFactory()
    return version, agency


def submitted_dossier(version=None, agency=None, *, user=None, documents=(), **applicant_fields):
    """An online dossier waiting for reception at ``agency`` (``user`` is the citizen's account)."""
    version, agency = _version_and_agency(version, agency)
    return services.submit_online(version=version, receiving_agency=agency, applicant=applicant(**applicant_fields),
                                  actor=user, documents=documents)


def _first_of(role: str, agency, actors: dict | None):
    if actors and role in actors:
        return actors[role]
    return officer(role, agency)


def received_dossier(version=None, agency=None, *, receiver=None, **kwargs):
    """An online dossier received at ``agency`` (clock started, route copied)."""
    dossier = submitted_dossier(version, agency, **kwargs)
    receiver = receiver or officer(Role.RECEIVER, dossier.receiving_agency)
    return services.receive(dossier, actor=receiver, expected_version=dossier.version)


def dossier_in_state(state: str, version=None, agency=None, *, actors: dict | None = None, **kwargs):
    """A dossier brought to ``state`` through the services.

    ``actors`` may give the officers to use by role (``{Role.HANDLER: user, …}``); others are created at
    the receiving agency. ``in_progress`` stops at the approval step; ``result_ready`` before the return.
    """
    version, agency = _version_and_agency(version, agency)
    def actor(role):
        return _first_of(role, agency, actors)
    if state == State.SUBMITTED:
        return submitted_dossier(version, agency, **kwargs)
    if state == State.SUPPLEMENT_REQUESTED:
        dossier = submitted_dossier(version, agency, **kwargs)
        return services.request_supplement(dossier, actor=actor(Role.RECEIVER), expected_version=dossier.version,
                                           missing=["Bản sao giấy khai sinh"])
    if state == State.REFUSED:
        dossier = submitted_dossier(version, agency, **kwargs)
        return services.refuse(dossier, actor=actor(Role.RECEIVER), expected_version=dossier.version,
                               reasons="Thủ tục không thuộc thẩm quyền.")
    if state == State.WITHDRAWN:
        dossier = submitted_dossier(version, agency, **kwargs)
        return services.withdraw(dossier, actor=actor(Role.RECEIVER), expected_version=dossier.version,
                                 reason="Người nộp đề nghị rút.")
    dossier = received_dossier(version, agency, receiver=actor(Role.RECEIVER), **kwargs)
    if state == State.RECEIVED:
        return dossier
    if state == State.STOPPED:
        return services.stop_processing(dossier, actor=actor(Role.HANDLER), expected_version=dossier.version,
                                        reasons="Người nộp không đủ điều kiện.")
    dossier = services.forward(dossier, actor=actor(Role.HANDLER), expected_version=dossier.version)
    while dossier.current_step is not None and dossier.current_step.role == StepRole.HANDLE:
        # An inter-agency route: a handler of the next agency forwards too.
        step_agency = dossier.current_step.agency
        handler = actors.get(("handler", step_agency.pk)) if actors else None
        dossier = services.forward(dossier, actor=handler or officer(Role.HANDLER, step_agency),
                                   expected_version=dossier.version)
    if state == State.IN_PROGRESS:
        return dossier
    dossier = services.approve(dossier, actor=actor(Role.APPROVER), expected_version=dossier.version)
    if state == State.RESULT_READY:
        return dossier
    if state == State.RETURNED:
        return services.return_result(dossier, actor=actor(Role.RETURNER), expected_version=dossier.version,
                                      method="desk")
    raise ValueError(f"unknown state {state!r}")
