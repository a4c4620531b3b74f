"""The dossier lifecycle: every action's happy path and its refusals (NĐ 61/2018, NĐ 118/2025)."""

from __future__ import annotations

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from tinhso.common.audit import AuditEntry
from tinhso.common.workdays import VIETNAM
from tinhso.directory.models import Role
from tinhso.directory.tests.factories import AgencyFactory
from tinhso.dossiers import frame, services
from tinhso.dossiers.models import (
    TERMINAL_STATES,
    Channel,
    DossierEvent,
    DossierFee,
    Payment,
    State,
    StepState,
)
from tinhso.dossiers.tests.factories import (
    ProcedureWithRouteFactory,
    applicant,
    citizen,
    dossier_in_state,
    officer,
    received_dossier,
    submitted_dossier,
)

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.7\n1 0 obj\n<<>>\nendobj\ntrailer\n<<>>\n%%EOF\n"


def vn(*args) -> datetime.datetime:
    return datetime.datetime(*args, tzinfo=VIETNAM)


@pytest.fixture
def agency():
    return AgencyFactory(identifier="000.00.12.H41", name="Sở Khoa học và Công nghệ")


@pytest.fixture
def version(agency):
    return ProcedureWithRouteFactory(agency=agency, handle_days=3, approve_days=1)


@pytest.fixture
def staff(agency):
    return {role: officer(role, agency) for role in (Role.RECEIVER, Role.HANDLER, Role.APPROVER, Role.RETURNER)}


def counts(dossier) -> tuple[int, int]:
    return (DossierEvent.objects.filter(dossier=dossier).count(),
            AuditEntry.objects.filter(object_type="dossiers.dossier", object_id=str(dossier.pk)).count())


# -- entering the agency ----------------------------------------------------------------------------------

def test_online_submission_gets_a_code_fees_documents_and_a_first_event(clock, version, agency):
    user = citizen()
    dossier = services.submit_online(
        version=version, receiving_agency=agency, applicant=applicant(), actor=user,
        documents=[SimpleUploadedFile("don.pdf", PDF)],
    )
    assert dossier.code == "000.00.12.H41-260302-0001"
    assert dossier.state == State.SUBMITTED and dossier.channel == Channel.ONLINE and dossier.version == 1
    assert dossier.applicant_user == user
    assert list(DossierFee.objects.filter(dossier=dossier).values_list("amount", flat=True)) == [100_000]
    assert dossier.documents.get().original_name == "don.pdf"
    event = dossier.events.get()
    assert (event.action, event.from_state, event.to_state) == ("submit_online", "", State.SUBMITTED)
    assert counts(dossier) == (1, 1)


def test_submission_refuses_an_invalid_citizen_id_with_the_field(version, agency):
    with pytest.raises(services.InvalidInput) as error:
        services.submit_online(version=version, receiving_agency=agency, applicant=applicant(id_number="12345"))
    assert error.value.field == "applicant_id_number" and error.value.status == 400


def test_submission_refuses_an_agency_that_does_not_implement_the_procedure(version):
    with pytest.raises(services.InvalidInput) as error:
        services.submit_online(version=version, receiving_agency=AgencyFactory(), applicant=applicant())
    assert error.value.field == "receiving_agency"


def test_reception_copies_the_route_and_computes_every_due_moment(clock, version, agency, staff):
    dossier = submitted_dossier(version, agency)
    dossier = services.receive(dossier, actor=staff[Role.RECEIVER], expected_version=dossier.version)
    assert dossier.state == State.RECEIVED and dossier.version == 2
    assert dossier.received_at == dossier.clock_started_at == vn(2026, 3, 2, 9)
    # BLDS 2015 Art. 147: the receiving day is not counted; 4 working days → Friday 17:00.
    assert dossier.due_at == vn(2026, 3, 6, 17)
    steps = list(dossier.steps.order_by("order"))
    assert [(s.role, s.state, s.due_at) for s in steps] == [
        ("receive", StepState.DONE, vn(2026, 3, 2, 17)),
        ("handle", StepState.ACTIVE, vn(2026, 3, 5, 17)),
        ("approve", StepState.PENDING, vn(2026, 3, 6, 17)),
        ("return", StepState.PENDING, vn(2026, 3, 6, 17)),
    ]
    assert all(step.agency == agency for step in steps)
    assert dossier.current_step == steps[1]


