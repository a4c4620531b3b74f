"""The audit chain: streams that do not wait on each other, seals kept out of a database edit's reach, and
`tinhso audit verify` naming every kind of tampering."""

from __future__ import annotations

import datetime
import json
import logging
import threading

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.db import connection, transaction

from tinhso.common import audit
from tinhso.common.audit import AuditEntry, AuditSeal, AuditStream

pytestmark = pytest.mark.django_db

ENTRIES = AuditEntry._meta.db_table
STREAMS = AuditStream._meta.db_table
SEALS = AuditSeal._meta.db_table


@pytest.fixture(autouse=True)
def empty_chain():
    """Each test builds its chain from nothing: the defaults that migrate (and the flush after a browser test)
    seed — alert rules, wall layout, gateway services — are audited too and would be counted here."""
    _sql(f"DELETE FROM {SEALS}")
    _sql(f"DELETE FROM {ENTRIES}")
    _sql(f"UPDATE {STREAMS} SET head_seq = 0, head_hash = %s", [audit.GENESIS])


def _append(n: int, stream: int | None = None, prefix: str = "") -> list[AuditEntry]:
    entries = []
    for i in range(n):
        if stream is not None:
            connection._audit_home = stream
        entries.append(audit.record("action", "test.thing", f"{prefix}{i}", after={"n": i}, summary=f"thing {i}"))
    return entries


def _sql(statement: str, params=()) -> None:
    with connection.cursor() as cursor:
        cursor.execute(statement, params)


def _delete(*entries: AuditEntry) -> None:
    for entry in entries:
        _sql(f"DELETE FROM {ENTRIES} WHERE id = %s", [entry.pk])


def _set_head(stream: int, seq: int, head: str) -> None:
    _sql(f"UPDATE {STREAMS} SET head_seq = %s, head_hash = %s WHERE id = %s", [seq, head, stream])


def _broken(result: audit.VerifyResult, entry: AuditEntry | None, fragment: str) -> None:
    assert not result.ok
    if entry is not None:
        assert result.broken_at == entry.pk, result.problems
    assert fragment in result.reason or any(fragment in p.reason for p in result.problems), result.problems


# -- appending ---------------------------------------------------------------------------------------------

def test_entries_link_each_to_the_one_before_in_their_stream():
    first, second, third = _append(3, stream=5)
    assert (first.stream, first.seq, first.previous_hash) == (5, 1, audit.GENESIS)
    assert (second.seq, second.previous_hash) == (2, first.entry_hash)
    assert (third.seq, third.previous_hash) == (3, second.entry_hash)
    assert third.entry_hash == AuditEntry.objects.get(pk=third.pk).compute_hash()
    assert AuditStream.objects.get(pk=5).head_hash == third.entry_hash
    assert audit.verify().ok
    assert audit.verify().checked == 3


def test_streams_are_independent_chains():
    a = _append(2, stream=1, prefix="a")
    b = _append(2, stream=2, prefix="b")
    assert b[0].previous_hash == audit.GENESIS and b[1].previous_hash == b[0].entry_hash
    assert AuditStream.objects.get(pk=1).head_hash == a[1].entry_hash
    assert audit.verify().checked == 4


def test_the_hash_the_server_computes_is_the_one_python_checks():
    entry = audit.record("update", "test.thing", "x", before={"tên": "Nghệ An", "n": 1.5, "d": "2026-03-02"},
                         after={"list": [1, None, True]}, summary="Sửa “tên”")
    stored = AuditEntry.objects.get(pk=entry.pk)
    assert stored.entry_hash == entry.entry_hash == stored.compute_hash()


def test_a_rolled_back_change_leaves_no_entry_and_no_gap():
    with pytest.raises(RuntimeError), transaction.atomic():
        _append(1, stream=3)
        raise RuntimeError("boom")
    assert not AuditEntry.objects.exists()
    entry = _append(1, stream=3)[0]
    assert entry.seq == 1
    assert audit.verify().ok


