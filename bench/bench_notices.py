"""The notice service at scale on PostgreSQL: the header's unread count and the operations centre's four
notice numbers over millions of rows, and the rate of notices sent end to end, each against a baseline in
the same run.

Run with `PYTHONPATH=bench:src python bench/bench_notices.py` (bench/run.py does). A throwaway PostgreSQL
server is started (tinhso.testing.pgserver) and migrated; ``BENCH_NOTICES`` in-app notices (default
1,000,000) for 20,000 accounts (one in thirty unread) and two deliveries each (e-mail and SMS over the last
400 days: 97 % sent, the rest failed, a few hundred pending) are written with INSERT … SELECT from
generate_series, then VACUUM ANALYZE. Measured:

- **notices-unread**: ``selectors.unread_count(user)`` — what every signed-in page's header asks — for
  random accounts, p50 over ``BENCH_NOTICES_REPEAT`` (default 300) calls; baseline: the account's own
  primary-key lookup (the cheapest query a page makes), the same way;
- **notices-indicators**: the four numbers of group ``platform`` (sent, failed, delivery rate, oldest
  pending) for the province over the last full year, read as the operations centre reads them (the monthly
  counts, rebuilt first with ``tinhso notices recount``, and the pending deliveries), p50 of 20; baseline:
  one count of the whole deliveries table (what reading the deliveries themselves would cost at least);
- **notices-send**: notices sent end to end — ``notify`` (notice + e-mail and SMS deliveries) in its own
  transaction, then each delivery claimed, handed to its channel (in-memory mail and SMS) and recorded —
  per second in one process; baseline: transactions that insert one notice row and nothing else.

Prints three ``BENCH`` lines.
"""

from __future__ import annotations

import datetime
import os
import random
import statistics
import sys
import time

os.environ["DJANGO_SETTINGS_MODULE"] = "tinhso.conf.settings.test"
os.environ["TASKS_BACKEND"] = "immediate"

import harness
from tinhso.testing import pgserver

NOTICES = int(os.environ.get("BENCH_NOTICES", "1000000"))
REPEAT = int(os.environ.get("BENCH_NOTICES_REPEAT", "300"))
SEND = int(os.environ.get("BENCH_NOTICES_SEND", "400"))
USERS = 20000
AGENCIES = 300
SERVER_CONF = {"shared_buffers": "1GB", "work_mem": "64MB", "maintenance_work_mem": "512MB",
               "max_wal_size": "4GB", "effective_cache_size": "8GB"}


def timed(work, repeat: int) -> tuple[float, float]:
    """p50 and p95 of ``work()`` in milliseconds (one warm-up call first)."""
    work()
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        work()
        samples.append((time.perf_counter() - started) * 1000)
    samples.sort()
    return statistics.median(samples), samples[int(len(samples) * 0.95) - 1]


def generate() -> float:
    """Accounts, notices and deliveries written by the server itself; returns the seconds it took."""
    from django.db import connection

    started = time.monotonic()
    with connection.cursor() as cursor:
        cursor.execute("""
            INSERT INTO auth_user (password, is_superuser, username, first_name, last_name, email, is_staff,
                                   is_active, date_joined)
            SELECT '!', false, 'bench-' || i, 'Người dùng', i::text, 'u' || i || '@example.vn', false, true, now()
            FROM generate_series(1, %s) AS i""", [USERS])
        cursor.execute("SELECT min(id) FROM auth_user WHERE username LIKE 'bench-%%'")
        first_user = cursor.fetchone()[0]
        cursor.execute("""
            INSERT INTO notices_notice (user_id, name, language, kind, subject, text, sms_text, link, concerns_id,
                                        agency_id, key, in_app, secret, expires_at, created_at, read_at)
            SELECT %(first)s + (i %% %(users)s), '', 'vi', 'dossiers.event', 'Hồ sơ ' || i || ': Đã tiếp nhận',
                   'Kính gửi …', '', '/ho-so-cua-toi/' || i || '/', '', CASE WHEN i %% 10 = 0 THEN NULL
                   ELSE 1 + i %% %(agencies)s END, NULL, true, false, NULL,
                   now() - (i * interval '34 seconds'),
                   CASE WHEN i %% 30 = 0 THEN NULL ELSE now() - (i * interval '34 seconds') + interval '1 hour' END
            FROM generate_series(1, %(notices)s) AS i""",
                       {"first": first_user, "users": USERS, "agencies": AGENCIES, "notices": NOTICES})
        cursor.execute("""
            INSERT INTO notices_delivery (notice_id, channel, destination, status, agency_id, attempts,
                                          next_attempt_at, claimed_until, claim_token, segments, last_error,
                                          permanent, history, resent_count, created_at, sent_at, failed_at)
            SELECT n.id, c.channel, CASE WHEN c.channel = 'sms' THEN '0912345678' ELSE 'a@example.vn' END,
                   s.status, n.agency_id, CASE WHEN s.status = 'failed' THEN 6 ELSE 1 END, n.created_at, NULL, '',
                   CASE WHEN c.channel = 'sms' THEN 1 END,
                   CASE WHEN s.status = 'failed' THEN 'Máy chủ thư trả lời 451' ELSE '' END, false, '[]', 0,
                   n.created_at,
                   CASE WHEN s.status = 'sent' THEN n.created_at + interval '30 seconds' END,
                   CASE WHEN s.status = 'failed' THEN n.created_at + interval '6 hours' END
            FROM notices_notice n
            CROSS JOIN (VALUES ('email'), ('sms')) AS c(channel)
            CROSS JOIN LATERAL (SELECT CASE WHEN n.id % 33 = 0 THEN 'failed'
                                            WHEN n.id % 3000 = 1 THEN 'pending' ELSE 'sent' END AS status) s""")
        cursor.execute("VACUUM ANALYZE")
    return time.monotonic() - started


