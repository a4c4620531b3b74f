"""Fees charged as the catalogue states them (per dossier, per copy, per copy beyond those included,
exemptions), checked against the demo catalogue's own fee tables; and the way the result goes back follows
what the applicant registered at filing."""

from __future__ import annotations

import re

import pytest

from tinhso.catalogue.demo import PROCEDURES
from tinhso.catalogue.models import FeeBasis, ProcedureFee, fee_quantity, fee_total
from tinhso.directory.models import Role
from tinhso.dossiers import forms, services
from tinhso.dossiers.errors import DossierError
from tinhso.dossiers.models import Channel, ReturnMethod, State
from tinhso.dossiers.tests.factories import (
    ProcedureWithRouteFactory,
    applicant,
    dossier_in_state,
    officer,
    staff_for,
    submitted_dossier,
)

pytestmark = pytest.mark.django_db

CRIMINAL_RECORD = "2.000505"
DEGREE_COPY = "1.005092"


def demo_fees(code: str) -> list[ProcedureFee]:
    """The fee lines of a demo procedure, as the demo catalogue loads them."""
    demo = next(p for p in PROCEDURES if p.code == code)
    return [ProcedureFee(order=n, description=line.description, amount=line.amount, basis=line.basis,
                         included_copies=line.included_copies, exemption=line.exemption)
            for n, line in enumerate(demo.fees, start=1)]


def with_demo_fees(code: str):
    """A published version at an agency whose fee table is the demo procedure's."""
    version = ProcedureWithRouteFactory()
    ProcedureFee.objects.filter(version=version).delete()
    lines = demo_fees(code)
    for line in lines:
        line.version = version
    ProcedureFee.objects.bulk_create(lines)  # a published version's children are frozen to save()
    return version


@pytest.mark.parametrize(("code", "totals"), [
    # TT 244/2016: 200 000 a request, two certificates included, 5 000 each from the third.
    (CRIMINAL_RECORD, {1: 200_000, 2: 200_000, 3: 205_000, 4: 210_000}),
    # 3 000 a copy.
    (DEGREE_COPY, {1: 3_000, 2: 6_000, 5: 15_000}),
])
def test_the_demo_fee_tables_are_charged_by_their_rules(code, totals):
    fees = demo_fees(code)
    assert {copies: fee_total(fees, copies) for copies in totals} == totals


def test_every_demo_fee_line_states_a_rule_that_charges_a_single_copy_once_at_most():
    for procedure in PROCEDURES:
        for line in procedure.fees:
            assert line.basis in FeeBasis.values, procedure.code
            assert fee_quantity(line.basis, line.included_copies, 1) <= 1, procedure.code
            if line.basis == FeeBasis.BEYOND:
                assert line.included_copies >= 1, procedure.code


def test_a_criminal_record_dossier_for_two_copies_owes_200_000_not_205_000():
    version = with_demo_fees(CRIMINAL_RECORD)
    agency = version.test_agency
    dossier = services.receive_at_counter(version=version, receiving_agency=agency, applicant=applicant(),
                                          actor=officer(Role.RECEIVER, agency), copies=2)
    lines = [(f.unit_amount, f.quantity, f.amount) for f in dossier.fees.order_by("id")]
    assert lines == [(200_000, 1, 200_000), (5_000, 0, 0)]
    assert sum(f.amount for f in dossier.fees.all()) == 200_000
    four = services.receive_at_counter(version=version, receiving_agency=agency, applicant=applicant(),
                                       actor=officer(Role.RECEIVER, agency), copies=4)
    assert [(f.quantity, f.amount) for f in four.fees.order_by("id")] == [(1, 200_000), (2, 10_000)]
    assert four.copies == 4


def test_an_online_dossier_is_charged_per_copy_too():
    version = with_demo_fees(DEGREE_COPY)
    dossier = services.submit_online(version=version, receiving_agency=version.test_agency, applicant=applicant(),
                                     copies=3)
    assert [(f.unit_amount, f.quantity, f.amount) for f in dossier.fees.all()] == [(3_000, 3, 9_000)]


@pytest.mark.parametrize("copies", [0, 100, "2", True])
def test_a_number_of_copies_out_of_range_is_refused(copies):
    version = with_demo_fees(DEGREE_COPY)
    with pytest.raises(DossierError) as refused:
        services.submit_online(version=version, receiving_agency=version.test_agency, applicant=applicant(),
                               copies=copies)
    assert refused.value.field == "copies"