def test_tracked_model_changes_record_before_and_after_with_the_actor():
    user_model = get_user_model()
    audit.track(user_model, exclude=("password", "last_login"))
    actor = user_model.objects.create(username="actor")
    token = audit.set_actor(actor)
    try:
        target = user_model.objects.create(username="target", first_name="An")
        target.first_name = "Bình"
        target.save()
        target_pk = target.pk
        target.delete()
    finally:
        audit._current_actor.reset(token)
    entries = list(AuditEntry.objects.filter(object_type="auth.user", object_id=str(target_pk)))
    assert [e.action for e in entries] == ["create", "update", "delete"]
    assert entries[1].before["first_name"] == "An"
    assert entries[1].after["first_name"] == "Bình"
    assert "password" not in entries[1].after
    assert {e.actor_id for e in entries} == {actor.pk}
    assert audit.verify().ok


def test_entries_carry_the_request_id(client, admin_user):
    client.force_login(admin_user)
    response = client.get("/healthz", HTTP_X_REQUEST_ID="req-12345678")
    assert response["X-Request-ID"] == "req-12345678"
    from tinhso.common.middleware import _request_id

    token = _request_id.set("req-12345678")
    try:
        entry = audit.record("action", "test.thing", "1")
    finally:
        _request_id.reset(token)
    assert AuditEntry.objects.get(pk=entry.pk).request_id == "req-12345678"


def test_saving_without_a_change_writes_no_entry():
    user_model = get_user_model()
    audit.track(user_model, exclude=("password", "last_login"))
    user = user_model.objects.create(username="still")
    before = AuditEntry.objects.count()
    user.save()
    assert AuditEntry.objects.count() == before


def test_a_missing_stream_head_is_restored_from_its_last_entry_and_appends_continue(caplog):
    entries = _append(2, stream=4)
    _sql(f"DELETE FROM {STREAMS} WHERE id = 4")
    result = audit.verify()
    _broken(result, None, "stream head row deleted")
    _sql(f"DELETE FROM {STREAMS}")  # every head gone (as after emptying the tables)
    with caplog.at_level(logging.WARNING, logger="tinhso.audit"):
        more = _append(1, stream=4)[0]
    assert "restored" in caplog.text
    assert (more.seq, more.previous_hash) == (3, entries[1].entry_hash)
    assert audit.verify().ok


# -- tampering with entries ---------------------------------------------------------------------------------

def test_an_edited_entry_is_named_with_the_command():
    entries = _append(4, stream=0)
    _sql(f"UPDATE {ENTRIES} SET summary = %s WHERE id = %s", ["forged", entries[2].pk])
    result = audit.verify()
    _broken(result, entries[2], "content hash mismatch")
    assert result.checked == 2
    with pytest.raises(CommandError, match=f"#{entries[2].pk}"):
        call_command("audit", "verify")


def test_an_edited_before_or_after_is_named():
    entries = _append(3, stream=0)
    _sql(f"UPDATE {ENTRIES} SET after = %s WHERE id = %s", [json.dumps({"n": 99}), entries[1].pk])
    _broken(audit.verify(), entries[1], "content hash mismatch")


def test_deleting_the_first_entry_is_named():
    entries = _append(3, stream=0)
    _delete(entries[0])
    _broken(audit.verify(), entries[1], "entries removed")


def test_deleting_a_middle_entry_is_named():
    entries = _append(3, stream=0)
    _delete(entries[1])
    _broken(audit.verify(), entries[2], "entries removed")


def test_deleting_the_last_entry_is_named_by_the_head():
    entries = _append(3, stream=0)
    _delete(entries[2])
    _broken(audit.verify(), entries[1], "chain head mismatch")


def test_deleting_the_last_entries_and_the_head_is_named():
    entries = _append(4, stream=0)
    audit.seal()
    _delete(entries[2], entries[3])
    _sql(f"DELETE FROM {STREAMS} WHERE id = 0")
    result = audit.verify()
    _broken(result, entries[1], "trailing entries removed")
    assert any("stream head row deleted" in p.reason for p in result.problems)


