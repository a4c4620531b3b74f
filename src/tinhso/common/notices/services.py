"""Every write of the notice service: notify, digests, deliveries tried and retried, resend, mark as read.

**Notify** (:func:`notify`) stores the notice and its deliveries in the caller's transaction and queues the
deliveries when it commits: an action that is refused or rolled back notifies nobody, and a notice that was
committed is never lost (a delivery whose task was lost is picked up by ``tinhso notices sweep``).

**Delivery** (:func:`attempt`, run by the ``send_delivery`` task). A worker first *claims* the delivery — in
a short transaction, the row is selected ``FOR UPDATE SKIP LOCKED`` on PostgreSQL (another worker skips it
rather than waits) and taken with a conditional update that only one worker can win on any database — then
sends outside any transaction, then records the outcome. The claim is a lease: a worker that dies while
sending leaves the delivery to be claimed again once the lease has run out. Sending is therefore
at-least-once in the face of a crash between "sent" and "recorded", never twice otherwise; the e-mail's
Message-ID is the same on every attempt so that receiving servers can drop a repeat.

**Retry**: a failed attempt is retried after ``settings.TINHSO_NOTICE_RETRY_DELAYS`` (1 min, 5 min, 30 min,
2 h, 6 h by default, each stretched by up to 10 % so that deliveries failed together do not all return
together), on the task queue with ``run_after``. A backend that cannot defer (``TASKS_BACKEND=immediate``,
the tests) runs the retry at once, so the same attempts happen in the same order, without the wait. After
the last delay, or at once for a permanent refusal, the delivery is *failed*: listed for administrators,
who :func:`resend` it.
"""

from __future__ import annotations

import datetime
import logging
import secrets
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import IntegrityError, connection, transaction
from django.db.models import Count, F, Q
from django.db.models.functions import TruncMonth
from django.utils import timezone, translation

from tinhso.common.notices import sms as sms_encoding
from tinhso.common.notices.channels import (
    CHANNELS,
    EMAIL,
    IN_APP,
    SENDERS,
    SMS,
    PermanentFailure,
    absolute,
    has_address,
)
from tinhso.common.notices.masking import mask_addresses_in, mask_destination
from tinhso.common.notices.models import Delivery, DeliveryMonth, Notice
from tinhso.common.notices.recipients import Recipient, in_language_of, resolve
from tinhso.common.workers import enqueue_in_transaction

logger = logging.getLogger("tinhso.notices")

# A worker holds a claimed delivery this long; longer than any send may take (EMAIL_TIMEOUT is 20 s).
LEASE = datetime.timedelta(minutes=10)
# A pending delivery this late past its retry moment has lost its task: the sweep queues it again.
SWEEP_GRACE = datetime.timedelta(minutes=5)
HISTORY_KEPT = 20


class NoticeError(Exception):
    """A refused notice action, with the reason in Vietnamese and in English."""

    def __init__(self, message: str, message_en: str):
        super().__init__(message)
        self.message = message
        self.message_en = message_en


# -- notify -------------------------------------------------------------------------------------------

