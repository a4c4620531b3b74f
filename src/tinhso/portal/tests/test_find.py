"""Finding a procedure on the public portal: search, browse, the procedure page, and what each costs."""

from __future__ import annotations

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from tinhso.catalogue import services as catalogue_services
from tinhso.catalogue.models import Level, OnlineLevel, RequiredDocument
from tinhso.catalogue.tests.factories import AgencyFactory, FieldFactory, ProcedureFactory, ProcedureVersionFactory
from tinhso.common.text import word_similarity
from tinhso.dossiers.models import Dossier
from tinhso.dossiers.tests.factories import submitted_dossier

pytestmark = pytest.mark.django_db


def _publish_with_template(**fields):
    """A published procedure whose first paper has a blank form to download."""
    version = ProcedureVersionFactory(published=False, **fields)
    RequiredDocument.objects.create(
        version=version, order=2, name="Tờ khai đăng ký khai sinh", originals=1, copies=0,
        template=SimpleUploadedFile("to-khai-khai-sinh.docx", b"PK\x03\x04 mau to khai"),
    )
    with transaction.atomic():
        catalogue_services.publish(version)
    version.refresh_from_db()
    return version


@pytest.fixture
def catalogue():
    civil = FieldFactory(code="HT", name="Hộ tịch")
    building = FieldFactory(code="XD", name="Xây dựng")
    department = AgencyFactory(name="Sở Xây dựng", address="Số 5 đường Quang Trung", phone="0238 3844 123")
    commune = AgencyFactory(name="Ủy ban nhân dân phường Vinh Phú", address="Số 2 đường Lê Hồng Phong",
                            phone="0238 3555 777")
    birth = _publish_with_template(
        procedure=ProcedureFactory(code="1.001193"), name="Đăng ký khai sinh", field=civil, level=Level.COMMUNE,
        online_level=OnlineLevel.PARTIAL, online_limit_reason="Mang bản chính giấy chứng sinh khi nhận kết quả.",
        legal_basis="Luật Hộ tịch 2014", agencies=[commune], time_limit=3,
    )
    death = ProcedureVersionFactory(
        procedure=ProcedureFactory(code="1.000656"), name="Đăng ký khai tử", field=civil, level=Level.COMMUNE,
        agencies=[commune],
    )
    permit = ProcedureVersionFactory(
        procedure=ProcedureFactory(code="1.009972"), name="Cấp giấy phép xây dựng", field=building,
        level=Level.PROVINCE, online_level=OnlineLevel.NONE, online_limit_reason="Phải khảo sát thực địa.",
        agencies=[department], time_limit=15,
    )
    return {"birth": birth, "death": death, "permit": permit, "department": department, "commune": commune}


def _names(response) -> list[str]:
    return [v.name for v in response.context["page"].object_list]


def test_search_ignores_diacritics(client, catalogue):
    response = client.get("/thu-tuc/", {"q": "dang ky khai sinh"})

    assert response.status_code == 200
    assert _names(response) == ["Đăng ký khai sinh"]
    assert "Đăng ký khai sinh" in response.text


def test_search_with_diacritics_and_by_code(client, catalogue):
    assert _names(client.get("/thu-tuc/", {"q": "Đăng ký KHAI TỬ"})) == ["Đăng ký khai tử"]
    assert _names(client.get("/thu-tuc/", {"q": "1.009972"})) == ["Cấp giấy phép xây dựng"]
    assert sorted(_names(client.get("/thu-tuc/", {"q": "dang ky"}))) == ["Đăng ký khai sinh", "Đăng ký khai tử"]


@pytest.mark.parametrize("typed", ["dang ky khai sihn", "dang ki khai sinh", "Đăng kí khai sinh"])
def test_search_tolerates_a_typo_on_every_database(client, catalogue, typed):
    response = client.get("/thu-tuc/", {"q": typed})

    assert response.status_code == 200
    # The closest name comes first despite the typo (pg_trgm on PostgreSQL, its measure in Python elsewhere),
    # and a procedure of another field is not offered.
    assert _names(response)[0] == "Đăng ký khai sinh"
    assert "Cấp giấy phép xây dựng" not in _names(response)


