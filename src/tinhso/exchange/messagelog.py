"""The message log: every request and response through the gateway, served here or made from here.

Each message becomes one :class:`~tinhso.exchange.models.MessageRecord`: the identifiers (client, service,
``X-Road-Id``, ``X-Road-Request-Id``), method and path, the moment and the time taken, the status and the
protocol error if any, the sizes and SHA-256 hashes of the body and of the headers, the request hash that
binds a response to its request, and the body itself up to ``EXCHANGE_LOG_BODY_LIMIT_KB`` (a larger body is
logged by its hash and size only). ``record_hash`` covers all of that; the body is checked against
``body_hash``.

The call path writes the request and the response of a call with one INSERT and nothing else: no lock, no
chain. Chaining and sealing (``seals.py``) run later, off the call path, so neither a busy log nor an
unreachable timestamp authority ever holds a call. The records are written in the current transaction: a
module calls other members outside its own transactions (from a task, after commit), as it should anyway
rather than hold locks across the network, so that the record stays whatever becomes of its own work.
"""

from __future__ import annotations

import datetime
import hashlib
import json
import logging
from dataclasses import dataclass, field

from django.conf import settings

from tinhso.exchange import protocol
from tinhso.exchange.models import Direction, MessageKind, MessageRecord

logger = logging.getLogger(__name__)

# The fields ``record_hash`` covers, in the canonical JSON's key order (sorted when serialised).
HASHED_FIELDS = (
    "direction", "kind", "message_id", "request_id", "client", "service", "method", "path", "status",
    "error_type", "at", "duration_ms", "content_type", "body_size", "headers_size", "body_hash",
    "headers_hash", "request_hash",
)


def record_payload(record: MessageRecord) -> dict:
    """What ``record_hash`` covers, in canonical form (moments in UTC with microseconds)."""
    values = {name: getattr(record, name) for name in HASHED_FIELDS}
    values["at"] = record.at.astimezone(datetime.UTC).isoformat(timespec="microseconds")
    return values


def compute_hash(record: MessageRecord) -> str:
    canonical = json.dumps(record_payload(record), sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


def body_digest(body: bytes) -> str:
    return hashlib.sha256(body).hexdigest()


@dataclass
class Message:
    """One side of an exchange as it passed the gateway."""

    kind: str
    at: datetime.datetime
    headers: list[tuple[str, str]]
    body: bytes = b""
    content_type: str = ""
    status: int | None = None
    error_type: str = ""
    duration_ms: int | None = None
    request_hash: str = ""


@dataclass
class Exchange:
    """A request and (when one came) its response, with the identifiers both carry."""

    direction: str
    message_id: str
    request_id: str
    client: str
    service: str
    method: str
    path: str
    messages: list[Message] = field(default_factory=list)


def build_records(exchange: Exchange) -> list[MessageRecord]:
    limit = settings.TINHSO_EXCHANGE_LOG_BODY_LIMIT
    records = []
    for message in exchange.messages:
        record = MessageRecord(
            direction=exchange.direction, kind=message.kind, message_id=exchange.message_id[:100],
            request_id=exchange.request_id[:100], client=exchange.client[:600], service=exchange.service[:800],
            method=exchange.method[:10], path=exchange.path[:2000], status=message.status,
            error_type=message.error_type[:100], at=message.at.astimezone(datetime.UTC),
            duration_ms=message.duration_ms, content_type=message.content_type[:200],
            body_size=len(message.body), headers_size=protocol.headers_size(message.headers),
            body_hash=body_digest(message.body), headers_hash=protocol.headers_digest(message.headers),
            request_hash=message.request_hash[:100],
            body=message.body if len(message.body) <= limit else None,
        )
        record.record_hash = compute_hash(record)
        records.append(record)
    return records


def write(exchange: Exchange) -> None:
    """Log ``exchange`` with one INSERT; never raises (a failure to log is itself logged loudly)."""
    try:
        MessageRecord.objects.bulk_create(build_records(exchange))
    except Exception:
        logger.exception("exchange message log: could not store the records of %s", exchange.message_id)
        return
    from tinhso.exchange.seals import kick

    kick()


REQUEST = MessageKind.REQUEST
RESPONSE = MessageKind.RESPONSE
SERVED = Direction.SERVED
MADE = Direction.MADE