def recount() -> float:
    """The monthly counts the operations centre reads, rebuilt from the deliveries (``tinhso notices recount``)."""
    from django.db import connection

    from tinhso.common.notices.services import recount as rebuild

    started = time.monotonic()
    rebuild()
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE notices_deliverymonth")
    return time.monotonic() - started


def send_rate(count: int) -> tuple[float, float]:
    """Notices sent end to end per second, and bare one-row transactions per second."""
    from django.contrib.auth import get_user_model
    from django.db import transaction

    from tinhso.common.notices import Recipient, notify
    from tinhso.common.notices.models import Notice

    user = get_user_model().objects.get(username="bench-1")
    started = time.perf_counter()
    for i in range(count):
        with transaction.atomic():  # committed here: the on-commit hook runs both deliveries at once
            notify(Recipient(user=user, email="binh@example.vn", phone="0912345678"),
                   subject=f"Hồ sơ {i}: Đã tiếp nhận", text="Kính gửi …", sms=f"Hồ sơ {i}: Đã tiếp nhận.",
                   link=f"/ho-so-cua-toi/{i}/", kind="bench.send", agency_id=1)
    notices_per_s = count / (time.perf_counter() - started)
    started = time.perf_counter()
    for i in range(count):
        with transaction.atomic():
            Notice.objects.create(user=user, subject=f"Hồ sơ {i}", text="…", kind="bench.baseline")
    baseline_per_s = count / (time.perf_counter() - started)
    return notices_per_s, baseline_per_s


def main() -> int:
    with pgserver.running(SERVER_CONF) as server:
        import generate_province

        generate_province.setup_django(server.url)
        from django.conf import settings
        from django.contrib.auth import get_user_model
        from django.core.management import call_command
        from django.db import connection
        from django.utils import timezone

        from tinhso.common import indicators as registry
        from tinhso.common.indicators import ReadQuery
        from tinhso.common.notices import selectors
        from tinhso.common.notices.models import Delivery

        settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
        settings.TINHSO_SMS_BACKEND = "memory"
        call_command("migrate", verbosity=0)
        generate_s = generate()
        recount_s = recount()
        print(f"generated {NOTICES:,} notices and {2 * NOTICES:,} deliveries in {generate_s:.0f} s; monthly counts "
              f"rebuilt in {recount_s:.1f} s", file=sys.stderr, flush=True)

        users = list(get_user_model().objects.filter(username__startswith="bench-").values_list("pk", flat=True))
        rng = random.Random(20260302)
        picks = [get_user_model()(pk=pk) for pk in rng.choices(users, k=REPEAT + 1)]
        counter = iter(range(10**9))
        unread_p50, unread_p95 = timed(lambda: selectors.unread_count(picks[next(counter) % len(picks)]), REPEAT)
        pk_p50, _ = timed(lambda: get_user_model().objects.filter(
            pk=picks[next(counter) % len(picks)].pk).values_list("pk").first(), REPEAT)
        unread = selectors.unread_count(picks[0])

        year = timezone.localdate().year - 1
        query = ReadQuery(datetime.date(year, 1, 1), datetime.date(year + 1, 1, 1), None, timezone.now())
        readers = [registry.by_formula(f).reader for f in ("notices.sent", "notices.failed",
                                                            "notices.delivery_rate", "notices.oldest_pending")]
        values = [reader.read(query) for reader in readers]
        numbers_p50, numbers_p95 = timed(lambda: [reader.read(query) for reader in readers], 20)
        count_p50, _ = timed(lambda: Delivery.objects.count(), 5)

        notices_per_s, baseline_per_s = send_rate(SEND)
        sent = Delivery.objects.filter(notice__kind="bench.send", status="sent").count()
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_size_pretty(pg_database_size(current_database()))")
            size = cursor.fetchone()[0]
        version = server.bindir.parent.name
    machine = f"{harness.machine()}, PostgreSQL {version}"
    harness.report("notices-unread", unread_p50, "ms", "primary-key lookup", pk_p50, "ms",
                   higher_is_better=False,
                   extra=f"p95 {unread_p95:.2f} ms; {NOTICES:,} notices of {USERS:,} accounts, {unread} unread for "
                         f"the first; {size}; {machine}")
    harness.report("notices-indicators", numbers_p50, "ms", "count of all deliveries", count_p50, "ms",
                   higher_is_better=False,
                   extra=f"p95 {numbers_p95:.1f} ms; the four platform numbers for {year}: "
                         f"{', '.join(str(v) for v in values)}; {2 * NOTICES:,} deliveries; {machine}")
    harness.report("notices-send", notices_per_s, "notices/s", "one-row transactions", baseline_per_s, "tx/s",
                   extra=f"{SEND} notices, {sent} deliveries sent (e-mail and SMS in memory); {machine}")
    if sent != 2 * SEND:
        print(f"FAILED: {sent} deliveries sent, expected {2 * SEND}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
