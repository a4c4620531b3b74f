"""The outbox of dossier status changes for the national public-service portal.

**Writing.** :func:`on_dossier_event` follows the saves of ``dossiers.DossierEvent`` (connected by the
model's label: ``dossiers`` sits above this app and neither imports the other for this) and, for an event
that changes the dossier's state (or its appointment, ``issue_apology``), inserts one
:class:`~tinhso.exchange.models.OutboxEntry` — in the event's own transaction, so a change that rolls back
leaves no entry and a committed one cannot be missed. The entry holds what the portal is told, read from
the event and the dossier row already in memory: one INSERT, no query.

**Delivering.** :func:`deliver` (the task ``deliver_status_changes``, queued after each commit that wrote
entries, and ``tinhso exchange deliver``) claims due entries and sends them in batches
(``NATIONAL_PORTAL_BATCH``). A claim takes only the oldest undelivered entry of each dossier, so changes
reach the portal in order per dossier, and it is one short transaction: ``SELECT … FOR UPDATE SKIP LOCKED``
on PostgreSQL (several workers take disjoint entries, none waits for another), then a lease
(``lease_until``) that outlives the request. The HTTP request runs outside any transaction; the outcome is
written only if the lease is still this worker's. A worker killed mid-delivery leaves its lease, which
expires, and the entries are sent again: delivery is at least once, and the portal recognises a repeat by
its id ``(dossier code, event)`` and answers ``duplicate``, which counts as delivered.

**Failing.** A failed request is retried with exponential backoff (30 s doubling to an hour, with jitter); a
change the portal rejects, or one that failed ``NATIONAL_PORTAL_MAX_ATTEMPTS`` times, goes to the dead-letter
list (``status = dead``), where it holds back the later changes of its dossier (order matters) until an
administrator retries it (:func:`retry`).
"""

from __future__ import annotations

import datetime
import logging
import os
import random
import socket
import threading
import time
import uuid
from dataclasses import dataclass, field

from django.conf import settings
from django.db import OperationalError, connection, transaction
from django.db.models import Exists, Min, OuterRef, Q
from django.utils import timezone

from tinhso.common import statements
from tinhso.common.audit import record
from tinhso.exchange.models import OutboxEntry, OutboxStatus
from tinhso.exchange.portal import ChangeResult, NationalPortal, PortalNotConfigured, PortalUnavailable

logger = logging.getLogger(__name__)

# A change of appointment is news to the applicant though the state stays (NĐ 61/2018 Art. 19.9).
SAME_STATE_ACTIONS = frozenset({"issue_apology"})
BACKOFF_BASE = 30.0
BACKOFF_CAP = 3600.0


# -- writing, in the dossier's transaction -------------------------------------------------------------

def _moment(value) -> str | None:
    return timezone.localtime(value).isoformat() if value is not None else None


def on_dossier_event(sender, instance, created, raw=False, **kwargs) -> None:
    """Record a dossier's status change for the portal (receiver of ``DossierEvent`` saves)."""
    if raw or not created or not settings.TINHSO_NATIONAL_PORTAL_SYNC:
        return
    if instance.from_state == instance.to_state and instance.action not in SAME_STATE_ACTIONS:
        return
    dossier = instance.dossier
    # One INSERT built once, sent with the event's other followers (statements.gathered) when gathered.
    entry = OutboxEntry(
        dossier_id=dossier.pk, dossier_code=dossier.code, agency_id=dossier.receiving_agency_id,
        event_id=instance.pk, action=instance.action,
        from_state=instance.from_state or "", to_state=instance.to_state, event_at=instance.at,
        data={
            "procedure_version": dossier.procedure_version_id, "receiving_agency": dossier.receiving_agency_id,
            "channel": dossier.channel, "received_at": _moment(dossier.received_at),
            "due_at": _moment(dossier.due_at), "finished_at": _moment(dossier.finished_at),
            "note": (instance.note or "")[:1000],
        },
    )
    statements.run([statements.insert(entry)], later=True)
    if settings.TINHSO_NATIONAL_PORTAL_URL:  # without an address the entries wait; nothing to queue
        transaction.on_commit(kick, robust=True)


_kicked_at = 0.0
_kick_lock = threading.Lock()
KICK_DELAY = 1.0


def kick() -> None:
    """Queue a delivery after a commit that wrote entries. Where the queue can defer, at most one task per
    second per process, run a second later, covers every entry committed meanwhile."""
    global _kicked_at
    from tinhso.exchange.tasks import deliver_status_changes, when

    run_after = when(KICK_DELAY)
    if run_after is not None:
        now = time.monotonic()
        with _kick_lock:
            if now - _kicked_at < KICK_DELAY:
                return
            _kicked_at = now
        deliver_status_changes.using(run_after=run_after).enqueue()
    else:
        deliver_status_changes.enqueue()


