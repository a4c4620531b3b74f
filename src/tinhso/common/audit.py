"""The audit chain: an append-only, hash-linked, sealed record of every change to core records.

Every module writes through two calls: :func:`record` (a business action, with before/after) and
:func:`track` (every create, update and delete of a registry model). An entry is written in the caller's
transaction — a rollback leaves none — with the actor, the time, the request id, before and after.

**Streams.** Entries are hash-chained within :data:`STREAMS` independent streams, not one chain: an entry
carries its stream, its position ``seq`` in it (1, 2, 3… with no gap) and the hash of the entry before it
in the same stream. An append locks only its stream's head row (``AuditStream``), picking one that no
other transaction holds (``FOR UPDATE SKIP LOCKED`` on PostgreSQL), and keeps it for the rest of its
transaction: concurrent transactions append side by side instead of queueing on one head. On PostgreSQL an
append is one statement (the head is locked, the entry inserted with its link hash computed by the server,
and the head moved, in one ``WITH … INSERT … UPDATE``).

**Seals.** :func:`seal` (``tinhso audit seal``, run every :setting:`AUDIT_SEAL_INTERVAL` seconds by
``tinhso audit seal --every``) reads every stream's head and writes an ``AuditSeal``: the Merkle root
(RFC 6962 tree hash) of the heads, chained to the previous seal, timestamped by the RFC 3161 authority when
``TSA_URL`` is set, and copied as one ``AUDIT-SEAL {json}`` line to the log. The seals are what a database
edit cannot silently reach: rewriting sealed entries changes a sealed head; rewriting the seals breaks
their timestamps (a token cannot be made for a past time); removing the last entries together with their
seals and heads is caught by the copies kept outside the database — the log lines and the checkpoints an
auditor exports (``tinhso audit checkpoint export``) and later checks (``tinhso audit verify --checkpoint
FILE``, which accepts a checkpoint or a whole log file).

:func:`verify` walks every stream and every seal and names the first broken link: an edited entry, an
entry removed (first, middle, last — the seq gap or the head shows it), entries swapped or reordered, a
forged entry, a missing or rewound head, a seal that no longer matches the entries, a removed or rewritten
seal, an invalid timestamp.
"""

# The append statements are assembled from the models' own table names and fixed fragments; every value
# travels as a query parameter.
# ruff: noqa: S608

from __future__ import annotations

import base64
import contextvars
import datetime
import hashlib
import json
import logging
import os
import threading
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import IntegrityError, connection, models, transaction
from django.db.models.fields.files import FieldFile
from django.db.models.signals import post_delete, post_save, pre_save
from django.forms.models import model_to_dict
from django.utils import timezone

from tinhso.common import statements
from tinhso.common.middleware import current_request_id
from tinhso.common.statements import Statement

GENESIS = "0" * 64
STREAMS = 16
CHECKPOINT_FORMAT = "tinhso-audit-checkpoint/1"
SEAL_LOG_MARK = "AUDIT-SEAL "
# How long after a seal its RFC 3161 token may be obtained (a TSA that was down is asked again later).
TIMESTAMP_DELAY_ALLOWED = datetime.timedelta(days=2)

logger = logging.getLogger("tinhso.audit")
_current_actor: contextvars.ContextVar = contextvars.ContextVar("audit_actor", default=None)


def canonical_json(value) -> str:
    return json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"), cls=DjangoJSONEncoder)


def link_hash(stream: int, seq: int, previous_hash: str, content_hash: str) -> str:
    """The entry's hash: its place (stream, seq), the hash before it and its content's hash. PostgreSQL
    computes the same string's SHA-256 in the append statement (see ``_APPEND_SQL``)."""
    return hashlib.sha256(f"{stream}|{seq}|{previous_hash}|{content_hash}".encode()).hexdigest()


class AuditStream(models.Model):
    """The head of one stream: the position and hash of its last entry. Its row lock orders the appends
    of the stream; the rows are created by migration and never removed."""

    id = models.PositiveSmallIntegerField(primary_key=True)
    head_seq = models.BigIntegerField("số bản ghi", default=0)
    head_hash = models.CharField("mã băm cuối", max_length=64, default=GENESIS)

    class Meta:
        verbose_name = "luồng nhật ký kiểm toán"
        verbose_name_plural = "luồng nhật ký kiểm toán"

    def __str__(self) -> str:
        return f"{self.id}: {self.head_seq}"


