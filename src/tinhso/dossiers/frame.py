"""The frame every change to a dossier runs in (``dossiers.services`` for the route, ``dossiers.records``
for what is recorded on a dossier): who acts and whether they hold a role for an agency, the files taken in
(checked before anything is written), the lock of the dossier's row with the version and terminal-state
checks, and the finish — the changed fields, the event, the audit entry and the followers' rows (rollups,
the portal's outbox, the applicant's notice) in as few statements as the database allows."""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from django.core.files.base import ContentFile
from django.utils import timezone, translation

from tinhso.catalogue.models import RequiredDocument, StepRole
from tinhso.common import statements, uploads
from tinhso.common.audit import record
from tinhso.common.uploads import ValidatedUpload, validate_upload
from tinhso.directory.models import Agency, Role
from tinhso.directory.selectors import held_roles
from tinhso.dossiers.errors import (
    Conflict,
    InvalidInput,
    InvalidTransition,
    NotFound,
    PermissionDenied,
    UploadRejected,
)
from tinhso.dossiers.models import (
    TERMINAL_STATES,
    DocumentKind,
    Dossier,
    DossierDocument,
    DossierEvent,
    DossierStep,
    State,
)

DESK_ROLES = (Role.RECEIVER, Role.HANDLER, Role.APPROVER, Role.RETURNER)

# Actions whose outcome the applicant is told about (TT 22/2019 Art. 4: status at every step that
# concerns them); internal moves along the route (assign, forward, send back) are not sent.
NOTIFIED_ACTIONS = frozenset({
    "submit_online", "receive", "receive_at_counter", "request_supplement", "provide_supplement", "refuse",
    "issue_apology", "stop_processing", "result_ready", "return_result", "withdraw",
})


# -- who acts ---------------------------------------------------------------------------------------

@dataclass(frozen=True)
class AgencyClient:
    """A machine client acting for ``agency`` through an API token.

    It holds the desk roles (receive, handle, approve, return) in its agency and the units below it, and
    sees what :func:`tinhso.directory.selectors.visible_agencies` would give a member of that agency.
    """

    agency: Agency
    label: str
    token_id: int | None = None
    is_authenticated: bool = True
    is_active: bool = True
    is_superuser: bool = False
    pk: None = None

    def get_username(self) -> str:
        return self.label


def is_client(actor) -> bool:
    return isinstance(actor, AgencyClient)


def actor_user(actor):
    """The user to store on events (None for a token or the system)."""
    return actor if getattr(actor, "pk", None) and not is_client(actor) else None


def actor_label(actor) -> str:
    if actor is None:
        return "hệ thống"
    if is_client(actor):
        return actor.label[:255]
    full_name = actor.get_full_name() if hasattr(actor, "get_full_name") else ""
    return (full_name or actor.get_username())[:255]


def holds_role(actor, roles: Iterable[str], agency: Agency | None) -> bool:
    """Whether ``actor`` holds one of ``roles`` for ``agency`` (in it or a unit above it) today."""
    if actor is None or agency is None or not getattr(actor, "is_authenticated", False):
        return False
    if is_client(actor):
        return agency.pk == actor.agency.pk or actor.agency.pk in agency.ancestor_ids()
    if not actor.is_active:
        return False
    if actor.is_superuser:
        return True
    # The actor's roles are read once and kept on the user object (directory.selectors.held_roles); the tree
    # above the agency is walked only when the role is not held in the agency itself (a unit above it).
    wanted = set(roles)
    held = {agency_id for agency_id, role in held_roles(actor) if role in wanted}
    if not held:
        return False
    return agency.pk in held or not held.isdisjoint(agency.ancestor_ids())


def is_applicant(actor, dossier: Dossier) -> bool:
    return (
        actor is not None and not is_client(actor) and getattr(actor, "pk", None) is not None
        and dossier.applicant_user_id == actor.pk
    )


def require(allowed: bool) -> None:
    if not allowed:
        raise PermissionDenied()


@dataclass
class DocumentUpload:
    """An uploaded file and the required paper (thành phần hồ sơ) it answers, if any."""

    file: object
    required_document: RequiredDocument | None = None
    kind: str = DocumentKind.APPLICANT
    validated: ValidatedUpload | None = field(default=None, repr=False)


def validated(documents: Iterable) -> list[DocumentUpload]:
    """Check every upload before anything is written (uploads.validate_upload), so a bad file stores nothing."""
    result = []
    for item in documents or ():
        upload = item if isinstance(item, DocumentUpload) else DocumentUpload(item)
        try:
            upload.validated = validate_upload(upload.file)
        except uploads.UploadRejected as error:  # the dossier's own error, which its pages and API answer
            raise UploadRejected(error.message, error.message_en, field=error.field) from None
        result.append(upload)
    return result


