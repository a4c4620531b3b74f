from dataclasses import replace

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tinhso.catalogue import services
from tinhso.catalogue.models import OnlineLevel
from tinhso.catalogue.tests.factories import AgencyFactory, FieldFactory, ProcedureVersionFactory

pytestmark = pytest.mark.django_db

URL = "/api/catalogue/procedures"


@pytest.fixture
def catalogue():
    civil = FieldFactory(civil_status=True)
    land = FieldFactory(code="DD", name="Đất đai")
    ward = AgencyFactory(identifier="000.01.50.H41", name="Ủy ban nhân dân phường Thành Vinh")
    department = AgencyFactory(identifier="000.00.05.H41", name="Sở Nông nghiệp và Môi trường")
    birth = ProcedureVersionFactory(
        procedure__code="1.001193", name="Thủ tục đăng ký khai sinh", field=civil, commune=True,
        agencies=[ward],
    )
    land_change = ProcedureVersionFactory(
        procedure__code="1.004227", name="Đăng ký biến động đất đai", field=land, partial=True,
        agencies=[department], time_limit=10,
    )
    draft_only = ProcedureVersionFactory(procedure__code="1.000001", name="Chưa công bố", published=False)
    return {"birth": birth, "land": land_change, "draft": draft_only, "ward": ward}


def codes(response) -> list[str]:
    return [item["code"] for item in response.json()["items"]]


def test_fields_are_listed_by_code(client, catalogue):
    body = client.get("/api/catalogue/fields").json()
    assert [item["code"] for item in body["items"]][:2] == ["DD", "HT"]


def test_only_published_procedures_are_listed_by_code(client, catalogue):
    response = client.get(URL)
    assert response.status_code == 200
    assert codes(response) == ["1.001193", "1.004227"]
    first = response.json()["items"][0]
    assert first["level_label"] == "Cấp xã"
    assert first["agencies"] == [{"identifier": "000.01.50.H41", "name": "Ủy ban nhân dân phường Thành Vinh"}]


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"field": "DD"}, ["1.004227"]),
        ({"level": "commune"}, ["1.001193"]),
        ({"agency": "000.00.05.h41"}, ["1.004227"]),
        ({"online_level": OnlineLevel.PARTIAL}, ["1.004227"]),
        ({"q": "khai sinh"}, ["1.001193"]),
        ({"q": "dang ky bien dong"}, ["1.004227"]),
        ({"q": "1.0042"}, ["1.004227"]),
    ],
)
def test_procedures_can_be_filtered(client, catalogue, params, expected):
    assert codes(client.get(URL, params)) == expected


def test_an_unknown_filter_value_is_a_422_not_a_500(client, catalogue):
    assert client.get(URL, {"level": "district"}).status_code == 422


def test_the_detail_gives_documents_fees_route_and_eform(client, catalogue):
    body = client.get(f"{URL}/1.004227").json()
    assert body["code"] == "1.004227"
    assert body["online_limit_reason"]
    assert [d["name"] for d in body["documents"]] == ["Tờ khai theo mẫu"]
    assert body["fees"] == [{"description": "Lệ phí", "amount": 50000, "basis": "dossier", "included_copies": 0,
                             "exemption": ""}]
    assert [(s["role"], s["share"]) for s in body["route"]] == [
        ("receive", 0), ("handle", 9), ("approve", 1), ("return", 0),
    ]
    assert body["route"][0]["place"] == "Cơ quan tiếp nhận hồ sơ"
    assert body["eform_schema"] is None


def test_a_procedure_without_a_published_version_is_a_404(client, catalogue):
    response = client.get(f"{URL}/1.000001")
    assert response.status_code == 404
    assert "1.000001" in response.json()["detail"]
    assert client.get(f"{URL}/9.999999").status_code == 404
    assert client.get(f"{URL}/9.999999/versions").status_code == 404


def test_the_versions_of_a_procedure_are_listed_newest_first(client, catalogue):
    services.publish(services.new_version_from(catalogue["birth"]))
    services.new_version_from(catalogue["birth"].procedure.current_version)
    body = client.get(f"{URL}/1.001193/versions").json()
    assert [(v["version"], v["status"]) for v in body["items"]] == [(2, "published"), (1, "superseded")]
    assert client.get(f"{URL}/1.001193").json()["version"] == 2


def _queries(client, url) -> int:
    with CaptureQueriesContext(connection) as context:
        assert client.get(url).status_code == 200
    return len(context.captured_queries)


def test_the_list_does_not_grow_queries_with_the_number_of_procedures(client, catalogue):
    baseline = _queries(client, URL)
    for _ in range(5):
        ProcedureVersionFactory(agencies=[AgencyFactory(), AgencyFactory()])
    assert _queries(client, URL) == baseline
    assert baseline <= 3  # count, page, agencies


def test_the_detail_reads_a_fixed_number_of_queries(client, catalogue):
    baseline = _queries(client, f"{URL}/1.004227")
    version = catalogue["land"]
    draft = services.new_version_from(version)
    content = services.content_of(draft)
    more_steps = (*content.steps[:1], services.StepLine("handle", 3, agency=AgencyFactory()),
                  services.StepLine("handle", 3, agency=AgencyFactory()),
                  services.StepLine("handle", 3, partner="Thuế tỉnh"), *content.steps[2:])
    services.update_draft(draft, replace(content, steps=more_steps, documents=content.documents * 4))
    services.publish(draft)
    assert _queries(client, f"{URL}/1.004227") == baseline
    assert baseline <= 6
