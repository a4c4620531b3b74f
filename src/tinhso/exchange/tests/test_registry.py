"""The registry through which modules offer services, and the OpenAPI of each service cut from ours."""

import pytest

from tinhso.api import api
from tinhso.exchange import registry
from tinhso.exchange.registry import ApiService, Endpoint, HandlerService, path_matches


@pytest.mark.parametrize("pattern, path, expected", [
    ("/agencies", "/agencies", True),
    ("/agencies", "/agencies/x", False),
    ("/agencies/*", "/agencies/000.00.00.H41", True),
    ("/agencies/*", "/agencies", False),
    ("/*/events", "/000.00.10.H41-260302-0001/events", True),
    ("/**", "/anything/at/all", True),
    ("/pet/**", "/pet/1/uploadImage", True),
    ("/", "/", True),
])
def test_endpoint_patterns_follow_x_road_wildcards(pattern, path, expected):
    assert path_matches(pattern, path) is expected


def test_an_endpoint_matches_method_and_path():
    endpoint = Endpoint("get", "/agencies/*")
    assert endpoint.method == "GET"
    assert endpoint.matches("GET", "/agencies/H41")
    assert not endpoint.matches("POST", "/agencies/H41")
    assert Endpoint("*", "/**").matches("DELETE", "/x")
    with pytest.raises(ValueError):
        Endpoint("FETCH", "/x")
    with pytest.raises(ValueError):
        Endpoint("GET", "agencies")


def test_the_platform_modules_offer_their_services():
    codes = {service.code for service in registry.offered()}
    assert {"agencies", "procedures", "dossier-status", "indicators"} <= codes


def test_two_modules_cannot_offer_one_code():
    service = registry.get("agencies")
    registry.offer(service)  # the same definition again is harmless
    with pytest.raises(ValueError, match="already offered"):
        registry.offer(HandlerService(code="agencies", title="x", title_en="x", description="",
                                      endpoints=(Endpoint("GET", "/"),), handler=lambda request: None))


def test_an_api_service_must_sit_under_the_platform_api():
    with pytest.raises(ValueError, match="/api/"):
        ApiService(code="x", title="x", title_en="x", description="", api_prefix="/admin",
                   endpoints=(Endpoint("GET", "/"),))


def test_a_service_openapi_holds_only_its_endpoints_relative_to_the_gateway():
    service = registry.get("dossier-status")
    document = service.openapi("https://gw.example/r1/VN/GOV/000.00.00.H41/tinhso/dossier-status")
    assert document["servers"] == [{"url": "https://gw.example/r1/VN/GOV/000.00.00.H41/tinhso/dossier-status"}]
    assert set(document["paths"]) == {"/{code}", "/{code}/events"}
    assert set(document["paths"]["/{code}"]) == {"get"}  # the dossier API's POST submission is not exposed
    assert "security" not in document["paths"]["/{code}"]["get"]
    schemas = document["components"]["schemas"]
    assert "DossierDetailOut" in schemas and "DossierStepOut" in schemas  # nested schemas come along
    platform_schemas = api.get_openapi_schema()["components"]["schemas"]
    assert set(schemas) < set(platform_schemas)


def test_the_agency_registry_openapi_is_the_directory_api():
    document = registry.get("agencies").openapi("https://gw.example/r1/x")
    platform = api.get_openapi_schema()
    assert document["paths"]["/agencies"]["get"]["operationId"] == \
        platform["paths"]["/api/directory/agencies"]["get"]["operationId"]
