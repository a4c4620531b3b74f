"""The shared API layer (``common.restapi``) as every app's operations meet it: one error body in Vietnamese
(English when chosen), one bounded pagination, input limits taken from the columns, one schema name per
meaning, documented 4xx answers and an OpenAPI document in the reader's language."""

from __future__ import annotations

import datetime

import pytest
from ninja import Router, Schema

from tinhso.api import api
from tinhso.common.restapi import ConflictingSchemas, PlatformAPI
from tinhso.directory.models import Role
from tinhso.directory.tests.factories import AgencyFactory
from tinhso.dossiers.models import Dossier, State
from tinhso.dossiers.tests.factories import ProcedureWithRouteFactory, api_token, dossier_in_state, officer
from tinhso.geo.models import Province
from tinhso.geo.tests.factories import ProvinceFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def agency():
    return AgencyFactory(identifier="000.00.12.H41", name="Sở Khoa học và Công nghệ")


@pytest.fixture
def version(agency):
    return ProcedureWithRouteFactory(agency=agency)


@pytest.fixture
def headers(agency):
    return {"HTTP_AUTHORIZATION": f"Bearer {api_token(agency)[1]}"}


def submission(version, agency, **applicant) -> dict:
    return {"procedure": version.procedure.code, "receiving_agency": agency.identifier,
            "applicant": {"name": "Lê Văn Cường", "id_number": "040201000123", "email": "cuong@example.vn",
                          **applicant}}


# -- one schema name per meaning -----------------------------------------------------------------------------

def test_two_meanings_under_one_schema_name_are_refused():
    class Kind(Schema):
        a: int

    first, second = Router(), Router()
    first.get("/a", response=Kind)(lambda request: {"a": 1})

    class Kind(Schema):  # the point: another meaning under the same name
        b: str

    second.get("/b", response=Kind)(lambda request: {"b": ""})
    probe = PlatformAPI(urls_namespace="probe")
    probe.add_router("/first", first)
    probe.add_router("/second", second)
    with pytest.raises(ConflictingSchemas, match="Kind"):
        probe.get_openapi_schema(path_prefix="/")


def test_a_city_reads_back_as_its_own_kind(client):
    ProvinceFactory(code="01", name="Hà Nội", kind=Province.Kind.CITY, codename="ha_noi", phone_code=24)
    document = client.get("/api/openapi.json").json()
    body = client.get("/api/geo/provinces/01").json()
    assert body["kind"] == "thanh_pho_trung_uong"
    detail = document["components"]["schemas"]["ProvinceDetailOut"]["properties"]["kind"]
    assert "thanh_pho_trung_uong" in detail["enum"]
    names = document["components"]["schemas"]
    assert "RequiredDocumentOut" in names and "DossierDocumentOut" in names and "DocumentOut" not in names


# -- documented answers and texts --------------------------------------------------------------------------

def test_every_operation_has_a_vietnamese_summary_and_description_and_documents_its_4xx():
    document = api.get_openapi_schema(path_prefix="/api/")
    for path, methods in document["paths"].items():
        for method, operation in methods.items():
            where = f"{method.upper()} {path}"
            responses = {str(code): answer for code, answer in operation["responses"].items()}
            assert operation.get("summary") and operation.get("description"), where
            assert "422" in responses, where
            if operation.get("security"):
                assert "401" in responses, where
            for code, answer in responses.items():
                if code.startswith("4"):
                    schema = answer["content"]["application/json"]["schema"]
                    assert schema == {"$ref": "#/components/schemas/ErrorOut"}, where


def test_the_document_is_english_when_english_is_chosen(client):
    vietnamese = client.get("/api/openapi.json", HTTP_ACCEPT_LANGUAGE="vi").json()
    english = client.get("/api/openapi.json", HTTP_ACCEPT_LANGUAGE="en").json()
    untranslated = []
    for path, methods in vietnamese["paths"].items():
        for method, operation in methods.items():
            for key in ("summary", "description"):
                if operation[key] == english["paths"][path][method][key]:
                    untranslated.append(f"{method} {path} {key}: {operation[key]}")
    assert not untranslated, "\n".join(untranslated)
    assert english["paths"]["/api/dossiers/"]["post"]["summary"] == "File a dossier online"


