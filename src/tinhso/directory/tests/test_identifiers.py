import pytest
from django.core.exceptions import ValidationError
from hypothesis import given
from hypothesis import strategies as st

from tinhso.directory.identifiers import (
    level1_code,
    normalise_identifier,
    province_level1_code,
    validate_identifier,
)
from tinhso.directory.models import Agency
from tinhso.directory.tests.factories import AgencyFactory


@pytest.mark.parametrize(
    "identifier",
    [
        "000.00.00.H41",  # People's Committee of Nghệ An, fixed form (QCVN 102:2016)
        "000.00.00.G22",  # Government Office
        "000.00.12.H41",
        "000.12.34.H41",
        "H37.02.02",  # left-to-right groups, as on live provincial portals
        "H55.242",
        "H41",
        "A01.B2.C3D",
    ],
)
def test_both_written_forms_are_valid(identifier):
    validate_identifier(identifier)


def test_thirty_five_characters_is_the_limit():
    at_limit = "H41." + "1" * 31
    assert len(at_limit) == 35
    validate_identifier(at_limit)
    with pytest.raises(ValidationError, match="36 ký tự"):
        validate_identifier(at_limit + "2")


@pytest.mark.parametrize("identifier", ["000.00.00.Z41", "Z41.02.02"])
def test_level_one_letter_z_is_refused(identifier):
    with pytest.raises(ValidationError, match="A đến Y") as caught:
        validate_identifier(identifier)
    assert caught.value.code == "level1"


@pytest.mark.parametrize(
    "identifier",
    [
        "", "000..00.H41", ".H41", "H41.", "000.00.H41", "H4", "H41-02", "HƯ1.01", "41H.01", "000.00.00.41H",
        "h41.01",
    ],
)
def test_malformed_identifiers_are_refused_with_a_vietnamese_message(identifier):
    with pytest.raises(ValidationError) as caught:
        validate_identifier(identifier)
    assert any("Mã" in message for message in caught.value.messages)


def test_lowercase_and_blanks_are_normalised_before_validation():
    assert normalise_identifier(" 000.00.00.h41 ") == "000.00.00.H41"
    assert Agency._meta.get_field("identifier").clean(" h37.02. 02 ", None) == "H37.02.02"


@pytest.mark.django_db
def test_saving_normalises_the_identifier():
    agency = AgencyFactory(identifier="000.00.05.h41")
    assert Agency.objects.get(pk=agency.pk).identifier == "000.00.05.H41"


@pytest.mark.django_db
def test_identifiers_are_unique():
    AgencyFactory(identifier="000.00.05.H41")
    duplicate = AgencyFactory.build(identifier="000.00.05.h41")
    with pytest.raises(ValidationError) as caught:
        duplicate.full_clean()
    assert "identifier" in caught.value.message_dict


def test_level_one_code_is_found_in_either_form():
    assert level1_code("000.00.12.H41") == "H41"
    assert level1_code("H37.02.02") == "H37"
    assert province_level1_code("40") == "H41"


def test_a_province_without_a_known_level_one_code_says_what_to_add():
    with pytest.raises(KeyError, match="PROVINCE_LEVEL1_CODES"):
        province_level1_code("79")


@given(st.text(alphabet="0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ.ađ -", max_size=45))
def test_any_text_is_either_accepted_within_the_rules_or_refused_cleanly(text):
    value = normalise_identifier(text)
    try:
        validate_identifier(value)
    except ValidationError:
        return
    assert 0 < len(value) <= 35
    assert set(value) <= set("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ.")
    assert level1_code(value)[0] in "ABCDEFGHIJKLMNOPQRSTUVWXY"