class AuditEntry(models.Model):
    class Action(models.TextChoices):
        CREATE = "create", "Tạo mới"
        UPDATE = "update", "Cập nhật"
        DELETE = "delete", "Xoá"
        ACTION = "action", "Thao tác nghiệp vụ"

    at = models.DateTimeField("thời điểm")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+", verbose_name="người thực hiện", db_constraint=False,
    )
    actor_label = models.CharField("người thực hiện (lưu)", max_length=150, blank=True)
    request_id = models.CharField("mã yêu cầu", max_length=64, blank=True)
    action = models.CharField("hành động", max_length=10, choices=Action.choices)
    object_type = models.CharField("loại đối tượng", max_length=100)
    object_id = models.CharField("mã đối tượng", max_length=64)
    summary = models.CharField("mô tả", max_length=300, blank=True)
    before = models.JSONField("trước", null=True, blank=True, encoder=DjangoJSONEncoder)
    after = models.JSONField("sau", null=True, blank=True, encoder=DjangoJSONEncoder)
    stream = models.PositiveSmallIntegerField("luồng")
    seq = models.BigIntegerField("số thứ tự trong luồng")
    previous_hash = models.CharField("mã băm trước", max_length=64)
    entry_hash = models.CharField("mã băm", max_length=64)

    class Meta:
        verbose_name = "bản ghi nhật ký kiểm toán"
        verbose_name_plural = "nhật ký kiểm toán"
        ordering = ["id"]
        indexes = [models.Index(fields=["object_type", "object_id"])]
        constraints = [models.UniqueConstraint(fields=["stream", "seq"], name="audit_entry_stream_seq")]

    def __str__(self) -> str:
        return f"#{self.pk} {self.action} {self.object_type}:{self.object_id}"

    def payload(self) -> dict:
        """The content the hash covers, in canonical form (its place in the chain is hashed apart)."""
        return {
            "at": self.at.astimezone(UTC).isoformat(),
            "actor": self.actor_id,
            "actor_label": self.actor_label,
            "request_id": self.request_id,
            "action": self.action,
            "object_type": self.object_type,
            "object_id": self.object_id,
            "summary": self.summary,
            "before": self.before,
            "after": self.after,
        }

    def content_hash(self) -> str:
        return hashlib.sha256(canonical_json(_normalise(self.payload())).encode()).hexdigest()

    def compute_hash(self) -> str:
        return link_hash(self.stream, self.seq, self.previous_hash, self.content_hash())


class AuditSeal(models.Model):
    """The heads of every stream at one moment, bound by a Merkle root, chained to the seal before and
    timestamped by an RFC 3161 authority when one is configured."""

    number = models.PositiveBigIntegerField("số niêm phong", unique=True)
    sealed_at = models.DateTimeField("thời điểm niêm phong")
    heads = models.JSONField("đầu các luồng")  # [[stream, seq, hash], …] in stream order
    entries = models.BigIntegerField("số bản ghi được niêm phong")
    root = models.CharField("gốc Merkle", max_length=64)
    previous_hash = models.CharField("mã băm niêm phong trước", max_length=64)
    seal_hash = models.CharField("mã băm niêm phong", max_length=64)
    timestamp_token = models.BinaryField("dấu thời gian RFC 3161", null=True, blank=True)
    timestamp_time = models.DateTimeField("thời điểm theo dấu thời gian", null=True, blank=True)
    timestamp_error = models.CharField("lỗi lấy dấu thời gian", max_length=300, blank=True)

    class Meta:
        verbose_name = "niêm phong nhật ký kiểm toán"
        verbose_name_plural = "niêm phong nhật ký kiểm toán"
        ordering = ["number"]

    def __str__(self) -> str:
        return f"#{self.number} {self.sealed_at:%Y-%m-%d %H:%M:%S}"

    def compute_hash(self) -> str:
        return seal_hash(self.number, self.sealed_at, self.previous_hash, self.root, self.entries)

    def checkpoint(self) -> dict:
        """What an auditor keeps (and the log line carries): enough to check the database against later."""
        return {
            "format": CHECKPOINT_FORMAT,
            "number": self.number,
            "sealed_at": self.sealed_at.astimezone(UTC).isoformat(),
            "entries": self.entries,
            "heads": self.heads,
            "root": self.root,
            "previous_hash": self.previous_hash,
            "seal_hash": self.seal_hash,
            "timestamp": base64.b64encode(bytes(self.timestamp_token)).decode() if self.timestamp_token else None,
            "timestamp_time": self.timestamp_time.astimezone(UTC).isoformat() if self.timestamp_time else None,
        }


