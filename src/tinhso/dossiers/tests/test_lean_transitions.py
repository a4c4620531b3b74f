"""A transition writes what it must in as few statements as the database allows (issue 11): the floor is
held here so that it does not creep back up."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tinhso.common import audit
from tinhso.common.statements import RowQuery, original
from tinhso.directory.models import Membership, Role
from tinhso.directory.tests.factories import AgencyFactory, MembershipFactory
from tinhso.dossiers import route, services
from tinhso.dossiers.models import Dossier, DossierEvent, DossierFee, DossierStep, State, StepState
from tinhso.dossiers.tests.factories import ProcedureWithRouteFactory, applicant, staff_for
from tinhso.ioc import rollups

pytestmark = pytest.mark.django_db


@pytest.fixture
def desk():
    agency = AgencyFactory()
    version = ProcedureWithRouteFactory(agency=agency, handle_days=3, approve_days=1)
    return agency, version, staff_for(agency)


def _statements(run) -> tuple[object, list[str]]:
    """What ``run()`` sends, savepoints left out (the test's own transaction adds them); a statement run by
    its prepared name (``EXECUTE tinhso_…``) as the text it runs."""
    with CaptureQueriesContext(connection) as captured:
        result = run()
    return result, [original(q["sql"]) for q in captured.captured_queries if "SAVEPOINT" not in q["sql"].upper()]


def _lifecycle(desk) -> dict[str, list[str]]:
    agency, version, staff = desk
    for user in staff.values():  # as in a request: each officer's roles read once
        services.holds_role(user, [Role.RECEIVER], agency)
    sent = {}
    dossier, sent["submit_online"] = _statements(lambda: services.submit_online(
        version=version, receiving_agency=agency, applicant=applicant()))
    dossier, sent["receive"] = _statements(lambda: services.receive(
        dossier, actor=staff[Role.RECEIVER], expected_version=dossier.version))
    dossier, sent["assign"] = _statements(lambda: services.assign(
        dossier, actor=staff[Role.APPROVER], expected_version=dossier.version, assignee=staff[Role.HANDLER]))
    dossier, sent["forward"] = _statements(lambda: services.forward(
        dossier, actor=staff[Role.HANDLER], expected_version=dossier.version))
    dossier, sent["approve"] = _statements(lambda: services.approve(
        dossier, actor=staff[Role.APPROVER], expected_version=dossier.version))
    dossier, sent["return_result"] = _statements(lambda: services.return_result(
        dossier, actor=staff[Role.RETURNER], expected_version=dossier.version, method="desk"))
    assert dossier.state == State.RETURNED
    return sent


def test_the_statements_per_transition_stay_at_the_floor(desk, steady_calendar, settings):
    settings.TINHSO_NATIONAL_PORTAL_SYNC = False  # the engine's own writes; the portal's outbox is counted below
    sent = _lifecycle(desk)
    counts = {action: len(statements) for action, statements in sent.items()}
    if connection.vendor == "postgresql":
        # lock (with the event's key); [steps]; dossier + event + audit entry (+ fee lines, step writes) and
        # the event's followers (rollups, notice) in one statement
        assert counts == {"submit_online": 4, "receive": 4, "assign": 2, "forward": 3, "approve": 3,
                          "return_result": 3}, counts
        assert sum(counts.values()) / len(counts) <= 3.2
        assert all(s.lstrip().upper().startswith("WITH") for s in (sent["assign"][1], sent["forward"][2]))
    else:  # SQLite runs the same writes one after the other
        assert sum(counts.values()) / len(counts) <= 12, counts
    assert audit.verify().ok
    assert rollups.verify().ok


def test_the_national_portal_outbox_rides_with_the_events_other_writes(desk, steady_calendar, settings):
    """A status change writes one outbox row; where the event's rollups write too, in their statement (no
    round trip of its own), otherwise in one INSERT."""
    settings.TINHSO_NATIONAL_PORTAL_SYNC = False
    without = {action: len(statements) for action, statements in _lifecycle(desk).items()}
    settings.TINHSO_NATIONAL_PORTAL_SYNC = True
    sent = _lifecycle(desk)
    folded = set()
    for action, statements in sent.items():
        carrying = [s for s in statements if 'INSERT INTO "exchange_outboxentry"' in s]
        if action == "forward":  # a forward between two steps keeps the status the portal sees
            assert not carrying and len(statements) == without[action]
            continue
        assert len(carrying) == 1, action
        if len(statements) == without[action]:
            folded.add(action)
            assert carrying[0].lstrip().upper().startswith("WITH"), action
        else:
            assert len(statements) == without[action] + 1, action
            assert carrying[0].lstrip().startswith('INSERT INTO "exchange_outboxentry"'), action
    if connection.vendor == "postgresql":  # the event's key is known before it is written: always folded
        assert folded == {action for action in sent if action != "forward"}


def test_what_the_combined_writes_leave_is_what_the_orm_would(desk):
    agency, version, staff = desk
    dossier = services.submit_online(version=version, receiving_agency=agency, applicant=applicant())
    fees = list(DossierFee.objects.filter(dossier=dossier).values_list("description", "amount"))
    assert fees == list(version.fees.order_by("order", "id").values_list("description", "amount"))
    dossier = services.receive(dossier, actor=staff[Role.RECEIVER], expected_version=1)
    dossier = services.assign(dossier, actor=staff[Role.APPROVER], expected_version=2, assignee=staff[Role.HANDLER])
    dossier = services.forward(dossier, actor=staff[Role.HANDLER], expected_version=3)
    stored = Dossier.objects.get(pk=dossier.pk)
    assert (stored.version, stored.state, stored.current_step_id) == (4, dossier.state, dossier.current_step_id)
    assert stored.updated_at > stored.created_at
    steps = list(DossierStep.objects.filter(dossier=dossier).order_by("order", "id"))
    assert [s.state for s in steps] == [StepState.DONE, StepState.DONE, StepState.ACTIVE, StepState.PENDING]
    assert steps[1].assignee_id == staff[Role.HANDLER].pk and steps[1].finished_at is not None
    assert steps[2].started_at is not None and dossier.current_step.role == steps[2].role
    assert dossier.current_step.due_at == steps[2].due_at  # a field the combined update did not return
    events = list(DossierEvent.objects.filter(dossier=dossier).order_by("id"))
    assert [e.action for e in events] == ["submit_online", "receive", "assign", "forward"]
    entries = audit.AuditEntry.objects.filter(object_type="dossiers.dossier", object_id=str(dossier.pk))
    assert [e.after["action"] for e in entries.order_by("id")] == [e.action for e in events]
    assert [e.after["version"] for e in entries.order_by("id")] == [1, 2, 3, 4]


def test_the_locked_row_comes_back_as_the_orm_builds_it(desk):
    agency, version, staff = desk
    dossier = services.submit_online(version=version, receiving_agency=agency, applicant=applicant(),
                                     eform_data={})
    dossier = services.receive(dossier, actor=staff[Role.RECEIVER], expected_version=1)
    query = RowQuery(Dossier, ["current_step__agency", "procedure_version", "applicant_commune", "receiving_agency"])
    fast = query.get(dossier.pk)
    orm = Dossier.objects.select_related("current_step__agency", "procedure_version", "applicant_commune",
                                         "receiving_agency").get(pk=dossier.pk)
    for field in Dossier._meta.concrete_fields:
        assert getattr(fast, field.attname) == getattr(orm, field.attname), field.name
    with CaptureQueriesContext(connection) as captured:
        assert fast.current_step.agency == orm.current_step.agency
        assert fast.procedure_version.time_limit == orm.procedure_version.time_limit
        assert fast.receiving_agency.name == agency.name
        assert fast.applicant_commune is None
    assert not captured.captured_queries
    assert fast.due_at.tzinfo is not None and isinstance(fast.eform_data, dict)
    assert query.get(10**9) is None


def test_a_value_read_with_the_row_is_set_on_it_and_only_by_get(desk):
    agency, version, _staff = desk
    dossier = services.submit_online(version=version, receiving_agency=agency, applicant=applicant(),
                                     eform_data={})
    query = RowQuery(Dossier, ["procedure_version"], also={"_answer": lambda db: "41 + 1",
                                                           "_nothing_here": lambda db: None})
    fast = query.get(dossier.pk)
    assert fast._answer == 42 and not hasattr(fast, "_nothing_here")
    assert fast.procedure_version.pk == version.pk and fast.code == dossier.code
    assert not hasattr(query.many([dossier.pk])[0], "_answer")  # a list of rows reads none


def test_the_lock_leaves_the_long_texts_unread_and_a_text_set_since_is_written(desk):
    from django.db import transaction

    from tinhso.common import statements
    from tinhso.dossiers import frame

    agency, version, _staff = desk
    dossier = services.submit_online(version=version, receiving_agency=agency, applicant=applicant(),
                                     eform_data={})
    Dossier.objects.filter(pk=dossier.pk).update(eform_data={"ho_ten": "Nguyễn Văn An"})
    with transaction.atomic():
        locked = frame.lock(dossier.pk, None)
        assert "eform_data" in locked.get_deferred_fields()
        assert {"eform_schema", "legal_basis", "search_text"} <= locked.procedure_version.get_deferred_fields()
        assert "search_text" in locked.receiving_agency.get_deferred_fields()
        assert frame.changed_fields(locked) == []  # nothing read, nothing set: nothing to write
        with CaptureQueriesContext(connection) as captured:
            assert locked.eform_data == {"ho_ten": "Nguyễn Văn An"}  # read when asked for, by a query of its own
        assert len(captured.captured_queries) == 1
        locked.eform_data = {"ho_ten": "Trần Thị Bình"}
        assert "eform_data" in frame.changed_fields(locked)
        statements.run([statements.update(locked, frame.changed_fields(locked))])
    dossier.refresh_from_db()
    assert dossier.eform_data == {"ho_ten": "Trần Thị Bình"}


def test_the_events_key_is_taken_with_the_lock_and_the_event_written_under_it(desk):
    """On PostgreSQL the lock takes the key of the event the transition writes, so the event, its followers'
    rows and the audit entry go in one statement; a transition refused after the lock writes nothing."""
    from django.db import transaction

    from tinhso.dossiers import frame
    from tinhso.dossiers.errors import InvalidTransition

    agency, version, staff = desk
    dossier = services.submit_online(version=version, receiving_agency=agency, applicant=applicant(),
                                     eform_data={})
    submitted = DossierEvent.objects.get(dossier=dossier)
    with transaction.atomic():
        locked = frame.lock(dossier.pk, None)
    if connection.vendor != "postgresql":
        assert not hasattr(locked, "_event_key")
        return
    assert locked._event_key > submitted.pk
    events = DossierEvent.objects.count()
    with pytest.raises(InvalidTransition):
        services.approve(dossier, actor=staff[Role.APPROVER], expected_version=dossier.version)
    assert DossierEvent.objects.count() == events  # the key taken is left unused
    received = services.receive(dossier, actor=staff[Role.RECEIVER], expected_version=dossier.version)
    event = DossierEvent.objects.filter(dossier=dossier).latest("pk")
    assert event.action == "receive" and event.pk > locked._event_key and received.state == State.RECEIVED
    assert event.pk == DossierEvent.objects.latest("pk").pk  # the sequence's latest: taken by this lock
    entry = audit.AuditEntry.objects.filter(object_type="dossiers.dossier", object_id=str(dossier.pk)).latest("pk")
    assert entry.after["action"] == "receive" and audit.verify().ok
    assert rollups.verify().ok


def test_rows_read_by_a_list_of_keys_come_in_its_order_with_their_related_rows(desk):
    agency, version, staff = desk
    made = [services.submit_online(version=version, receiving_agency=agency, applicant=applicant(),
                                   eform_data={}) for _ in range(3)]
    services.receive(made[1], actor=staff[Role.RECEIVER], expected_version=1)
    query = RowQuery(Dossier, ["current_step__agency", "current_step__assignee", "procedure_version__field"])
    keys = [made[2].pk, 10**9, made[1].pk, made[0].pk]
    with CaptureQueriesContext(connection) as captured:
        rows = query.many(keys)
        assert [row.pk for row in rows] == [made[2].pk, made[1].pk, made[0].pk]
        assert rows[0].current_step is None and rows[1].current_step.agency == agency
        assert rows[1].current_step.assignee is None
        assert rows[1].procedure_version.pk == version.pk
        # the same procedure on every row is one object, its field made once below it
        assert rows[0].procedure_version is rows[1].procedure_version is rows[2].procedure_version
        assert rows[2].procedure_version.field.pk == version.field_id
    assert len(captured.captured_queries) == 1
    orm = Dossier.objects.get(pk=made[1].pk)
    for field in Dossier._meta.concrete_fields:
        assert getattr(rows[1], field.attname) == getattr(orm, field.attname), field.name
    assert query.many([]) == []


def test_an_officers_roles_are_read_once_and_a_change_is_seen_at_once(desk):
    agency, _, staff = desk
    receiver = staff[Role.RECEIVER]
    assert services.holds_role(receiver, [Role.RECEIVER], agency)
    with CaptureQueriesContext(connection) as captured:
        assert services.holds_role(receiver, [Role.RECEIVER], agency)
        assert not services.holds_role(receiver, [Role.APPROVER], agency)
    assert not captured.captured_queries
    Membership.objects.filter(user=receiver).delete()
    assert not services.holds_role(receiver, [Role.RECEIVER], agency)
    other = AgencyFactory()
    MembershipFactory(user=receiver, agency=other, role=Role.APPROVER)
    assert services.holds_role(receiver, [Role.APPROVER], other)


def test_a_row_read_by_chosen_fields_and_filters_is_the_orms_deferred_row(desk):
    agency, version, _ = desk
    dossier = services.submit_online(version=version, receiving_agency=agency, applicant=applicant(),
                                     eform_data={})
    query = RowQuery(Dossier, fields=("code", "version", "due_at"), by=("pk", "code"))
    fast = query.get(dossier.pk, dossier.code)
    assert (fast.pk, fast.code, fast.version, fast.due_at) == (dossier.pk, dossier.code, 1, dossier.due_at)
    assert fast.get_deferred_fields() >= {"state", "eform_data"}
    assert query.get(dossier.pk, "000.00.00.H00-000000-0000") is None
    assert query.get(10**9, dossier.code) is None


def test_the_applicants_notice_is_queued_in_the_transitions_own_transaction(desk, settings):
    """With the database queue the notice's task row is written by the transition itself: there before the
    commit (no second transaction after it), gone with a transition rolled back."""
    from django.db import transaction
    from django_tasks_db.models import DBTaskResult

    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}
    agency, version, staff = desk
    notices = DBTaskResult.objects.filter(task_path="tinhso.dossiers.tasks.send_applicant_notice")
    dossier = services.submit_online(version=version, receiving_agency=agency, applicant=applicant(),
                                     eform_data={})
    assert notices.count() == 1  # written before any commit: the test's transaction never commits
    with pytest.raises(RuntimeError), transaction.atomic():
        services.receive(dossier, actor=staff[Role.RECEIVER], expected_version=dossier.version)
        assert notices.count() == 2
        raise RuntimeError
    assert notices.count() == 1
    services.receive(dossier, actor=staff[Role.RECEIVER], expected_version=dossier.version)
    assert notices.count() == 2


def test_the_notices_task_row_rides_with_the_rollups_statement(desk, steady_calendar, settings):
    """With the database queue the task row costs no round trip of its own on PostgreSQL: it is written by
    the statement that carries the rollups (and is the row the queue's own ``enqueue`` would write)."""
    from django_tasks_db.models import DBTaskResult

    settings.TINHSO_NATIONAL_PORTAL_SYNC = False
    without = {action: len(sent) for action, sent in _lifecycle(desk).items()}
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}
    table = f'INSERT INTO "{DBTaskResult._meta.db_table}"'
    queued = _lifecycle(desk)
    carried = {action for action, sent in queued.items() if any(table in s for s in sent)}
    assert carried >= {"submit_online", "receive", "return_result"}, carried
    if connection.vendor == "postgresql":
        for action, sent in queued.items():
            carrying = [s for s in sent if table in s]
            assert len(sent) == without[action], action  # never a statement of its own
            if action in carried:  # in the statement of the event, the dossier and the audit entry
                assert len(carrying) == 1 and carrying[0].lstrip().upper().startswith("WITH"), action
                assert "INSERT INTO \"dossiers_dossierevent\"" in carrying[0], action
    rows = DBTaskResult.objects.filter(task_path="tinhso.dossiers.tasks.send_applicant_notice")
    assert rows.count() == len(carried)
    row = rows.order_by("enqueued_at").first()
    assert row.status == "READY" and row.queue_name == "default" and row.backend_name == "default"
    assert len(row.args_kwargs["args"]) == 1 and row.args_kwargs["kwargs"] == {}
    assert DossierEvent.objects.filter(pk=row.args_kwargs["args"][0], action="submit_online").exists()
    assert DBTaskResult.objects.ready().filter(pk=row.pk).exists()  # the worker would take it now