def notify(to, *, subject: str, text: str, sms: str = "", link: str = "", concerns=None,
           channels: Iterable[str] | None = None, kind: str = "", agency_id: int | None = None,
           key: str | None = None, secret: bool = False, expires_at: datetime.datetime | None = None,
           ) -> Notice | None:
    """Notify one person, after the caller's transaction commits.

    ``to`` is an account (its addresses, its in-app list and language) or a :class:`Recipient` (bare
    addresses, or an account with addresses that win over its own).

    ``subject`` and ``text`` are the e-mail and the in-app entry, ``sms`` the SMS (the subject when empty),
    composed by the caller in the person's language (:func:`~tinhso.common.notices.recipients.in_language_of`);
    the SMS is put in the configured encoding and segments here. ``link`` (a site path or an address) is
    where the person acts: the in-app entry links to it, and it is added to an e-mail or SMS whose text gives
    no web address of its own. ``concerns`` is the record the notice is about.

    ``channels`` narrows ``in_app``, ``email``, ``sms`` (default: every one that reaches the person);
    ``agency_id`` is the agency sending it (its numbers in the operations centre); ``kind`` says what it is
    (``"<app>.<what>"``); ``key`` makes the notice once-only (a second call with the same key creates
    nothing). A ``secret`` notice carries a one-time code or link: never in the in-app list, its text erased
    once sent, never resent; ``expires_at`` abandons a delivery not made in time.

    Returns the notice, or None when nothing was created (the key was used already, or no channel reaches
    the person).
    """
    person = resolve(to)
    wanted = set(CHANNELS if channels is None else channels)
    if unknown := wanted - set(CHANNELS):
        raise ValueError(f"unknown notice channels: {sorted(unknown)}")
    if secret:
        wanted.discard(IN_APP)
    in_app = IN_APP in wanted and person.user is not None
    targets = [(channel, address) for channel, address in ((EMAIL, person.email), (SMS, person.phone))
               if channel in wanted and address]
    if not in_app and not targets:
        return None
    sms_text = None
    if any(channel == SMS for channel, _address in targets):
        message = sms.strip() or subject
        if link and not has_address(message):
            message = f"{message} {absolute(link)}"
        sms_text = sms_encoding.prepare(message)
    concerns_type = ContentType.objects.get_for_model(concerns) if concerns is not None else None
    now = timezone.now()
    notice = Notice(
        user=person.user, name=person.name[:150], language=person.language, kind=kind[:64],
        subject=" ".join(subject.split())[:255], text=text, sms_text=sms_text.text if sms_text else "",
        link=link[:500], concerns_type=concerns_type, concerns_id=str(concerns.pk) if concerns is not None else "",
        agency_id=agency_id, key=key, in_app=in_app, secret=secret, expires_at=expires_at, created_at=now,
    )
    if key is not None:
        try:
            with transaction.atomic():
                notice.save()
        except IntegrityError:
            return None  # already sent under this key (another worker, an earlier run)
    else:
        notice.save()
    deliveries = Delivery.objects.bulk_create([
        Delivery(notice=notice, channel=channel, destination=address, agency_id=agency_id, created_at=now,
                 next_attempt_at=now, segments=sms_text.segments if channel == SMS else None)
        for channel, address in targets
    ])
    ids = [delivery.pk for delivery in deliveries]
    if ids:
        for delivery_id in ids:  # the sweep finds a delivery whose task could not be queued
            _enqueue(delivery_id)
    return notice


def _enqueue(delivery_id: int, when: datetime.datetime | None = None) -> None:
    """Queue the delivery's task with the caller's transaction, at ``when`` if the task backend can defer
    (otherwise at once)."""
    from tinhso.common.notices.tasks import send_delivery

    enqueue_in_transaction(send_delivery, delivery_id, run_after=when)


# -- digests ------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class NoticeContent:
    """What a composed notice says (digests compose theirs on demand)."""

    subject: str
    text: str
    sms: str = ""
    link: str = ""


def period_key(period: str, at: datetime.datetime | None = None) -> str:
    """The name of the ``"day"``, ``"week"`` (ISO) or ``"month"`` that ``at`` falls in, in Vietnam's time."""
    local = timezone.localtime(at or timezone.now())
    if period == "day":
        return f"{local:%Y-%m-%d}"
    if period == "week":
        year, week, _weekday = local.isocalendar()
        return f"{year}-W{week:02d}"
    if period == "month":
        return f"{local:%Y-%m}"
    raise ValueError(f"unknown digest period {period!r}")


def digest_key(topic: str, period: str, to) -> str:
    """The once-only key of ``topic``'s digest for ``to`` in ``period`` (addresses hashed, never stored)."""
    import hashlib

    person = to if isinstance(to, Recipient) else Recipient(user=to)
    if person.user is not None:
        who = f"u{person.user.pk}"
    else:
        address = (person.email or person.phone).strip().lower()
        if not address:
            raise ValueError("a digest needs an account, an e-mail or a phone")
        who = "a" + hashlib.sha256(address.encode()).hexdigest()[:20]
    return f"digest:{topic}:{period}:{who}"[:255]


