"""pgbench's TPC-B transaction sent by a Python client (psycopg), one process per client.

The same five statements pgbench's built-in script runs (the account updated and read back, the teller and the
branch updated, a history row inserted) in one transaction, on the tables ``pgbench -i`` made, with the values
drawn as pgbench draws them. It measures what a client written in Python — the thinnest one, no framework —
gets from more processes on the same machine: the reference for the lifecycle's scaling line, whose workers are
Python processes too.
"""

from __future__ import annotations

import os
import random
import time

BRANCHES_PER_SCALE, TELLERS_PER_SCALE, ACCOUNTS_PER_SCALE = 1, 10, 100_000


def work(url: str, scale: int, start_at: float, seconds: float) -> tuple[int, float]:
    """A client process: warm up, wait for the common start, run TPC-B transactions for ``seconds``; returns
    (transactions, elapsed seconds)."""
    import psycopg

    draw = random.Random(os.getpid())
    with psycopg.connect(url, autocommit=False) as connection:

        def transaction() -> None:
            account = draw.randint(1, ACCOUNTS_PER_SCALE * scale)
            teller = draw.randint(1, TELLERS_PER_SCALE * scale)
            branch = draw.randint(1, BRANCHES_PER_SCALE * scale)
            delta = draw.randint(-5000, 5000)
            with connection.cursor() as cursor:
                cursor.execute("UPDATE pgbench_accounts SET abalance = abalance + %s WHERE aid = %s", (delta, account))
                cursor.execute("SELECT abalance FROM pgbench_accounts WHERE aid = %s", (account,))
                cursor.fetchone()
                cursor.execute("UPDATE pgbench_tellers SET tbalance = tbalance + %s WHERE tid = %s", (delta, teller))
                cursor.execute("UPDATE pgbench_branches SET bbalance = bbalance + %s WHERE bid = %s", (delta, branch))
                cursor.execute("INSERT INTO pgbench_history (tid, bid, aid, delta, mtime) "
                               "VALUES (%s, %s, %s, %s, CURRENT_TIMESTAMP)", (teller, branch, account, delta))
            connection.commit()

        for _ in range(200):
            transaction()
        time.sleep(max(0.0, start_at - time.time()))
        done = 0
        started = time.perf_counter()
        deadline = started + seconds
        while time.perf_counter() < deadline:
            transaction()
            done += 1
        return done, time.perf_counter() - started