def test_a_limit_in_working_hours_counts_office_hours(clock, agency, staff):
    version = ProcedureWithRouteFactory(agency=agency, hours=True)  # 6 + 2 = 8 working hours
    dossier = received_dossier(version, agency, receiver=staff[Role.RECEIVER])
    # 09:00 Monday: 6 office hours left that day (07:30–11:30, 13:30–17:00), 2 more on Tuesday.
    assert dossier.due_at == vn(2026, 3, 3, 9, 30)


def test_counter_reception_creates_and_receives_in_one_step(clock, version, agency, staff):
    dossier = services.receive_at_counter(version=version, receiving_agency=agency, applicant=applicant(),
                                          actor=staff[Role.RECEIVER])
    assert dossier.state == State.RECEIVED and dossier.channel == Channel.COUNTER
    assert dossier.code.endswith("-260302-0001") and dossier.due_at == vn(2026, 3, 6, 17)
    assert list(dossier.events.values_list("action", flat=True)) == ["receive_at_counter"]


def test_only_a_receiver_of_the_agency_receives(version, agency, staff):
    dossier = submitted_dossier(version, agency)
    for outsider in (staff[Role.HANDLER], officer(Role.RECEIVER, AgencyFactory()), citizen()):
        with pytest.raises(services.PermissionDenied) as error:
            services.receive(dossier, actor=outsider, expected_version=dossier.version)
        assert error.value.status == 403
    assert counts(dossier) == (1, 1)


# -- supplements -----------------------------------------------------------------------------------------

def test_supplement_request_at_reception_lists_everything_missing_once(version, agency, staff):
    dossier = submitted_dossier(version, agency)
    dossier = services.request_supplement(dossier, actor=staff[Role.RECEIVER], expected_version=dossier.version,
                                          missing=["Bản sao giấy khai sinh", "Ảnh 4x6"])
    assert dossier.state == State.SUPPLEMENT_REQUESTED and dossier.supplement_count == 1
    assert dossier.events.last().data["missing"] == ["Bản sao giấy khai sinh", "Ảnh 4x6"]
    dossier = services.provide_supplement(dossier, actor=staff[Role.RECEIVER], expected_version=dossier.version,
                                          documents=[SimpleUploadedFile("khai-sinh.pdf", PDF)])
    assert dossier.state == State.SUBMITTED and dossier.due_at is None
    with pytest.raises(services.InvalidTransition) as error:
        services.request_supplement(dossier, actor=staff[Role.RECEIVER], expected_version=dossier.version,
                                    missing=["Thêm một thứ nữa"])
    assert "một lần" in error.value.message


def test_supplement_request_needs_a_list(version, agency, staff):
    dossier = submitted_dossier(version, agency)
    with pytest.raises(services.InvalidInput) as error:
        services.request_supplement(dossier, actor=staff[Role.RECEIVER], expected_version=1, missing=["  "])
    assert error.value.field == "missing"


