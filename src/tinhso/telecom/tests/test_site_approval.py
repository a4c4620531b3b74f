"""Approval of a tower site through the one-stop engine: the planning checks against hand-computed distances,
the handler's panel on the officer's dossier page, the approval refused when the site cannot be recorded,
and the station created as approved, linked to the dossier, when the result is returned."""

from __future__ import annotations

import pytest

from tinhso.catalogue.models import ProcedureVersion
from tinhso.directory.models import Role
from tinhso.dossiers import services as dossier_services
from tinhso.dossiers.errors import InvalidTransition
from tinhso.dossiers.models import State
from tinhso.dossiers.tests.factories import ProcedureWithRouteFactory, applicant, officer, staff_for
from tinhso.geo.tests.factories import CommuneFactory
from tinhso.telecom import planning
from tinhso.telecom.models import AreaKind, RestrictedArea, Station, StationState
from tinhso.telecom.site_approval import KEY, SITE_FORM
from tinhso.telecom.tests.factories import (
    BASE,
    OperatorFactory,
    offset,
    plan_with_rules,
    planned_site,
    square,
    station_at,
)

pytestmark = pytest.mark.django_db


def proposal(operator, north=0.0, east=0.0, *, area="other", operators=2):
    lat, lon = offset(north, east)
    return planning.Proposal(float(lat), float(lon), operator.pk, area, operators)


def by_key(checks):
    return {c.key: c for c in checks}


def test_spacing_to_the_nearest_towers_is_measured_and_compared_with_the_rule():
    plan = plan_with_rules()
    viettel, vnpt = OperatorFactory(code="viettel"), OperatorFactory(code="vnpt")
    station_at(vnpt, north=240)          # another operator's tower 240 m away (rule elsewhere: 250 m)
    station_at(viettel, east=470)        # the same operator's tower 470 m away (rule elsewhere: 450 m)
    station_at(vnpt, north=100, state=StationState.DISMANTLED)  # gone: does not count
    station_at(vnpt, north=50, mounting="building")             # a mast on a building: not a tower
    checks = by_key(planning.check_site(proposal(viettel), plan=plan))
    other, same = checks["spacing_other"], checks["spacing_same"]
    assert other.passed is False and other.distance_m == pytest.approx(240, rel=0.005)
    assert "250 m" in other.detail and other.reference == "72/2025/QĐ-UBND, Điều 6"
    assert same.passed is True and same.distance_m == pytest.approx(470, rel=0.005)
    # In town the rule is 120 m / 300 m: 240 m from the other operator's tower passes there.
    urban = by_key(planning.check_site(proposal(viettel, area="urban"), plan=plan))
    assert urban["spacing_other"].passed is True and urban["spacing_same"].passed is True


def test_a_site_within_the_tolerance_of_a_planned_site_is_in_the_plan():
    plan = plan_with_rules()
    operator = OperatorFactory()
    planned_site(plan, north=30, code="QH-07", tolerance_m=50)
    inside = by_key(planning.check_site(proposal(operator), plan=plan))["planned_site"]
    assert inside.passed is True and inside.distance_m == pytest.approx(30, rel=0.005) and "QH-07" in inside.detail
    outside = by_key(planning.check_site(proposal(operator, north=-60), plan=plan))["planned_site"]
    assert outside.passed is False and outside.distance_m == pytest.approx(90, rel=0.005)


def test_a_site_inside_a_no_tower_area_fails_and_one_outside_says_how_far():
    plan = plan_with_rules()
    operator = OperatorFactory()
    RestrictedArea.objects.create(plan=plan, kind=AreaKind.NO_TOWER, name="Khu di tích Kim Liên",
                                  geometry=square(-100, -100, 200))
    inside = by_key(planning.check_site(proposal(operator), plan=plan))["no_tower_area"]
    assert inside.passed is False and "Kim Liên" in inside.detail
    outside = by_key(planning.check_site(proposal(operator, east=400), plan=plan))["no_tower_area"]
    # The square's east edge is 100 m east of BASE: 300 m away.
    assert outside.passed is True and outside.distance_m == pytest.approx(300, rel=0.005)


def test_sharing_asks_for_the_planned_sites_number_of_operators():
    plan = plan_with_rules()
    operator = OperatorFactory()
    planned_site(plan, code="QH-01", min_operators=3)
    assert by_key(planning.check_site(proposal(operator, operators=2), plan=plan))["sharing"].passed is False
    assert by_key(planning.check_site(proposal(operator, operators=3), plan=plan))["sharing"].passed is True


