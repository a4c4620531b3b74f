"""Taking the procedure catalogue from the national database through the portal adapter (the stand-in)."""

from __future__ import annotations

import copy

import pytest

from tinhso.catalogue.models import Procedure, Status
from tinhso.directory.tests.factories import AgencyFactory
from tinhso.dossiers.tests.factories import ProcedureWithRouteFactory
from tinhso.exchange import catalogue_pull
from tinhso.exchange.portal import HttpNationalPortal
from tinhso.testing.national_portal import StandInPortal


def national(code: str, agency: str, **changes) -> dict:
    record = {
        "code": code, "name": "Cấp giấy phép thiết lập trang thông tin điện tử tổng hợp",
        "field": {"code": "PTTH", "name": "Phát thanh, truyền hình"},
        "level": "province", "time_limit": 4, "time_unit": "working_days",
        "legal_basis": "Nghị định 147/2024/NĐ-CP", "result": "Giấy phép",
        "online_level": "full", "online_limit_reason": "",
        "decision_number": "125/QĐ-UBND", "decision_date": "2026-01-05", "effective_from": "2026-01-15",
        "agencies": [agency],
        "documents": [{"name": "Đơn đề nghị theo mẫu", "originals": 1, "copies": 0, "required": True},
                      {"name": "Bản sao giấy tờ liên quan", "originals": 0, "copies": 1, "required": False}],
        "fees": [{"description": "Lệ phí cấp phép", "amount": 100_000}],
    }
    record.update(changes)
    return record


@pytest.fixture
def stand_in():
    with StandInPortal(page_size=2) as portal:
        yield portal


def pull(portal, **options):
    return catalogue_pull.pull(portal=HttpNationalPortal(portal.url, portal.system_id, portal.secret, 5), **options)


@pytest.mark.django_db
def test_new_procedures_are_created_as_drafts_and_a_repeat_changes_nothing(stand_in):
    agency = AgencyFactory(identifier="000.00.07.H41")
    stand_in.catalogue = [national(f"1.01000{n}", agency.identifier, name=f"Thủ tục {n}") for n in range(5)]
    sync = pull(stand_in)
    assert sync.ok and (sync.created, sync.versioned, sync.unchanged, sync.refused) == (5, 0, 0, 0)
    version = Procedure.objects.get(code="1.010003").versions.get()
    assert version.status == Status.DRAFT and version.name == "Thủ tục 3"
    assert version.field.name == "Phát thanh, truyền hình" and [a.identifier for a in version.agencies.all()] == [
        "000.00.07.H41"]
    assert [d.name for d in version.documents.all()] == ["Đơn đề nghị theo mẫu", "Bản sao giấy tờ liên quan"]
    again = pull(stand_in)
    assert (again.created, again.versioned, again.unchanged) == (0, 0, 5)


@pytest.mark.django_db
def test_a_changed_procedure_gets_a_new_version_keeping_the_local_route(stand_in):
    agency = AgencyFactory()
    published = ProcedureWithRouteFactory(agency=agency, handle_days=3, approve_days=1)
    code = published.procedure.code
    record = national(code, agency.identifier, name=published.name, field={"code": published.field.code,
                                                                             "name": published.field.name},
                      time_limit=4, decision_number="", decision_date=None, effective_from=None,
                      online_level="full", result=published.result, legal_basis=published.legal_basis)
    stand_in.catalogue = [record]
    first = pull(stand_in)
    assert first.unchanged == 1, first.report  # the national content is what the platform holds

    changed = copy.deepcopy(record)
    changed["fees"] = [{"description": "Lệ phí cấp phép", "amount": 150_000}]
    changed["legal_basis"] = "Nghị định 147/2024/NĐ-CP, sửa đổi 2026"
    stand_in.catalogue = [changed]
    sync = pull(stand_in)
    line = sync.report[0]
    assert (sync.versioned, line["outcome"]) == (1, "versioned")
    assert set(line["changes"]) == {"phí, lệ phí", "căn cứ pháp lý"}
    draft = Procedure.objects.get(code=code).versions.get(status=Status.DRAFT)
    assert [(s.role, s.share) for s in draft.steps.all()] == [(s.role, s.share) for s in published.steps.all()]
    assert [f.amount for f in draft.fees.all()] == [150_000]
    published.refresh_from_db()
    assert published.status == Status.PUBLISHED  # the version in force stays until someone publishes


@pytest.mark.django_db
def test_publishing_on_pull_publishes_only_what_has_a_complete_route(stand_in):
    agency = AgencyFactory()
    published = ProcedureWithRouteFactory(agency=agency, handle_days=3, approve_days=1)
    changed = national(published.procedure.code, agency.identifier, name="Tên mới", time_limit=4,
                       field={"code": published.field.code, "name": published.field.name})
    fresh = national("1.020001", agency.identifier)
    stand_in.catalogue = [changed, fresh]
    sync = pull(stand_in, publish=True)
    lines = {line["code"]: line for line in sync.report}
    assert lines[published.procedure.code]["published"] is True
    assert Procedure.objects.get(code=published.procedure.code).current_version.name == "Tên mới"
    assert lines["1.020001"]["published"] is False  # no local route yet: a draft for the administrator
    assert Procedure.objects.get(code="1.020001").versions.get().status == Status.DRAFT


@pytest.mark.django_db
def test_a_record_the_platform_cannot_take_is_refused_by_name_and_the_rest_goes_on(stand_in):
    agency = AgencyFactory()
    stand_in.catalogue = [
        national("1.030001", agency.identifier),
        national("1.030002", "000.00.99.H99", level="district", time_limit=-1),
        national("không-phải-mã", agency.identifier),
        national("1.030004", agency.identifier, field={"code": "MOI"}),
    ]
    sync = pull(stand_in)
    lines = {line["code"]: line for line in sync.report}
    assert (sync.created, sync.refused) == (1, 3)
    errors = " ".join(lines["1.030002"]["errors"])
    assert "000.00.99.H99" in errors and "level" in errors and "time_limit" in errors
    assert "Mã thủ tục" in lines["không-phải-mã"]["errors"][0]
    assert "tên lĩnh vực" in lines["1.030004"]["errors"][0]
    assert not Procedure.objects.filter(code__in=["1.030002", "1.030004"]).exists()


@pytest.mark.django_db
def test_an_unreachable_portal_is_reported(stand_in):
    stand_in.stop()
    sync = pull(stand_in)
    assert not sync.ok and "lỗi kết nối" in sync.error
    assert sync.report == []