@pytest.mark.parametrize(("language", "expected"), [
    ("vi", "Chưa xác thực"), ("en", "Not authenticated")])
def test_401_403_404_bodies_speak_the_chosen_language(client, agency, language, expected):
    unauthenticated = client.get("/api/dossiers/", HTTP_ACCEPT_LANGUAGE=language)
    assert unauthenticated.status_code == 401 and unauthenticated.json()["detail"].startswith(expected)
    assert unauthenticated["WWW-Authenticate"].startswith("Bearer")
    headers = {"HTTP_AUTHORIZATION": f"Bearer {api_token(agency)[1]}", "HTTP_ACCEPT_LANGUAGE": language}
    missing = client.get("/api/dossiers/KHONG-CO", **headers)
    assert missing.status_code == 404
    assert missing.json()["detail"] == {"vi": "Không tìm thấy hồ sơ.", "en": "Dossier not found."}[language]
    forbidden = client.get("/api/ioc/values", **headers)
    assert forbidden.status_code == 403
    assert forbidden.json()["detail"] == {"vi": "Không có quyền xem trung tâm điều hành.",
                                          "en": "You may not view the operations centre."}[language]


def test_a_refused_transition_speaks_the_chosen_language(client, version, agency, headers):
    dossier = dossier_in_state(State.SUBMITTED, version=version, agency=agency)
    url = f"/api/dossiers/{dossier.code}/transitions/receive"
    stale = client.post(url, {"expected_version": 0}, content_type="application/json", HTTP_ACCEPT_LANGUAGE="en",
                        **headers)
    assert stale.status_code == 409
    assert stale.json()["detail"] == "This dossier was changed by someone else. Please reload the page."


# -- pagination and filters --------------------------------------------------------------------------------

@pytest.mark.parametrize("address", ["/api/geo/provinces", "/api/directory/agencies", "/api/catalogue/fields",
                                     "/api/catalogue/procedures", "/api/dossiers/", "/api/ioc/indicators",
                                     "/api/ioc/reported-values"])
def test_a_page_number_past_the_bound_is_a_422_not_an_overflow(client, headers, address):
    response = client.get(address, {"page": "180000000000000000"}, **headers)
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "page"
    assert client.get(address, {"page": "1000000"}, **headers).json()["items"] == []


@pytest.mark.parametrize("query", [{"date_from": "0001-01-01"}, {"date_to": "9999-12-31"}])
def test_dates_out_of_range_in_the_dossier_list_are_a_422(client, headers, query):
    response = client.get("/api/dossiers/", query, **headers)
    assert response.status_code == 422


# -- input limits and formats ------------------------------------------------------------------------------

@pytest.mark.parametrize(("field", "value"), [
    ("name", "A" * 256), ("address", "x" * 501), ("email", "a" * 250 + "@x.vn"), ("phone", "0" * 21),
    ("tax_code", "1" * 15), ("email", "not-an-email"), ("id_number", "1" * 13)])
def test_applicant_fields_carry_the_column_limits_and_formats(client, version, agency, headers, field, value):
    response = client.post("/api/dossiers/", submission(version, agency, **{field: value}),
                           content_type="application/json", **headers)
    assert response.status_code == 422, response.content
    assert response.json()["errors"][0]["field"] == f"applicant.{field}"
    assert not Dossier.objects.exists()


