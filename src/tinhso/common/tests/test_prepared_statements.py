"""Statements of the hot path prepared once per connection (``statements.execute``): the same rows as the text
run as it is, the plan kept across a rollback, a text PostgreSQL cannot prepare run as it is without harming the
caller's transaction, and nothing prepared where it cannot be kept (SQLite, PgBouncer in transaction mode)."""

from __future__ import annotations

import datetime
import uuid

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from psycopg import pq

from tinhso.common import statements
from tinhso.common.counters import SeriesCounter, allocate

pytestmark = pytest.mark.django_db

TABLE = connection.ops.quote_name(SeriesCounter._meta.db_table)
READ = f"SELECT series, period, last FROM {TABLE} WHERE series = %s AND period = %s"
LIKE = f"SELECT count(*) FROM {TABLE} WHERE series LIKE %s || '%%'"


def _run(sql: str, params: list) -> tuple[list[tuple], list[str]]:
    with CaptureQueriesContext(connection) as captured, connection.cursor() as cursor:
        statements.execute(cursor, sql, params)
        rows = cursor.fetchall()
    return rows, [q["sql"] for q in captured.captured_queries]


def _server_knows(name: str) -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_prepared_statements WHERE name = %s", [name])
        return cursor.fetchone()[0] == 1


def test_a_statement_gives_the_same_rows_run_by_its_prepared_name():
    with transaction.atomic():
        allocate("hồ sơ 'một' cửa", "2026")
        allocate("hồ sơ 'một' cửa", "2026")
    plain = [("hồ sơ 'một' cửa", "2026", 2)]
    first, sent = _run(READ, ["hồ sơ 'một' cửa", "2026"])
    again, sent_again = _run(READ, ["hồ sơ 'một' cửa", "2026"])
    assert first == again == plain
    assert _run(READ, ["khác", "2026"])[0] == []
    assert _run(LIKE, ["hồ sơ"])[0] == [(1,)]  # a literal % of the text survives the placeholders' numbering
    if connection.vendor != "postgresql":  # nothing is prepared: the text runs as it is
        assert sent == sent_again and sent[0].startswith("SELECT series")
        return
    # one statement each time (preparing is not the caller's statement), by name, the values bound on the client
    assert len(sent) == len(sent_again) == 1
    name = statements.prepared_name(connection, READ)
    assert sent[0].startswith(f"EXECUTE {name}(") and "'hồ sơ ''một'' cửa'" in sent[0]
    assert _server_knows(name)
    assert statements.original(sent[0]) == READ
    assert statements.original("SELECT 1") == "SELECT 1"


def test_values_of_every_kind_reach_the_prepared_statement_as_they_would_the_text():
    if connection.vendor != "postgresql":  # the casts are PostgreSQL's
        return
    sql = "SELECT %s::bigint, %s::text, %s::timestamptz, %s::date, %s::uuid, %s::boolean, %s::jsonb, %s::text"
    moment = datetime.datetime(2026, 12, 6, 8, 30, tzinfo=datetime.UTC)
    key = uuid.uuid4()
    from django.db.models import JSONField

    document = JSONField().get_db_prep_save({"tên": "Nguyễn Văn An", "n": 3}, connection)
    values = [2**40, "a'b;--", moment, datetime.date(2026, 12, 6), key, True, document, None]
    rows, _ = _run(sql, values)
    again, _ = _run(sql, values)
    assert rows == again
    number, text, when, day, got_key, flag, json_value, nothing = rows[0]
    assert (number, text, when, day, flag, nothing) == (2**40, "a'b;--", moment, datetime.date(2026, 12, 6), True, None)
    assert str(got_key) == str(key)
    assert "Nguyễn Văn An" in str(json_value)


def test_many_values_of_every_kind_come_back_as_the_plain_text_gives_them():
    """Past the driver's own limit for keeping a parsed text (50 values) the values are made literals by the
    platform: what comes back is what the plain statement gives, quotes, backslashes, percents and all."""
    import decimal

    if connection.vendor != "postgresql":  # the casts and arrays are PostgreSQL's
        return

    kinds = [("%s::text", "a'b\\c %s %% ;--"), ("%s::numeric", decimal.Decimal("12.50")), ("%s::bytea", b"\x00'\\"),
             ("%s::int[]", [1, 2, 3]), ("%s::text[]", ["Nguyễn", "O'Brien", None]), ("%s::text", None),
             ("%s::timestamptz", datetime.datetime(2026, 12, 6, 8, 30, tzinfo=datetime.UTC)),
             ("%s::boolean", False), ("%s::double precision", 0.1), ("%s::text", "Tỉnh số\n\t")]
    chosen = [kinds[i % len(kinds)] for i in range(64)]
    sql = "SELECT " + ", ".join(cast for cast, _ in chosen)
    values = [value for _, value in chosen]
    with connection.cursor() as cursor:
        cursor.execute(sql, values)
        plain = cursor.fetchall()
    rows, sent = _run(sql, values)
    assert rows == plain and len(rows[0]) == 64
    assert rows[0][0] == "a'b\\c %s %% ;--" and rows[0][5] is None and rows[0][4] == ["Nguyễn", "O'Brien", None]
    assert sent[0].startswith("EXECUTE tinhso_select_") and statements.original(sent[0]) == sql
    assert _run(sql, values)[0] == plain  # and again, by the name prepared the first time


def test_a_text_the_server_cannot_prepare_runs_as_it_is_and_leaves_the_transaction_whole():
    untyped = "SELECT %s + %s"  # nothing says what the values are: PREPARE cannot choose the operator
    with transaction.atomic():
        allocate("sổ", "2026")
        rows, sent = _run(untyped, [40, 2])
        assert rows == [(42,)]
        assert len(sent) == 1 and sent[0].startswith("SELECT ")
        assert statements.prepared_name(connection, untyped) is None
        assert allocate("sổ", "2026") == 2  # the caller's transaction goes on