def test_supplement_request_restarts_the_clock(clock, version, agency, staff):
    dossier = received_dossier(version, agency, receiver=staff[Role.RECEIVER])  # Mon 2/3, due Fri 6/3
    clock.set(2026, 3, 4, 10)  # Wednesday: 2 working days after receipt
    dossier = services.request_supplement(dossier, actor=staff[Role.HANDLER], expected_version=dossier.version,
                                          missing=["Bản vẽ mặt bằng"])
    assert dossier.state == State.SUPPLEMENT_REQUESTED
    clock.set(2026, 3, 10, 14)  # the complete dossier arrives the next Tuesday
    user_docs = [SimpleUploadedFile("ban-ve.pdf", PDF)]
    dossier = services.provide_supplement(dossier, actor=staff[Role.RECEIVER], expected_version=dossier.version,
                                          documents=user_docs)
    # NĐ 61/2018 Art. 19: the deadline restarts from zero when the complete dossier arrives.
    assert dossier.state == State.RECEIVED
    assert dossier.clock_started_at == vn(2026, 3, 10, 14)
    assert dossier.due_at == vn(2026, 3, 16, 17)
    handle = dossier.steps.get(role="handle")
    assert handle.due_at == vn(2026, 3, 13, 17)
    assert dossier.documents.get().kind == "supplement"


def test_handling_body_cannot_ask_for_a_supplement_after_three_working_days(clock, version, agency, staff):
    dossier = received_dossier(version, agency, receiver=staff[Role.RECEIVER])
    clock.set(2026, 3, 6, 9)  # 4 working days after Monday's receipt
    with pytest.raises(services.InvalidTransition) as error:
        services.request_supplement(dossier, actor=staff[Role.HANDLER], expected_version=dossier.version,
                                    missing=["Bản vẽ"])
    assert "3 ngày làm việc" in error.value.message
    assert counts(dossier) == (2, 2)


# -- refusal ------------------------------------------------------------------------------------------------

def test_refusal_needs_reasons_and_closes_the_dossier(clock, version, agency, staff):
    dossier = received_dossier(version, agency, receiver=staff[Role.RECEIVER])
    with pytest.raises(services.InvalidInput):
        services.refuse(dossier, actor=staff[Role.RECEIVER], expected_version=dossier.version, reasons=" ")
    dossier = services.refuse(dossier, actor=staff[Role.HANDLER], expected_version=dossier.version,
                              reasons="Không thuộc thẩm quyền giải quyết.")
    assert dossier.state == State.REFUSED and dossier.finished_at == clock()
    assert not dossier.steps.filter(state__in=[StepState.ACTIVE, StepState.PENDING]).exists()


def test_refusal_is_not_allowed_once_the_route_has_moved_on(version, agency, staff):
    dossier = dossier_in_state(State.IN_PROGRESS, version, agency, actors=staff)
    with pytest.raises(services.InvalidTransition):
        services.refuse(dossier, actor=staff[Role.RECEIVER], expected_version=dossier.version, reasons="Lý do")


# -- along the route --------------------------------------------------------------------------------------

def test_full_lifecycle_from_submission_to_return(clock, version, agency, staff):
    dossier = received_dossier(version, agency, receiver=staff[Role.RECEIVER])
    dossier = services.assign(dossier, actor=staff[Role.APPROVER], expected_version=dossier.version,
                              assignee=staff[Role.HANDLER])
    assert dossier.state == State.IN_PROGRESS and dossier.current_step.assignee == staff[Role.HANDLER]
    clock.set(2026, 3, 4, 10)
    dossier = services.forward(dossier, actor=staff[Role.HANDLER], expected_version=dossier.version)
    assert dossier.current_step.role == "approve"
    dossier = services.approve(dossier, actor=staff[Role.APPROVER], expected_version=dossier.version)
    assert dossier.state == State.RESULT_READY and dossier.result_ready_at == vn(2026, 3, 4, 10)
    clock.set(2026, 3, 5, 8)
    dossier = services.return_result(dossier, actor=staff[Role.RETURNER], expected_version=dossier.version,
                                     method="desk")
    assert dossier.state == State.RETURNED and dossier.finished_at == vn(2026, 3, 5, 8)
    assert dossier.return_method == "desk" and dossier.current_step is None
    assert list(dossier.events.values_list("action", flat=True)) == [
        "submit_online", "receive", "assign", "forward", "approve", "return_result"]
    assert list(dossier.steps.values_list("state", flat=True)) == [StepState.DONE] * 4
    assert dossier.version == 6  # one per event


