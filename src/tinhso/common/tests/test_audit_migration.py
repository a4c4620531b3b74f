"""The single chain of earlier versions moves into stream 0, checked first: a broken one is never laundered."""

from __future__ import annotations

import datetime
import hashlib
import json

import pytest
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from tinhso.common import audit

BEFORE = [("common", "0004_series_counter")]
AFTER = [("common", "0007_audit_streams_constraints")]


def _migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


def _restore() -> None:
    """Leave the database as every other test expects it: every app at its latest migration (going back to
    0004 also unapplied the migrations after 0007, the workers' heartbeat table among them)."""
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())


@pytest.fixture(autouse=True)
def _every_migration_applied_after():
    yield
    executor = MigrationExecutor(connection)
    assert executor.migration_plan(executor.loader.graph.leaf_nodes()) == [], "a test left migrations unapplied"


def _old_hash(values: dict) -> str:
    canonical = json.dumps(json.loads(json.dumps(values, cls=DjangoJSONEncoder)), sort_keys=True,
                           ensure_ascii=False, separators=(",", ":"), cls=DjangoJSONEncoder)
    return hashlib.sha256(canonical.encode()).hexdigest()


def _legacy_chain(apps, count: int) -> list:
    """Entries written the way the single-chain version wrote them, with its head: the only entries of the
    database (what the flush before the test reseeded through the current version is not of that chain)."""
    Entry, Head = apps.get_model("common", "AuditEntry"), apps.get_model("common", "ChainHead")
    Entry.objects.all().delete()
    previous, made = audit.GENESIS, []
    for i in range(count):
        at = datetime.datetime(2026, 3, 2, 2, i, 0, 123456, tzinfo=datetime.UTC)
        values = {"at": at.isoformat(), "actor": None, "actor_label": "hệ thống", "request_id": "-",
                  "action": "update", "object_type": "directory.agency", "object_id": str(i),
                  "summary": f"Sở {i}", "before": {"tên": "cũ"}, "after": {"tên": f"mới {i}"},
                  "previous_hash": previous}
        entry = Entry.objects.create(at=at, actor_label="hệ thống", request_id="-", action="update",
                                     object_type="directory.agency", object_id=str(i), summary=f"Sở {i}",
                                     before={"tên": "cũ"}, after={"tên": f"mới {i}"}, previous_hash=previous,
                                     entry_hash=_old_hash(values))
        previous = entry.entry_hash
        made.append(entry)
    Head.objects.update_or_create(pk=1, defaults={"last_hash": previous})
    return made


@pytest.mark.django_db(transaction=True)
def test_an_intact_single_chain_becomes_stream_0_and_verifies():
    try:
        old_apps = _migrate(BEFORE)
        made = _legacy_chain(old_apps, 5)
        _migrate(AFTER)
        entries = list(audit.AuditEntry.objects.order_by("id"))
        assert [(e.pk, e.stream, e.seq) for e in entries] == [(m.pk, 0, i + 1) for i, m in enumerate(made)]
        assert entries[0].previous_hash == audit.GENESIS
        assert audit.AuditStream.objects.count() == audit.STREAMS
        assert audit.AuditStream.objects.get(pk=0).head_hash == entries[-1].entry_hash
        assert audit.verify().ok and audit.verify().checked == 5
        assert audit.record("action", "test.thing", "after-migration").seq >= 1
        assert audit.verify().ok
    finally:
        _restore()


@pytest.mark.django_db(transaction=True)
def test_a_broken_single_chain_stops_the_migration_naming_the_entry():
    try:
        old_apps = _migrate(BEFORE)
        made = _legacy_chain(old_apps, 4)
        old_apps.get_model("common", "AuditEntry").objects.filter(pk=made[2].pk).update(summary="forged")
        with pytest.raises(RuntimeError, match=f"#{made[2].pk}"):
            _migrate(AFTER)
    finally:
        old_apps = _migrate(BEFORE)
        old_apps.get_model("common", "AuditEntry").objects.all().delete()
        _restore()


@pytest.mark.django_db(transaction=True)
def test_deleted_last_entries_of_the_single_chain_stop_the_migration():
    try:
        old_apps = _migrate(BEFORE)
        made = _legacy_chain(old_apps, 3)
        old_apps.get_model("common", "AuditEntry").objects.filter(pk=made[2].pk).delete()
        with pytest.raises(RuntimeError, match="head"):
            _migrate(AFTER)
    finally:
        old_apps = _migrate(BEFORE)
        old_apps.get_model("common", "AuditEntry").objects.all().delete()
        _restore()