def seal_hash(number: int, sealed_at: datetime.datetime, previous_hash: str, root: str, entries: int) -> str:
    text = f"seal|{number}|{sealed_at.astimezone(UTC).isoformat()}|{previous_hash}|{root}|{entries}"
    return hashlib.sha256(text.encode()).hexdigest()


def merkle_root(leaves: list[bytes]) -> str:
    """RFC 6962 §2.1 Merkle tree hash (leaves prefixed 0x00, nodes 0x01)."""

    def tree(items: list[bytes]) -> bytes:
        if not items:
            return hashlib.sha256(b"").digest()
        if len(items) == 1:
            return hashlib.sha256(b"\x00" + items[0]).digest()
        split = 1 << ((len(items) - 1).bit_length() - 1)
        return hashlib.sha256(b"\x01" + tree(items[:split]) + tree(items[split:])).digest()

    return tree(leaves).hex()


def heads_root(heads: list[list]) -> str:
    return merkle_root([f"{stream}|{seq}|{head}".encode() for stream, seq, head in heads])


def _normalise(value):
    """Round-trip through JSON so that what is hashed equals what the database gives back."""
    return json.loads(json.dumps(value, cls=DjangoJSONEncoder))


def set_actor(user):
    """Name the user on whose behalf changes are made (commands, tasks); returns a token to reset."""
    return _current_actor.set(user)