def test_a_prepared_statement_outlives_a_rollback():
    if connection.vendor != "postgresql":
        assert statements.prepared_name(connection, READ) is None
        return
    with pytest.raises(RuntimeError), transaction.atomic():
        _run(READ, ["sổ", "2026"])
        raise RuntimeError
    name = statements.prepared_name(connection, READ)
    assert name and _server_knows(name)
    rows, sent = _run(READ, ["sổ", "2026"])
    assert rows == [] and sent[0].startswith(f"EXECUTE {name}(")


def test_nothing_is_prepared_where_the_database_says_so(monkeypatch):
    monkeypatch.setitem(connection.settings_dict, "PREPARED_STATEMENTS", False)
    sql = READ + " AND last > %s"
    rows, sent = _run(sql, ["sổ", "2026", 0])
    assert rows == [] and sent[0].startswith("SELECT series")
    assert statements.prepared_name(connection, sql) is None


def test_a_connection_keeps_its_share_and_lets_go_of_the_statement_used_least_lately(monkeypatch):
    monkeypatch.setattr(statements, "PREPARED_PER_CONNECTION", 2)
    texts = [READ + f" AND last >= {n}" for n in range(3)]
    for sql in texts[:2]:
        assert _run(sql, ["sổ", "2026"])[0] == []
    assert _run(texts[0], ["sổ", "2026"])[0] == []  # used again: the second is now the one used least lately
    assert _run(texts[2], ["sổ", "2026"])[0] == []
    names = [statements.prepared_name(connection, sql) for sql in (texts[0], texts[2])]
    if connection.vendor != "postgresql":
        assert names == [None, None]
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT name FROM pg_prepared_statements WHERE name LIKE 'tinhso%%'")
        kept = {row[0] for row in cursor.fetchall()}
    assert len(kept) <= 2 and set(names) <= kept
    rows, sent = _run(texts[1], ["sổ", "2026"])  # prepared again when it comes back
    assert rows == [] and sent[0].startswith("EXECUTE tinhso_select_")


def test_the_pgbouncer_setting_turns_preparing_off(monkeypatch):
    from tinhso.conf.settings import base

    monkeypatch.setenv("DATABASE_PGBOUNCER", "true")
    assert base._database("postgres://u:p@127.0.0.1:6432/tinhso")["PREPARED_STATEMENTS"] is False
    monkeypatch.setenv("DATABASE_PGBOUNCER", "false")
    assert "PREPARED_STATEMENTS" not in base._database("postgres://u:p@127.0.0.1:5432/tinhso")


@pytest.mark.django_db(transaction=True)
def test_the_statement_that_opens_a_transaction_carries_its_begin():
    """The first statement of a transaction takes the driver's ``BEGIN`` along in one round trip; the
    transaction is the one the driver would have opened (a rollback undoes the statement, a commit keeps it),
    and outside a transaction, or after its first statement, a statement goes alone."""
    insert = f"INSERT INTO {TABLE} (series, period, last) VALUES (%s, %s, %s)"
    with connection.cursor() as cursor:  # both prepared now, outside any transaction (a first use prepares)
        statements.execute(cursor, READ, ["sổ", "2026"])
    statements.prepared_name(connection, insert)
    with pytest.raises(RuntimeError), transaction.atomic():
        with CaptureQueriesContext(connection) as captured, connection.cursor() as cursor:
            statements.execute(cursor, insert, ["bỏ", "2026", 1])
            statements.execute(cursor, READ, ["bỏ", "2026"])
            assert cursor.fetchall() == [("bỏ", "2026", 1)]
        sent = [q["sql"] for q in captured.captured_queries]
        if connection.vendor == "postgresql":
            assert connection.connection.pgconn.transaction_status == pq.TransactionStatus.INTRANS
            assert not connection.connection.autocommit
            assert sent[0].startswith("BEGIN; EXECUTE tinhso_insert_") and sent[1].startswith("EXECUTE tinhso_")
            assert statements.original(sent[0]) == insert
        raise RuntimeError
    assert not SeriesCounter.objects.filter(series="bỏ").exists()  # rolled back with the transaction
    assert connection.get_autocommit()
    with transaction.atomic(), connection.cursor() as cursor:
        statements.execute(cursor, insert, ["giữ", "2026", 7])
    with CaptureQueriesContext(connection) as captured, connection.cursor() as cursor:
        statements.execute(cursor, READ, ["giữ", "2026"])  # autocommit: no transaction to open
        assert cursor.fetchall() == [("giữ", "2026", 7)]
    assert not captured.captured_queries[0]["sql"].startswith("BEGIN")


@pytest.mark.django_db(transaction=True)
def test_a_refused_first_statement_leaves_the_transaction_to_be_rolled_back():
    insert = f"INSERT INTO {TABLE} (series, period, last) VALUES (%s, %s, %s)"
    with transaction.atomic(), connection.cursor() as cursor:
        statements.execute(cursor, insert, ["một", "2026", 1])
    from django.db import IntegrityError

    with pytest.raises(IntegrityError), transaction.atomic(), connection.cursor() as cursor:
        statements.execute(cursor, insert, ["một", "2026", 2])  # the same key again: refused
    assert connection.get_autocommit() and not connection.needs_rollback
    assert list(SeriesCounter.objects.filter(series="một").values_list("last", flat=True)) == [1]
    with transaction.atomic(), connection.cursor() as cursor:  # the connection goes on
        statements.execute(cursor, insert, ["hai", "2026", 2])
    assert SeriesCounter.objects.filter(series="hai").exists()