def test_rows_inserted_together_are_the_rows_bulk_create_would_write(desk):
    import datetime

    from django.utils import timezone

    from tinhso.common.statements import insert_all

    agency, version, _ = desk
    dossier = services.submit_online(version=version, receiving_agency=agency, applicant=applicant())
    due = timezone.now() + datetime.timedelta(days=3)
    made = [DossierStep(dossier=dossier, order=7, role="handle", agency=agency, partner="",
                        description="Thẩm định 'hồ sơ'", share=3, state=StepState.ACTIVE,
                        started_at=timezone.now(), due_at=due),
            DossierStep(dossier=dossier, order=8, role="approve", agency=None, partner="Sở Tài chính",
                        description="", share=1, due_at=None),
            DossierStep(dossier=dossier, order=9, role="return", share=0)]
    with CaptureQueriesContext(connection) as captured:
        insert_all(made)
    if connection.vendor == "postgresql":
        assert len(captured.captured_queries) == 1
    assert [step.pk for step in made] == sorted(step.pk for step in made) and all(made[i].pk for i in range(3))
    stored = {step.pk: step for step in DossierStep.objects.filter(pk__in=[step.pk for step in made])}
    for step in made:
        row = stored[step.pk]
        for field in DossierStep._meta.concrete_fields:
            assert getattr(row, field.attname) == getattr(step, field.attname), field.name
    assert stored[made[0].pk].description == "Thẩm định 'hồ sơ'" and stored[made[1].pk].agency_id is None
    assert stored[made[0].pk].due_at == due and stored[made[2].pk].state == StepState.PENDING
    insert_all([])  # nothing to write: nothing sent