def store(dossier: Dossier, upload: DocumentUpload, actor, kind: str | None = None) -> DossierDocument:
    checked = upload.validated
    return DossierDocument.objects.create(
        dossier=dossier, required_document=upload.required_document, kind=kind or upload.kind,
        file=ContentFile(checked.content, name="upload"), original_name=checked.display_name,
        content_type=checked.content_type, size=checked.size, checksum=checked.checksum,
        uploaded_by=actor_user(actor),
    )


# -- the transition frame ----------------------------------------------------------------------------------

def next_event_key(db) -> str | None:
    """On PostgreSQL, the SQL expression taking the key of the event a transition will write from its
    sequence, read with the lock (or with a new dossier's row) and kept on the dossier as ``_event_key``:
    ``finish`` then writes the event and its followers' rows in one statement."""
    if db.vendor != "postgresql":
        return None
    meta = DossierEvent._meta
    return f"nextval(pg_get_serial_sequence('{db.ops.quote_name(meta.db_table)}', '{meta.pk.column}'))"


# The dossier's row locked with what every transition reads: its current step (and the step's agency), its
# procedure version and applicant's commune (the rollups key on them) and its receiving agency. Only the
# dossier's row is locked; the statement is built once (statements.RowQuery), not compiled per call. The
# documents and long texts no transition reads — the applicant's e-form, the procedure's form schema, legal
# basis and result, the search texts — stay in the database (deferred: read by a query of their own if asked).
LOCK = statements.RowQuery(
    Dossier, ["current_step__agency", "procedure_version", "applicant_commune", "receiving_agency"], lock=True,
    also={"_event_key": next_event_key},
    defer=("eform_data", "procedure_version__eform_schema", "procedure_version__legal_basis",
           "procedure_version__result", "procedure_version__search_text", "current_step__agency__search_text",
           "receiving_agency__search_text"))


def lock(dossier: Dossier | int, expected_version: int | None) -> Dossier:
    """The dossier's row, locked for this transaction, after the version and terminal-state checks."""
    pk = dossier.pk if isinstance(dossier, Dossier) else dossier
    locked = LOCK.get(pk)
    if locked is None:
        raise NotFound()
    if expected_version is not None and locked.version != expected_version:
        raise Conflict()
    # What the transition may change and the rollups keep (the due moment): remembered to skip a no-op.
    locked.due_at_when_locked = locked.due_at
    remember(locked)
    if locked.state in TERMINAL_STATES:
        # Nothing leaves a terminal state.
        with translation.override("vi"):
            closed = locked.get_state_display().lower()
        raise InvalidTransition(
            f"Hồ sơ đã kết thúc ({closed}) nên không thể thay đổi.",
            "The dossier is closed and cannot change.",
        )
    return locked


def require_state(dossier: Dossier, states: Iterable[str], action_vi: str) -> None:
    if dossier.state not in states:
        with translation.override("vi"):  # the Vietnamese message names the states in Vietnamese
            allowed = ", ".join(State(s).label.lower() for s in states)
            current = dossier.get_state_display().lower()
        raise InvalidTransition(
            f"Không thể {action_vi} khi hồ sơ đang ở trạng thái “{current}” "
            f"(chỉ thực hiện được khi: {allowed}).",
            f"This action is not allowed while the dossier is {dossier.state.replace('_', ' ')} "
            f"(allowed only when: {', '.join(str(s).replace('_', ' ') for s in states)}).",
        )


def current_step(dossier: Dossier, role: str | None = None, action_vi: str = "") -> DossierStep:
    step = dossier.current_step if dossier.current_step_id else None
    if step is None or (role is not None and step.role != role):
        with translation.override("vi"):
            wanted = StepRole(role).label.lower() if role else ""
        raise InvalidTransition(
            f"Không thể {action_vi}: hồ sơ không ở bước {wanted}.".replace("  ", " "),
            f"This action is not allowed: the dossier is not at a {role} step." if role
            else "This action is not allowed: the dossier has no current step.",
        )
    return step


def reason(text: str | None, field_name: str, what: str) -> str:
    value = (text or "").strip()
    if not value:
        raise InvalidInput(f"Phải nêu {what}.", "The reasons are required." if field_name == "reasons"
                           else "A reason is required.", field=field_name)
    return value


ALWAYS_WRITTEN = [f.attname for f in Dossier._meta.concrete_fields if getattr(f, "auto_now", False)]
_COLUMNS = [f.attname for f in Dossier._meta.concrete_fields if not f.primary_key]


