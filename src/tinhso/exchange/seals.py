"""Chaining, sealing and verifying the message log, off the call path.

**Chain.** The call path only inserts records (``messagelog.py``). The sealer — the task
``seal_message_log``, queued by the call path at most once per ``EXCHANGE_SEAL_INTERVAL_SECONDS`` per process,
and ``tinhso exchange seal`` — takes the records not yet chained, in the order they were stored, gives each
the next ``position`` and

    chain_hash(n) = SHA-256(chain_hash(n-1) ":" n ":" record_hash(n)),  chain_hash(0) = "0"×64

and closes them in batches of at most ``EXCHANGE_SEAL_BATCH`` as :class:`~tinhso.exchange.models.LogSeal`
rows. A record is chained once it has been stored for :data:`SETTLE_SECONDS` (several processes insert at
once; one whose insert commits late is chained in the next round). The sealer holds the lock of the one
``LogHead`` row; no call ever waits on it.

**Seal.** A batch's ``manifest`` lists ``[position, X-Road-Id, kind, record_hash]`` of its records; its
``digest`` is SHA-256 of the canonical JSON of ``{first, last, chain_hash, previous_digest, manifest}`` (the
previous batch's digest links the batches), and an RFC 3161 timestamp from the configured authority
(``TSA_URL``, ``tinhso.common.timestamps``) over that digest seals it. When the authority cannot be reached,
the batch waits with its digest computed and is sealed when the authority answers again; calls go on. A
record waiting longer than ``EXCHANGE_SEAL_ALERT_MINUTES`` for its seal raises an alert (the log, the
exchange page and ``tinhso exchange verify-log``).

**Verify.** :func:`verify` walks the seals (contiguous, linked, digest recomputed, timestamp verified against
the trusted roots) and the records (content against ``record_hash``, body against ``body_hash``, each link of
the chain, each record against its seal's manifest), and names what does not hold: a changed record by its
position and X-Road-Id, a removed one by the manifest's entry for it, records removed from the end by the
head. A record removed before it was chained (within seconds of its writing) cannot be told.
"""

from __future__ import annotations

import datetime
import hashlib
import json
import logging
import threading
import time
from dataclasses import dataclass, field

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from tinhso.exchange.messagelog import body_digest, compute_hash
from tinhso.exchange.models import LogHead, LogSeal, MessageRecord

logger = logging.getLogger(__name__)

GENESIS = "0" * 64
SETTLE_SECONDS = 2.0


def link(previous: str, position: int, record_hash: str) -> str:
    """The chain hash of the record at ``position``."""
    return hashlib.sha256(f"{previous}:{position}:{record_hash}".encode()).hexdigest()