def send_digest(to, *, topic: str, period: str, compose: Callable[[], NoticeContent | None],
                **options) -> Notice | None:
    """Send ``topic``'s digest for ``period`` to ``to`` once, however many workers run it at the same time.

    ``compose()`` is called in the person's language and returns the :class:`NoticeContent`, or None when
    there is nothing to tell; it is skipped when the digest was sent already. ``period`` names the period
    (:func:`period_key`: ``"2026-W10"``, ``"2026-03-02"``); ``options`` go to :func:`notify` (``channels``,
    ``concerns``, ``agency_id``, ``kind``). Returns the notice, or None (nothing to tell, or sent already).
    """
    key = digest_key(topic, period, to)
    if Notice.objects.filter(key=key).exists():
        return None
    with in_language_of(to):
        content = compose()
    if content is None:
        return None
    options.setdefault("kind", f"digest:{topic}")
    return notify(to, subject=content.subject, text=content.text, sms=content.sms, link=content.link, key=key,
                  **options)


# -- delivery -----------------------------------------------------------------------------------------

def retry_delays() -> list[int]:
    return list(settings.TINHSO_NOTICE_RETRY_DELAYS)


def max_attempts() -> int:
    return len(retry_delays()) + 1


def retry_delay(attempt: int, delivery_id: int) -> datetime.timedelta:
    """How long after failed attempt number ``attempt`` the next one comes: the configured delay, stretched
    by 0–10 % by the delivery's number (the same every time, so the schedule is predictable)."""
    base = retry_delays()[attempt - 1]
    stretch = (delivery_id * 2654435761 % 1000) / 10000
    return datetime.timedelta(seconds=round(base * (1 + stretch)))


def _claimable(now: datetime.datetime) -> Q:
    return Q(status=Delivery.Status.PENDING) & (Q(claimed_until__isnull=True) | Q(claimed_until__lte=now))


def _claim(delivery_id: int) -> tuple[Delivery, str] | None:
    """Take the delivery for this worker, or None when it is not ours to send (sent, failed, or held)."""
    now = timezone.now()
    token = secrets.token_hex(16)
    with transaction.atomic():
        delivery = (Delivery.objects.select_for_update(skip_locked=True, of=("self",))
                    .select_related("notice").filter(_claimable(now), pk=delivery_id).first())
        if delivery is None:
            return None
        taken = Delivery.objects.filter(_claimable(now), pk=delivery_id).update(
            claimed_until=now + LEASE, claim_token=token, attempts=F("attempts") + 1)
        if not taken:
            return None
    delivery.attempts += 1
    delivery.claim_token = token
    return delivery, token


def attempt(delivery_id: int) -> str:
    """Try one delivery once; returns what became of it (``sent``, ``retry``, ``failed`` or ``skipped``)."""
    claimed = _claim(delivery_id)
    if claimed is None:
        return "skipped"
    delivery, token = claimed
    notice = delivery.notice
    now = timezone.now()
    if notice.expires_at is not None and now >= notice.expires_at:
        return _failed(delivery, token, "Hết hiệu lực trước khi gửi được.", permanent=True)
    try:
        SENDERS[delivery.channel](delivery, notice)
    except PermanentFailure as error:
        return _failed(delivery, token, str(error), permanent=True)
    except Exception as error:  # anything a gateway raises is retried
        return _failed(delivery, token, f"{error}" or error.__class__.__name__, permanent=False)
    return _sent(delivery, token)


def _history(delivery: Delivery, at: datetime.datetime, error: str = "") -> list:
    entry = {"at": at.isoformat(timespec="seconds"), "attempt": delivery.attempts}
    if error:
        entry["error"] = error
    return [*delivery.history, entry][-HISTORY_KEPT:]


