"""Loading the code lists, the served province, former units and their successors, demo villages.

The units are loaded once for this module (``loaded_units``) and rolled back after it.
"""

from collections import Counter
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command
from django.db.models import F

from tinhso.common.audit import AuditEntry
from tinhso.geo import selectors, services, sources
from tinhso.geo.models import (
    Commune,
    LegacyDistrict,
    LegacyProvince,
    LegacyWard,
    Province,
    SuccessorMethod,
    Village,
)

pytestmark = pytest.mark.django_db


def _kinds(model) -> Counter:
    return Counter(model.objects.values_list("kind", flat=True))


def test_loading_creates_the_34_provinces_and_3321_communes_of_2025(loaded_units):
    assert loaded_units["provinces"] == 34
    assert loaded_units["communes"] == 3321
    assert _kinds(Province) == {"tinh": 28, "thanh_pho_trung_uong": 6}
    assert _kinds(Commune) == {"xa": 2621, "phuong": 687, "dac_khu": 13}
    nghe_an = Province.objects.get(code="40")
    assert (nghe_an.name, nghe_an.full_name, nghe_an.phone_code) == ("Nghệ An", "Tỉnh Nghệ An", 238)
    assert Province.objects.get(code="01").full_name == "Thành phố Hà Nội"


def test_loading_brings_the_former_63_provinces_with_their_districts_and_wards(loaded_units):
    assert loaded_units["legacy_provinces"] == LegacyProvince.objects.count() == 63
    assert loaded_units["legacy_districts"] == LegacyDistrict.objects.count() == 696
    assert loaded_units["legacy_wards"] == LegacyWard.objects.count() == 10035
    assert _kinds(LegacyWard) == {"xa": 7692, "phuong": 1726, "thi_tran": 617}


def test_bulk_loaded_communes_can_be_found_without_accents(loaded_units):
    assert Commune.objects.get(code="02269").search_name == "xa thuong lam"


def test_loading_a_second_time_creates_nothing(loaded_units):
    again = services.load_units()
    assert (again["created"], again["updated"]) == (0, 0)
    assert (again["provinces"], again["communes"], again["legacy_wards"]) == (34, 3321, 10035)


def test_loading_again_puts_back_a_name_changed_in_the_database(loaded_units):
    Commune.objects.filter(code="02269").update(name="Xã Sai Tên", search_name="xa sai ten")
    again = services.load_units()
    assert (again["created"], again["updated"]) == (0, 1)
    commune = Commune.objects.get(code="02269")
    assert (commune.name, commune.search_name) == ("Xã Thượng Lâm", "xa thuong lam")


def test_each_load_appends_one_entry_to_the_audit_chain(loaded_units):
    before = AuditEntry.objects.count()
    services.load_units()
    assert AuditEntry.objects.count() == before + 1
    entry = AuditEntry.objects.last()
    assert (entry.action, entry.object_type, entry.object_id) == ("action", "geo.load", "units")
    assert "34 tỉnh" in entry.summary


def test_the_served_province_is_the_configured_one_and_lists_its_communes(loaded_units, settings):
    settings.TINHSO_PROVINCE_CODE = "40"
    assert selectors.served_province().name == "Nghệ An"
    assert selectors.communes_of_served_province().count() == 130
    settings.TINHSO_PROVINCE_CODE = "8"
    assert selectors.served_province().name == "Tuyên Quang"


# Former units and the communes that replaced them (NQ 202/2025/QH15).


def test_every_former_province_went_into_one_of_the_34_and_each_of_the_34_received_one():
    successions = sources.province_successions()
    assert len(successions) == len({s.legacy_code for s in successions}) == 63
    assert {s.code for s in successions} == {p.code for p in sources.provinces()}


