"""The demo province's registers: documents among the agencies and from central agencies in every state,
loaded once (a second run writes nothing), and the records clerk's login sees the People's Committee's."""

import pytest

from tinhso.directory.demo import load_demo_directory
from tinhso.directory.tests.factories import CommuneFactory, ProvinceFactory
from tinhso.documents import selectors, signatures
from tinhso.documents.demo import load_demo_documents
from tinhso.documents.models import (
    Attachment,
    Channel,
    IncomingDocument,
    IncomingState,
    OutgoingDocument,
    RecordsOffice,
    SignatureVerdict,
)

pytestmark = pytest.mark.django_db


def test_the_demo_fills_the_registers_in_every_state_once(settings, tmp_path):
    settings.DATA_DIR = tmp_path
    province = ProvinceFactory()
    for n in range(14):
        CommuneFactory(code=f"{16600 + n:05d}", name=f"Xã Demo {n}", province=province)
    load_demo_directory("40", "demo-password")
    loaded = load_demo_documents("40", "demo-password")
    assert loaded["outgoing"] == 160 and loaded["incoming"] == 30
    states = set(IncomingDocument.objects.values_list("state", flat=True))
    assert {IncomingState.ARRIVED, IncomingState.ACCEPTED, IncomingState.REJECTED} <= states
    assert set(IncomingDocument.objects.values_list("channel", flat=True)) == set(Channel.values)
    numbers = list(OutgoingDocument.objects.filter(agency__identifier="000.00.00.H41", document_type__normative=False)
                   .order_by("number").values_list("number", flat=True))
    assert numbers == list(range(1, len(numbers) + 1))
    # about two documents in three carry a PDF signed with their agency's key, which the platform trusts
    signed = Attachment.objects.filter(outgoing__isnull=False, signature=SignatureVerdict.VALID).count()
    assert 0.5 * 160 <= signed <= 0.8 * 160
    assert not Attachment.objects.filter(outgoing__isnull=False).exclude(signature=SignatureVerdict.VALID).exists()
    office = RecordsOffice.objects.get(agency__identifier="000.00.00.H41")
    assert office.signing_key == f"pkcs12:{tmp_path / 'keys' / 'ubnd.p12'}"
    assert (tmp_path / "keys" / "ubnd.p12").stat().st_mode & 0o077 == 0
    signatures.load_signer(office.signing_key, "demo-password")
    again = load_demo_documents("40", "demo-password")
    assert (again["outgoing"], again["incoming"]) == (0, 0) and again["login"][1] == "vanthu"
    from django.contrib.auth import get_user_model

    clerk = get_user_model().objects.get(username="vanthu")
    assert selectors.incoming_for(clerk, agency=None).exists()