def test_an_apology_date_without_a_zone_is_read_in_the_province_zone(client, version, agency, headers):
    dossier = dossier_in_state(State.RECEIVED, version=version, agency=agency)
    handler = officer(Role.HANDLER, agency)
    client.force_login(handler)
    due = dossier.due_at.astimezone(datetime.timezone(datetime.timedelta(hours=7)))
    later = (due + datetime.timedelta(days=14)).replace(tzinfo=None, hour=10, minute=0, second=0, microsecond=0)
    response = client.post(f"/api/dossiers/{dossier.code}/transitions/issue_apology",
                           {"expected_version": dossier.version, "reason": "Cần xác minh thực địa",
                            "new_due_at": later.isoformat()}, content_type="application/json")
    assert response.status_code in (200, 409), response.content  # 409 only if too close to the due moment
    if response.status_code == 200:
        assert response.json()["due_at"].endswith("+07:00") or response.json()["due_at"].endswith("Z")
        dossier.refresh_from_db()
        assert dossier.due_at.astimezone(datetime.timezone(datetime.timedelta(hours=7))).hour == 10


@pytest.mark.parametrize("value", ["99999999999999999999", "1e30"])
def test_a_reported_value_wider_than_its_column_is_a_422(client, agency, headers, value):
    from tinhso.ioc.models import Indicator, Source

    indicator = Indicator.objects.filter(source=Source.REPORTED, active=True).first()
    response = client.post("/api/ioc/reported-values",
                           f'{{"indicator": "{indicator.code}", "period": "2026", "value": {value}}}',
                           content_type="application/json", **headers)
    assert response.status_code == 422
    assert client.get("/api/ioc/reported-values", **headers).status_code == 200


# -- the same rules on the pages ---------------------------------------------------------------------------

@pytest.mark.parametrize("query", [{"date_from": "0001-01-01"}, {"date_to": "9999-12-31"}])
def test_the_desk_refuses_dates_out_of_range_in_its_filters(client, agency, query):
    client.force_login(officer(Role.RECEIVER, agency))
    response = client.get("/mot-cua/", query)
    assert response.status_code == 200
    assert "Ngày phải trong khoảng 01/01/1900 – 31/12/2100." in response.content.decode()


@pytest.mark.parametrize("name", ["co-quan", "linh-vuc", "thu-tuc"])
@pytest.mark.parametrize("address", ["/dieu-hanh/", "/dieu-hanh/ho-so/late/"])
def test_the_operations_centre_refuses_ids_beyond_a_bigint(client, name, address):
    from tinhso.directory.tests.factories import UserFactory

    client.force_login(UserFactory(superuser=True))
    response = client.get(address, {name: "9223372036854775808"})
    assert response.status_code == 400


def test_a_reported_value_wider_than_its_column_is_refused_on_the_page(client, agency):
    from tinhso.ioc.models import Indicator, ReportedValue, Source

    leader = officer(Role.APPROVER, agency)
    client.force_login(leader)
    indicator = Indicator.objects.filter(source=Source.REPORTED, active=True).first()
    response = client.post("/dieu-hanh/so-lieu/", {"agency": agency.pk, "indicator": indicator.code,
                                                   "period": "2026", "value": "99999999999999999999"})
    assert not ReportedValue.objects.exists()
    assert response.status_code in (200, 302, 400)
    assert client.get("/dieu-hanh/so-lieu/").status_code == 200


def _texts(node, where=""):
    """Every summary and description of the OpenAPI document, with where it is."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key in ("summary", "description") and isinstance(value, str) and value:
                yield value, where
            else:
                yield from _texts(value, f"{where}/{key}")
    elif isinstance(node, list):
        for value in node:
            yield from _texts(value, where)


def test_every_text_of_the_document_is_vietnamese_with_its_english_translation(client):
    """No English reason phrase ("OK", "Created") and no class docstring reaches the document: each text
    is a Vietnamese catalogue text, shown in English only when English is chosen."""
    from django.utils import translation

    document = client.get("/api/openapi.json", HTTP_ACCEPT_LANGUAGE="vi").json()
    with translation.override("en"):
        untranslated = {text: where for text, where in _texts(document) if translation.gettext(text) == text}

    assert not untranslated, untranslated
    responses = document["paths"]["/api/dossiers/{code}/documents"]["post"]["responses"]
    assert responses["201"]["description"] == "Đã tạo"
    assert "description" not in document["components"]["schemas"]["ErrorOut"]
