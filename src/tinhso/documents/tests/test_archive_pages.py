"""The archive's pages under /van-ban/luu-tru/: archiving a closed document from its page, the records list
and record page scoped to the agency, the BagIt export of the filtered records, and disposal lists proposed by
the records office and approved by another leader of the agency."""

from __future__ import annotations

import datetime
import hashlib
import io
import zipfile

import pytest
from django.urls import reverse

from tinhso.common.audit import AuditEntry
from tinhso.documents import archive, services
from tinhso.documents.models import ArchiveRecord, DisposalList, RetentionPeriod
from tinhso.documents.tests.factories import incoming_input, issued, records_office

pytestmark = pytest.mark.django_db


@pytest.fixture
def two_offices():
    return records_office("SKHCN"), records_office("SYT")


def _retention(code: str) -> RetentionPeriod:
    return RetentionPeriod.objects.get(code=code)


def test_the_records_office_archives_a_closed_document_from_its_page(client, two_offices):
    office, _ = two_offices
    document = issued(office, subject="Quyết định về Đề án 06",
                      files=[services.FileInput("qd.pdf", b"%PDF-1.7 quyet dinh", "application/pdf")])
    client.force_login(office.clerk)
    page = client.get(reverse("documents:outgoing-detail", args=[document.pk])).content.decode()
    assert "Đưa vào lưu trữ" in page and _retention("10-nam").legal_source in page
    answer = client.post(reverse("documents:outgoing-archive", args=[document.pk]),
                         {"thoi-han": _retention("10-nam").pk})
    kept = ArchiveRecord.objects.get(outgoing=document)
    assert answer.status_code == 302 and answer["Location"] == reverse("documents:archive-detail", args=[kept.pk])
    assert kept.retention.code == "10-nam" and kept.keep_until.year == datetime.date.today().year + 10
    assert AuditEntry.objects.filter(object_type="documents.archiverecord", object_id=str(kept.pk),
                                     summary__startswith="Đưa vào lưu trữ").exists()
    record_page = client.get(answer["Location"]).content.decode()
    assert kept.sha256 in record_page and _retention("10-nam").legal_source in record_page
    assert "Nguyên vẹn" in record_page and kept.keep_until.strftime("%d/%m/%Y") in record_page
    again = client.post(reverse("documents:outgoing-archive", args=[document.pk]),
                        {"thoi-han": _retention("5-nam").pk})
    assert again.status_code == 409 and "Văn bản đã được lưu trữ." in again.content.decode()
    assert ArchiveRecord.objects.count() == 1


def test_an_open_document_is_refused_with_a_message_and_nothing_is_written(client, two_offices):
    office, _ = two_offices
    open_one = services.register_incoming(office.agency, incoming_input(), by=office.clerk)
    client.force_login(office.clerk)
    assert "Đưa vào lưu trữ" not in client.get(
        reverse("documents:incoming-detail", args=[open_one.pk])).content.decode()
    entries = AuditEntry.objects.count()
    answer = client.post(reverse("documents:incoming-archive", args=[open_one.pk]),
                         {"thoi-han": _retention("10-nam").pk})
    assert answer.status_code == 409
    assert "Chỉ lưu trữ văn bản đã kết thúc xử lý." in answer.content.decode()
    missing = client.post(reverse("documents:incoming-archive", args=[open_one.pk]), {"thoi-han": ""})
    assert missing.status_code == 400 and "Vui lòng chọn thời hạn bảo quản." in missing.content.decode()
    assert not ArchiveRecord.objects.exists() and AuditEntry.objects.count() == entries
    # a handler, not the records office, may not archive
    client.force_login(office.handler)
    refused = client.post(reverse("documents:outgoing-archive", args=[issued(office).pk]),
                          {"thoi-han": _retention("10-nam").pk})
    assert refused.status_code in (403, 404) and not ArchiveRecord.objects.exists()