def test_advancing_a_route_finds_both_steps_through_their_keys(desk):
    """Completing a step and activating the next reads both rows by key, never every step of every dossier:
    a plan prepared while the table was small and kept while it grows must not become a scan of the table."""
    agency, version, staff = desk
    dossier = services.submit_online(version=version, receiving_agency=agency, applicant=applicant())
    dossier = services.receive(dossier, actor=staff[Role.RECEIVER], expected_version=dossier.version)
    step = dossier.current_step
    sql, values = route.advance_statement(dossier, step, dossier.updated_at)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET LOCAL enable_seqscan = off")  # a scan only where no index can answer
            cursor.execute(f"EXPLAIN {sql}", values)
            plan = "\n".join(row[0] for row in cursor.fetchall())
            assert "Seq Scan" not in plan, plan
            assert plan.count("Index Scan using dossiers_dossierstep_pkey") == 2, plan
        else:
            cursor.execute(f"EXPLAIN QUERY PLAN {sql}", values)
            details = [row[-1] for row in cursor.fetchall()]
            assert not [d for d in details if d.startswith("SCAN") and "dossierstep" in d], details
            # both keys searched through the primary key (SQLite reads the OR as a list of keys)
            assert any(d.startswith("SEARCH dossiers_dossierstep USING INTEGER PRIMARY KEY") for d in details), details
    dossier.refresh_from_db()
    assert dossier.current_step_id == step.pk  # explaining wrote nothing


def test_after_a_transition_the_row_is_remembered_as_written(desk):
    """``finish`` takes again only the fields it wrote; what it remembers is what a full reading gives, so the
    next change of the same object writes that change alone."""
    from django.db import transaction

    from tinhso.common import statements
    from tinhso.dossiers import frame

    agency, version, staff = desk
    dossier = services.submit_online(version=version, receiving_agency=agency, applicant=applicant(),
                                     eform_data={"ho_ten": "Nguyễn Văn An"})
    dossier = services.receive(dossier, actor=staff[Role.RECEIVER], expected_version=dossier.version)
    kept = dict(dossier._as_stored)
    frame.remember(dossier)  # read again in full
    assert kept == dossier._as_stored
    assert frame.changed_fields(dossier) == []
    dossier.eform_data["ho_ten"] = "Trần Thị Bình"  # changed in place: the remembered copy is not
    assert frame.changed_fields(dossier)[0] == "eform_data"
    with transaction.atomic():
        statements.run([statements.update(dossier, frame.changed_fields(dossier))])
    dossier.refresh_from_db(fields=["eform_data"])
    assert dossier.eform_data == {"ho_ten": "Trần Thị Bình"}