def test_the_word_similarity_is_pg_trgm_s():
    # The examples of PostgreSQL's pg_trgm documentation, and what the threshold lets through.
    assert word_similarity("word", "two words") == pytest.approx(0.8)
    assert word_similarity("dang ky khai sihn", "1.001193 dang ky khai sinh") == pytest.approx(0.8235, abs=1e-3)
    assert word_similarity("dang ky khai sihn", "1.009972 cap giay phep xay dung") < 0.2
    assert word_similarity("", "dang ky") == 0.0
    # A text that cannot reach the threshold is dropped early; one that can is measured in full.
    assert word_similarity("dang ki khai sinh", "dang ky ket hon", at_least=0.6) == 0.0
    assert word_similarity("word", "two words", at_least=0.6) == pytest.approx(0.8)


def test_nothing_found_says_so(client, catalogue):
    response = client.get("/thu-tuc/", {"q": "khong co thu tuc nay"})

    assert response.status_code == 200
    assert "Không tìm thấy thủ tục phù hợp" in response.text


def test_browse_filters_by_field_level_online_level_and_agency(client, catalogue):
    assert sorted(_names(client.get("/thu-tuc/", {"field": "HT"}))) == ["Đăng ký khai sinh", "Đăng ký khai tử"]
    assert _names(client.get("/thu-tuc/", {"level": "province"})) == ["Cấp giấy phép xây dựng"]
    assert _names(client.get("/thu-tuc/", {"online_level": "partial"})) == ["Đăng ký khai sinh"]
    agency = catalogue["department"].identifier
    assert _names(client.get("/thu-tuc/", {"agency": agency})) == ["Cấp giấy phép xây dựng"]
    combined = client.get("/thu-tuc/", {"field": "HT", "online_level": "full", "q": "khai"})
    assert _names(combined) == ["Đăng ký khai tử"]


def test_an_unknown_filter_value_is_ignored_not_an_error(client, catalogue):
    response = client.get("/thu-tuc/", {"level": "galaxy", "field": "<script>"})

    assert response.status_code == 200
    assert len(_names(response)) == 3


def test_drafts_are_not_public(client, catalogue):
    ProcedureVersionFactory(procedure=ProcedureFactory(code="1.111111"), name="Thủ tục đang soạn", published=False)

    assert "Thủ tục đang soạn" not in _names(client.get("/thu-tuc/", {"q": "dang soan"}))
    assert client.get("/thu-tuc/1.111111/").status_code == 404


def test_list_is_paginated_with_the_filters_kept(client, catalogue):
    field = FieldFactory(code="TN", name="Tài nguyên")
    for n in range(23):
        ProcedureVersionFactory(name=f"Thủ tục tài nguyên {n}", field=field)

    first = client.get("/thu-tuc/", {"field": "TN"})
    second = client.get("/thu-tuc/", {"field": "TN", "page": 2})

    assert len(_names(first)) == 20 and len(_names(second)) == 3
    assert "field=TN&amp;page=2" in first.text


def test_procedure_page_shows_what_a_citizen_needs(client, catalogue):
    version = catalogue["birth"]
    paper = version.documents.get(name="Tờ khai đăng ký khai sinh")

    response = client.get("/thu-tuc/1.001193/")

    assert response.status_code == 200
    page = response.text
    for expected in (
        "Đăng ký khai sinh", "Tờ khai đăng ký khai sinh", "Tờ khai theo mẫu", "Lệ phí", "50.000 đồng",
        "3 ngày làm việc", "Ủy ban nhân dân phường Vinh Phú", "Số 2 đường Lê Hồng Phong", "0238 3555 777",
        "Một phần", "Mang bản chính giấy chứng sinh khi nhận kết quả.", "Luật Hộ tịch 2014", "Giấy chứng nhận",
        "Tiếp nhận", "Phê duyệt", "Trả kết quả",
    ):
        assert expected in page, expected
    assert f'href="/thu-tuc/1.001193/mau-don/{paper.pk}/"' in page
    assert 'href="/nop-ho-so/1.001193/"' in page


def test_no_online_filing_button_when_the_procedure_is_not_online(client, catalogue):
    page = client.get("/thu-tuc/1.009972/").text

    assert "/nop-ho-so/" not in page
    assert "Phải khảo sát thực địa." in page
    assert "15 ngày làm việc" in page