def test_another_agencys_records_answer_404_on_the_pages_and_the_export(client, two_offices):
    office, other = two_offices
    mine = archive.archive(issued(office, subject="Kế hoạch chuyển đổi số"), _retention("10-nam"),
                           by=office.clerk)
    theirs = archive.archive(issued(other, subject="Kế hoạch y tế số"), _retention("10-nam"), by=other.clerk)
    client.force_login(office.clerk)
    listing = client.get(reverse("documents:archive")).content.decode()
    assert "Kế hoạch chuyển đổi số" in listing and "Kế hoạch y tế số" not in listing
    assert client.get(reverse("documents:archive-detail", args=[theirs.pk])).status_code == 404
    assert client.get(reverse("documents:archive-detail", args=[mine.pk])).status_code == 200
    assert client.get(reverse("documents:archive"), {"co-quan": other.agency.pk}).status_code == 404
    assert client.get(reverse("documents:archive"), {"co-quan": other.agency.pk, "xuat": "bagit"}).status_code == 404
    assert client.post(reverse("documents:outgoing-archive", args=[theirs.outgoing_id]),
                       {"thoi-han": _retention("5-nam").pk}).status_code == 404
    bag = zipfile.ZipFile(io.BytesIO(client.get(reverse("documents:archive"), {"xuat": "bagit"}).content))
    metadata = bag.read("bag/data/0001/metadata.json").decode()
    assert "Kế hoạch chuyển đổi số" in metadata and "bag/data/0002/metadata.json" not in bag.namelist()


def test_the_list_searches_accent_insensitively_filters_by_retention_and_exports_a_valid_bag(client, two_offices):
    office, _ = two_offices
    wanted = archive.archive(issued(office, subject="Về việc triển khai Đề án 06", files=[
        services.FileInput("de-an.pdf", b"%PDF-1.7 de an 06", "application/pdf"),
        services.FileInput("phu-luc.xlsx", b"PK phu luc", "application/octet-stream")]),
        _retention("vinh-vien"), by=office.clerk)
    archive.archive(issued(office, subject="Về việc khác"), _retention("5-nam"), by=office.clerk)
    client.force_login(office.clerk)
    page = client.get(reverse("documents:archive"), {"q": "de an 06"}).content.decode()
    assert "Đề án 06" in page and "Về việc khác" not in page
    by_notation = client.get(reverse("documents:archive"), {"q": wanted.outgoing.notation}).content.decode()
    assert "Đề án 06" in by_notation and "Về việc khác" not in by_notation
    page = client.get(reverse("documents:archive"), {"thoi-han": "5-nam"}).content.decode()
    assert "Về việc khác" in page and "Đề án 06" not in page

    answer = client.get(reverse("documents:archive"), {"q": "de an 06", "xuat": "bagit"})
    assert answer.status_code == 200 and answer["Content-Type"] == "application/zip"
    bag = zipfile.ZipFile(io.BytesIO(answer.content))
    names = set(bag.namelist())
    assert {"bag/bagit.txt", "bag/bag-info.txt", "bag/manifest-sha256.txt", "bag/tagmanifest-sha256.txt",
            "bag/data/0001/metadata.json", "bag/data/0001/de-an.pdf", "bag/data/0001/phu-luc.xlsx"} == names
    assert bag.read("bag/bagit.txt") == b"BagIt-Version: 1.0\nTag-File-Character-Encoding: UTF-8\n"
    manifest = bag.read("bag/manifest-sha256.txt").decode().splitlines()
    payload = {name for name in names if name.startswith("bag/data/")}
    assert {f"bag/{line.split('  ', 1)[1]}" for line in manifest} == payload
    for line in manifest:
        digest, path = line.split("  ", 1)
        assert hashlib.sha256(bag.read(f"bag/{path}")).hexdigest() == digest
    for line in bag.read("bag/tagmanifest-sha256.txt").decode().splitlines():
        digest, path = line.split("  ", 1)
        assert hashlib.sha256(bag.read(f"bag/{path}")).hexdigest() == digest
    info = dict(line.split(": ", 1) for line in bag.read("bag/bag-info.txt").decode().splitlines())
    octets = sum(len(bag.read(name)) for name in payload)
    assert info["Payload-Oxum"] == f"{octets}.{len(payload)}"
    assert wanted.sha256 in bag.read("bag/data/0001/metadata.json").decode()

    nothing = client.get(reverse("documents:archive"), {"q": "khong co gi", "xuat": "bagit"})
    assert nothing.status_code == 400 and "Không có hồ sơ nào để xuất." in nothing.content.decode()


