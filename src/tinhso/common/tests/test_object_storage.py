"""Files on S3-compatible object storage (FILE_STORAGE=s3): every upload and download goes through Django's
storage API, so the same code keeps files on the local disk or in a bucket shared by several machines.

The object store is a real S3 protocol server on loopback (moto's server mode, from PyPI: MinIO is not packaged
for Debian here), reached over HTTP by boto3 through django-storages.
"""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from tinhso.conf.settings.base import _file_storage
from tinhso.directory.models import Role
from tinhso.directory.tests.factories import AgencyFactory
from tinhso.dossiers import services
from tinhso.dossiers.models import DocumentKind
from tinhso.dossiers.tests.factories import ProcedureWithRouteFactory, officer, received_dossier
from tinhso.portal.accounts.tests.conftest import free_port

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.7\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture
def object_store(monkeypatch):
    """An S3-compatible server on a loopback port with an empty bucket; FILE_STORAGE=s3 pointing at it."""
    import boto3
    from moto.server import ThreadedMotoServer

    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    endpoint = f"http://127.0.0.1:{port}"
    for name, value in {"FILE_STORAGE": "s3", "S3_BUCKET": "tinhso-tep", "S3_ENDPOINT_URL": endpoint,
                        "S3_REGION": "ap-southeast-1", "S3_ACCESS_KEY_ID": "tinhso-test",
                        "S3_SECRET_ACCESS_KEY": "tinhso-test-secret", "S3_PREFIX": "nghe-an"}.items():
        monkeypatch.setenv(name, value)
    client = boto3.client("s3", endpoint_url=endpoint, region_name="ap-southeast-1",
                          aws_access_key_id="tinhso-test", aws_secret_access_key="tinhso-test-secret")
    client.create_bucket(Bucket="tinhso-tep", CreateBucketConfiguration={"LocationConstraint": "ap-southeast-1"})
    try:
        yield client
    finally:
        server.stop()


def test_the_setting_builds_a_private_s3_storage():
    assert _file_storage("local") == {"BACKEND": "django.core.files.storage.FileSystemStorage"}
    with pytest.raises(ValueError, match="FILE_STORAGE"):
        _file_storage("ftp")


def test_a_result_issued_on_the_desk_is_kept_in_the_bucket_and_reaches_the_citizen(object_store, settings):
    storage = _file_storage("s3")
    assert storage["OPTIONS"]["default_acl"] is None and storage["OPTIONS"]["querystring_auth"] is True
    settings.STORAGES = {**settings.STORAGES, "default": storage}
    agency = AgencyFactory()
    dossier = received_dossier(ProcedureWithRouteFactory(agency=agency), agency, phone="0912 345 678")

    document = services.attach_document(
        dossier, actor=officer(Role.RECEIVER, agency), kind=DocumentKind.FORM,
        upload=SimpleUploadedFile("giay-hen.pdf", PDF, content_type="application/pdf"))

    keys = [item["Key"] for item in object_store.list_objects_v2(Bucket="tinhso-tep")["Contents"]]
    assert keys == [f"nghe-an/{document.file.name}"]
    assert object_store.get_object(Bucket="tinhso-tep", Key=keys[0])["Body"].read() == PDF
    browser = Client()
    assert browser.post("/tra-cuu/", {"code": dossier.code, "digits": "5678"}).status_code == 302
    download = browser.get(f"/tra-cuu/{dossier.code}/tai-lieu/{document.pk}/")
    assert download.status_code == 200 and b"".join(download.streaming_content) == PDF
