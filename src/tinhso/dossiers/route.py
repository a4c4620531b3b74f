"""A dossier's route of steps: copied from the procedure version's route at reception (with the digitisation
check reception reads in the same statement), the due moments of the dossier and its steps, a step completed
and the next one activated, the open steps cancelled when a dossier leaves its route. The transitions that do
these things are :mod:`tinhso.dossiers.services`; this module writes the steps for them, in as few statements
as the database allows (``test_lean_transitions`` holds the floor)."""

# Statements are assembled from the models' own table and column names; every value is a parameter.
# ruff: noqa: S608

from __future__ import annotations

import datetime

from django.db import connection

from tinhso.catalogue.models import ProcedureVersion, RequiredDocument, RouteStep, StepRole, TimeUnit
from tinhso.common import statements
from tinhso.common.workdays import add_working_days, add_working_hours
from tinhso.dossiers import frame
from tinhso.dossiers.models import DocumentKind, Dossier, DossierDocument, DossierStep, State, StepState

# -- due moments ------------------------------------------------------------------------------------------

def due_moment(version: ProcedureVersion, start: datetime.datetime, amount: int) -> datetime.datetime:
    """``amount`` of the procedure's unit after ``start`` (BLDS 2015 Arts. 147–148, standards §3)."""
    if version.time_unit == TimeUnit.WORKING_HOURS:
        return add_working_hours(start, amount)
    return add_working_days(start, amount)


def start_clock(dossier: Dossier, start: datetime.datetime) -> None:
    """Set the dossier's and every unfinished step's due moment from ``start``: each step is due at the
    cumulative shares of the route up to it; the dossier at the whole time limit."""
    changed = set_due_moments(dossier, start, DossierStep.objects.filter(dossier=dossier).order_by("order", "id"))
    DossierStep.objects.bulk_update(changed, ["due_at"])


def set_due_moments(dossier: Dossier, start: datetime.datetime, steps) -> list[DossierStep]:
    """The due moments of :func:`start_clock`, set on the dossier and on ``steps`` (the route in order)
    without saving; returns the steps given a due moment."""
    version = dossier.procedure_version
    dossier.clock_started_at = start
    dossier.due_at = due_moment(version, start, version.time_limit)
    cumulative = 0
    changed = []
    for step in steps:
        cumulative += step.share
        if step.state != StepState.DONE:
            step.due_at = min(due_moment(version, start, cumulative), dossier.due_at)
            changed.append(step)
    return changed


_ADVANCE_TEXTS: dict[str, str] = {}


def advance_statement(dossier: Dossier, step: DossierStep, now: datetime.datetime,
                      assignee=None) -> tuple[str, list]:
    """The statement of :func:`advance` and its values: ``step`` done (by ``assignee`` when given) and the next
    pending step of the route active, both rows returned (key, order, role, agency).

    On PostgreSQL each row is updated by its own ``UPDATE … WHERE id = …`` (two data-modifying ``WITH``
    parts), so that each is found through the primary key whatever the planner knows of the table's size
    (a plan prepared while the table was small and kept while it grows would otherwise scan every step of
    every dossier, as ``id = step OR id = (next)`` does there). SQLite has no data-modifying ``WITH``; its
    one ``UPDATE`` reads ``OR`` of two keys through the primary key. The text is built once per database."""
    vendor = connection.vendor
    moment = connection.ops.adapt_datetimefield_value(now)
    given, assignee_id = assignee is not None, getattr(assignee, "pk", None)
    following = [dossier.pk, step.order, StepState.PENDING]  # the next step: the first pending one after
    if vendor == "postgresql":
        values = [*following, StepState.DONE, moment, given, assignee_id, step.pk, StepState.ACTIVE, moment]
    else:
        values = [*following, step.pk, StepState.DONE, StepState.ACTIVE, step.pk, moment, step.pk, moment,
                  step.pk, given, assignee_id, step.pk]
    if vendor not in _ADVANCE_TEXTS:
        table = connection.ops.quote_name(DossierStep._meta.db_table)
        order = connection.ops.quote_name("order")
        nxt = (f"WITH nxt AS (SELECT id FROM {table} WHERE dossier_id = %s AND {order} > %s AND state = %s "
               f"ORDER BY {order}, id LIMIT 1) ")
        columns = f"id, {order}, role, agency_id"
        if vendor == "postgresql":
            _ADVANCE_TEXTS[vendor] = (
                f"{nxt}, done AS (UPDATE {table} SET state = %s, finished_at = %s, "
                f"assignee_id = CASE WHEN %s THEN %s ELSE assignee_id END WHERE id = %s RETURNING {columns}), "
                f"act AS (UPDATE {table} SET state = %s, started_at = %s WHERE id = (SELECT id FROM nxt) "
                f"RETURNING {columns}) SELECT * FROM done UNION ALL SELECT * FROM act")
        else:
            _ADVANCE_TEXTS[vendor] = (
                f"{nxt}UPDATE {table} SET state = CASE WHEN id = %s THEN %s ELSE %s END, "
                f"finished_at = CASE WHEN id = %s THEN %s ELSE finished_at END, "
                f"started_at = CASE WHEN id = %s THEN started_at ELSE %s END, "
                f"assignee_id = CASE WHEN id = %s AND %s THEN %s ELSE assignee_id END "
                f"WHERE id = %s OR id = (SELECT id FROM nxt) RETURNING {columns}")
    return _ADVANCE_TEXTS[vendor], values