def test_disposal_is_proposed_by_the_records_office_and_approved_by_another_leader(client, two_offices, monkeypatch):
    office, other = two_offices
    document = issued(office, files=[services.FileInput("bc.pdf", b"%PDF-1.7 bao cao", "application/pdf")])
    short = archive.archive(document, _retention("5-nam"), by=office.clerk)
    permanent = archive.archive(issued(office), _retention("vinh-vien"), by=office.clerk)
    client.force_login(office.clerk)
    refused = client.post(reverse("documents:disposal-propose"), {"co-quan": office.agency.pk})
    assert refused.status_code == 409 and "Không có tài liệu nào hết thời hạn bảo quản." in refused.content.decode()
    assert not DisposalList.objects.exists()

    later = short.keep_until + datetime.timedelta(days=1)
    monkeypatch.setattr(archive.timezone, "localdate", lambda *args: later)
    answer = client.post(reverse("documents:disposal-propose"), {"co-quan": office.agency.pk})
    listing = DisposalList.objects.get()
    assert answer.status_code == 302 and answer["Location"] == reverse("documents:disposal-detail",
                                                                       args=[listing.pk])
    assert list(listing.records.all()) == [short]
    page = client.get(answer["Location"]).content.decode()
    assert short.title in page and "Phê duyệt và tiêu hủy" not in page  # the clerk is no leader

    attachment = document.attachments.get()
    self_approved = client.post(answer["Location"])
    assert self_approved.status_code == 403
    assert "Bạn không có quyền" in self_approved.content.decode()
    assert attachment.file.storage.exists(attachment.file.name)

    client.force_login(other.leader)  # a leader of another agency does not even see the list
    assert client.post(answer["Location"]).status_code == 404
    assert client.get(reverse("documents:disposal")).content.decode().count(office.agency.name) == 0

    client.force_login(office.leader)
    assert "Phê duyệt và tiêu hủy" in client.get(answer["Location"]).content.decode()
    approved = client.post(answer["Location"])
    assert approved.status_code == 302
    short.refresh_from_db()
    permanent.refresh_from_db()
    assert short.disposed_at is not None and permanent.disposed_at is None
    assert not attachment.file.storage.exists(attachment.file.name)
    assert AuditEntry.objects.filter(object_type="documents.archiverecord", object_id=str(short.pk),
                                     summary__startswith="Tiêu hủy").exists()
    twice = client.post(answer["Location"])
    assert twice.status_code == 409 and "Danh mục đã được phê duyệt." in twice.content.decode()


def test_the_proposer_may_not_approve_their_own_list(client, two_offices, monkeypatch):
    office, _ = two_offices
    from tinhso.directory.models import Role
    from tinhso.directory.tests.factories import MembershipFactory

    MembershipFactory(user=office.leader, agency=office.agency, role=Role.RECEIVER,
                      valid_from=datetime.date(2020, 1, 1))
    short = archive.archive(issued(office), _retention("5-nam"), by=office.clerk)
    monkeypatch.setattr(archive.timezone, "localdate", lambda *args: short.keep_until + datetime.timedelta(days=1))
    client.force_login(office.leader)
    client.post(reverse("documents:disposal-propose"), {"co-quan": office.agency.pk})
    listing = DisposalList.objects.get()
    answer = client.post(reverse("documents:disposal-detail", args=[listing.pk]))
    assert answer.status_code == 403 and "Người lập danh mục không tự phê duyệt." in answer.content.decode()
    short.refresh_from_db()
    assert short.disposed_at is None