def remember(dossier: Dossier, written: Iterable[str] | None = None) -> None:
    """The row as read (or just written): ``finish`` then writes only the fields a transition changed.
    ``written``: the fields just written, when the rest is as last remembered (only those are taken again)."""
    stored = getattr(dossier, "_as_stored", None)
    if written is not None and stored is not None:
        for name in written:
            stored[name] = _kept(getattr(dossier, name))
        return
    deferred = dossier.get_deferred_fields()  # not read, so not written unless set (``changed_fields``)
    dossier._as_stored = {
        f.attname: _kept(getattr(dossier, f.attname))
        for f in Dossier._meta.concrete_fields if not f.primary_key and f.attname not in deferred
    }


def _kept(value):
    """A value as remembered: a copy of a dict or list (which a transition may change in place)."""
    return copy.deepcopy(value) if isinstance(value, dict | list) else value


def changed_fields(dossier: Dossier) -> list[str]:
    stored = getattr(dossier, "_as_stored", None)
    if stored is None:
        return [f.attname for f in Dossier._meta.concrete_fields if not f.primary_key]
    changed = [name for name, value in stored.items() if getattr(dossier, name) != value]
    # a field left unread by the lock and set (or read) since: written as given
    changed += [name for name in _COLUMNS if name not in stored and name in dossier.__dict__]
    return [*changed, *(name for name in ALWAYS_WRITTEN if name not in changed)] if changed else []


def finish(dossier: Dossier, actor, action: str, from_state: str, *, step: DossierStep | None = None,
            note: str = "", data: dict | None = None, notify: bool | None = None,
            writes: Iterable[statements.Statement] = (), bump: bool = True,
            followers: Callable[[], None] | None = None) -> Dossier:
    """Bump the version (a new dossier is created at version 1: ``bump=False``) and write, in one statement
    with the audit entry (``audit.record(together=…)``), the dossier's changed fields, the other rows of the
    action (``writes``) and the event; queue the notice. ``followers`` is called once the event has its key,
    among the event's followers: the rows it queues (``statements.run(…, later=True)``, a task's row) ride
    with theirs. A key taken from the sequence is never given out again, even when its transaction rolls
    back, so a key kept on a dossier object stays unique whenever it is used."""
    if bump:
        dossier.version += 1
    together = list(writes)
    changed = changed_fields(dossier)
    if changed:
        together.insert(0, statements.update(dossier, changed))
    event = DossierEvent(
        dossier=dossier, at=timezone.now(), actor=actor_user(actor), actor_label=actor_label(actor),
        action=action, from_state=from_state, to_state=dossier.state, step=step,
        agency_id=step.agency_id if step is not None else dossier.receiving_agency_id, note=note, data=data or {},
    )
    # What the event's followers write (the rollups, the portal's outbox, the notice's task row) is gathered.
    # With the event's key taken with the lock, the event is announced (``post_save``) before it is written
    # and the followers' rows go in the same statement as the event, the dossier and the audit entry: the
    # followers write through ``statements.run(…, later=True)`` and read nothing the statement writes.
    # Otherwise (a new dossier, SQLite) the event is written first and its followers' rows in one more
    # statement.
    key = dossier.__dict__.pop("_event_key", None)
    with statements.gathered() as followed:
        if key is not None:
            event.pk = key
            written = statements.insert(event, with_key=True)
            together.append(statements.Statement(written.sql, written.params))  # its key is known: nothing back
            statements.saved(written, key)  # the followers' post_save, before the statement runs
            _follow(dossier, event, action, from_state, notify, followers)
            together += followed.take()
        else:
            together.append(statements.insert(event))
        record(
            "action", dossier,
            summary=f"{action}: {from_state or '—'} → {dossier.state} ({actor_label(actor)})",
            after={"action": action, "from": from_state, "to": dossier.state, "version": dossier.version,
                   "at": event.at, **({"data": data} if data else {})},
            actor=actor_user(actor), together=together,
        )
        if key is None:
            _follow(dossier, event, action, from_state, notify, followers)
    remember(dossier, changed)
    return dossier


def _follow(dossier: Dossier, event: DossierEvent, action: str, from_state: str, notify: bool | None,
            followers: Callable[[], None] | None) -> None:
    """After the event has its key: queue the applicant's notice and call the transition's own followers."""
    if notify is None:
        notify = action in NOTIFIED_ACTIONS or (dossier.state == State.RESULT_READY and from_state != dossier.state)
    if notify and (dossier.applicant_email or dossier.applicant_phone or dossier.applicant_user_id):
        from tinhso.dossiers.notices import enqueue_applicant_notice

        enqueue_applicant_notice(event.pk)  # the database queue's row rides with the followers' writes
    if followers is not None:
        followers()
