"""The checks a transition makes by prebuilt statements: the agency implements the procedure, and the dossier's
components are held as files (a procedure that requires none counts with any paper of the applicant's held)."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from tinhso.catalogue.models import RequiredDocument
from tinhso.directory.models import Role
from tinhso.directory.tests.factories import AgencyFactory
from tinhso.dossiers import services
from tinhso.dossiers.errors import InvalidInput
from tinhso.dossiers.tests.factories import ProcedureWithRouteFactory, applicant, officer

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def _pdf() -> SimpleUploadedFile:
    return SimpleUploadedFile("to-khai.pdf", PDF, content_type="application/pdf")


def test_only_an_agency_that_implements_the_procedure_receives_it():
    agency, other = AgencyFactory(), AgencyFactory()
    version = ProcedureWithRouteFactory(agency=agency)
    assert services.submit_online(version=version, receiving_agency=agency, applicant=applicant()).pk
    with pytest.raises(InvalidInput) as refused:
        services.submit_online(version=version, receiving_agency=other, applicant=applicant())
    assert refused.value.field == "receiving_agency" and other.name in str(refused.value)
    anywhere = ProcedureWithRouteFactory(agency=None)  # a version that names no agency is received anywhere
    assert not anywhere.agencies.exists()
    assert services.submit_online(version=anywhere, receiving_agency=other, applicant=applicant()).pk


def test_a_procedure_requiring_no_component_is_digitised_with_any_paper_held():
    agency = AgencyFactory()
    version = ProcedureWithRouteFactory(agency=agency)
    RequiredDocument.objects.filter(version=version).update(required=False)
    receiver = officer(Role.RECEIVER, agency)
    bare = services.submit_online(version=version, receiving_agency=agency, applicant=applicant())
    with_paper = services.submit_online(version=version, receiving_agency=agency, applicant=applicant(),
                                        documents=[_pdf()])
    assert not services.receive(bare, actor=receiver, expected_version=bare.version).digitised
    assert services.receive(with_paper, actor=receiver, expected_version=with_paper.version).digitised