def _sent(delivery: Delivery, token: str) -> str:
    now = timezone.now()
    with transaction.atomic():
        recorded = Delivery.objects.filter(pk=delivery.pk, claim_token=token).update(
            status=Delivery.Status.SENT, sent_at=now, claimed_until=None, claim_token="", last_error="",
            permanent=False, history=_history(delivery, now))
        if recorded:
            _count(now, delivery, sent=1)
    if not recorded:
        logger.warning("Notice delivery %s was sent after its lease ran out", delivery.pk)
    logger.info("Notice delivery %s (%s to %s) sent, attempt %s", delivery.pk, delivery.channel,
                mask_destination(delivery.channel, delivery.destination), delivery.attempts)
    if delivery.notice.secret:
        _forget_secret(delivery.notice_id)
    return "sent"


def _failed(delivery: Delivery, token: str, error: str, *, permanent: bool) -> str:
    now = timezone.now()
    error = mask_addresses_in(error)[:500]
    final = permanent or delivery.attempts >= max_attempts()
    changes = {"claimed_until": None, "claim_token": "", "last_error": error, "permanent": permanent,
               "history": _history(delivery, now, error)}
    if final:
        changes.update(status=Delivery.Status.FAILED, failed_at=now)
    else:
        changes.update(next_attempt_at=now + retry_delay(delivery.attempts, delivery.pk))
    with transaction.atomic():
        recorded = Delivery.objects.filter(pk=delivery.pk, claim_token=token).update(**changes)
        if recorded and final:
            _count(now, delivery, failed=1)
    where = mask_destination(delivery.channel, delivery.destination)
    if final:
        logger.warning("Notice delivery %s (%s to %s) failed after %s attempt(s): %s", delivery.pk,
                       delivery.channel, where, delivery.attempts, error)
        if delivery.notice.secret:
            _forget_secret(delivery.notice_id)
        return "failed"
    logger.info("Notice delivery %s (%s to %s) attempt %s failed, retried at %s: %s", delivery.pk,
                delivery.channel, where, delivery.attempts, changes["next_attempt_at"].isoformat(), error)
    if recorded:
        _enqueue(delivery.pk, changes["next_attempt_at"])
    return "retry"


def _count(moment: datetime.datetime, delivery: Delivery, *, sent: int = 0, failed: int = 0) -> None:
    """Add to the month's counts of the operations centre, in the caller's transaction (one upsert)."""
    table = connection.ops.quote_name(DeliveryMonth._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (month, agency_key, sent, failed) VALUES (%s, %s, %s, %s) "  # noqa: S608
            f"ON CONFLICT (month, agency_key) DO UPDATE "
            f"SET sent = {table}.sent + EXCLUDED.sent, failed = {table}.failed + EXCLUDED.failed",
            [timezone.localdate(moment).replace(day=1), delivery.agency_id or 0, sent, failed])


def recount() -> tuple[int, bool]:
    """Rebuild the monthly counts from the deliveries themselves; returns the rows written and whether the
    kept counts differed (they should not: each outcome updates them in its own transaction)."""
    from tinhso.common.indicators import VIETNAM

    counts: dict[tuple, dict[str, int]] = {}
    for status, moment in ((Delivery.Status.SENT, "sent_at"), (Delivery.Status.FAILED, "failed_at")):
        rows = (Delivery.objects.filter(status=status).annotate(month=TruncMonth(moment, tzinfo=VIETNAM))
                .values("month", "agency_id").annotate(n=Count("pk")).order_by())
        for row in rows:
            month = row["month"].date() if isinstance(row["month"], datetime.datetime) else row["month"]
            key = (month, row["agency_id"] or 0)
            counts.setdefault(key, {"sent": 0, "failed": 0})[status] = row["n"]
    fresh = {key: (value["sent"], value["failed"]) for key, value in counts.items()}
    with transaction.atomic():
        kept = {(row.month, row.agency_key): (row.sent, row.failed)
                for row in DeliveryMonth.objects.select_for_update()}
        kept = {key: value for key, value in kept.items() if value != (0, 0)}
        DeliveryMonth.objects.all().delete()
        DeliveryMonth.objects.bulk_create(
            DeliveryMonth(month=month, agency_key=agency, sent=sent, failed=failed)
            for (month, agency), (sent, failed) in fresh.items())
    return len(fresh), kept != fresh