def test_deleting_the_tail_and_copying_the_new_last_hash_into_the_head_is_named_by_the_seal():
    entries = _append(4, stream=0)
    audit.seal()
    _delete(entries[2], entries[3])
    _set_head(0, 2, entries[1].entry_hash)
    result = audit.verify()
    _broken(result, entries[1], "trailing entries removed")
    assert "niêm phong #1" in result.reason


def test_deleting_the_tail_the_head_and_the_seal_is_named_by_the_exported_checkpoint(tmp_path):
    entries = _append(4, stream=0)
    audit.seal()
    kept = tmp_path / "checkpoint.json"
    call_command("audit", "checkpoint", "export", "--output", str(kept))
    _delete(entries[2], entries[3])
    _set_head(0, 2, entries[1].entry_hash)
    _sql(f"DELETE FROM {SEALS}")
    assert audit.verify().ok  # inside the database alone the truncated chain is consistent…
    result = audit.verify(audit.read_checkpoints(kept.read_text()))
    _broken(result, entries[1], "trailing entries removed")  # …the auditor's copy is not
    assert any("seal removed" in p.reason for p in result.problems)
    with pytest.raises(CommandError, match=f"#{entries[1].pk}"):
        call_command("audit", "checkpoint", "verify", str(kept))


def test_the_seal_lines_of_the_log_serve_as_checkpoints(tmp_path, caplog):
    entries = _append(3, stream=0)
    with caplog.at_level(logging.INFO, logger="tinhso.audit"):
        audit.seal()
    log = tmp_path / "tinhso.log"
    log.write_text("2026-03-02 09:00:00 INFO other line\n" + "\n".join(
        f"2026-03-02 09:00:01 INFO tinhso.audit [-] {r.getMessage()}" for r in caplog.records) + "\n")
    assert audit.verify(audit.read_checkpoints(log.read_text())).ok
    _delete(entries[2])
    _set_head(0, 2, entries[1].entry_hash)
    _sql(f"DELETE FROM {SEALS}")
    with pytest.raises(CommandError, match="trailing entries removed"):
        call_command("audit", "verify", "--checkpoint", str(log))


def test_swapped_entries_are_named():
    entries = _append(4, stream=0)
    columns = "summary, after, object_id"
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {columns} FROM {ENTRIES} WHERE id = %s", [entries[1].pk])
        one = cursor.fetchone()
        cursor.execute(f"SELECT {columns} FROM {ENTRIES} WHERE id = %s", [entries[2].pk])
        two = cursor.fetchone()
        for target, row in ((entries[1], two), (entries[2], one)):
            cursor.execute(f"UPDATE {ENTRIES} SET summary = %s, after = %s, object_id = %s WHERE id = %s",
                           [row[0], row[1] if isinstance(row[1], str) else json.dumps(row[1]), row[2], target.pk])
    _broken(audit.verify(), entries[1], "content hash mismatch")


def test_reordered_entries_are_named():
    entries = _append(4, stream=0)
    _sql(f"UPDATE {ENTRIES} SET seq = -1 WHERE id = %s", [entries[1].pk])
    _sql(f"UPDATE {ENTRIES} SET seq = 2 WHERE id = %s", [entries[2].pk])
    _sql(f"UPDATE {ENTRIES} SET seq = 3 WHERE id = %s", [entries[1].pk])
    _broken(audit.verify(), entries[2], "previous hash mismatch")


def _rewrite_from(entry_index: int, entries: list[AuditEntry], summary: str) -> None:
    """A forger who edits an entry and recomputes every hash after it, and the head."""
    previous = entries[entry_index].previous_hash
    for entry in AuditEntry.objects.filter(stream=entries[0].stream, seq__gte=entries[entry_index].seq) \
            .order_by("seq"):
        if entry.pk == entries[entry_index].pk:
            entry.summary = summary
        entry.previous_hash = previous
        entry.entry_hash = entry.compute_hash()
        _sql(f"UPDATE {ENTRIES} SET summary = %s, previous_hash = %s, entry_hash = %s WHERE id = %s",
             [entry.summary, entry.previous_hash, entry.entry_hash, entry.pk])
        previous = entry.entry_hash
    _set_head(entries[0].stream, entries[-1].seq, previous)