class ActorMiddleware:
    """Make the signed-in user the actor of every audit entry written while serving the request."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        token = set_actor(user if user is not None and user.is_authenticated else None)
        try:
            return self.get_response(request)
        finally:
            _current_actor.reset(token)


# -- appending -----------------------------------------------------------------------------------------------

_ENTRY_COLUMNS = ("at", "actor_id", "actor_label", "request_id", "action", "object_type", "object_id",
                  "summary", "before", "after")
_append_sql: dict[str, str] = {}


def _sql(name: str) -> str:
    """The append statements' parts, built once from the models' table names (nothing is compiled per call)."""
    if not _append_sql:
        entry, stream = AuditEntry._meta.db_table, AuditStream._meta.db_table
        columns = ", ".join(_ENTRY_COLUMNS)
        values = "%s::timestamptz, %s::bigint, %s, %s, %s, %s, %s, %s, %s::jsonb, %s::jsonb"
        # The head comes from the locking SELECT itself: under READ COMMITTED it is the row's latest version.
        _append_sql["free"] = (f"s AS (SELECT id, head_seq, head_hash FROM {stream} ORDER BY (id + %s) %% {STREAMS} "
                               f"LIMIT 1 FOR UPDATE SKIP LOCKED)")
        _append_sql["wait"] = f"s AS (SELECT id, head_seq, head_hash FROM {stream} WHERE id = %s FOR UPDATE)"
        _append_sql["insert"] = (
            f"e AS (INSERT INTO {entry} ({columns}, stream, seq, previous_hash, entry_hash) "
            f"SELECT {values}, s.id, s.head_seq + 1, s.head_hash, "
            f"encode(sha256(convert_to(s.id::text || '|' || (s.head_seq + 1)::text || '|' || s.head_hash "
            f"|| '|' || %s, 'UTF8')), 'hex') FROM s RETURNING id, stream, seq, previous_hash, entry_hash), "
            f"u AS (UPDATE {stream} SET head_seq = e.seq, head_hash = e.entry_hash FROM e "
            f"WHERE {stream}.id = e.stream)"
        )
        _append_sql["sqlite_claim"] = (
            f"UPDATE {stream} SET head_seq = head_seq + 1 WHERE id = %s RETURNING head_seq, head_hash"
        )
        _append_sql["sqlite_insert"] = (
            f"INSERT INTO {entry} ({columns}, stream, seq, previous_hash, entry_hash) "
            f"VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s) RETURNING id"
        )
        _append_sql["sqlite_move"] = f"UPDATE {stream} SET head_hash = %s WHERE id = %s"
    return _append_sql[name]


def _home_stream() -> int:
    """The stream this connection tries first: the one it used last (so one transaction keeps its stream
    and concurrent connections settle on different ones), at first one spread by process and thread."""
    home = getattr(connection, "_audit_home", None)
    if home is None:
        home = hash((os.getpid(), threading.get_ident())) % STREAMS
    return home


def _json(value) -> str | None:
    return None if value is None else json.dumps(value, cls=DjangoJSONEncoder)


def record(
    action: str, instance_or_type, object_id: str | None = None, *, before=None, after=None,
    summary: str = "", actor=None, together: list[Statement] = (),
) -> AuditEntry:
    """Append one entry to the chain, inside the caller's transaction.

    ``together``: writes of the same business action (:mod:`tinhso.common.statements`) sent in the same
    statement as the entry on PostgreSQL — one round trip for, say, a dossier's update, its event and the
    entry; inserted rows get their keys and their ``post_save`` as with ``save()``."""
    if isinstance(instance_or_type, models.Model):
        object_type = instance_or_type._meta.label_lower
        object_id = str(instance_or_type.pk)
        summary = summary or str(instance_or_type)[:300]
    else:
        object_type = str(instance_or_type)
    actor = actor if actor is not None else _current_actor.get()
    has_actor = getattr(actor, "pk", None) is not None
    entry = AuditEntry(
        # Stored and hashed in UTC: what the database gives back must hash the same.
        at=timezone.now().astimezone(UTC),
        actor=actor if has_actor else None,
        actor_label=(actor.get_username() if has_actor else "hệ thống")[:150],
        request_id=current_request_id(),
        action=action,
        object_type=object_type,
        object_id=str(object_id),
        summary=summary[:300],
        before=_normalise(before),
        after=_normalise(after),
    )
    content = entry.content_hash()
    values = [entry.at, entry.actor_id, entry.actor_label, entry.request_id, entry.action, entry.object_type,
              entry.object_id, entry.summary, _json(entry.before), _json(entry.after)]
    together = list(together)
    # Inside the caller's transaction no savepoint is needed: a failure rolls back the caller's work too.
    with transaction.atomic(savepoint=False), connection.cursor() as cursor:
        if connection.vendor != "postgresql":
            statements.run(together)
            together = []
        for attempt in range(2):
            if connection.vendor == "postgresql":
                appended = _append_postgresql(cursor, entry, values, content, together)
                together = []  # they ran, whether or not a stream was free
            else:
                appended = _append_sqlite(cursor, entry, values, content)
            if appended:
                break
            if attempt == 0:
                restore_streams()
        else:
            raise AuditStream.DoesNotExist("the audit streams are missing")
    connection._audit_home = entry.stream
    entry._state.adding = False
    entry._state.db = connection.alias
    return entry


def _append_postgresql(cursor, entry: AuditEntry, values: list, content: str, together: list[Statement]) -> bool:
    home = _home_stream()
    returning = [i for i, statement in enumerate(together) if statement.returning]
    extra = "".join(f", (SELECT * FROM w{i})" for i in returning)
    parts = [f"w{i} AS ({statement.sql})" for i, statement in enumerate(together)]
    params = [value for statement in together for value in statement.params]
    # The row comes back even when no stream was free: the writes ``together`` ran in any case.
    statements.execute(
        cursor,
        f"WITH {', '.join([*parts, _sql('free'), _sql('insert')])} "
        f"SELECT e.id, e.stream, e.seq, e.previous_hash, e.entry_hash{extra} FROM (SELECT 1) AS one "
        f"LEFT JOIN e ON TRUE",
        [*params, STREAMS - home, *values, content])
    row = cursor.fetchone()
    for position, i in enumerate(returning):
        statements.saved(together[i], row[5 + position])
    if row[0] is None:  # every stream is held by another transaction: queue on this connection's own
        statements.execute(cursor, f"WITH {_sql('wait')}, {_sql('insert')} SELECT id, stream, seq, previous_hash, "
                                   f"entry_hash FROM e", [home, *values, content])
        row = cursor.fetchone()
    if row is None or row[0] is None:
        return False
    entry.pk, entry.stream, entry.seq, entry.previous_hash, entry.entry_hash = row[:5]
    return True


def _append_sqlite(cursor, entry: AuditEntry, values: list, content: str) -> bool:
    # One writer at a time on SQLite: the first UPDATE takes the database's write lock.
    entry.stream = _home_stream()
    cursor.execute(_sql("sqlite_claim"), [entry.stream])
    claimed = cursor.fetchone()
    if claimed is None:
        return False
    entry.seq, entry.previous_hash = claimed
    entry.entry_hash = link_hash(entry.stream, entry.seq, entry.previous_hash, content)
    cursor.execute(_sql("sqlite_insert"), [*values, entry.stream, entry.seq, entry.previous_hash, entry.entry_hash])
    entry.pk = cursor.fetchone()[0]
    cursor.execute(_sql("sqlite_move"), [entry.entry_hash, entry.stream])
    return True


def restore_streams() -> list[int]:
    """Recreate missing stream heads from their streams' last entries (the rows are never removed by the
    platform: a missing one was deleted, or the tables were emptied, as a test's flush does). Logged, and
    ``verify`` still holds the entries to the seals. Returns the streams restored."""
    existing = set(AuditStream.objects.values_list("id", flat=True))
    missing = [stream for stream in range(STREAMS) if stream not in existing]
    rows = []
    for stream in missing:
        last = AuditEntry.objects.filter(stream=stream).order_by("-seq").values_list("seq", "entry_hash").first()
        rows.append(AuditStream(id=stream, head_seq=last[0] if last else 0, head_hash=last[1] if last else GENESIS))
        if last:
            logger.warning("audit stream %s had no head row; restored at position %s", stream, last[0])
    AuditStream.objects.bulk_create(rows, ignore_conflicts=True)
    return missing


# -- sealing -------------------------------------------------------------------------------------------------

def current_heads() -> list[list]:
    """Every stream's committed head, in one statement: [[stream, seq, hash], …]."""
    return [list(row) for row in AuditStream.objects.order_by("id").values_list("id", "head_seq", "head_hash")]