def advance(dossier: Dossier, step: DossierStep, now: datetime.datetime, assignee=None) -> DossierStep | None:
    """Complete ``step`` (done by ``assignee`` when given) and activate the next pending step of the route, in
    one statement (:func:`advance_statement`); the dossier's state follows the next step's role
    (:func:`follow`)."""
    with connection.cursor() as cursor:
        statements.execute(cursor, *advance_statement(dossier, step, now, assignee))
        rows = cursor.fetchall()
    step.state, step.finished_at = StepState.DONE, now
    if assignee is not None:
        step.assignee = assignee
    following = None
    for key, order_value, role, agency_id in rows:
        if key != step.pk:
            # The fields the transition needs; any other is read when first used (deferred).
            following = DossierStep.from_db(
                connection.alias, ["id", "dossier_id", "order", "role", "agency_id", "state", "started_at"],
                [key, dossier.pk, order_value, role, agency_id, StepState.ACTIVE, now])
    follow(dossier, following, now)
    return following


def follow(dossier: Dossier, following: DossierStep | None, now: datetime.datetime) -> None:
    """The dossier's current step and state once ``following`` is active (``None``: the route is done)."""
    if following is None:
        dossier.current_step = None
        dossier.state = State.RESULT_READY
        dossier.result_ready_at = now
        return
    dossier.current_step = following
    if following.role == StepRole.RETURN:
        dossier.state = State.RESULT_READY
        dossier.result_ready_at = now
    else:
        dossier.state = State.IN_PROGRESS


def cancel_open_steps(dossier: Dossier, now: datetime.datetime) -> None:
    DossierStep.objects.filter(dossier=dossier, state__in=[StepState.PENDING, StepState.ACTIVE]).update(
        state=StepState.CANCELLED, finished_at=now,
    )
    dossier.current_step = None



# -- reception: the route copied onto the dossier -------------------------------------------------------

def _digitised_statement(db) -> str:
    """The required components of a version, those of them no applicant's or supplement file of the dossier
    answers, and whether the dossier holds any such file (QĐ 766 digitisation: every required component held
    as a file; a procedure that names none counts when at least one of the applicant's papers is held)."""
    quote = db.ops.quote_name
    component, document = RequiredDocument._meta, DossierDocument._meta
    required = (f"FROM {quote(component.db_table)} r WHERE r.{quote(component.get_field('version').column)} = %s "
                f"AND r.{quote(component.get_field('required').column)} = %s")
    papers = (f"FROM {quote(document.db_table)} d WHERE d.{quote(document.get_field('dossier').column)} = %s "
              f"AND d.{quote(document.get_field('kind').column)} IN (%s, %s)")
    answers = f"d.{quote(document.get_field('required_document').column)} = r.{quote(component.pk.column)}"
    return (f"SELECT (SELECT count(*) {required}) AS required, "
            f"(SELECT count(*) {required} AND NOT EXISTS (SELECT 1 {papers} AND {answers})) AS missing, "
            f"EXISTS (SELECT 1 {papers}) AS held")


def _reception_statement(db) -> str:
    """What reception reads, in one statement: the digitisation counts (``_digitised_statement``) on every row,
    with the steps of the version's route in order (one row of counts alone when the route is empty)."""
    quote = db.ops.quote_name
    meta = RouteStep._meta
    names = ", ".join(f"r.{quote(meta.get_field(name).column)}"
                      for name in ("order", "role", "agency", "partner", "description", "share"))
    key, order = quote(meta.pk.column), quote(meta.get_field("order").column)
    return (f"SELECT d.required, d.missing, d.held, {names}, r.{key} "
            f"FROM ({_digitised_statement(db)}) d LEFT JOIN {quote(meta.db_table)} r "
            f"ON r.{quote(meta.get_field('version').column)} = %s ORDER BY r.{order}, r.{key}")


_RECEPTION = statements.FixedRead(RouteStep, _reception_statement, primary=True)


def enter(dossier: Dossier, actor, now: datetime.datetime) -> DossierStep:
    """Copy the version's route, start the clock and complete the receiving step."""
    version, papers = dossier.procedure_version_id, (DocumentKind.APPLICANT, DocumentKind.SUPPLEMENT)
    rows = _RECEPTION.rows(version, True, version, True, dossier.pk, *papers, dossier.pk, *papers, version)
    route = [row[3:9] for row in rows if row[9] is not None]
    required, missing, held = rows[0][:3]
    dossier.digitised = bool(held) if not required else missing == 0
    if not route or route[0][1] != StepRole.RECEIVE:
        route_steps = [DossierStep(dossier=dossier, order=0, role=StepRole.RECEIVE, share=0)]
    else:
        route_steps = []
    for order, role, agency_id, partner, description, share in route:
        route_steps.append(DossierStep(
            dossier=dossier, order=order, role=role,
            # A step without a directory agency happens at (or is followed by) the receiving agency.
            agency_id=agency_id or dossier.receiving_agency_id, partner=partner, description=description,
            share=share,
        ))
    dossier.received_at = now
    # The steps are written once, already as they stand after reception: due moments set, the receiving
    # step done, the next one active (the list is in route order).
    set_due_moments(dossier, now, route_steps)
    first = route_steps[0]
    first.state, first.started_at, first.finished_at = StepState.DONE, now, now
    first.assignee = frame.actor_user(actor)
    following = next((step for step in route_steps[1:] if step.order > first.order), None)
    if following is not None:
        following.state, following.started_at = StepState.ACTIVE, now
    statements.insert_all(route_steps)
    follow(dossier, following, now)
    if dossier.state == State.IN_PROGRESS:
        dossier.state = State.RECEIVED
    return first
