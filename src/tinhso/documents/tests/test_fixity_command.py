"""`tinhso documents fixity [--enqueue] [--every SECONDS]`: the archive's digests re-verified now, from the task
queue, or again and again; a mismatch is on the audit chain and a single run that finds one exits 1."""

from __future__ import annotations

import io

import pytest
from django.core.files.base import ContentFile
from django.core.management import CommandError, call_command

from tinhso.common.audit import AuditEntry
from tinhso.documents import archive, services
from tinhso.documents.management.commands import documents as command
from tinhso.documents.models import ArchiveRecord, RetentionPeriod
from tinhso.documents.tests.factories import issued, records_office

pytestmark = pytest.mark.django_db


def _archived():
    office = records_office("SKHCN")
    document = issued(office, files=[services.FileInput("qd.pdf", b"%PDF-1.7 quyet dinh", "application/pdf")])
    kept = archive.archive(document, RetentionPeriod.objects.get(code="10-nam"), by=office.clerk)
    ArchiveRecord.objects.filter(pk=kept.pk).update(checked_at=None)
    return kept, document.attachments.get()


def _tamper(attachment):
    attachment.file.storage.delete(attachment.file.name)
    attachment.file.storage.save(attachment.file.name, ContentFile(b"%PDF-1.7 da bi sua"))


def _mismatches() -> int:
    return AuditEntry.objects.filter(summary__startswith="Sai lệch toàn vẹn").count()


def test_fixity_checks_every_record_and_exits_1_on_a_mismatch():
    kept, attachment = _archived()
    out = io.StringIO()
    call_command("documents", "fixity", stdout=out)
    assert "Đã kiểm tra 1 hồ sơ lưu trữ, 0 hồ sơ sai lệch." in out.getvalue()
    kept.refresh_from_db()
    assert kept.checked_at is not None and kept.intact

    _tamper(attachment)
    start = _mismatches()
    with pytest.raises(CommandError) as failed:
        call_command("documents", "fixity", stdout=io.StringIO())
    assert failed.value.returncode == 1 and "1 hồ sơ sai lệch" in str(failed.value)
    kept.refresh_from_db()
    assert kept.intact is False and _mismatches() == start + 1


def test_fixity_enqueue_hands_the_check_to_the_task_queue():
    kept, attachment = _archived()
    _tamper(attachment)
    start = _mismatches()
    out = io.StringIO()
    call_command("documents", "fixity", "--enqueue", stdout=out)  # the test backend runs the task at once
    assert "Đã đưa việc kiểm tra toàn vẹn kho lưu trữ vào hàng đợi." in out.getvalue()
    kept.refresh_from_db()
    assert kept.checked_at is not None and kept.intact is False and _mismatches() == start + 1


def test_fixity_every_repeats_until_stopped(monkeypatch):
    _archived()
    pauses = []

    def sleep(seconds):
        pauses.append(seconds)
        if len(pauses) == 2:
            raise KeyboardInterrupt

    monkeypatch.setattr(command.time, "sleep", sleep)
    out = io.StringIO()
    with pytest.raises(KeyboardInterrupt):
        call_command("documents", "fixity", "--every", "30", stdout=out)
    assert out.getvalue().count("Đã kiểm tra 1 hồ sơ lưu trữ") == 2 and pauses == [30.0, 30.0]
