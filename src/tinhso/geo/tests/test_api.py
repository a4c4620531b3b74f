"""The JSON API at /api/geo/: lists are paginated, filters validated, errors in Vietnamese.

The units are loaded once for this module (``loaded_units``) and rolled back after it.
"""

import pytest

from tinhso.geo.models import Commune
from tinhso.geo.services import import_villages

pytestmark = pytest.mark.django_db

VILLAGES = (
    "commune_code,name,kind,code,latitude,longitude\n"
    "02269,Thôn Nà Lầm,thôn,01,22.41,105.22\n"
    "02269,Thôn Bản Bó,thôn,02,,\n"
    "16681,Thôn 1,thôn,,,\n"
)


def test_provinces_are_listed_in_one_page_of_34(loaded_units, client):
    body = client.get("/api/geo/provinces").json()
    assert body["count"] == 34
    assert len(body["items"]) == 34
    assert body["items"][0] == {
        "code": "01", "name": "Thành phố Hà Nội", "full_name": "Thành phố Hà Nội",
        "kind": "thanh_pho_trung_uong", "kind_label": "Thành phố trực thuộc trung ương",
        "codename": "ha_noi", "phone_code": 24,
    }


def test_a_province_is_found_by_its_code_with_its_number_of_communes(loaded_units, client):
    body = client.get("/api/geo/provinces/40").json()
    assert (body["name"], body["full_name"]) == ("Nghệ An", "Tỉnh Nghệ An")
    assert sum(body["commune_counts"].values()) == 130
    assert client.get("/api/geo/provinces/8").json()["name"] == "Tuyên Quang"


def test_an_unknown_or_malformed_province_code_is_answered_in_vietnamese(loaded_units, client):
    missing = client.get("/api/geo/provinces/99")
    assert (missing.status_code, missing.json()) == (404, {"detail": "Không có tỉnh, thành phố mã 99."})
    malformed = client.get("/api/geo/provinces/abc")
    assert malformed.status_code == 400
    assert "không hợp lệ" in malformed.json()["detail"]


def test_communes_are_paginated_and_filtered_by_province_and_kind(loaded_units, client):
    first = client.get("/api/geo/communes", {"province": "40"}).json()
    assert first["count"] == 130
    assert len(first["items"]) == 50
    last = client.get("/api/geo/communes", {"province": "40", "page": 3}).json()
    assert len(last["items"]) == 30
    codes = [c["code"] for c in first["items"]] + [c["code"] for c in last["items"]]
    assert codes == sorted(codes)
    wards = client.get("/api/geo/communes", {"province": "40", "kind": "phường"}).json()
    assert wards["count"] == Commune.objects.filter(province__code="40", kind="phuong").count() > 0
    assert {c["kind"] for c in wards["items"]} == {"phuong"}
    assert wards["items"][0]["province"] == {"code": "40", "name": "Nghệ An"}


def test_communes_are_found_by_name_with_or_without_accents(loaded_units, client):
    for q in ("thuong lam", "Thượng Lâm", "THUONG LAM"):
        body = client.get("/api/geo/communes", {"q": q}).json()
        assert [c["name"] for c in body["items"]] == ["Xã Thượng Lâm"], q
    by_code = client.get("/api/geo/communes", {"q": "0226"}).json()
    assert "02269" in [c["code"] for c in by_code["items"]]


def test_bad_commune_filters_are_answered_in_vietnamese(loaded_units, client):
    kind = client.get("/api/geo/communes", {"kind": "huyện"})
    assert kind.status_code == 400
    assert kind.json()["detail"].startswith("Loại “huyện” không hợp lệ")
    province = client.get("/api/geo/communes", {"province": "99"})
    assert (province.status_code, province.json()["detail"]) == (404, "Không có tỉnh, thành phố mã 99.")


def test_a_commune_shows_the_former_wards_that_formed_it(loaded_units, client):
    body = client.get("/api/geo/communes/00004").json()
    assert (body["name"], body["province"]["code"], body["village_count"]) == ("Phường Ba Đình", "01", 0)
    formed_from = {w["name"]: w for w in body["formed_from"]}
    assert formed_from["Phường Trúc Bạch"] == {
        "code": "00004", "name": "Phường Trúc Bạch", "district": "Quận Ba Đình",
        "province": "Thành phố Hà Nội", "whole": True,
    }
    assert formed_from["Phường Điện Biên"]["whole"] is False
    missing = client.get("/api/geo/communes/12345")
    assert (missing.status_code, missing.json()["detail"]) == (404, "Không có xã, phường, đặc khu mã 12345.")


def test_villages_are_listed_by_commune(loaded_units, client):
    import_villages(VILLAGES)
    body = client.get("/api/geo/villages", {"commune": "02269"}).json()
    assert body["count"] == 2
    assert body["items"][0] | {"id": 0} == {
        "id": 0, "code": "02", "name": "Thôn Bản Bó", "kind": "thon", "kind_label": "Thôn",
        "latitude": None, "longitude": None, "commune": {"code": "02269", "name": "Xã Thượng Lâm"},
    }
    assert body["items"][1]["latitude"] == 22.41
    assert client.get("/api/geo/villages", {"province": "40"}).json()["count"] == 1
    assert client.get("/api/geo/villages").json()["count"] == 3


def test_an_old_address_is_resolved_over_the_api(loaded_units, client):
    address = {"province": "ha giang", "district": "dong van", "ward": "thi tran dong van"}
    response = client.get("/api/geo/legacy/resolve", address)
    assert response.status_code == 200
    body = response.json()
    assert body["province"] == {"code": "08", "name": "Tuyên Quang"}
    assert body["commune"]["name"] == "Xã Đồng Văn"
    assert (body["method"], body["method_label"]) == ("table", "Theo bảng chuyển đổi 2025")
    assert body["legacy_ward"] == {"code": "00721", "name": "Thị trấn Đồng Văn"}
    assert body["legacy_district"]["name"] == "Huyện Đồng Văn"
    assert body["note"].startswith("Thị trấn Đồng Văn, Huyện Đồng Văn, Tỉnh Hà Giang nay thuộc Xã Đồng Văn")


def test_an_old_address_that_cannot_be_resolved_gets_a_vietnamese_4xx(loaded_units, client):
    missing = client.get("/api/geo/legacy/resolve", {"province": "Atlantis"})
    assert (missing.status_code, missing.json()["detail"]) == (404, "Không tìm thấy tỉnh cũ “Atlantis”.")
    ambiguous = client.get("/api/geo/legacy/resolve", {"province": "Hà Giang", "ward": "Tả Lủng"})
    assert ambiguous.status_code == 400
    assert "ứng với nhiều" in ambiguous.json()["detail"]
    empty = client.get("/api/geo/legacy/resolve")
    assert (empty.status_code, empty.json()["detail"]) == (400, "Cần tên hoặc mã tỉnh cũ.")


@pytest.mark.parametrize(
    ("url", "params"),
    [
        ("/api/geo/provinces", {}),
        ("/api/geo/communes", {"province": "40", "q": "nghi"}),
        ("/api/geo/villages", {"province": "08"}),
    ],
)
def test_list_endpoints_take_two_queries_whatever_the_page_holds(
    loaded_units, client, django_assert_max_num_queries, url, params
):
    import_villages(VILLAGES)
    with django_assert_max_num_queries(2):
        response = client.get(url, params)
    assert response.status_code == 200
    assert response.json()["count"] > 0
