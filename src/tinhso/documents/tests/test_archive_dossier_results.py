"""The results of returned dossiers move into the archive: once the return commits, the task queue archives
the dossier's result files with its metadata under the schedule's line for results, in the archive of the
agency that decided it; the records office finds, reads and downloads them (its own agency only), exports
them as BagIt; the one-stop flow never fails because of the archive."""

from __future__ import annotations

import datetime
import hashlib
import io
import json
import logging
import zipfile

import pytest
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile

from tinhso.common.audit import AuditEntry
from tinhso.directory.models import Role
from tinhso.documents import archive
from tinhso.documents.models import ArchiveRecord, RetentionPeriod
from tinhso.documents.tests.factories import records_office
from tinhso.dossiers import services
from tinhso.dossiers.models import DocumentKind, DossierDocument, State
from tinhso.dossiers.tests.factories import ProcedureWithRouteFactory, dossier_in_state, officer

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\nGiay phep thu nghiem\n%%EOF\n"


def _ready(agency, *, files=(("giay-phep.pdf", PDF),), name="Cấp giấy phép hoạt động thử nghiệm"):
    version = ProcedureWithRouteFactory(agency=agency, name=name)
    dossier = dossier_in_state(State.RESULT_READY, version, agency, name="Nguyễn Văn An")
    returner = officer(Role.RETURNER, agency)
    for file_name, content in files:
        services.attach_document(dossier, actor=returner, kind=DocumentKind.RESULT,
                                 upload=SimpleUploadedFile(file_name, content, content_type="application/pdf"))
    dossier.refresh_from_db()
    return dossier, returner


def _return(dossier, returner, capture):
    with capture(execute=True):  # the commit: the signal queues the task, which the test backend runs at once
        return services.return_result(dossier, actor=returner, expected_version=dossier.version, method="desk")


def test_a_returned_dossiers_result_moves_into_the_agencys_archive(django_capture_on_commit_callbacks):
    office = records_office("SKHCN")
    dossier, returner = _ready(office.agency)
    returned = _return(dossier, returner, django_capture_on_commit_callbacks)
    assert returned.state == State.RETURNED
    dossier.refresh_from_db()

    kept = ArchiveRecord.objects.get(dossier=dossier)
    assert kept.agency == office.agency and kept.retention == RetentionPeriod.objects.get(dossier_results=True)
    assert kept.retention.code == "vinh-vien" and kept.keep_until is None
    assert kept.title == "Cấp giấy phép hoạt động thử nghiệm — Nguyễn Văn An" and kept.reference == dossier.code
    assert kept.sha256 == archive.content_digest(dossier) and len(kept.sha256) == 64
    assert archive.metadata(dossier)["DossierCode"] == dossier.code
    assert AuditEntry.objects.filter(object_type="documents.archiverecord", object_id=str(kept.pk),
                                     summary__startswith=f"Đưa vào lưu trữ kết quả hồ sơ {dossier.code}").exists()
    assert archive.archive_dossier_result(dossier.pk) == kept  # once per dossier
    assert ArchiveRecord.objects.filter(dossier=dossier).count() == 1
    assert archive.verify_fixity() == {"checked": 1, "mismatched": 0}

    # a file stored as a result after the return (the engine refuses it; a data fix might not) is not part of
    # the archived result: no false alarm
    later = DossierDocument(dossier=dossier, kind=DocumentKind.RESULT, original_name="ban-sao.pdf",
                            content_type="application/pdf", size=len(PDF), checksum=hashlib.sha256(PDF).hexdigest(),
                            uploaded_at=dossier.finished_at + datetime.timedelta(minutes=5))
    later.file.save("ban-sao", ContentFile(PDF), save=True)
    assert archive.verify_fixity() == {"checked": 1, "mismatched": 0}


def test_the_records_office_finds_reads_downloads_and_exports_the_result(client, django_capture_on_commit_callbacks):
    office = records_office("SKHCN")
    other = records_office("STP")
    dossier, returner = _ready(office.agency)
    _return(dossier, returner, django_capture_on_commit_callbacks)
    kept = ArchiveRecord.objects.get(dossier=dossier)

    link = f'href="/van-ban/luu-tru/{kept.pk}/"'
    client.force_login(office.clerk)
    for query in (dossier.code, "giay phep hoat dong", "NGUYEN VAN AN"):  # accent- and case-insensitive
        page = client.get("/van-ban/luu-tru/", {"q": query})
        assert page.status_code == 200 and link in page.content.decode(), query
    assert link not in client.get("/van-ban/luu-tru/", {"q": "quyet dinh"}).content.decode()
    page = client.get(f"/van-ban/luu-tru/{kept.pk}/")
    text = page.content.decode()
    assert page.status_code == 200
    assert "Cấp giấy phép hoạt động thử nghiệm" in text and "Nguyễn Văn An" in text and kept.sha256 in text
    result = dossier.documents.get(kind=DocumentKind.RESULT)
    download = client.get(f"/van-ban/luu-tru/{kept.pk}/tep/{result.pk}/")
    assert download.status_code == 200 and b"".join(download.streaming_content) == PDF
    applicant_paper = dossier.documents.exclude(kind=DocumentKind.RESULT).first()
    if applicant_paper is not None:  # only the result files are the archive's
        assert client.get(f"/van-ban/luu-tru/{kept.pk}/tep/{applicant_paper.pk}/").status_code == 404

    bag = zipfile.ZipFile(io.BytesIO(client.get("/van-ban/luu-tru/", {"q": dossier.code, "xuat": "bagit"}).content))
    meta = json.loads(bag.read("bag/data/0001/metadata.json"))
    assert meta["DossierCode"] == dossier.code and meta["OrganId"] == office.agency.identifier
    assert bag.read("bag/data/0001/giay-phep.pdf") == PDF
    for line in bag.read("bag/manifest-sha256.txt").decode().splitlines():
        digest, path = line.split("  ", 1)
        assert hashlib.sha256(bag.read(f"bag/{path}")).hexdigest() == digest

    # another agency's records office: neither the record, nor its file, nor a row of the list
    client.force_login(other.clerk)
    assert client.get(f"/van-ban/luu-tru/{kept.pk}/").status_code == 404
    assert client.get(f"/van-ban/luu-tru/{kept.pk}/tep/{result.pk}/").status_code == 404
    assert link not in client.get("/van-ban/luu-tru/").content.decode()