def _forget_secret(notice_id: int) -> None:
    """Erase a secret notice's text once none of its deliveries may still send it."""
    Notice.objects.filter(pk=notice_id, secret=True).exclude(
        deliveries__status=Delivery.Status.PENDING).update(text="", sms_text="")


def sweep(now: datetime.datetime | None = None) -> int:
    """Queue again the pending deliveries whose task was lost (a worker that died, a queue that was down);
    returns how many. Safe to run from several places at once: the claim decides who sends."""
    now = now or timezone.now()
    due = list(
        Delivery.objects.filter(_claimable(now), next_attempt_at__lte=now - SWEEP_GRACE)
        .order_by("next_attempt_at").values_list("pk", flat=True)[:5000]
    )
    for delivery_id in due:
        _enqueue(delivery_id)
    return len(due)


# -- administrators -----------------------------------------------------------------------------------

def resend(delivery: Delivery, *, actor) -> Delivery:
    """Send a failed delivery again (from its first attempt), after the administrator fixed what failed."""
    from tinhso.common.audit import record

    with transaction.atomic():
        locked = Delivery.objects.select_for_update().select_related("notice").filter(pk=delivery.pk).first()
        if locked is None or locked.status != Delivery.Status.FAILED:
            raise NoticeError("Chỉ gửi lại được thông báo đã gửi không thành công.",
                              "Only a notice that failed can be sent again.")
        notice = locked.notice
        if notice.secret:
            raise NoticeError("Thông báo chứa mã hoặc liên kết dùng một lần không gửi lại được; người nhận "
                              "cần yêu cầu mã mới.",
                              "A notice carrying a one-time code or link cannot be sent again; the person "
                              "must ask for a new one.")
        if notice.expires_at is not None and timezone.now() >= notice.expires_at:
            raise NoticeError("Thông báo đã hết hiệu lực, không gửi lại được.",
                              "The notice has expired and cannot be sent again.")
        now = timezone.now()
        Delivery.objects.filter(pk=locked.pk).update(
            status=Delivery.Status.PENDING, attempts=0, next_attempt_at=now, failed_at=None, permanent=False,
            claimed_until=None, claim_token="", resent_count=F("resent_count") + 1)
        if locked.failed_at is not None:
            _count(locked.failed_at, locked, failed=-1)  # no longer failed: counted again when it ends
        with translation.override("vi"):  # the audit chain is kept in Vietnamese
            summary = (f"Gửi lại thông báo: {locked.get_channel_display()} tới {locked.masked_destination}: "
                       f"{notice.subject}")
        record("action", locked, actor=actor, summary=summary[:300],
               before={"status": "failed", "attempts": locked.attempts, "last_error": locked.last_error},
               after={"status": "pending"})
        _enqueue(locked.pk)
    locked.refresh_from_db()
    return locked


def resend_failed(deliveries: Iterable[Delivery], *, actor) -> tuple[int, list[str]]:
    """Resend many failed deliveries; returns how many were queued and the reasons of those refused."""
    queued, refused = 0, []
    for delivery in deliveries:
        try:
            resend(delivery, actor=actor)
            queued += 1
        except NoticeError as error:
            refused.append(f"#{delivery.pk}: {error.message}")
    return queued, refused


# -- the in-app list ----------------------------------------------------------------------------------

def mark_read(user, notice_id: int | None = None) -> int:
    """Mark one of the user's notices (or all of them) as read; returns how many changed."""
    unread = Notice.objects.filter(user=user, in_app=True, read_at__isnull=True)
    if notice_id is not None:
        unread = unread.filter(pk=notice_id)
    return unread.update(read_at=timezone.now())