def seal(*, force: bool = False) -> AuditSeal | None:
    """Seal the streams' heads as they are now; None when nothing was appended since the last seal (unless
    ``force``) or another sealer sealed the same moment first. Timestamped when ``TSA_URL`` is set; a
    failure to get the timestamp is kept on the seal and retried by :func:`stamp_pending`."""
    from tinhso.common import timestamps

    heads = current_heads()
    last = AuditSeal.objects.order_by("-number").first()
    if last is not None and last.heads == heads and not force:
        return None
    number = last.number + 1 if last is not None else 1
    sealed_at = timezone.now().astimezone(UTC)
    root = heads_root(heads)
    entries = sum(seq for _, seq, _ in heads)
    previous = last.seal_hash if last is not None else GENESIS
    new = AuditSeal(number=number, sealed_at=sealed_at, heads=heads, entries=entries, root=root,
                    previous_hash=previous, seal_hash=seal_hash(number, sealed_at, previous, root, entries))
    if timestamps.configured():
        _stamp(new)
    try:
        with transaction.atomic():
            new.save()
    except IntegrityError:
        return None
    logger.info("%s%s", SEAL_LOG_MARK, canonical_json(new.checkpoint()))
    return new


def _stamp(item: AuditSeal) -> None:
    from tinhso.common import timestamps

    try:
        stamp = timestamps.request(bytes.fromhex(item.seal_hash))
    except timestamps.TimestampError as error:
        item.timestamp_error = error.message[:300]
        logger.warning("audit seal #%s not timestamped: %s", item.number, error.message)
        return
    item.timestamp_token = stamp.token
    item.timestamp_time = stamp.time
    item.timestamp_error = ""