def test_disposal_of_a_result_destroys_its_files(django_capture_on_commit_callbacks):
    office = records_office("SKHCN")
    RetentionPeriod.objects.filter(dossier_results=True).update(dossier_results=False)
    RetentionPeriod.objects.filter(code="10-nam").update(dossier_results=True)
    dossier, returner = _ready(office.agency)
    _return(dossier, returner, django_capture_on_commit_callbacks)
    kept = ArchiveRecord.objects.get(dossier=dossier)
    assert kept.retention.code == "10-nam" and kept.keep_until is not None
    listing = archive.propose_disposal(office.agency, by=office.clerk, on=kept.keep_until + datetime.timedelta(days=1))
    result = dossier.documents.get(kind=DocumentKind.RESULT)
    assert result.file.storage.exists(result.file.name)
    archive.approve_disposal(listing, by=office.leader)
    assert not result.file.storage.exists(result.file.name)
    kept.refresh_from_db()
    assert kept.disposed_at is not None


def test_nothing_is_archived_without_a_result_file_a_records_office_or_a_line_for_results(
        django_capture_on_commit_callbacks, caplog):
    office = records_office("SKHCN")
    dossier, returner = _ready(office.agency, files=())
    _return(dossier, returner, django_capture_on_commit_callbacks)
    assert not ArchiveRecord.objects.filter(dossier=dossier).exists()  # a paper result: nothing electronic

    from tinhso.directory.tests.factories import AgencyFactory

    elsewhere = AgencyFactory()  # keeps no registers here
    dossier, returner = _ready(elsewhere)
    _return(dossier, returner, django_capture_on_commit_callbacks)
    assert not ArchiveRecord.objects.filter(dossier=dossier).exists()

    RetentionPeriod.objects.update(dossier_results=False)
    dossier, returner = _ready(office.agency)
    with caplog.at_level(logging.WARNING, logger="tinhso.documents.archive"):
        _return(dossier, returner, django_capture_on_commit_callbacks)
    assert not ArchiveRecord.objects.filter(dossier=dossier).exists()
    assert "no line of the retention schedule is marked for dossier results" in caplog.text
    # once a line is marked, the dossier can be archived again (the task is idempotent)
    RetentionPeriod.objects.filter(code="20-nam").update(dossier_results=True)
    assert archive.archive_dossier_result(dossier.pk).retention.code == "20-nam"


def test_the_return_never_fails_because_of_the_archive(django_capture_on_commit_callbacks, monkeypatch, caplog):
    office = records_office("SKHCN")
    dossier, returner = _ready(office.agency)

    def broken(dossier_id):
        raise RuntimeError("archive storage unreachable")

    monkeypatch.setattr(archive, "archive_dossier_result", broken)
    with caplog.at_level(logging.ERROR):
        returned = _return(dossier, returner, django_capture_on_commit_callbacks)
    assert returned.state == State.RETURNED
    dossier.refresh_from_db()
    assert dossier.state == State.RETURNED and not ArchiveRecord.objects.filter(dossier=dossier).exists()
    assert "archive storage unreachable" in caplog.text  # logged for the operators, not shown to the desk


def test_with_the_database_queue_the_archive_task_is_written_by_the_return_itself(settings):
    """The archive's task row is written in the return's own transaction, in the statement of the event's
    followers: a rolled-back return leaves none, a committed one cannot lose it, and it costs the return no
    statement of its own."""
    from django.db import connection, transaction
    from django.test.utils import CaptureQueriesContext
    from django_tasks_db.models import DBTaskResult

    from tinhso.common.statements import original

    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}
    office = records_office("SKHCN")
    dossier, returner = _ready(office.agency)
    archived = DBTaskResult.objects.filter(task_path="tinhso.documents.tasks.archive_dossier_result")
    with pytest.raises(RuntimeError), transaction.atomic():
        services.return_result(dossier, actor=returner, expected_version=dossier.version, method="desk")
        assert archived.count() == 1
        raise RuntimeError
    assert not archived.exists()
    dossier.refresh_from_db()
    assert dossier.state == State.RESULT_READY

    with CaptureQueriesContext(connection) as captured:
        services.return_result(dossier, actor=returner, expected_version=dossier.version, method="desk")
    sent = [original(q["sql"]) for q in captured.captured_queries if "SAVEPOINT" not in q["sql"].upper()]
    row = archived.get()
    assert row.args_kwargs == {"args": [dossier.pk], "kwargs": {}} and row.status == "READY"
    table = f'INSERT INTO "{DBTaskResult._meta.db_table}"'
    carrying = [s for s in sent if table in s]
    assert not captured.connection.run_on_commit  # nothing left for after the commit
    if connection.vendor == "postgresql":  # with the event's other followers (rollups, the notice's row): one statement
        assert len(carrying) == 1 and carrying[0].lstrip().upper().startswith("WITH")
        assert carrying[0].count(table) == 2  # the applicant's notice and the archive
    else:  # SQLite runs the rows one after the other
        assert len(carrying) == 2
