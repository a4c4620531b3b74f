"""A website licence granted through the one-stop engine: created from the dossier when it is returned,
renewed and revoked by later dossiers, refused at approval when it cannot enter the registry; and the
holders of licences near expiry notified once."""

from __future__ import annotations

import datetime

import pytest
from django.test import override_settings
from django.utils import timezone

from tinhso.catalogue.models import ProcedureVersion
from tinhso.common.notices.models import Delivery, Notice
from tinhso.directory.models import Role
from tinhso.dossiers import services as dossier_services
from tinhso.dossiers.errors import InvalidTransition
from tinhso.dossiers.models import State
from tinhso.dossiers.tests.factories import ProcedureWithRouteFactory, applicant, staff_for
from tinhso.media import services
from tinhso.media.licensing import KEY, LICENCE_FORM
from tinhso.media.models import LicenceAction, LicenceState, WebsiteLicence
from tinhso.media.tests.factories import department, licence

pytestmark = pytest.mark.django_db


@pytest.fixture
def licensing_procedure():
    version = ProcedureWithRouteFactory(eform_schema=LICENCE_FORM)
    ProcedureVersion.objects.filter(pk=version.pk).update(result_handler=KEY)
    version.refresh_from_db()
    return version


def returned(version, eform, *, approve=True):
    agency = version.test_agency
    actors = staff_for(agency)
    dossier = dossier_services.submit_online(version=version, receiving_agency=agency, eform_data=eform,
                                             applicant=applicant(name="Công ty TNHH Tin Tức Nghệ An",
                                                                 kind="organisation", id_number="",
                                                                 tax_code="2901234567"))
    dossier = dossier_services.receive(dossier, actor=actors[Role.RECEIVER], expected_version=dossier.version)
    dossier = dossier_services.forward(dossier, actor=actors[Role.HANDLER], expected_version=dossier.version)
    if not approve:
        return dossier, actors
    dossier = dossier_services.approve(dossier, actor=actors[Role.APPROVER], expected_version=dossier.version)
    dossier = dossier_services.return_result(dossier, actor=actors[Role.RETURNER], expected_version=dossier.version,
                                             method="online")
    return dossier, actors


def grant_form(**extra):
    return {"loai_de_nghi": "cap_moi", "loai_trang": "general_website", "ten_to_chuc": "Công ty TNHH Tin Tức Nghệ An",
            "ma_so_thue": "2901234567", "ten_mien": "https://TinTucNgheAn.example/", "thoi_han_nam": 3,
            "pham_vi": "Tổng hợp tin kinh tế, xã hội của tỉnh từ các báo đã ký thỏa thuận",
            "email": "lienhe@tintucnghean.example", **extra}


def test_the_returned_dossier_creates_the_licence_and_names_it(licensing_procedure, client):
    dossier, actors = returned(licensing_procedure, grant_form())
    assert dossier.state == State.RETURNED
    created = WebsiteLicence.objects.get()
    today = timezone.localdate()
    assert created.domain == "tintucnghean.example" and created.holder_tax_code == "2901234567"
    assert created.issued_on == today and created.expires_on == today.replace(year=today.year + 3)
    assert created.licence_number == f"01/{today.year}/GP-TTĐT" and created.state == LicenceState.IN_FORCE
    record = created.records.get()
    assert record.action == LicenceAction.GRANT and record.dossier == dossier
    event = dossier.events.get(action="return_result")
    assert event.data["result_record"]["object_id"] == created.pk
    # The licence page links back to the dossier.
    client.force_login(actors[Role.HANDLER])
    assert dossier.code in client.get(f"/bao-chi/giay-phep/{created.pk}/").content.decode()
    # And the dossier's page shows the registry's panel with the licence written.
    panel = client.get(f"/mot-cua/ho-so/{dossier.code}/").content.decode()
    assert 'data-panel="media-licence"' in panel and created.licence_number in panel


def test_later_dossiers_renew_and_revoke_the_licence(licensing_procedure):
    returned(licensing_procedure, grant_form(thoi_han_nam=1))
    granted = WebsiteLicence.objects.get()
    first_expiry = granted.expires_on
    returned(licensing_procedure, grant_form(loai_de_nghi="gia_han", so_giay_phep=granted.licence_number,
                                             thoi_han_nam=2))
    granted.refresh_from_db()
    assert granted.expires_on == first_expiry.replace(year=first_expiry.year + 2)
    returned(licensing_procedure, grant_form(loai_de_nghi="thu_hoi", so_giay_phep=granted.licence_number,
                                             ly_do="Vi phạm Điều 8 Luật Báo chí, đã xử phạt hai lần"))
    granted.refresh_from_db()
    assert granted.state == LicenceState.REVOKED and "Điều 8" in granted.revocation_reason
    assert list(granted.records.values_list("action", flat=True)) == ["grant", "renew", "revoke"]


def test_a_request_that_cannot_enter_the_registry_is_not_approved(licensing_procedure):
    licence(domain="tintucnghean.example", number="07/2024/GP-TTĐT")
    dossier, actors = returned(licensing_procedure, grant_form(ma_so_thue="12"), approve=False)
    with pytest.raises(InvalidTransition) as refused:
        dossier_services.approve(dossier, actor=actors[Role.APPROVER], expected_version=dossier.version)
    assert "mã số thuế" in refused.value.message and "đã có giấy phép" in refused.value.message
    dossier.refresh_from_db()
    assert dossier.state == State.IN_PROGRESS
    renewal, actors = returned(licensing_procedure, grant_form(loai_de_nghi="gia_han", so_giay_phep="99/2020/GP"),
                               approve=False)
    with pytest.raises(InvalidTransition, match="99/2020/GP"):
        dossier_services.approve(renewal, actor=actors[Role.APPROVER], expected_version=renewal.version)


@override_settings(TINHSO_MEDIA_LICENCE_EXPIRY_DAYS=30)
def test_holders_of_licences_near_expiry_are_notified_once():
    _office, officer = department()
    near = licence(domain="sap-het.example", number="02/2024/GP-TTĐT", expires_in_days=20,
                   holder_phone="0912345678")
    licence(domain="con-lau.example", number="03/2024/GP-TTĐT", expires_in_days=90)
    licence(domain="da-thu-hoi.example", number="04/2024/GP-TTĐT", expires_in_days=10, state=LicenceState.REVOKED)
    assert services.notify_expiring_licences() == 1
    holder = Notice.objects.get(kind="media.licence_expiring", user__isnull=True)
    assert "sap-het.example" in holder.subject
    assert set(Delivery.objects.filter(notice=holder).values_list("channel", flat=True)) == {"email", "sms"}
    assert Notice.objects.filter(kind="media.licence_expiring", user=officer).exists()
    assert services.notify_expiring_licences() == 0
    # Renewed: a new expiry date is notified again when it comes near.
    WebsiteLicence.objects.filter(pk=near.pk).update(expires_on=near.expires_on + datetime.timedelta(days=5))
    assert services.notify_expiring_licences() == 1