def stamp_pending() -> int:
    """Ask the authority again for the seals of the last days that have no timestamp yet; the count stamped."""
    from tinhso.common import timestamps

    if not timestamps.configured():
        return 0
    since = timezone.now() - TIMESTAMP_DELAY_ALLOWED + datetime.timedelta(hours=1)
    stamped = 0
    for item in AuditSeal.objects.filter(timestamp_token__isnull=True, sealed_at__gte=since).order_by("number"):
        _stamp(item)
        AuditSeal.objects.filter(pk=item.pk).update(timestamp_token=item.timestamp_token,
                                                    timestamp_time=item.timestamp_time,
                                                    timestamp_error=item.timestamp_error)
        if item.timestamp_token:
            stamped += 1
            logger.info("%s%s", SEAL_LOG_MARK, canonical_json(item.checkpoint()))
    return stamped


# -- verifying -----------------------------------------------------------------------------------------------

@dataclass
class Problem:
    reason: str
    entry_id: int | None = None
    stream: int | None = None
    seq: int | None = None
    seal: int | None = None

    def describe(self) -> str:
        where = []
        if self.entry_id is not None:
            where.append(f"bản ghi #{self.entry_id}")
        if self.stream is not None:
            where.append(f"luồng {self.stream}" + (f", vị trí {self.seq}" if self.seq is not None else ""))
        if self.seal is not None:
            where.append(f"niêm phong #{self.seal}")
        return f"{' — '.join(where)}: {self.reason}" if where else self.reason


@dataclass
class VerifyResult:
    checked: int
    problems: list[Problem] = field(default_factory=list)
    seals: int = 0
    last_seal: AuditSeal | None = None
    unsealed: int = 0
    oldest_unsealed_at: datetime.datetime | None = None
    checkpoints: int = 0
    warnings: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def first(self) -> Problem | None:
        """The first broken link: the earliest entry affected, then problems of seals and checkpoints."""
        if not self.problems:
            return None
        return min(self.problems, key=lambda p: (p.entry_id is None, p.entry_id or 0))

    @property
    def broken_at(self) -> int | None:
        first = self.first
        return first.entry_id if first is not None else None

    @property
    def reason(self) -> str:
        first = self.first
        return first.reason if first is not None else ""


def _parse_time(text: str) -> datetime.datetime:
    return datetime.datetime.fromisoformat(text).astimezone(UTC)


def read_checkpoints(text: str) -> list[dict]:
    """The checkpoints in a file: one exported checkpoint (JSON), or every ``AUDIT-SEAL`` line of a log."""
    stripped = text.strip()
    found = []
    if stripped.startswith("{"):
        try:
            found.append(json.loads(stripped))
        except json.JSONDecodeError:
            found = []
    if not found:
        for line in text.splitlines():
            if SEAL_LOG_MARK in line:
                found.append(json.loads(line.split(SEAL_LOG_MARK, 1)[1]))
    for item in found:
        if item.get("format") != CHECKPOINT_FORMAT:
            raise ValueError(f"not a {CHECKPOINT_FORMAT} checkpoint")
    return found