def test_assignment_goes_only_to_a_handler_of_the_steps_agency(version, agency, staff):
    dossier = received_dossier(version, agency, receiver=staff[Role.RECEIVER])
    stranger = officer(Role.HANDLER, AgencyFactory())
    with pytest.raises(services.InvalidInput) as error:
        services.assign(dossier, actor=staff[Role.APPROVER], expected_version=dossier.version, assignee=stranger)
    assert error.value.field == "assignee"


def test_an_assigned_step_is_forwarded_by_its_handler_only(version, agency, staff):
    dossier = received_dossier(version, agency, receiver=staff[Role.RECEIVER])
    dossier = services.assign(dossier, actor=staff[Role.APPROVER], expected_version=dossier.version,
                              assignee=staff[Role.HANDLER])
    colleague = officer(Role.HANDLER, agency)
    with pytest.raises(services.PermissionDenied):
        services.forward(dossier, actor=colleague, expected_version=dossier.version)


def test_forwarding_to_an_inter_agency_step_hands_the_dossier_to_that_agency(clock, agency, staff):
    partner = AgencyFactory(name="Sở Tài chính")
    version = ProcedureWithRouteFactory(agency=agency, liaison_agency=partner)
    dossier = received_dossier(version, agency, receiver=staff[Role.RECEIVER])
    dossier = services.forward(dossier, actor=staff[Role.HANDLER], expected_version=dossier.version)
    assert dossier.current_step.agency == partner
    with pytest.raises(services.PermissionDenied):  # the first agency no longer holds the step
        services.forward(dossier, actor=staff[Role.HANDLER], expected_version=dossier.version)
    dossier = services.forward(dossier, actor=officer(Role.HANDLER, partner), expected_version=dossier.version)
    assert dossier.current_step.role == "approve" and dossier.current_step.agency == agency


def test_send_back_returns_the_dossier_to_the_handling_step(version, agency, staff):
    dossier = dossier_in_state(State.IN_PROGRESS, version, agency, actors=staff)
    with pytest.raises(services.InvalidInput):
        services.send_back(dossier, actor=staff[Role.APPROVER], expected_version=dossier.version, reason="")
    with pytest.raises(services.PermissionDenied):
        services.send_back(dossier, actor=staff[Role.HANDLER], expected_version=dossier.version, reason="Sửa")
    dossier = services.send_back(dossier, actor=staff[Role.APPROVER], expected_version=dossier.version,
                                 reason="Thiếu căn cứ pháp lý")
    assert dossier.current_step.role == "handle" and dossier.current_step.state == StepState.ACTIVE
    assert dossier.steps.get(role="approve").state == StepState.PENDING
    dossier = services.forward(dossier, actor=staff[Role.HANDLER], expected_version=dossier.version)
    assert dossier.current_step.role == "approve"


def test_approval_needs_an_approver_and_the_approval_step(version, agency, staff):
    dossier = received_dossier(version, agency, receiver=staff[Role.RECEIVER])
    with pytest.raises(services.InvalidTransition):
        services.approve(dossier, actor=staff[Role.APPROVER], expected_version=dossier.version)
    dossier = services.forward(dossier, actor=staff[Role.HANDLER], expected_version=dossier.version)
    with pytest.raises(services.PermissionDenied):
        services.approve(dossier, actor=staff[Role.HANDLER], expected_version=dossier.version)


def test_return_requires_a_known_method(version, agency, staff):
    dossier = dossier_in_state(State.RESULT_READY, version, agency, actors=staff)
    with pytest.raises(services.InvalidInput) as error:
        services.return_result(dossier, actor=staff[Role.RETURNER], expected_version=dossier.version, method="fax")
    assert error.value.field == "method"


# -- apology (form 04) ---------------------------------------------------------------------------------