# -- delivering ------------------------------------------------------------------------------------------

def lease_seconds() -> float:
    return 2 * settings.TINHSO_NATIONAL_PORTAL_TIMEOUT + 2


def worker_name() -> str:
    return f"{socket.gethostname()[:30]}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def _heads():
    """Pending entries with no earlier undelivered entry of their dossier (changes go out in order)."""
    earlier_open = OutboxEntry.objects.filter(dossier_id=OuterRef("dossier_id"), id__lt=OuterRef("id")).exclude(
        status=OutboxStatus.DELIVERED)
    return OutboxEntry.objects.filter(status=OutboxStatus.PENDING).exclude(Exists(earlier_open))


def _claimable(now: datetime.datetime):
    return (
        _heads().filter(next_attempt_at__lte=now)
        .filter(Q(lease_until__isnull=True) | Q(lease_until__lt=now))
        .order_by("id")
    )


def _waiting_out_busy(work):
    """Run ``work()``; on SQLite, a write that finds the database busy waits its turn, as a file database
    does within its busy timeout (an in-memory one answers "locked" at once). PostgreSQL never retries."""
    for _attempt in range(400):
        try:
            return work()
        except OperationalError as error:
            if connection.vendor != "sqlite" or "locked" not in str(error) or connection.in_atomic_block:
                raise
            time.sleep(0.005)
    return work()


def claim(limit: int, owner: str, now: datetime.datetime | None = None) -> list[OutboxEntry]:
    """Lease up to ``limit`` due entries, the oldest open one of each dossier, to ``owner``."""
    return _waiting_out_busy(lambda: _claim(limit, owner, now or timezone.now()))


def _claim(limit: int, owner: str, now: datetime.datetime) -> list[OutboxEntry]:
    with transaction.atomic():
        candidates = _claimable(now)
        if connection.features.has_select_for_update_skip_locked:
            candidates = candidates.select_for_update(skip_locked=True, of=("self",))
        entries = list(candidates[:limit])
        if entries:
            until = now + datetime.timedelta(seconds=lease_seconds())
            OutboxEntry.objects.filter(pk__in=[e.pk for e in entries]).update(lease_until=until, lease_owner=owner)
            for entry in entries:
                entry.lease_until, entry.lease_owner = until, owner
    return entries


def payload(entries: list[OutboxEntry]) -> list[dict]:
    """The status changes as the portal receives them (see ``portal.py``); codes read in two queries."""
    from tinhso.catalogue.models import ProcedureVersion
    from tinhso.directory.models import Agency

    versions = dict(ProcedureVersion.objects.filter(
        pk__in={e.data.get("procedure_version") for e in entries}).values_list("pk", "procedure__code"))
    agencies = dict(Agency.objects.filter(
        pk__in={e.data.get("receiving_agency") for e in entries}).values_list("pk", "identifier"))
    from django.utils import translation

    with translation.override("vi"):  # the portal is told the Vietnamese labels
        labels = state_labels()
    changes = []
    for entry in entries:
        data = entry.data
        changes.append({
            "id": entry.idempotency_key, "dossier_code": entry.dossier_code, "event_id": entry.event_id,
            "action": entry.action, "status": entry.to_state, "status_label": labels.get(entry.to_state, ""),
            "previous_status": entry.from_state, "changed_at": _moment(entry.event_at),
            "procedure_code": versions.get(data.get("procedure_version"), ""),
            "receiving_agency": agencies.get(data.get("receiving_agency"), ""), "channel": data.get("channel", ""),
            "received_at": data.get("received_at"), "due_at": data.get("due_at"),
            "finished_at": data.get("finished_at"), "note": data.get("note", ""),
        })
    return changes


def state_labels() -> dict[str, str]:
    """The dossier states' labels (in the active language), from the dossiers app's choices (read by the
    model's label, not imported)."""
    from django.apps import apps

    model = apps.get_model("dossiers", "Dossier")
    return {value: str(label) for value, label in model._meta.get_field("state").choices}


@dataclass
class DeliveryReport:
    delivered: int = 0
    duplicates: int = 0
    retrying: int = 0
    dead: int = 0
    requests: int = 0
    error: str = ""
    owners: set[str] = field(default_factory=set)


def backoff(attempts: int) -> float:
    """Seconds before the next attempt after ``attempts`` failures: 30 s doubling to an hour, ±20 %."""
    return min(BACKOFF_BASE * 2 ** max(attempts - 1, 0), BACKOFF_CAP) * (0.8 + 0.4 * random.random())


