"""A fixity mismatch alerts the agency's records office: a record found changed (or its file gone) is marked,
put on the audit chain at every check, and notified to the clerks of its agency once, in each one's language;
the check goes on past a missing file."""

from __future__ import annotations

import pytest
from django.core.files.base import ContentFile

from tinhso.common.audit import AuditEntry
from tinhso.common.notices import recipients
from tinhso.common.notices.models import Notice
from tinhso.directory.models import Role
from tinhso.directory.tests.factories import MembershipFactory, UserFactory
from tinhso.documents import archive, services
from tinhso.documents.models import ArchiveRecord, RetentionPeriod
from tinhso.documents.tests.factories import issued, records_office

pytestmark = pytest.mark.django_db


def _archived(office, content: bytes = b"%PDF-1.7 quyet dinh"):
    document = issued(office, files=[services.FileInput("qd.pdf", content, "application/pdf")])
    return document, archive.archive(document, RetentionPeriod.objects.get(code="vinh-vien"), by=office.clerk)


def _tamper(document) -> None:
    attachment = document.attachments.get()
    attachment.file.storage.delete(attachment.file.name)
    attachment.file.storage.save(attachment.file.name, ContentFile(b"%PDF-1.7 da bi sua"))


def _audited(kept) -> int:
    return AuditEntry.objects.filter(object_type="documents.archiverecord", object_id=str(kept.pk),
                                     summary__startswith="Sai lệch toàn vẹn").count()


def test_a_mismatch_is_notified_to_the_records_office_of_the_agency_once():
    office = records_office("SKHCN")
    other = records_office("STP")
    document, kept = _archived(office)
    _archived(other)
    admin = UserFactory()
    MembershipFactory(user=admin, agency=office.agency, role=Role.AGENCY_ADMIN, valid_from=kept.archived_at.date())

    assert archive.verify_fixity() == {"checked": 2, "mismatched": 0}
    assert not Notice.objects.filter(kind="documents.fixity_mismatch").exists()

    _tamper(document)
    assert archive.verify_fixity() == {"checked": 2, "mismatched": 1}
    kept.refresh_from_db()
    assert kept.intact is False and _audited(kept) == 1
    notices = Notice.objects.filter(kind="documents.fixity_mismatch")
    # the records office of the record's agency (its receiving officer and its administrator), nobody else:
    # not its leader or handler, not the other agency's clerk
    assert {n.user for n in notices} == {office.clerk, admin}
    notice = notices.get(user=office.clerk)
    assert notice.link == f"/van-ban/luu-tru/{kept.pk}/" and notice.agency_id == office.agency.pk
    assert kept.title in notice.text and "SHA-256" in notice.text

    # still changed at the next check: on the audit chain again, the office is not told twice
    assert archive.verify_fixity()["mismatched"] == 1
    assert _audited(kept) == 2
    assert Notice.objects.filter(kind="documents.fixity_mismatch").count() == 2


def test_a_file_gone_from_storage_is_a_mismatch_and_the_check_goes_on():
    office = records_office("SKHCN")
    document, kept = _archived(office)
    _second, intact = _archived(office, b"%PDF-1.7 bao cao")
    attachment = document.attachments.get()
    attachment.file.storage.delete(attachment.file.name)
    assert archive.verify_fixity() == {"checked": 2, "mismatched": 1}
    assert ArchiveRecord.objects.get(pk=kept.pk).intact is False
    assert ArchiveRecord.objects.get(pk=intact.pk).intact is True
    assert Notice.objects.filter(kind="documents.fixity_mismatch", user=office.clerk).count() == 1


def test_the_alert_speaks_the_clerks_language():
    office = records_office("SKHCN")
    document, _kept = _archived(office)
    clerk = office.clerk

    def english_speaker(user):
        return recipients.Contact(email=user.email, language="en") if user.pk == clerk.pk else None

    recipients.register_contact_source(english_speaker)
    try:
        _tamper(document)
        archive.verify_fixity()
    finally:
        recipients._SOURCES.remove(english_speaker)
    notice = Notice.objects.get(kind="documents.fixity_mismatch", user=clerk)
    assert notice.subject.startswith("Archive record altered") and "SHA-256" in notice.text