def verify(checkpoints: Iterable[dict] = (), *, unsealed_grace: datetime.timedelta | None = None,
           check_timestamps: bool = True) -> VerifyResult:
    """Walk every seal and every stream; list each broken link, the first one first (see the module doc).

    ``checkpoints`` (from :func:`read_checkpoints`) are seals kept outside the database: each must still be
    in it, unchanged, and every entry it vouches for must still be there. With ``unsealed_grace``, entries
    older than that which no seal covers are a problem too (the sealer stopped, or seals were removed)."""
    result = VerifyResult(checked=0)
    problems = result.problems
    anchors: dict[int, dict[int, tuple[str, str]]] = {}  # stream -> seq -> (hash, who vouches)

    def anchor(heads: list, who: str) -> None:
        for stream, seq, head in heads:
            if seq:
                anchors.setdefault(stream, {})[seq] = (head, who)

    # 1. The seals: each one's hash, its link to the one before, heads that only move forward, timestamps.
    previous_hash, previous_heads, expected_number = GENESIS, {}, 1
    seals = {}
    for item in AuditSeal.objects.order_by("number").iterator(chunk_size=500):
        seals[item.number] = item
        result.seals += 1
        if item.number != expected_number:
            problems.append(Problem(f"thiếu niêm phong #{expected_number}–#{item.number - 1} "
                                    f"(seals removed)", seal=item.number))
        elif item.previous_hash != previous_hash:
            problems.append(Problem("liên kết với niêm phong trước bị đứt (previous seal hash mismatch)",
                                    seal=item.number))
        if item.compute_hash() != item.seal_hash or heads_root(item.heads) != item.root \
                or sum(seq for _, seq, _ in item.heads) != item.entries:
            problems.append(Problem("nội dung niêm phong bị sửa (seal content mismatch)", seal=item.number))
        for stream, seq, _ in item.heads:
            if seq < previous_heads.get(stream, 0):
                problems.append(Problem(f"luồng {stream} lùi từ {previous_heads[stream]} về {seq} "
                                        f"(stream rewound)", seal=item.number))
        if check_timestamps and item.timestamp_token:
            _check_timestamp(item, problems)
        previous_hash, previous_heads = item.seal_hash, {s: q for s, q, _ in item.heads}
        expected_number = item.number + 1
        result.last_seal = item
    if result.last_seal is not None:
        anchor(result.last_seal.heads, f"niêm phong #{result.last_seal.number}")

    # 2. The checkpoints kept outside: the seal must be here, unchanged; what it vouches for must be here.
    for kept in checkpoints:
        result.checkpoints += 1
        number = kept["number"]
        here = seals.get(number)
        recomputed = seal_hash(number, _parse_time(kept["sealed_at"]), kept["previous_hash"], kept["root"],
                               kept["entries"])
        if recomputed != kept["seal_hash"] or heads_root(kept["heads"]) != kept["root"]:
            problems.append(Problem("bản niêm phong lưu bên ngoài không khớp với chính nó (checkpoint corrupt)",
                                    seal=number))
            continue
        if here is None:
            problems.append(Problem(f"niêm phong #{number} trong bản lưu bên ngoài không còn trong cơ sở dữ liệu "
                                    f"(seal removed)", seal=number))
        elif here.seal_hash != kept["seal_hash"]:
            problems.append(Problem(f"niêm phong #{number} khác bản lưu bên ngoài (seal rewritten)", seal=number))
        anchor(kept["heads"], f"bản lưu niêm phong #{number}")

    # 3. The streams: contiguous positions, links, content hashes, the anchors, the heads.
    heads = {row.id: row for row in AuditStream.objects.all()}
    sealed_upto = {s: q for s, q, _ in (result.last_seal.heads if result.last_seal else [])}
    for stream in sorted(set(range(STREAMS)) | set(heads)):
        head = heads.get(stream)
        if head is None:
            problems.append(Problem("mất dòng đầu luồng (stream head row deleted)", stream=stream))
        stream_anchors = anchors.get(stream, {})
        expected_seq, previous, last_id, broken = 1, GENESIS, None, False
        for entry in AuditEntry.objects.filter(stream=stream).order_by("seq").iterator(chunk_size=2000):
            if broken:
                last_id = entry.pk
                expected_seq = entry.seq + 1
                continue
            reason = None
            if entry.seq != expected_seq:
                reason = (f"thiếu bản ghi vị trí {expected_seq}–{entry.seq - 1} ngay trước bản ghi này "
                          f"(entries removed)" if entry.seq > expected_seq
                          else "vị trí trùng hoặc lùi (position out of order)")
            elif entry.previous_hash != previous:
                reason = "liên kết với bản ghi trước bị đứt (previous hash mismatch)"
            elif entry.compute_hash() != entry.entry_hash:
                reason = "nội dung bị sửa đổi (content hash mismatch)"
            elif entry.seq in stream_anchors and stream_anchors[entry.seq][0] != entry.entry_hash:
                reason = f"khác với {stream_anchors[entry.seq][1]} (sealed hash mismatch)"
            if reason is not None:
                problems.append(Problem(reason, entry.pk, stream, entry.seq))
                broken = True
            else:
                result.checked += 1
                if entry.seq > sealed_upto.get(stream, 0):
                    result.unsealed += 1
                    if result.oldest_unsealed_at is None or entry.at < result.oldest_unsealed_at:
                        result.oldest_unsealed_at = entry.at
            previous, last_id, expected_seq = entry.entry_hash, entry.pk, entry.seq + 1
        last_seq = expected_seq - 1
        vouched = [(seq, who) for seq, (_, who) in stream_anchors.items() if seq > last_seq]
        if vouched:
            seq, who = max(vouched)
            problems.append(Problem(f"các bản ghi vị trí {last_seq + 1}–{seq} đã bị xoá: {who} xác nhận luồng "
                                    f"có {seq} bản ghi (trailing entries removed)", last_id, stream, last_seq))
        if head is not None and not broken and (head.head_seq, head.head_hash) != (last_seq, previous):
            problems.append(Problem(f"đầu luồng ghi {head.head_seq} bản ghi nhưng chuỗi có {last_seq}: các bản "
                                    f"ghi cuối đã bị xoá hoặc đầu luồng bị sửa (chain head mismatch)",
                                    last_id, stream, last_seq))
    if unsealed_grace is not None and result.oldest_unsealed_at is not None \
            and result.oldest_unsealed_at < timezone.now() - unsealed_grace:
        problems.append(Problem(
            f"có bản ghi từ {timezone.localtime(result.oldest_unsealed_at):%d/%m/%Y %H:%M} chưa được niêm phong: "
            f"tiến trình niêm phong không chạy, hoặc các niêm phong sau đó đã bị xoá (unsealed entries)"))
    return result