@pytest.mark.parametrize(
    ("former", "now"),
    [
        ("Tỉnh Hà Giang", "Tuyên Quang"), ("Tỉnh Tuyên Quang", "Tuyên Quang"),
        ("Tỉnh Yên Bái", "Lào Cai"), ("Tỉnh Bắc Kạn", "Thái Nguyên"), ("Tỉnh Hòa Bình", "Phú Thọ"),
        ("Tỉnh Bắc Giang", "Bắc Ninh"), ("Tỉnh Hải Dương", "Thành phố Hải Phòng"),
        ("Tỉnh Nam Định", "Ninh Bình"), ("Tỉnh Quảng Bình", "Quảng Trị"),
        ("Tỉnh Quảng Nam", "Thành phố Đà Nẵng"), ("Tỉnh Kon Tum", "Quảng Ngãi"),
        ("Tỉnh Bình Định", "Gia Lai"), ("Tỉnh Phú Yên", "Đắk Lắk"), ("Tỉnh Bình Thuận", "Lâm Đồng"),
        ("Tỉnh Bình Dương", "Thành phố Hồ Chí Minh"), ("Tỉnh Long An", "Tây Ninh"),
        ("Tỉnh Tiền Giang", "Đồng Tháp"), ("Tỉnh Trà Vinh", "Vĩnh Long"),
        ("Tỉnh Sóc Trăng", "Thành phố Cần Thơ"), ("Tỉnh Bạc Liêu", "Cà Mau"),
        ("Tỉnh Kiên Giang", "An Giang"), ("Tỉnh Nghệ An", "Nghệ An"), ("Tỉnh Cao Bằng", "Cao Bằng"),
    ],
)
def test_former_provinces_merged_as_the_resolution_says(loaded_units, former, now):
    assert LegacyProvince.objects.get(name=former).successor.name == now


def test_every_former_ward_has_a_successor_inside_its_provinces_successor(loaded_units):
    assert not LegacyWard.objects.filter(successor__isnull=True).exists()
    assert not LegacyWard.objects.exclude(successor__province=F("district__province__successor")).exists()
    assert not LegacyWard.objects.exclude(successor_method=SuccessorMethod.TABLE).exists()


def test_a_ward_of_former_ha_giang_resolves_to_its_commune_in_tuyen_quang(loaded_units):
    found = selectors.resolve_legacy("Tỉnh Hà Giang", "Thành phố Hà Giang", "Phường Trần Phú")
    assert (found.province.name, found.commune.name) == ("Tuyên Quang", "Phường Hà Giang 2")
    assert found.method == SuccessorMethod.TABLE
    assert found.also_into == []
    assert found.note == (
        "Phường Trần Phú, Thành phố Hà Giang, Tỉnh Hà Giang nay thuộc Phường Hà Giang 2, Tỉnh Tuyên Quang."
    )


@pytest.mark.parametrize(
    ("province", "district", "ward"),
    [
        ("ha giang", "dong van", "thi tran dong van"),
        ("Hà Giang", "Huyện Đồng Văn", "TT Đồng Văn"),
        ("02", "026", "00721"),
        ("2", None, "Thị trấn Đồng Văn"),
    ],
)
def test_an_old_address_may_be_written_with_codes_or_without_accents_or_kind_words(
    loaded_units, province, district, ward
):
    found = selectors.resolve_legacy(province, district, ward)
    assert (found.legacy_ward.code, found.commune.name, found.province.code) == ("00721", "Xã Đồng Văn", "08")


def test_a_province_alone_resolves_to_the_province_and_says_a_ward_is_needed(loaded_units):
    found = selectors.resolve_legacy("Yên Bái", "Thành phố Yên Bái")
    assert (found.province.name, found.commune) == ("Lào Cai", None)
    assert "cần tên xã/phường cũ" in found.note


def test_a_split_ward_names_the_main_commune_and_those_that_took_a_part(loaded_units):
    found = selectors.resolve_legacy("Hà Nội", "Ba Đình", "Điện Biên")
    assert found.commune.name == "Phường Ba Đình"
    assert {c.name for c in found.also_into} == {
        "Phường Hoàn Kiếm", "Phường Ô Chợ Dừa", "Phường Văn Miếu - Quốc Tử Giám",
    }
    assert "đã được chia" in found.note


def test_an_island_district_without_wards_resolves_to_its_special_zone(loaded_units):
    found = selectors.resolve_legacy("Bà Rịa - Vũng Tàu", "Côn Đảo")
    assert (found.province.name, found.commune.name) == ("Thành phố Hồ Chí Minh", "Đặc khu Côn Đảo")


