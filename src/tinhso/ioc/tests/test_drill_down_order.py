"""Late and overdue drill-down lists put the most overdue first and sort by any column; a table of rates shows
one number of decimals in every row."""

from __future__ import annotations

import re

import pytest

from tinhso.directory.models import Role
from tinhso.directory.tests.factories import AgencyFactory
from tinhso.dossiers import services
from tinhso.dossiers.models import State
from tinhso.dossiers.tests.factories import ProcedureWithRouteFactory, dossier_in_state, officer, staff_for
from tinhso.ioc.indicators import seed_registry
from tinhso.ioc.templatetags.ioc_format import fixed

pytestmark = pytest.mark.django_db


@pytest.fixture
def late_and_overdue(clock):
    """Three late dossiers whose order by lateness (13, 11, 2 days) is not their order by finishing day, and
    three overdue ones due on three days."""
    seed_registry()
    agency = AgencyFactory(name="Sở Tư pháp")
    version = ProcedureWithRouteFactory(agency=agency, handle_days=3, approve_days=1)
    actors = staff_for(agency)
    late, overdue = [], []
    for day in (2, 3, 4):  # received on 2, 3 and 4 March: due 4 working days later
        clock.set(2026, 3, day, 9)
        late.append(dossier_in_state(State.IN_PROGRESS, version=version, actors=actors))
    # Due on 6, 9 and 10 March; results on 19, 20 and 12 March: 13, 11 and 2 days late.
    for dossier, day in ((late[2], 12), (late[0], 19), (late[1], 20)):
        clock.set(2026, 3, day, 9)
        dossier = services.approve(dossier, actor=actors[Role.APPROVER], expected_version=dossier.version)
        services.return_result(dossier, actor=actors[Role.RETURNER], expected_version=dossier.version,
                               method="desk")
    for day in (5, 9, 12):
        clock.set(2026, 3, day, 9)
        overdue.append(dossier_in_state(State.RECEIVED, version=version, actors=actors))
    clock.set(2026, 3, 30, 9)
    return {"late": [d.code for d in late], "overdue": [d.code for d in overdue], "agency": agency}


def codes(page: str) -> list[str]:
    return re.findall(r'<th scope="row">(?:<a [^>]*>)?([^<]+)', page)


def test_the_late_list_puts_the_most_overdue_first_and_sorts_by_column(client, late_and_overdue):
    late = late_and_overdue["late"]
    client.force_login(officer(Role.OPERATIONS_VIEWER, AgencyFactory()))
    page = client.get("/dieu-hanh/ho-so/late/?ky=2026").content.decode()
    assert codes(page) == [late[0], late[1], late[2]]  # 13, 11, then 2 days late
    assert 'aria-sort="descending"' in page
    assert codes(client.get("/dieu-hanh/ho-so/late/?ky=2026&sap-xep=tre").content.decode()) == [
        late[2], late[1], late[0]]
    assert codes(client.get("/dieu-hanh/ho-so/late/?ky=2026&sap-xep=-ma").content.decode()) == sorted(
        late, reverse=True)
    assert codes(client.get("/dieu-hanh/ho-so/late/?ky=2026&sap-xep=bogus").content.decode()) == [
        late[0], late[1], late[2]]
    # Every heading sorts; the pages and the Excel download keep the order chosen.
    assert all(f"sap-xep={key}" in page for key in ("ma", "co-quan", "thu-tuc", "trang-thai", "han", "tre"))
    assert "sap-xep=-tre&amp;xuat=xlsx" in page


def test_the_overdue_list_puts_the_earliest_due_first(client, late_and_overdue):
    overdue = late_and_overdue["overdue"]
    client.force_login(officer(Role.OPERATIONS_VIEWER, AgencyFactory()))
    page = client.get("/dieu-hanh/ho-so/overdue/?ky=2026").content.decode()
    assert codes(page) == overdue  # received on the 5th, 9th and 12th: the earliest due is the most overdue
    assert codes(client.get("/dieu-hanh/ho-so/overdue/?ky=2026&sap-xep=-han").content.decode()) == overdue[::-1]


def test_rates_in_a_table_have_one_number_of_decimals(client, late_and_overdue):
    assert [fixed(v, 1) for v in ("100", "93.1", "98.51")] == ["100,0", "93,1", "98,5"]
    client.force_login(officer(Role.OPERATIONS_VIEWER, AgencyFactory()))
    page = client.get("/dieu-hanh/xep-hang/?ky=2026").content.decode()
    row = re.search(r"Sở Tư pháp</a></th>(.*?)</tr>", page, re.S).group(1)
    cells = re.findall(r'<td class="num">([^<]*)</td>', row)
    assert cells[2] == "0,0"  # on-time rate: none of three on time
    assert cells[0] == "6" and cells[1] == "3"  # counts stay whole
