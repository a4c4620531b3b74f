"""Chaining and sealing the message log, off the call path.

The call path only inserts records. The sealer, run by the task queue (``seal_message_log``) and by
``tinhso exchange seal``, takes the records not yet chained in the order they were stored, gives each the
next ``position`` and ``chain_hash = SHA-256(previous chain hash ‖ ":" ‖ position ‖ ":" ‖ record hash)``, and
closes batches of at most ``EXCHANGE_SEAL_BATCH`` records as :class:`~tinhso.exchange.models.LogSeal` rows.
Chaining takes the lock of the one ``LogHead`` row, so two sealers never interleave; no call waits on it.

A record is chained only once it has been stored for a moment (:data:`SETTLE_SECONDS`): several web
processes insert at once, and a record whose insert commits a little late is simply chained in the next
round, after the ones already chained.
"""

from __future__ import annotations

import datetime
import hashlib
import logging
import threading
import time
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from tinhso.exchange.models import LogHead, LogSeal, MessageRecord

logger = logging.getLogger(__name__)

GENESIS = "0" * 64
SETTLE_SECONDS = 2.0


def link(previous: str, position: int, record_hash: str) -> str:
    """The chain hash of the record at ``position``."""
    return hashlib.sha256(f"{previous}:{position}:{record_hash}".encode()).hexdigest()


@dataclass
class ChainResult:
    chained: int = 0
    batches: int = 0


def _head() -> LogHead:
    head = LogHead.objects.select_for_update().filter(pk=1).first()
    if head is None:
        LogHead.objects.get_or_create(pk=1)
        head = LogHead.objects.select_for_update().get(pk=1)
    return head


def chain(*, settle: float = SETTLE_SECONDS, limit: int = 50_000) -> ChainResult:
    """Chain the settled records not yet chained and close them in batches. Returns what it did."""
    result = ChainResult()
    batch_size = max(1, settings.TINHSO_EXCHANGE_SEAL_BATCH)
    cutoff = timezone.now() - datetime.timedelta(seconds=settle)
    while result.chained < limit:
        with transaction.atomic():
            head = _head()
            records = list(
                MessageRecord.objects.filter(position__isnull=True, id__in=MessageRecord.objects.filter(
                    position__isnull=True, at__lte=cutoff).order_by("id").values("id")[:batch_size])
                .order_by("id").only("id", "record_hash")
            )
            if not records:
                break
            previous, position = head.last_hash, head.last_position
            first = position + 1
            for record in records:
                position += 1
                record.position = position
                record.chain_hash = previous = link(previous, position, record.record_hash)
            seal = LogSeal.objects.create(first_position=first, last_position=position, chain_hash=previous)
            for record in records:
                record.seal = seal
            MessageRecord.objects.bulk_update(records, ["position", "chain_hash", "seal"], batch_size=1000)
            head.last_position, head.last_hash = position, previous
            head.save(update_fields=["last_position", "last_hash"])
        result.chained += len(records)
        result.batches += 1
    return result


# -- when to seal: a throttled nudge from the call path ----------------------------------------------------

_kicked_at = 0.0
_kick_lock = threading.Lock()


def kick() -> None:
    """Ask the task queue to chain and seal, at most once per ``EXCHANGE_SEAL_INTERVAL_SECONDS`` per process.

    The call path calls this after logging; it costs nothing most of the time and one queued task now and
    then, never a wait.
    """
    global _kicked_at
    interval = settings.TINHSO_EXCHANGE_SEAL_INTERVAL
    now = time.monotonic()
    if now - _kicked_at < interval:
        return
    with _kick_lock:
        if now - _kicked_at < interval:
            return
        _kicked_at = now
    from tinhso.exchange.tasks import seal_message_log, when

    def enqueue():
        try:
            run_after = when(seconds=SETTLE_SECONDS + 0.5)
            task = seal_message_log.using(run_after=run_after) if run_after else seal_message_log
            task.enqueue()
        except Exception:
            logger.exception("exchange: could not queue the message-log sealer")

    transaction.on_commit(enqueue, robust=True)
