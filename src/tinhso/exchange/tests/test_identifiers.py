"""X-Road identifiers (PR-REST §4.1, §4.2, §4.8) with QĐ 20/2020 codes as member codes."""

import pytest

from tinhso.exchange.identifiers import (
    ClientId,
    IdentifierError,
    ServiceId,
    parse_client,
    parse_request_path,
    parse_service,
)


def test_an_agency_identifier_is_a_valid_member_code():
    client = parse_client("VN/GOV/000.00.00.H41/tinhso")
    assert client == ClientId("VN", "GOV", "000.00.00.H41", "tinhso")
    assert client.member == ClientId("VN", "GOV", "000.00.00.H41")
    assert str(client) == "VN/GOV/000.00.00.H41/tinhso"
    assert client.encode() == "VN/GOV/000.00.00.H41/tinhso"


def test_the_subsystem_is_optional_in_the_client_header():
    client = parse_client("VN/GOV/H37.02.02")
    assert not client.is_subsystem
    assert client.parts == ("VN", "GOV", "H37.02.02")


def test_parts_are_percent_decoded_one_by_one():
    # §4.8 allows "?" in an identifier; in a URI it travels encoded, and only the separators stay "/".
    client = parse_client("INSTANCE/CLASS/MEMBER%3F1/SUB")
    assert client.member_code == "MEMBER?1"
    assert client.encode() == "INSTANCE/CLASS/MEMBER%3F1/SUB"


@pytest.mark.parametrize("value, part", [
    ("VN/GOV/000.00.00.H41/tỉnh", "subsystem_code"),
    ("VN/GOV/000 00/tinhso", "member_code"),
    ("VN/GO*V/000.00.00.H41", "member_class"),
    ("VN//000.00.00.H41", "member_class"),
])
def test_characters_outside_the_protocol_set_are_refused_naming_the_part(value, part):
    with pytest.raises(IdentifierError) as caught:
        parse_client(value)
    assert caught.value.part == part
    assert "4.8" in caught.value.message or "Thiếu" in caught.value.message


@pytest.mark.parametrize("value", ["", "VN/GOV", "VN/GOV/A/B/C", "INSTANCE%2FCLASS%2FMEMBER%2FSUB"])
def test_a_client_header_needs_three_or_four_parts(value):
    with pytest.raises(IdentifierError):
        parse_client(value)


def test_the_request_path_names_the_service_and_keeps_the_rest_raw():
    parsed = parse_request_path("/r1/INSTANCE/CLASS2/MEMBER2/SUBSYSTEM2/BARSERVICE/v1/bar/zyggy")
    assert parsed.service == ServiceId(ClientId("INSTANCE", "CLASS2", "MEMBER2", "SUBSYSTEM2"), "BARSERVICE")
    assert parsed.path == "/v1/bar/zyggy"
    assert parse_request_path("/r1/VN/GOV/000.00.00.H41/tinhso/listMethods").path == ""


def test_an_encoded_slash_belongs_to_its_part():
    # §4.2: "INSTANCE/CLASS/MEMBER/SUBSYSTEM/BAR%2FSERVICE (where the service code is "BAR/SERVICE")" — a
    # slash is outside the characters of §4.8 (1.0.3), so such a code is refused rather than misread.
    with pytest.raises(IdentifierError) as caught:
        parse_request_path("/r1/INSTANCE/CLASS/MEMBER/SUBSYSTEM/BAR%2FSERVICE")
    assert caught.value.part == "service_code"


def test_another_protocol_version_is_refused():
    with pytest.raises(IdentifierError) as caught:
        parse_request_path("/r2/VN/GOV/000.00.00.H41/tinhso/agencies")
    assert caught.value.part == "version"


def test_the_provider_subsystem_is_required_in_the_path():
    with pytest.raises(IdentifierError):
        parse_request_path("/r1/VN/GOV/000.00.00.H41/agencies")


def test_a_service_identifier_round_trips():
    service = parse_service("VN/GOV/000.00.00.H41/tinhso/dossier-status")
    assert str(service) == "VN/GOV/000.00.00.H41/tinhso/dossier-status"
    assert parse_service(service.encode()) == service