def test_apology_sets_a_new_date_once_only(clock, version, agency, staff):
    dossier = received_dossier(version, agency, receiver=staff[Role.RECEIVER])  # due Fri 6/3 17:00
    clock.set(2026, 3, 5, 9)  # Thursday: one working day left
    dossier = services.issue_apology(dossier, actor=staff[Role.HANDLER], expected_version=dossier.version,
                                     reason="Cần xác minh thực địa", new_due_at=vn(2026, 3, 11, 17))
    assert dossier.original_due_at == vn(2026, 3, 6, 17) and dossier.due_at == vn(2026, 3, 11, 17)
    assert dossier.steps.get(role="return").due_at == vn(2026, 3, 11, 17)
    # NĐ 61/2018 Art. 19.9: the date may be reset only once.
    with pytest.raises(services.InvalidTransition) as error:
        services.issue_apology(dossier, actor=staff[Role.HANDLER], expected_version=dossier.version,
                               reason="Lần nữa", new_due_at=vn(2026, 3, 13, 17))
    assert "một lần" in error.value.message
    assert dossier.events.filter(action="issue_apology").count() == 1


def test_apology_must_come_at_least_one_working_day_before_the_due_date(clock, version, agency, staff):
    dossier = received_dossier(version, agency, receiver=staff[Role.RECEIVER])
    clock.set(2026, 3, 6, 8)  # the due day itself
    with pytest.raises(services.InvalidTransition) as error:
        services.issue_apology(dossier, actor=staff[Role.HANDLER], expected_version=dossier.version,
                               reason="Chậm", new_due_at=vn(2026, 3, 11, 17))
    assert "01 ngày làm việc" in error.value.message


def test_apology_new_date_must_be_after_the_old_one(clock, version, agency, staff):
    dossier = received_dossier(version, agency, receiver=staff[Role.RECEIVER])
    with pytest.raises(services.InvalidInput) as error:
        services.issue_apology(dossier, actor=staff[Role.HANDLER], expected_version=dossier.version,
                               reason="Chậm", new_due_at=vn(2026, 3, 5, 17))
    assert error.value.field == "new_due_at"


# -- stopping, withdrawing, terminal states --------------------------------------------------------------

def test_stop_processing_needs_reasons(version, agency, staff):
    dossier = dossier_in_state(State.IN_PROGRESS, version, agency, actors=staff)
    with pytest.raises(services.InvalidInput):
        services.stop_processing(dossier, actor=staff[Role.APPROVER], expected_version=dossier.version, reasons="")
    dossier = services.stop_processing(dossier, actor=staff[Role.APPROVER], expected_version=dossier.version,
                                       reasons="Người nộp đề nghị dừng")
    assert dossier.state == State.STOPPED and dossier.finished_at is not None


def test_the_applicant_withdraws_their_own_dossier_only(version, agency):
    owner = citizen()
    dossier = submitted_dossier(version, agency, user=owner)
    with pytest.raises(services.PermissionDenied):
        services.withdraw(dossier, actor=citizen(), expected_version=dossier.version)
    dossier = services.withdraw(dossier, actor=owner, expected_version=dossier.version, reason="Không cần nữa")
    assert dossier.state == State.WITHDRAWN


@pytest.mark.parametrize("state", sorted(TERMINAL_STATES))
def test_nothing_leaves_a_terminal_state(state, version, agency, staff):
    dossier = dossier_in_state(state, version, agency, actors=staff)
    before = counts(dossier)
    attempts = [
        lambda: services.receive(dossier, actor=staff[Role.RECEIVER], expected_version=dossier.version),
        lambda: services.withdraw(dossier, actor=staff[Role.RECEIVER], expected_version=dossier.version),
        lambda: services.stop_processing(dossier, actor=staff[Role.RECEIVER], expected_version=dossier.version,
                                         reasons="x"),
        lambda: services.record_payment(dossier, actor=staff[Role.RECEIVER], amount=1, channel="cash"),
    ]
    for attempt in attempts:
        with pytest.raises(services.InvalidTransition) as error:
            attempt()
        assert error.value.status == 409 and "đã kết thúc" in error.value.message
    dossier.refresh_from_db()
    assert dossier.state == state and counts(dossier) == before


