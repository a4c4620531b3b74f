"""The electronic archive: a closed document moves in with its retention and SHA-256; the fixity check finds a
file changed in storage and puts it on the audit chain; a set of records exports as a BagIt package whose
manifests match its files."""

from __future__ import annotations

import hashlib
import io
import zipfile

import pytest
from django.core.files.base import ContentFile

from tinhso.common.audit import AuditEntry
from tinhso.documents import archive, services
from tinhso.documents.models import RetentionPeriod
from tinhso.documents.tests.factories import incoming_input, issued, records_office

pytestmark = pytest.mark.django_db


def test_closed_documents_are_archived_checked_for_fixity_and_exported_as_a_bag():
    office = records_office("SKHCN")
    document = issued(office, files=[services.FileInput("qd.pdf", b"%PDF-1.7 quyet dinh", "application/pdf")])
    open_one = services.register_incoming(office.agency, incoming_input(), by=office.clerk)
    with pytest.raises(services.DocumentError):
        archive.archive(open_one, RetentionPeriod.objects.get(code="10-nam"), by=office.clerk)
    kept = archive.archive(document, RetentionPeriod.objects.get(code="vinh-vien"), by=office.clerk)
    assert kept.keep_until is None and len(kept.sha256) == 64
    assert archive.verify_fixity() == {"checked": 1, "mismatched": 0}

    bag = zipfile.ZipFile(io.BytesIO(archive.export_bag([kept], source_organization=office.agency.name)))
    names = set(bag.namelist())
    assert {"bag/bagit.txt", "bag/bag-info.txt", "bag/manifest-sha256.txt", "bag/tagmanifest-sha256.txt",
            "bag/data/0001/metadata.json", "bag/data/0001/qd.pdf"} <= names
    for line in bag.read("bag/manifest-sha256.txt").decode().splitlines():
        digest, path = line.split("  ", 1)
        assert hashlib.sha256(bag.read(f"bag/{path}")).hexdigest() == digest
    assert b"BagIt-Version: 1.0" in bag.read("bag/bagit.txt")

    attachment = document.attachments.get()
    attachment.file.storage.delete(attachment.file.name)
    attachment.file.storage.save(attachment.file.name, ContentFile(b"%PDF-1.7 da bi sua"))
    start = AuditEntry.objects.filter(summary__startswith="Sai lệch toàn vẹn").count()
    assert archive.verify_fixity() == {"checked": 1, "mismatched": 1}
    kept.refresh_from_db()
    assert kept.intact is False
    assert AuditEntry.objects.filter(summary__startswith="Sai lệch toàn vẹn").count() == start + 1


def test_disposal_only_through_a_list_a_leader_approves():
    import datetime

    office = records_office("SKHCN")
    document = issued(office, files=[services.FileInput("bc.pdf", b"%PDF-1.7 bao cao", "application/pdf")])
    short = archive.archive(document, RetentionPeriod.objects.get(code="5-nam"), by=office.clerk)
    permanent = archive.archive(issued(office), RetentionPeriod.objects.get(code="vinh-vien"), by=office.clerk)
    with pytest.raises(services.DocumentError):
        archive.propose_disposal(office.agency, by=office.clerk)  # nothing has ended yet
    later = short.keep_until + datetime.timedelta(days=1)
    listing = archive.propose_disposal(office.agency, by=office.clerk, on=later)
    assert list(listing.records.all()) == [short]
    with pytest.raises(services.DocumentError) as refused:
        archive.approve_disposal(listing, by=office.clerk)
    assert refused.value.status == 403
    attachment = document.attachments.get()
    assert attachment.file.storage.exists(attachment.file.name)
    archive.approve_disposal(listing, by=office.leader)
    short.refresh_from_db()
    permanent.refresh_from_db()
    assert short.disposed_at is not None and permanent.disposed_at is None
    assert not attachment.file.storage.exists(attachment.file.name)
    assert AuditEntry.objects.filter(object_type="documents.archiverecord", object_id=str(short.pk),
                                     summary__startswith="Tiêu hủy").exists()