def test_an_unknown_part_is_named_in_vietnamese(loaded_units):
    with pytest.raises(selectors.UnitNotFound) as error:
        selectors.resolve_legacy("Tỉnh Không Có")
    assert (error.value.field, error.value.status) == ("province", 404)
    assert "Không tìm thấy tỉnh cũ" in error.value.message
    with pytest.raises(selectors.UnitNotFound) as error:
        selectors.resolve_legacy("Hà Giang", "Đồng Văn", "Xã Không Có")
    assert error.value.field == "ward"


def test_a_ward_name_shared_by_two_districts_asks_for_the_district(loaded_units):
    with pytest.raises(selectors.UnitAmbiguous) as error:
        selectors.resolve_legacy("Hà Giang", ward="Tả Lủng")
    assert error.value.field == "ward"
    candidates = "Xã Tả Lủng, Huyện Đồng Văn (mã 00742); Xã Tả Lủng, Huyện Mèo Vạc (mã 00796)"
    assert candidates in error.value.message
    assert selectors.resolve_legacy("Hà Giang", "Mèo Vạc", "Tả Lủng").legacy_district.name == "Huyện Mèo Vạc"


def test_a_ward_missing_from_the_table_falls_back_to_a_commune_of_the_same_name_and_says_so(
    loaded_units, monkeypatch
):
    legacy = sources.legacy_units()
    wards = [[*w[:4], []] if w[0] == "00721" else w for w in legacy.wards]
    monkeypatch.setattr(sources, "legacy_units", lambda: sources.LegacyUnits(
        legacy.source, legacy.provinces, legacy.districts, wards,
    ))
    services.load_units()
    found = selectors.resolve_legacy("Hà Giang", "Đồng Văn", "Thị trấn Đồng Văn")
    assert (found.commune.name, found.method) == ("Xã Đồng Văn", SuccessorMethod.SAME_NAME)
    assert "chưa được kiểm chứng" in found.note


def test_the_resolve_command_prints_the_new_units(loaded_units):
    out = StringIO()
    call_command(
        "geo", "resolve-legacy", "--province", "Hà Giang", "--district", "Đồng Văn", "--ward", "Đồng Văn",
        stdout=out,
    )
    assert "Xã Đồng Văn" in out.getvalue()
    assert "Tỉnh Tuyên Quang (mã 08)" in out.getvalue()


# Demo villages.


def test_demo_villages_give_each_commune_of_the_province_plausible_villages(loaded_units):
    result = services.generate_demo_villages("40", per_commune=2)
    assert (result.created, result.updated) == (260, 0)
    villages = Village.objects.filter(commune__province__code="40")
    assert villages.count() == 260
    kinds = Counter(villages.values_list("kind", flat=True))
    assert set(kinds) == {"thon", "ban", "to_dan_pho"}
    a_ward = Commune.objects.filter(province__code="40", kind="phuong").first()
    assert sorted(a_ward.villages.values_list("name", flat=True)) == ["Tổ dân phố 1", "Tổ dân phố 2"]
    assert villages.filter(latitude__isnull=True).count() == 0
    for latitude, longitude in villages.values_list("latitude", "longitude"):  # inside Nghệ An
        assert Decimal("18") < latitude < Decimal("20.2")
        assert Decimal("103.7") < longitude < Decimal("106")


def test_demo_villages_leave_a_commune_that_already_has_villages_alone(loaded_units):
    real = Commune.objects.get(code="16681")
    services.import_villages("commune_code,name,kind,code\n16681,Xóm Đông,thôn,01\n")
    result = services.generate_demo_villages("40", per_commune=2)
    assert (result.created, result.unchanged) == (258, 1)
    assert list(real.villages.values_list("name", "code")) == [("Xóm Đông", "01")]


def test_demo_villages_are_the_same_on_every_run(loaded_units):
    services.generate_demo_villages("40", per_commune=2)
    villages = Village.objects.order_by("commune__code", "name").values_list("name", "latitude", "longitude")
    first = list(villages)
    again = services.generate_demo_villages("40", per_commune=2)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 260)
    assert list(villages.all()) == first