def test_a_forged_entry_with_every_hash_recomputed_is_named_by_the_seal():
    entries = _append(4, stream=0)
    audit.seal()
    _rewrite_from(1, entries, "forged")
    assert [p.reason for p in audit.verify().problems if p.entry_id == entries[3].pk]
    _broken(audit.verify(), entries[3], "sealed hash mismatch")


def test_a_forged_entry_inserted_in_the_middle_is_named():
    entries = _append(3, stream=0)
    audit.seal()
    _sql(f"UPDATE {ENTRIES} SET seq = seq + 1 WHERE id = %s", [entries[2].pk])
    forged = AuditEntry(at=entries[1].at, actor_label="hệ thống", action="action", object_type="test.thing",
                        object_id="x", summary="inserted", stream=0, seq=3, previous_hash=entries[1].entry_hash)
    forged.entry_hash = forged.compute_hash()
    forged.save()
    _broken(audit.verify(), forged, "sealed hash mismatch")


def test_a_forged_entry_without_recomputed_hashes_is_named_by_the_next_link():
    entries = _append(3, stream=0)
    entry = AuditEntry.objects.get(pk=entries[1].pk)
    entry.summary = "forged"
    entry.entry_hash = entry.compute_hash()
    _sql(f"UPDATE {ENTRIES} SET summary = %s, entry_hash = %s WHERE id = %s",
         [entry.summary, entry.entry_hash, entry.pk])
    _broken(audit.verify(), entries[2], "previous hash mismatch")


def test_the_first_broken_link_is_the_earliest_across_streams():
    a = _append(3, stream=1, prefix="a")
    b = _append(3, stream=2, prefix="b")
    _sql(f"UPDATE {ENTRIES} SET summary = 'x' WHERE id = %s", [b[2].pk])
    _sql(f"UPDATE {ENTRIES} SET summary = 'x' WHERE id = %s", [a[1].pk])
    result = audit.verify()
    assert result.broken_at == a[1].pk
    assert len(result.problems) == 2


# -- seals ---------------------------------------------------------------------------------------------------

def test_a_seal_binds_every_head_in_a_merkle_root_chained_to_the_seal_before(caplog):
    _append(2, stream=1)
    with caplog.at_level(logging.INFO, logger="tinhso.audit"):
        first = audit.seal()
    assert first.number == 1 and first.previous_hash == audit.GENESIS and first.entries == 2
    assert first.root == audit.heads_root(audit.current_heads())
    assert audit.seal() is None  # nothing new
    _append(1, stream=2)
    second = audit.seal()
    assert (second.number, second.previous_hash, second.entries) == (2, first.seal_hash, 3)
    assert audit.SEAL_LOG_MARK in caplog.text
    line = next(r.getMessage() for r in caplog.records if audit.SEAL_LOG_MARK in r.getMessage())
    assert audit.read_checkpoints(line)[0]["seal_hash"] == first.seal_hash
    result = audit.verify()
    assert result.ok and result.seals == 2 and result.unsealed == 0


def test_the_merkle_root_is_rfc_6962s():
    import hashlib

    leaves = [b"a", b"b", b"c"]
    h = lambda data: hashlib.sha256(data).digest()  # noqa: E731
    left = h(b"\x01" + h(b"\x00a") + h(b"\x00b"))
    assert audit.merkle_root(leaves) == h(b"\x01" + left + h(b"\x00c")).hex()


def test_an_edited_seal_is_named():
    _append(2, stream=0)
    audit.seal()
    _sql(f"UPDATE {SEALS} SET entries = 1")
    _broken(audit.verify(), None, "seal content mismatch")


def test_a_removed_middle_seal_is_named():
    for i in range(3):
        _append(1, stream=0, prefix=str(i))
        audit.seal()
    _sql(f"DELETE FROM {SEALS} WHERE number = 2")
    _broken(audit.verify(), None, "seals removed")