def deliver(*, portal: NationalPortal | None = None, owner: str | None = None, batch: int | None = None,
            max_requests: int | None = None) -> DeliveryReport:
    """Send every due change, batch after batch, until none is left to claim (or ``max_requests``)."""
    report = DeliveryReport()
    if portal is None:
        try:
            from tinhso.exchange.portal import configured_portal

            portal = configured_portal()
        except PortalNotConfigured as error:
            report.error = error.message
            return report
    owner = owner or worker_name()
    size = batch or settings.TINHSO_NATIONAL_PORTAL_BATCH
    while max_requests is None or report.requests < max_requests:
        entries = claim(size, owner)
        if not entries:
            break
        report.requests += 1
        _send(portal, entries, owner, report)
    _schedule_next()
    return report


def _send(portal: NationalPortal, entries: list[OutboxEntry], owner: str, report: DeliveryReport) -> None:
    try:
        results = portal.push_status_changes(payload(entries))
    except PortalUnavailable as error:
        report.error = error.message
        for entry in entries:
            _failed(entry, owner, error.message, report)
        return
    outcome: dict[str, ChangeResult] = {}
    for result in results:  # a portal that answers an item twice: the first answer stands
        outcome.setdefault(result.id, result)
    now = timezone.now()
    delivered, duplicates = [], 0
    for entry in entries:
        result = outcome.get(entry.idempotency_key)
        if result is None:
            _failed(entry, owner, "Cổng quốc gia không trả lời cho thay đổi này.", report)
        elif result.result == "rejected":
            _failed(entry, owner, result.message or "Cổng quốc gia từ chối thay đổi này.", report, final=True)
        else:
            delivered.append(entry.pk)
            duplicates += result.result == "duplicate"
    if delivered:
        done = _waiting_out_busy(lambda: OutboxEntry.objects.filter(
            pk__in=delivered, lease_owner=owner, status=OutboxStatus.PENDING).update(
            status=OutboxStatus.DELIVERED, delivered_at=now, lease_until=None, lease_owner="", last_error=""))
        report.delivered += done
        report.duplicates += duplicates


def _failed(entry: OutboxEntry, owner: str, message: str, report: DeliveryReport, *, final: bool = False) -> None:
    attempts = entry.attempts + 1
    dead = final or attempts >= settings.TINHSO_NATIONAL_PORTAL_MAX_ATTEMPTS
    changes = {"attempts": attempts, "last_error": message[:500], "lease_until": None, "lease_owner": ""}
    if dead:
        changes["status"] = OutboxStatus.DEAD
    else:
        changes["next_attempt_at"] = timezone.now() + datetime.timedelta(seconds=backoff(attempts))
    if _waiting_out_busy(lambda: OutboxEntry.objects.filter(
            pk=entry.pk, lease_owner=owner, status=OutboxStatus.PENDING).update(**changes)):
        if dead:
            report.dead += 1
            logger.error("national portal: change %s went to the dead-letter list: %s", entry.idempotency_key,
                         message)
        else:
            report.retrying += 1


def next_due() -> datetime.datetime | None:
    """When the next delivery attempt falls due: the earliest pending change at the head of its dossier. The
    changes held back behind an earlier open one (a dead letter waiting for an administrator) are not due."""
    return _heads().aggregate(at=Min("next_attempt_at"))["at"]


def _schedule_next() -> None:
    """While changes wait for a later attempt, a delivery is queued for the earliest of them (none for the
    changes a dead letter holds back: retrying the dead letter queues their delivery)."""
    from tinhso.exchange.tasks import deliver_status_changes, when

    earliest = _waiting_out_busy(next_due)
    if earliest is None:
        return
    delay = max((earliest - timezone.now()).total_seconds(), KICK_DELAY)
    run_after = when(delay)
    if run_after is not None:
        deliver_status_changes.using(run_after=run_after).enqueue()


# -- the administrator's side ------------------------------------------------------------------------------

@transaction.atomic
def retry(entries, *, by=None) -> int:
    """Put dead-letter entries back in the queue for an immediate attempt; on the audit chain."""
    ids = list(OutboxEntry.objects.select_for_update().filter(
        pk__in=[getattr(e, "pk", e) for e in entries], status=OutboxStatus.DEAD).values_list("pk", flat=True))
    if not ids:
        return 0
    OutboxEntry.objects.filter(pk__in=ids).update(status=OutboxStatus.PENDING, attempts=0,
                                                  next_attempt_at=timezone.now(), lease_until=None, lease_owner="")
    record("action", "exchange.outboxentry", ",".join(map(str, ids[:20])) + ("…" if len(ids) > 20 else ""),
           summary=f"Gửi lại {len(ids)} thay đổi trạng thái hồ sơ tới cổng dịch vụ công quốc gia",
           after={"entries": ids}, actor=by)
    transaction.on_commit(kick, robust=True)
    return len(ids)