def _check_timestamp(item: AuditSeal, problems: list[Problem]) -> None:
    from tinhso.common import timestamps

    try:
        stamp = timestamps.verify(bytes(item.timestamp_token), bytes.fromhex(item.seal_hash))
    except timestamps.TimestampError as error:
        problems.append(Problem(f"dấu thời gian không hợp lệ: {error.message}", seal=item.number))
        return
    if not (item.sealed_at - datetime.timedelta(minutes=5) <= stamp.time
            <= item.sealed_at + TIMESTAMP_DELAY_ALLOWED):
        problems.append(Problem(f"dấu thời gian lúc {stamp.time:%Y-%m-%d %H:%M:%S} UTC không khớp thời điểm "
                                f"niêm phong (timestamp time out of range)", seal=item.number))


def export_checkpoint() -> dict | None:
    """The latest seal, as an auditor keeps it (None before the first seal)."""
    last = AuditSeal.objects.order_by("-number").first()
    return last.checkpoint() if last is not None else None


# -- tracking registry models -------------------------------------------------------------------------------

def snapshot(instance: models.Model, exclude: tuple[str, ...] = ()) -> dict:
    """A JSON-ready picture of a row's concrete fields."""
    data = model_to_dict(instance, fields=[f.name for f in instance._meta.concrete_fields])
    data = {k: v for k, v in data.items() if k not in exclude}
    for key, value in list(data.items()):
        if isinstance(value, datetime.datetime):
            data[key] = value.isoformat()
        elif isinstance(value, FieldFile):  # an empty file field has no url: only its name counts
            data[key] = value.name or ""
    return data


def track(model: type[models.Model], exclude: tuple[str, ...] = ()) -> type[models.Model]:
    """Put every create, update and delete of ``model`` on the chain, with before and after."""

    def before_save(sender, instance, raw=False, **kwargs):
        if raw or instance.pk is None:
            instance._audit_before = None
            return
        old = sender._default_manager.filter(pk=instance.pk).first()
        instance._audit_before = snapshot(old, exclude) if old is not None else None

    def after_save(sender, instance, created, raw=False, **kwargs):
        if raw:
            return
        before = getattr(instance, "_audit_before", None)
        after = snapshot(instance, exclude)
        if not created and before == _normalise(after):
            return
        record("create" if created else "update", instance, before=before, after=after)

    def after_delete(sender, instance, **kwargs):
        record("delete", instance, before=snapshot(instance, exclude))

    uid = f"audit-{model._meta.label_lower}"
    pre_save.connect(before_save, sender=model, weak=False, dispatch_uid=uid + "-pre")
    post_save.connect(after_save, sender=model, weak=False, dispatch_uid=uid + "-post")
    post_delete.connect(after_delete, sender=model, weak=False, dispatch_uid=uid + "-del")
    return model