# -- through the one-stop engine -----------------------------------------------------------------------------


def application(version, actors, eform_data):
    """A site application filed online, received and forwarded to the leader (through the engine)."""
    agency = version.test_agency
    dossier = dossier_services.submit_online(version=version, receiving_agency=agency, eform_data=eform_data,
                                             applicant=applicant(name="Tổng công ty Viettel", kind="organisation",
                                                                 id_number="", tax_code="0100109106"))
    dossier = dossier_services.receive(dossier, actor=actors[Role.RECEIVER], expected_version=dossier.version)
    return dossier_services.forward(dossier, actor=actors[Role.HANDLER], expected_version=dossier.version)


@pytest.fixture
def approval_procedure():
    version = ProcedureWithRouteFactory(eform_schema=SITE_FORM)
    ProcedureVersion.objects.filter(pk=version.pk).update(result_handler=KEY)
    version.refresh_from_db()
    return version


def site_form(operator, north=0.0, east=0.0, **extra):
    lat, lon = offset(north, east)
    return {"doanh_nghiep": operator.code, "ma_tram": "NAN-0420", "ten_tram": "Hưng Dũng 2", "vi_do": float(lat),
            "kinh_do": float(lon), "chieu_cao": 36, "loai_cot": "tower", "vi_tri_lap_dat": "ground",
            "cong_nghe": "4G,5G", "dung_chung": "vnpt", **extra}


def test_the_returned_dossier_creates_the_station_as_approved_linked_to_it(approval_procedure, client):
    plan_with_rules()
    viettel, vnpt = OperatorFactory(code="viettel"), OperatorFactory(code="vnpt")
    station_at(vnpt, north=240, code="VNPT-1")
    agency = approval_procedure.test_agency
    actors = staff_for(agency)
    commune = CommuneFactory()
    dossier = application(approval_procedure, actors, {**site_form(viettel), "ma_xa": commune.code})
    # The handler's page shows the checks with their distances.
    client.force_login(actors[Role.HANDLER])
    page = client.get(f"/mot-cua/ho-so/{dossier.code}/").content.decode()
    assert "Sổ đăng ký trạm viễn thông" in page
    assert 'data-check="spacing_other"' in page and "VNPT-1 cách 240 m" in page
    assert Station.objects.filter(dossier=dossier).count() == 0
    dossier = dossier_services.approve(dossier, actor=actors[Role.APPROVER], expected_version=dossier.version)
    assert not Station.objects.filter(dossier=dossier).exists()
    dossier = dossier_services.return_result(dossier, actor=actors[Role.RETURNER], expected_version=dossier.version,
                                             method="online")
    station = Station.objects.get(dossier=dossier)
    assert (station.operator, station.code, station.state) == (viettel, "NAN-0420", StationState.APPROVED)
    assert station.has_4g and station.has_5g and not station.has_2g
    assert station.commune == commune and station.operators_count == 2
    assert station.approved_on is not None and dossier.code in station.approval_reference
    event = dossier.events.get(action="return_result")
    assert event.data["result_record"]["object_id"] == station.pk
    # And the station's page links back to the dossier.
    client.force_login(officer(Role.OPERATIONS_VIEWER, agency))
    assert dossier.code in client.get(f"/vien-thong/tram/{station.pk}/").content.decode()


def test_an_application_whose_site_cannot_be_recorded_is_not_approved(approval_procedure):
    OperatorFactory(code="viettel")
    actors = staff_for(approval_procedure.test_agency)
    dossier = application(approval_procedure, actors, site_form(OperatorFactory.build(code="khongco")))
    with pytest.raises(InvalidTransition, match="khongco"):
        dossier_services.approve(dossier, actor=actors[Role.APPROVER], expected_version=dossier.version)
    dossier.refresh_from_db()
    assert dossier.state == State.IN_PROGRESS and not dossier.events.filter(action="approve").exists()


def test_a_version_naming_an_unknown_registry_cannot_be_approved(approval_procedure):
    ProcedureVersion.objects.filter(pk=approval_procedure.pk).update(result_handler="nowhere.registry")
    approval_procedure.refresh_from_db()
    actors = staff_for(approval_procedure.test_agency)
    dossier = application(approval_procedure, actors, site_form(OperatorFactory(code="viettel")))
    with pytest.raises(InvalidTransition, match=r"nowhere\.registry"):
        dossier_services.approve(dossier, actor=actors[Role.APPROVER], expected_version=dossier.version)


def test_base_point_is_in_the_demo_province():
    assert 18 < BASE[0] < 20