# -- the transition frame ----------------------------------------------------------------------------------

def test_a_stale_version_is_a_conflict(version, agency, staff):
    dossier = submitted_dossier(version, agency)
    with pytest.raises(services.Conflict) as error:
        services.receive(dossier, actor=staff[Role.RECEIVER], expected_version=dossier.version - 1)
    assert error.value.status == 409
    assert error.value.message == "Hồ sơ đã được người khác thay đổi. Vui lòng tải lại trang."


def test_an_invalid_transition_gives_the_reason(version, agency, staff):
    dossier = submitted_dossier(version, agency)
    with pytest.raises(services.InvalidTransition) as error:
        services.return_result(dossier, actor=staff[Role.RETURNER], expected_version=dossier.version, method="desk")
    assert "trả kết quả" in error.value.message and error.value.message_en


def test_failed_transition_leaves_no_event_audit_entry_or_notification(
        version, agency, staff, mailoutbox, django_capture_on_commit_callbacks):
    dossier = submitted_dossier(version, agency)
    before = counts(dossier)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        with pytest.raises(services.InvalidTransition):
            services.approve(dossier, actor=staff[Role.APPROVER], expected_version=dossier.version)
        with pytest.raises(services.PermissionDenied):
            services.receive(dossier, actor=staff[Role.HANDLER], expected_version=dossier.version)
    assert callbacks == [] and mailoutbox == []
    dossier.refresh_from_db()
    assert counts(dossier) == before and dossier.version == 1


def test_a_failure_after_writing_rolls_the_whole_transition_back(version, agency, staff, monkeypatch):
    dossier = submitted_dossier(version, agency)
    before = counts(dossier)

    def broken(*args, **kwargs):
        raise RuntimeError("audit store unavailable")

    monkeypatch.setattr(frame, "record", broken)  # the audit entry, written by the transitions' finish
    with pytest.raises(RuntimeError):
        services.receive(dossier, actor=staff[Role.RECEIVER], expected_version=dossier.version)
    dossier.refresh_from_db()
    assert dossier.state == State.SUBMITTED and dossier.version == 1
    assert counts(dossier) == before and not dossier.steps.exists()


# -- payments and documents ------------------------------------------------------------------------------

def test_payment_is_recorded_with_its_receipt(version, agency, staff):
    dossier = received_dossier(version, agency, receiver=staff[Role.RECEIVER])
    payment = services.record_payment(dossier, actor=staff[Role.RECEIVER], amount=100_000, channel="cash",
                                      receipt_number="BL-0001")
    assert Payment.objects.get() == payment and payment.recorded_by == staff[Role.RECEIVER]
    with pytest.raises(services.InvalidInput):
        services.record_payment(dossier, actor=staff[Role.RECEIVER], amount=0, channel="cash")
    with pytest.raises(services.PermissionDenied):
        services.record_payment(dossier, actor=officer(Role.RECEIVER, AgencyFactory()), amount=1, channel="cash")


def test_officers_attach_results_and_citizens_attach_only_while_they_owe_papers(version, agency, staff):
    owner = citizen()
    dossier = received_dossier(version, agency, receiver=staff[Role.RECEIVER], user=owner)
    document = services.attach_document(dossier, actor=staff[Role.HANDLER], kind="result",
                                        upload=SimpleUploadedFile("ket-qua.pdf", PDF))
    assert document.kind == "result" and document.content_type == "application/pdf"
    with pytest.raises(services.InvalidTransition):
        services.attach_document(dossier, actor=owner, upload=SimpleUploadedFile("them.pdf", PDF))