def test_the_reception_page_totals_the_fees_for_the_copies_asked(client):
    version = with_demo_fees(CRIMINAL_RECORD)
    client.force_login(officer(Role.RECEIVER, version.test_agency))
    page = client.get("/mot-cua/tiep-nhan/", {"procedure": version.pk}).content.decode()
    assert "Tổng cho 1 bản kết quả: <strong>200.000 đồng</strong>" in page
    assert "mỗi bản từ bản thứ 3" in page and "Được miễn: Trẻ em" in page


def test_an_officer_records_an_exemption_and_only_exempt_lines_drop_to_zero():
    version = with_demo_fees(CRIMINAL_RECORD)
    agency = version.test_agency
    receiver = officer(Role.RECEIVER, agency)
    dossier = services.receive_at_counter(version=version, receiving_agency=agency, applicant=applicant(),
                                          actor=receiver, copies=4)
    assert "exempt_fees" in services.allowed_actions(dossier, receiver)
    with pytest.raises(DossierError):
        services.exempt_fees(dossier, actor=receiver, ground=" ", expected_version=dossier.version)
    dossier = services.exempt_fees(dossier, actor=receiver, ground="Người khuyết tật (giấy xác nhận khuyết tật)",
                                   expected_version=dossier.version)
    lines = [(f.amount, f.exemption_ground) for f in dossier.fees.order_by("id")]
    assert lines == [(0, "Người khuyết tật (giấy xác nhận khuyết tật)"), (10_000, "")]
    assert dossier.events.filter(action="exempt_fees").exists()
    assert "exempt_fees" not in services.allowed_actions(dossier, receiver)
    with pytest.raises(DossierError):
        services.exempt_fees(dossier, actor=receiver, ground="lần nữa", expected_version=dossier.version)
    with pytest.raises(DossierError):
        services.exempt_fees(dossier, actor=officer(Role.HANDLER, agency), ground="x", expected_version=None)


# -- how the result goes back --------------------------------------------------------------------------

def test_an_online_dossier_defaults_to_the_electronic_result_the_applicant_chose():
    dossier = submitted_dossier()
    assert dossier.requested_return_method == ReturnMethod.ONLINE
    form = forms.ReturnForm(initial={"expected_version": 1}, registered=dossier.requested_return_method)
    assert form["method"].value() == ReturnMethod.ONLINE
    ready = dossier_in_state(State.RESULT_READY, version=dossier.procedure_version)
    returned = services.return_result(ready, actor=officer(Role.RETURNER, ready.receiving_agency),
                                      expected_version=ready.version)
    assert returned.return_method == ReturnMethod.ONLINE


def test_a_paper_dossier_defaults_to_the_desk_or_the_post_and_a_registered_choice_wins():
    version = ProcedureWithRouteFactory()
    agency = version.test_agency
    receiver = officer(Role.RECEIVER, agency)
    counter = services.receive_at_counter(version=version, receiving_agency=agency, applicant=applicant(),
                                          actor=receiver)
    post = services.receive_at_counter(version=version, receiving_agency=agency, applicant=applicant(),
                                       actor=receiver, channel=Channel.POST)
    chosen = services.receive_at_counter(version=version, receiving_agency=agency, applicant=applicant(),
                                         actor=receiver, requested_return_method=ReturnMethod.ONLINE)
    assert [counter.requested_return_method, post.requested_return_method, chosen.requested_return_method] == [
        ReturnMethod.DESK, ReturnMethod.POST, ReturnMethod.ONLINE]


def test_the_desk_page_preselects_what_the_applicant_registered(client):
    version = ProcedureWithRouteFactory()
    actors = staff_for(version.test_agency)
    dossier = dossier_in_state(State.RESULT_READY, version=version, actors=actors)
    assert dossier.channel == Channel.ONLINE
    client.force_login(actors[Role.RETURNER])
    page = client.get(f"/mot-cua/ho-so/{dossier.code}/").content.decode()
    radios = dict(re.findall(r'<input type="radio" name="method" value="(\w+)"([^>]*)>', page))
    assert set(radios) == {"desk", "post", "online"}
    assert [method for method, rest in radios.items() if "checked" in rest] == ["online"]
    assert "Người nộp đã đăng ký: Trả kết quả điện tử." in page


def test_the_procedure_page_states_each_fee_lines_rule_and_who_is_exempt(client):
    version = with_demo_fees(CRIMINAL_RECORD)
    page = client.get(f"/thu-tuc/{version.procedure.code}/").content.decode()
    assert "200.000 đồng</strong> (mỗi hồ sơ)" in page
    assert "5.000 đồng</strong> (mỗi bản từ bản thứ 3)" in page
    assert "Được miễn: Trẻ em; người cao tuổi" in page