def seal_digest(first: int, last: int, chain_hash: str, previous_digest: str, manifest: list) -> str:
    """What a batch's timestamp covers."""
    canonical = json.dumps({"first": first, "last": last, "chain_hash": chain_hash,
                            "previous_digest": previous_digest, "manifest": manifest},
                           sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


# -- chaining ------------------------------------------------------------------------------------------------

@dataclass
class SealRun:
    chained: int = 0
    batches: int = 0
    stamped: int = 0
    waiting: int = 0
    error: str = ""


def _head() -> LogHead:
    head = LogHead.objects.select_for_update().filter(pk=1).first()
    if head is None:
        LogHead.objects.get_or_create(pk=1)
        head = LogHead.objects.select_for_update().get(pk=1)
    return head


def chain(*, settle: float = SETTLE_SECONDS, limit: int = 200_000, run: SealRun | None = None) -> SealRun:
    """Chain the settled records not yet chained and close them in batches."""
    run = run or SealRun()
    batch_size = max(1, settings.TINHSO_EXCHANGE_SEAL_BATCH)
    cutoff = timezone.now() - datetime.timedelta(seconds=settle)
    while run.chained < limit:
        with transaction.atomic():
            head = _head()
            ids = list(MessageRecord.objects.filter(position__isnull=True, at__lte=cutoff).order_by("id")
                       .values_list("id", flat=True)[:batch_size])
            if not ids:
                break
            records = list(MessageRecord.objects.filter(id__in=ids, position__isnull=True).order_by("id")
                           .only("id", "record_hash", "message_id", "kind"))
            if not records:
                break
            previous, position = head.last_hash, head.last_position
            first = position + 1
            manifest = []
            for record in records:
                position += 1
                record.position = position
                record.chain_hash = previous = link(previous, position, record.record_hash)
                manifest.append([position, record.message_id, record.kind, record.record_hash])
            prior = LogSeal.objects.order_by("-last_position").values_list("digest", flat=True).first() or ""
            seal = LogSeal.objects.create(
                first_position=first, last_position=position, chain_hash=previous, manifest=manifest,
                previous_digest=prior, digest=seal_digest(first, position, previous, prior, manifest))
            for record in records:
                record.seal = seal
            MessageRecord.objects.bulk_update(records, ["position", "chain_hash", "seal"], batch_size=1000)
            head.last_position, head.last_hash = position, previous
            head.save(update_fields=["last_position", "last_hash"])
        run.chained += len(records)
        run.batches += 1
    return run


# -- sealing with timestamps -----------------------------------------------------------------------------

def stamp(*, limit: int = 500, run: SealRun | None = None) -> SealRun:
    """Ask the timestamp authority to seal the batches waiting, oldest first; stop at the first failure
    (the authority is down or refusing: the rest wait for the next round)."""
    from tinhso.common import timestamps

    run = run or SealRun()
    for pk in LogSeal.objects.filter(token__isnull=True).order_by("first_position").values_list("pk",
                                                                                                flat=True)[:limit]:
        with transaction.atomic():
            batch = LogSeal.objects.select_for_update(skip_locked=True).filter(pk=pk, token__isnull=True).first()
            if batch is None:
                continue
            try:
                stamped = timestamps.request(bytes.fromhex(batch.digest))
            except timestamps.TimestampError as error:
                batch.attempts += 1
                batch.last_error = error.message[:500]
                batch.save(update_fields=["attempts", "last_error"])
                run.error = error.message
                break
            batch.token = stamped.token
            batch.timestamped_at = stamped.time
            batch.tsa = stamped.tsa[:300]
            batch.attempts += 1
            batch.last_error = ""
            batch.save(update_fields=["token", "timestamped_at", "tsa", "attempts", "last_error"])
            run.stamped += 1
    run.waiting = LogSeal.objects.filter(token__isnull=True).count()
    return run


def seal(*, settle: float = SETTLE_SECONDS) -> SealRun:
    """One round of the sealer: chain what has settled, then seal what waits; alert when overdue."""
    run = chain(settle=settle)
    stamp(run=run)
    for message in alerts():
        logger.error("exchange message log: %s", message)
    return run


@dataclass
class LogStatus:
    unchained: int
    waiting_seals: int
    oldest_unsealed: datetime.datetime | None
    last_sealed_at: datetime.datetime | None
    last_error: str

    @property
    def overdue(self) -> bool:
        if self.oldest_unsealed is None:
            return False
        limit = datetime.timedelta(minutes=settings.TINHSO_EXCHANGE_SEAL_ALERT_MINUTES)
        return timezone.now() - self.oldest_unsealed > limit


def status() -> LogStatus:
    """Where sealing stands: records waiting to be chained, batches waiting for a timestamp, the oldest."""
    unchained = MessageRecord.objects.filter(position__isnull=True)
    first_unchained = unchained.order_by("id").values_list("at", flat=True).first()
    waiting = LogSeal.objects.filter(token__isnull=True)
    first_waiting = waiting.order_by("first_position").first()
    oldest = first_unchained
    if first_waiting is not None:
        at = MessageRecord.objects.filter(position=first_waiting.first_position).values_list("at", flat=True).first()
        if at is not None and (oldest is None or at < oldest):
            oldest = at
    last = LogSeal.objects.filter(token__isnull=False).order_by("-last_position").values_list(
        "timestamped_at", flat=True).first()
    return LogStatus(unchained.count(), waiting.count(), oldest, last,
                     first_waiting.last_error if first_waiting is not None else "")


def alerts() -> list[str]:
    """What an operator must know now (Vietnamese)."""
    current = status()
    if not current.overdue:
        return []
    age = timezone.now() - current.oldest_unsealed
    minutes = int(age.total_seconds() // 60)
    reason = f" Lỗi gần nhất: {current.last_error}" if current.last_error else ""
    return [f"Nhật ký trao đổi có bản ghi chờ niêm phong đã {minutes} phút (ngưỡng "
            f"{settings.TINHSO_EXCHANGE_SEAL_ALERT_MINUTES} phút): máy chủ dấu thời gian không trả lời hoặc "
            f"bộ niêm phong không chạy.{reason}"]


# -- when to seal: a throttled nudge from the call path ----------------------------------------------------

_kicked_at = 0.0
_kick_lock = threading.Lock()


def kick() -> None:
    """Ask the task queue to chain and seal, at most once per ``EXCHANGE_SEAL_INTERVAL_SECONDS`` per process,
    the round running one interval later: every record is chained and sealed within about an interval.

    The call path calls this after logging; it costs nothing most of the time and one queued task now and
    then (after the current transaction commits), never a wait.
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

    # The round runs one interval later and covers every record logged meanwhile by this process.
    run_after = when(max(interval, SETTLE_SECONDS + 0.5))
    if run_after is None:
        return  # a queue that runs tasks at once would seal inside the call; the command seals instead

    def enqueue():
        try:
            seal_message_log.using(run_after=run_after).enqueue()
        except Exception:  # a queue failure never reaches the call
            logger.exception("exchange: could not queue the message-log sealer")

    transaction.on_commit(enqueue, robust=True)


# -- verification --------------------------------------------------------------------------------------------

@dataclass
class Problem:
    position: int | None
    message_id: str
    what: str  # Vietnamese


@dataclass
class Verification:
    records: int = 0
    seals: int = 0
    timestamps: int = 0
    unchained: int = 0
    waiting_seals: int = 0
    problems: list[Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    def add(self, position, message_id, what):
        self.problems.append(Problem(position, message_id or "", what))


def _label(kind: str) -> str:
    return "yêu cầu" if kind == "request" else "trả lời"


def verify(*, check_timestamps: bool = True, limit_problems: int = 1000) -> Verification:
    """Check the whole log; every problem is named (see the module docstring)."""
    from tinhso.common import timestamps

    result = Verification()
    expected: dict[int, list] = {}  # position → manifest entry, for the seals seen
    previous_last, previous_digest = 0, ""
    for item in LogSeal.objects.order_by("first_position").iterator(chunk_size=50):
        result.seals += 1
        if item.first_position != previous_last + 1:
            result.add(item.first_position, "", f"thiếu lô niêm phong giữa vị trí {previous_last} và "
                                                f"{item.first_position}")
        if item.previous_digest != previous_digest:
            result.add(item.first_position, "", f"lô #{item.first_position}–{item.last_position} không nối với lô "
                                                "trước (mã băm lô trước không khớp)")
        recomputed = seal_digest(item.first_position, item.last_position, item.chain_hash, item.previous_digest,
                                 item.manifest)
        if recomputed != item.digest:
            result.add(item.first_position, "", f"lô #{item.first_position}–{item.last_position} đã bị sửa "
                                                "(mã băm lô không khớp nội dung)")
        if item.token:
            if check_timestamps:
                try:
                    timestamps.verify(bytes(item.token), bytes.fromhex(item.digest))
                    result.timestamps += 1
                except timestamps.TimestampError as error:
                    result.add(item.first_position, "", f"dấu thời gian của lô #{item.first_position}–"
                                                        f"{item.last_position} không hợp lệ: {error.message}")
        else:
            result.waiting_seals += 1
        for entry in item.manifest:
            expected[entry[0]] = entry
        previous_last, previous_digest = item.last_position, item.digest

    previous_hash, previous_position = GENESIS, 0
    for record in MessageRecord.objects.filter(position__isnull=False).order_by("position").iterator(
            chunk_size=2000):
        result.records += 1
        for missing in range(previous_position + 1, record.position):
            entry = expected.pop(missing, None)
            if entry is not None:
                result.add(missing, entry[1], f"bản ghi {_label(entry[2])} X-Road-Id {entry[1]} ở vị trí {missing} "
                                              "đã bị xoá")
            else:
                result.add(missing, "", f"bản ghi ở vị trí {missing} đã bị xoá")
        entry = expected.pop(record.position, None)
        name = f"bản ghi {_label(record.kind)} X-Road-Id {record.message_id} ở vị trí {record.position}"
        if compute_hash(record) != record.record_hash:
            result.add(record.position, record.message_id, f"{name} đã bị sửa (nội dung không khớp mã băm)")
        elif entry is not None and (entry[3] != record.record_hash or entry[1] != record.message_id):
            result.add(record.position, record.message_id, f"{name} đã bị sửa (khác danh mục của lô niêm phong)")
        if record.body is not None and body_digest(bytes(record.body)) != record.body_hash:
            result.add(record.position, record.message_id, f"{name}: nội dung thông điệp đã bị sửa")
        if link(previous_hash, record.position, record.record_hash) != record.chain_hash:
            result.add(record.position, record.message_id, f"{name}: mắt xích chuỗi băm bị đứt")
        previous_hash, previous_position = record.chain_hash, record.position
        if len(result.problems) >= limit_problems:
            return result
    for position in sorted(expected):
        entry = expected[position]
        result.add(position, entry[1], f"bản ghi {_label(entry[2])} X-Road-Id {entry[1]} ở vị trí {position} đã "
                                       "bị xoá")
    head = LogHead.objects.filter(pk=1).first()
    if head is not None and (head.last_position, head.last_hash) != (previous_position, previous_hash):
        if head.last_position > previous_position:
            result.add(previous_position + 1, "", f"các bản ghi từ vị trí {previous_position + 1} đến "
                                                  f"{head.last_position} đã bị xoá")
        else:
            result.add(previous_position, "", "đầu chuỗi không khớp bản ghi cuối")
    result.unchained = MessageRecord.objects.filter(position__isnull=True).count()
    return result