def test_the_blank_form_downloads(client, catalogue):
    paper = catalogue["birth"].documents.get(name="Tờ khai đăng ký khai sinh")

    response = client.get(f"/thu-tuc/1.001193/mau-don/{paper.pk}/")

    assert response.status_code == 200
    assert b"".join(response.streaming_content).startswith(b"PK")
    assert "attachment" in response["Content-Disposition"]


def test_a_paper_is_only_reachable_through_its_own_procedure(client, catalogue):
    paper = catalogue["birth"].documents.get(name="Tờ khai đăng ký khai sinh")
    without_template = catalogue["birth"].documents.get(name="Tờ khai theo mẫu")

    assert client.get(f"/thu-tuc/1.009972/mau-don/{paper.pk}/").status_code == 404
    assert client.get(f"/thu-tuc/1.001193/mau-don/{without_template.pk}/").status_code == 404
    assert client.get("/thu-tuc/9.999999/").status_code == 404


def test_home_lists_the_most_used_procedures_of_the_last_twelve_months(client, catalogue):
    commune = catalogue["commune"]
    for _ in range(2):
        submitted_dossier(catalogue["death"], commune)
    submitted_dossier(catalogue["birth"], commune)
    old = [submitted_dossier(catalogue["birth"], commune) for _ in range(3)]
    Dossier.objects.filter(pk__in=[d.pk for d in old]).update(
        submitted_at=timezone.now() - datetime.timedelta(days=400))

    response = client.get("/")

    assert response.status_code == 200
    assert [v.name for v in response.context["most_used"]] == ["Đăng ký khai tử", "Đăng ký khai sinh"]
    assert [v.uses for v in response.context["most_used"]] == [2, 1]
    assert 'action="/thu-tuc/"' in response.text
    assert "/thu-tuc/?field=HT" in response.text
    assert "/thu-tuc/?level=commune" in response.text
    assert "/thu-tuc/co-quan/" in response.text


def test_browse_by_agency(client, catalogue):
    response = client.get("/thu-tuc/co-quan/")

    assert response.status_code == 200
    assert f"/thu-tuc/?agency={catalogue['department'].identifier}" in response.text
    assert "Ủy ban nhân dân phường Vinh Phú" in response.text


def test_public_pages_need_no_sign_in_and_link_to_tracking(client, catalogue):
    for url in ("/", "/thu-tuc/", "/thu-tuc/co-quan/", "/thu-tuc/1.001193/"):
        response = client.get(url)
        assert response.status_code == 200, url
        assert 'href="/tra-cuu/"' in response.text


def _queries(client, url, params=None) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url, params or {}).status_code == 200
    return len(captured)


@pytest.mark.parametrize("params", [{}, {"q": "thu tuc"}, {"field": "LQ"}])
def test_the_list_page_costs_the_same_queries_for_3_or_25_procedures(client, params):
    field = FieldFactory(code="LQ", name="Lĩnh vực đếm truy vấn")
    for n in range(3):
        ProcedureVersionFactory(name=f"Thủ tục {n}", field=field, agencies=[AgencyFactory()])
    few = _queries(client, "/thu-tuc/", params)
    for n in range(22):
        ProcedureVersionFactory(name=f"Thủ tục thêm {n}", field=field, agencies=[AgencyFactory(), AgencyFactory()])
    many = _queries(client, "/thu-tuc/", params)

    assert many == few
    assert few <= 6


def test_home_and_agency_list_cost_a_constant_number_of_queries(client):
    field = FieldFactory(code="LQ", name="Lĩnh vực đếm truy vấn")
    agency = AgencyFactory()
    version = ProcedureVersionFactory(field=field, agencies=[agency])
    submitted_dossier(version, agency)
    home_few, agencies_few = _queries(client, "/"), _queries(client, "/thu-tuc/co-quan/")
    for _ in range(10):
        other_agency = AgencyFactory()
        other = ProcedureVersionFactory(field=FieldFactory(), agencies=[other_agency])
        submitted_dossier(other, other_agency)

    assert _queries(client, "/") == home_few <= 3
    assert _queries(client, "/thu-tuc/co-quan/") == agencies_few <= 3


def test_procedure_page_costs_a_constant_number_of_queries(client, catalogue):
    assert _queries(client, "/thu-tuc/1.001193/") <= 6
