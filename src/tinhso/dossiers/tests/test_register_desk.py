"""Form 06, the agency's dossier register, printed from the desk for a period typed dd/mm/yyyy."""

from __future__ import annotations

import subprocess

import pytest

from tinhso.directory.models import Role
from tinhso.directory.tests.factories import AgencyFactory
from tinhso.dossiers import services
from tinhso.dossiers.tests.factories import ProcedureWithRouteFactory, applicant, officer

pytestmark = pytest.mark.django_db


def pdf_text(pdf: bytes) -> str:
    return subprocess.run(["pdftotext", "-enc", "UTF-8", "-", "-"], input=pdf, capture_output=True,
                          check=True).stdout.decode()


def test_an_officer_reaches_the_register_from_the_desk_and_prints_the_period(client, clock):
    version = ProcedureWithRouteFactory(name="Cấp Phiếu lý lịch tư pháp")
    agency = version.test_agency
    receiver = officer(Role.RECEIVER, agency)
    codes = []
    for day in (2, 5, 13):  # 5 March is inside 02/03–12/03, 13 March is not
        clock.set(2026, 3, day, 9)
        codes.append(services.receive_at_counter(version=version, receiving_agency=agency,
                                                 applicant=applicant(name=f"Nguyễn Văn {day}"), actor=receiver).code)
    other = ProcedureWithRouteFactory()
    clock.set(2026, 3, 5, 10)
    elsewhere = services.receive_at_counter(version=other, receiving_agency=other.test_agency, applicant=applicant(),
                                            actor=officer(Role.RECEIVER, other.test_agency)).code
    client.force_login(receiver)
    desk = client.get("/mot-cua/").content.decode()
    assert 'href="/mot-cua/so-theo-doi/"' in desk and "Sổ theo dõi hồ sơ (mẫu 06)" in desk
    page = client.get("/mot-cua/so-theo-doi/")
    assert page.status_code == 200 and f'<option value="{agency.pk}"' in page.content.decode()

    response = client.get("/mot-cua/so-theo-doi/", {"agency": agency.pk, "date_from": "02/03/2026",
                                                     "date_to": "12/03/2026"})
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    text = pdf_text(response.content)
    assert "SỔ THEO DÕI HỒ SƠ" in text.upper()
    assert codes[0] in text and codes[1] in text and codes[2] not in text and elsewhere not in text
    assert "02/03/2026" in text and "12/03/2026" in text


def test_the_register_refuses_another_agency_and_bad_dates_with_the_reason(client):
    agency, foreign = AgencyFactory(), AgencyFactory()
    client.force_login(officer(Role.RECEIVER, agency))
    refused = client.get("/mot-cua/so-theo-doi/", {"agency": foreign.pk, "date_from": "01/03/2026",
                                                    "date_to": "31/03/2026"})
    assert refused.status_code == 400 and "Cơ quan không thuộc phạm vi của bạn." in refused.content.decode()
    swapped = client.get("/mot-cua/so-theo-doi/", {"agency": agency.pk, "date_from": "31/03/2026",
                                                    "date_to": "01/03/2026"})
    assert swapped.status_code == 400 and "Ngày kết thúc phải từ ngày bắt đầu trở đi." in swapped.content.decode()
    us_style = client.get("/mot-cua/so-theo-doi/", {"agency": agency.pk, "date_from": "03/31/2026",
                                                     "date_to": "04/01/2026"})
    assert us_style.status_code == 400 and "ngày/tháng/năm" in us_style.content.decode()
    client.force_login(officer(Role.OPERATIONS_VIEWER, agency))
    assert client.get("/mot-cua/so-theo-doi/").status_code == 403
