import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.db import connection

from tinhso.common import audit
from tinhso.common.audit import AuditEntry

pytestmark = pytest.mark.django_db


def _append(n: int) -> list[AuditEntry]:
    return [audit.record("action", "test.thing", str(i), after={"n": i}, summary=f"thing {i}") for i in range(n)]


def test_entries_link_each_to_the_hash_of_the_one_before():
    first, second, third = _append(3)
    assert first.previous_hash == audit.GENESIS
    assert second.previous_hash == first.entry_hash
    assert third.previous_hash == second.entry_hash
    assert audit.verify().ok
    assert audit.verify().checked == 3


def test_verify_names_the_row_changed_behind_the_applications_back():
    entries = _append(4)
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {AuditEntry._meta.db_table} SET summary = %s WHERE id = %s", ["forged", entries[2].pk]
        )
    result = audit.verify()
    assert not result.ok
    assert result.broken_at == entries[2].pk
    assert result.checked == 2
    with pytest.raises(CommandError, match=f"#{entries[2].pk}"):
        call_command("audit", "verify")


def test_verify_notices_a_deleted_entry_in_the_middle():
    entries = _append(3)
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {AuditEntry._meta.db_table} WHERE id = %s", [entries[1].pk])
    result = audit.verify()
    assert result.broken_at == entries[2].pk


def test_verify_notices_the_last_entries_deleted():
    entries = _append(3)
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {AuditEntry._meta.db_table} WHERE id = %s", [entries[2].pk])
    result = audit.verify()
    assert not result.ok
    assert result.broken_at == entries[1].pk


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


def test_saving_without_a_change_writes_no_entry():
    user_model = get_user_model()
    audit.track(user_model, exclude=("password", "last_login"))
    user = user_model.objects.create(username="still")
    before = AuditEntry.objects.count()
    user.save()
    assert AuditEntry.objects.count() == before


def test_a_rolled_back_change_leaves_no_entry():
    from django.db import transaction

    with pytest.raises(RuntimeError), transaction.atomic():
        audit.record("action", "test.thing", "1")
        raise RuntimeError("boom")
    assert not AuditEntry.objects.exists()
    assert audit.verify().ok


def test_verify_command_reports_an_intact_chain(capsys):
    _append(2)
    call_command("audit", "verify")
    assert "2 bản ghi" in capsys.readouterr().out