def test_seals_that_rewind_a_stream_are_named():
    _append(2, stream=0)
    audit.seal()
    _append(1, stream=0, prefix="x")
    second = audit.seal()
    heads = [[s, 1 if s == 0 else q, h] for s, q, h in second.heads]
    root = audit.heads_root(heads)
    entries = sum(q for _, q, _ in heads)
    fixed = audit.seal_hash(2, second.sealed_at, second.previous_hash, root, entries)
    AuditSeal.objects.filter(pk=second.pk).update(heads=heads, root=root, entries=entries, seal_hash=fixed)
    _broken(audit.verify(), None, "stream rewound")


def test_entries_left_unsealed_too_long_are_named(monkeypatch):
    from django.utils import timezone

    real_now = timezone.now
    monkeypatch.setattr(timezone, "now", lambda: real_now() - datetime.timedelta(hours=1))
    _append(1, stream=0)
    monkeypatch.setattr(timezone, "now", real_now)
    _append(1, stream=1)
    grace = datetime.timedelta(minutes=15)
    _broken(audit.verify(unsealed_grace=grace), None, "unsealed entries")
    with pytest.raises(CommandError, match="unsealed entries"):
        call_command("audit", "verify")
    audit.seal()
    assert audit.verify(unsealed_grace=grace).ok
    call_command("audit", "verify")


def test_verify_command_reports_an_intact_sealed_chain(capsys):
    _append(2)
    call_command("audit", "seal")
    _append(1)
    call_command("audit", "verify")
    out = capsys.readouterr().out
    assert "3 bản ghi" in out and "1 niêm phong" in out and "Niêm phong mới nhất #1" in out
    assert "1 bản ghi mới hơn niêm phong" in out


def test_checkpoint_export_prints_the_latest_seal(capsys):
    _append(1)
    with pytest.raises(CommandError, match="Chưa có niêm phong"):
        call_command("audit", "checkpoint", "export")
    call_command("audit", "seal")
    call_command("audit", "checkpoint", "export")
    kept = json.loads(capsys.readouterr().out.split("\n", 1)[1])
    assert kept["format"] == audit.CHECKPOINT_FORMAT and kept["number"] == 1 and kept["entries"] == 1


def test_a_checkpoint_of_a_rewritten_seal_is_named(tmp_path):
    _append(2, stream=0)
    original = audit.seal().checkpoint()
    AuditSeal.objects.all().delete()
    _sql(f"UPDATE {ENTRIES} SET summary = 'rewritten'")
    for entry in AuditEntry.objects.order_by("seq"):  # a forger rewrites everything, seals included
        entry.previous_hash = AuditEntry.objects.filter(stream=0, seq=entry.seq - 1).values_list(
            "entry_hash", flat=True).first() or audit.GENESIS
        entry.entry_hash = entry.compute_hash()
        entry.save()
        _set_head(0, entry.seq, entry.entry_hash)
    audit.seal()
    assert audit.verify().ok
    result = audit.verify([original])
    assert any("seal rewritten" in p.reason for p in result.problems)
    assert any("sealed hash mismatch" in p.reason for p in result.problems)


# -- timestamps ----------------------------------------------------------------------------------------------

def test_seals_are_timestamped_when_a_tsa_is_configured(tsa):
    _append(2)
    made = audit.seal()
    assert made.timestamp_token and made.timestamp_time and not made.timestamp_error
    result = audit.verify()
    assert result.ok and result.last_seal.timestamp_time == made.timestamp_time


def test_a_seal_whose_token_does_not_match_is_named(tsa):
    _append(1, stream=0)
    first = audit.seal()
    _append(1, stream=0, prefix="b")
    second = audit.seal()
    AuditSeal.objects.filter(pk=second.pk).update(timestamp_token=bytes(first.timestamp_token))
    _broken(audit.verify(), None, "imprint mismatch")


