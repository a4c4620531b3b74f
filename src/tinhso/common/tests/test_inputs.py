"""The one set of input rules (``common.inputs``) and the middleware that refuses what no column can hold."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.test import RequestFactory
from django.utils import timezone

from tinhso.common import inputs
from tinhso.common.middleware import client_address_from


def test_nul_and_unpaired_surrogates_are_unsafe_and_paired_characters_are_not():
    assert inputs.has_unsafe_characters("a\x00b")
    assert inputs.has_unsafe_characters("A\ud805")
    assert not inputs.has_unsafe_characters("Nguyễn Thị Ánh 😀")
    with pytest.raises(inputs.InputError) as error:
        inputs.check_text("a\x00b", "note")
    assert error.value.field == "note" and "NUL" in error.value.message


@pytest.mark.parametrize("value", ["9223372036854775808", "-1", "0", "1e3", "１２", "12a"])
def test_record_ids_beyond_a_bigint_or_not_whole_numbers_are_refused(value):
    with pytest.raises(inputs.InputError):
        inputs.parse_id(value, "co-quan")


def test_record_ids_within_a_bigint_are_read():
    assert inputs.parse_id(" 9223372036854775807 ", "co-quan") == 2**63 - 1
    assert inputs.parse_id("", "co-quan") is None


@pytest.mark.parametrize("value", ["0001-01-01", "9999-12-31", "31/12/1899", "01/01/2101"])
def test_dates_outside_the_platform_range_are_refused(value):
    with pytest.raises(inputs.InputError) as error:
        inputs.parse_date(value, "date_from")
    assert "01/01/1900" in error.value.message


def test_dates_are_read_the_vietnamese_way_and_iso():
    assert inputs.parse_date("05/02/2027", "d") == datetime.date(2027, 2, 5)
    assert inputs.parse_date("2027-02-05", "d") == datetime.date(2027, 2, 5)


def test_a_naive_date_time_is_read_in_the_province_zone():
    moment = inputs.province_datetime(datetime.datetime(2030, 1, 1, 10, 0))
    assert timezone.is_aware(moment)
    assert moment.utcoffset() == datetime.timedelta(hours=7)
    assert moment == datetime.datetime(2030, 1, 1, 3, 0, tzinfo=datetime.UTC)


def test_decimals_are_bounded_by_their_column():
    from tinhso.ioc.models import ReportedValue

    column = ReportedValue._meta.get_field("value")  # 18 digits, 4 after the point
    assert inputs.check_decimal("99999999999999.9999", column, "value") == Decimal("99999999999999.9999")
    for too_wide in ("99999999999999999999", Decimal("1e30"), "100000000000000"):
        with pytest.raises(inputs.InputError) as error:
            inputs.check_decimal(too_wide, column, "value")
        assert "quá lớn" in error.value.message
    with pytest.raises(inputs.InputError):
        inputs.check_decimal("1.23456", column, "value")
    with pytest.raises(inputs.InputError):
        inputs.check_decimal("NaN", column, "value")


# -- the client's address ----------------------------------------------------------------------------------

TRUSTED = [__import__("ipaddress").ip_network("127.0.0.1/32"), __import__("ipaddress").ip_network("10.0.0.0/8")]


def test_the_peer_is_the_client_when_no_proxy_is_trusted():
    meta = {"REMOTE_ADDR": "203.0.113.5", "HTTP_X_FORWARDED_FOR": "198.51.100.1"}
    assert client_address_from(meta, []) == "203.0.113.5"


def test_a_trusted_proxy_names_the_client_and_spoofed_hops_to_its_left_are_ignored():
    meta = {"REMOTE_ADDR": "127.0.0.1", "HTTP_X_FORWARDED_FOR": "1.2.3.4, 198.51.100.7, 10.1.2.3"}
    assert client_address_from(meta, TRUSTED) == "198.51.100.7"


def test_an_untrusted_peer_cannot_claim_another_address_or_https(settings):
    from tinhso.common.middleware import ClientAddressMiddleware

    settings.TINHSO_TRUSTED_PROXIES = ["127.0.0.1"]
    seen = {}

    def view(request):
        seen.update(request.META)
        return None

    request = RequestFactory().get("/", REMOTE_ADDR="203.0.113.9", HTTP_X_FORWARDED_FOR="198.51.100.1",
                                   HTTP_X_FORWARDED_PROTO="https")
    ClientAddressMiddleware(view)(request)
    assert seen["REMOTE_ADDR"] == "203.0.113.9"
    assert "HTTP_X_FORWARDED_FOR" not in seen and "HTTP_X_FORWARDED_PROTO" not in seen


# -- NUL and surrogates, everywhere ------------------------------------------------------------------------

@pytest.mark.django_db
@pytest.mark.parametrize("address", ["/api/dossiers/a%00b", "/api/geo/communes?q=%00", "/thu-tuc/?q=a%00",
                                     "/api/directory/agencies?q=x&%00=1"])
def test_nul_in_an_address_or_query_is_refused_with_422(client, address):
    response = client.get(address)
    assert response.status_code == 422
    if address.startswith("/api/"):
        assert "NUL" in response.json()["detail"]
    else:
        assert "NUL" in response.content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize("body", ['{"applicant": {"name": "a\\u0000b"}}', '{"applicant": {"name": "A\\ud805"}}',
                                  '{"reasons": "x", "note": "\\udc00"}'])
def test_nul_or_a_lone_surrogate_in_a_json_body_is_refused_with_422(client, body):
    response = client.post("/api/dossiers/", body, content_type="application/json")
    assert response.status_code == 422
    assert response.json()["field"] == "body"


@pytest.mark.django_db
def test_nul_in_a_form_field_is_refused_with_a_vietnamese_page(client):
    response = client.post("/tra-cuu/", {"code": "H41-260101-0001\x00", "digits": "1234"})
    assert response.status_code == 422
    assert "ký tự không hợp lệ" in response.content.decode()


@pytest.mark.django_db
def test_an_unknown_api_address_gets_the_api_404_body(client):
    response = client.get("/api/khong-co/")
    assert response.status_code == 404
    assert response.json() == {"detail": "Không có địa chỉ API này."}
    assert client.get("/api/dossiers", HTTP_ACCEPT_LANGUAGE="vi").status_code == 301  # only the slash is missing