def test_seals_rewritten_afterwards_cannot_carry_the_time_they_claim(tsa):
    _append(1, stream=0)
    made = audit.seal()
    earlier = made.sealed_at - datetime.timedelta(days=30)
    fixed = audit.seal_hash(1, earlier, made.previous_hash, made.root, made.entries)
    AuditSeal.objects.filter(pk=made.pk).update(sealed_at=earlier, seal_hash=fixed)
    bad = AuditSeal.objects.get(pk=made.pk)
    audit._stamp(bad)  # a fresh token over the forged seal: its time is now, not the claimed one
    AuditSeal.objects.filter(pk=made.pk).update(timestamp_token=bad.timestamp_token)
    _broken(audit.verify(), None, "timestamp time out of range")


def test_a_tsa_that_is_down_leaves_the_seal_to_be_stamped_later(tsa):
    _append(1)
    tsa.stop()
    made = audit.seal()
    assert made.timestamp_token is None and "unreachable" in made.timestamp_error
    assert audit.verify().ok
    tsa.start()
    assert audit.stamp_pending() == 1
    stamped = AuditSeal.objects.get(pk=made.pk)
    assert stamped.timestamp_token and not stamped.timestamp_error
    assert audit.verify().ok


def test_the_sealer_command_reports_what_it_sealed(tsa, capsys):
    _append(1)
    call_command("audit", "seal")
    assert "Niêm phong #1: 1 bản ghi (có dấu thời gian)" in capsys.readouterr().out
    call_command("audit", "seal")
    assert "Không có bản ghi mới" in capsys.readouterr().out


# -- concurrency ---------------------------------------------------------------------------------------------

@pytest.mark.django_db(transaction=True)
def test_appends_of_concurrent_transactions_do_not_wait_on_each_other():
    # SQLite has one writer at a time (the whole database is the lock): there the property is PostgreSQL's.
    if connection.vendor != "postgresql":
        return
    audit.restore_streams()  # the heads exist, committed (a flush between tests empties the table)
    holding, done = threading.Event(), threading.Event()
    errors: list = []
    second_done_while_first_open: list[bool] = []

    def first():
        try:
            with transaction.atomic():
                connection._audit_home = 7
                audit.record("action", "test.thing", "first")
                holding.set()
                # stays open while the other transaction appends and commits
                second_done_while_first_open.append(done.wait(10))
        except Exception as error:
            errors.append(error)
        finally:
            connection.close()

    def second():
        try:
            holding.wait(10)
            with transaction.atomic():
                connection._audit_home = 7  # even when aiming at the same stream
                audit.record("action", "test.thing", "second")
            done.set()
        except Exception as error:
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(20)
    assert not errors
    assert second_done_while_first_open == [True]  # the second committed while the first held its stream
    # (the module indicators reseeded after the last flush wrote entries of their own: only these two count)
    streams = set(AuditEntry.objects.filter(object_type="test.thing").values_list("stream", flat=True))
    assert len(streams) == 2
    assert audit.verify().ok


@pytest.mark.django_db(transaction=True)
def test_many_concurrent_writers_leave_intact_gap_free_streams():
    from tinhso.testing.concurrency import run_together

    def work(i):
        with transaction.atomic():  # one transaction per call: a busy SQLite makes run_together retry it whole
            audit.record("action", "test.thing", f"{i}", after={"i": i})
            audit.record("action", "test.thing", f"{i}-b")
        return i

    already = AuditEntry.objects.count()  # what the flush before this test reseeded (module indicators)
    for _ in range(5):
        assert run_together(work, 8) == list(range(8))
    assert AuditEntry.objects.filter(object_type="test.thing").count() == 80
    assert AuditEntry.objects.count() == already + 80
    result = audit.verify()
    assert result.ok and result.checked == already + 80
    if connection.vendor == "postgresql":
        assert AuditEntry.objects.values("stream").distinct().count() > 1
    for stream in AuditStream.objects.all():
        seqs = list(AuditEntry.objects.filter(stream=stream.id).order_by("seq").values_list("seq", flat=True))
        assert seqs == list(range(1, stream.head_seq + 1))
