"""Reading administrative units: the served province, filtered lists, and old addresses resolved.

A deployment serves one province (``settings.TINHSO_PROVINCE_CODE``), but the people it serves may live
anywhere, so the lists cover the whole country and the served province is one filter among others.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import TypeVar

from django.conf import settings
from django.db.models import Count, QuerySet

from tinhso.geo import sources
from tinhso.geo.models import (
    Commune,
    LegacyDistrict,
    LegacyProvince,
    LegacyWard,
    Province,
    SuccessorMethod,
    Village,
)
from tinhso.geo.naming import fold, spelling_key, without_kind


class UnitLookupError(Exception):
    """A filter or address part that is malformed or names no unit, or several; ``field`` names it."""

    status = 400

    def __init__(self, field: str, message: str):
        self.field = field
        self.message = message
        super().__init__(message)


class UnitNotFound(UnitLookupError):
    status = 404


class UnitAmbiguous(UnitLookupError):
    pass


def served_province() -> Province:
    """The province this deployment serves."""
    code = sources.province_code(settings.TINHSO_PROVINCE_CODE)
    try:
        return Province.objects.get(code=code)
    except Province.DoesNotExist:
        raise Province.DoesNotExist(
            f"Chưa có tỉnh mã {code} (TINHSO_PROVINCE_CODE): hãy chạy `tinhso geo load`."
        ) from None


def communes_of_served_province() -> QuerySet[Commune]:
    """The communes of the served province, whether or not the units are loaded yet (then empty)."""
    return Commune.objects.filter(province__code=sources.province_code(settings.TINHSO_PROVINCE_CODE))


def province_list() -> QuerySet[Province]:
    return Province.objects.order_by("code")


def province_detail(code: str) -> Province:
    """One province with its number of communes of each kind (``commune_counts``)."""
    province = Province.objects.filter(code=_code(code, 2, "code")).first()
    if province is None:
        raise UnitNotFound("code", f"Không có tỉnh, thành phố mã {code}.")
    province.commune_counts = dict(
        province.communes.order_by().values("kind").annotate(n=Count("id")).values_list("kind", "n")
    )
    return province


def commune_list(
    province: str | None = None, kind: str | None = None, q: str | None = None,
) -> QuerySet[Commune]:
    """Communes, optionally of one province and one kind, whose name contains ``q`` (accents optional)."""
    communes = Commune.objects.select_related("province").order_by("code")
    if province:
        code = _code(province, 2, "province")
        if not sources.is_province_code(code):
            raise UnitNotFound("province", f"Không có tỉnh, thành phố mã {province}.")
        communes = communes.filter(province__code=code)
    if kind:
        communes = communes.filter(kind=_commune_kind(kind))
    if q and q.strip():
        text = q.strip()
        if text.isdigit():
            communes = communes.filter(code__startswith=text)
        else:
            communes = communes.filter(search_name__contains=fold(text))
    return communes


def commune_detail(code: str) -> Commune:
    """One commune, with ``formed_from``: the former wards that went into it, wholly or in part."""
    commune = Commune.objects.select_related("province").filter(code=_code(code, 5, "code")).first()
    if commune is None:
        raise UnitNotFound("code", f"Không có xã, phường, đặc khu mã {code}.")
    # Two indexed lookups rather than one OR across the many-to-many join: that OR, as a subquery, gets a
    # plan that scans every legacy ward per row on a freshly loaded PostgreSQL table.
    former = set(LegacyWard.objects.filter(successor=commune).values_list("pk", flat=True))
    former.update(LegacyWard.also_into.through.objects.filter(commune=commune).values_list("legacyward_id", flat=True))
    commune.formed_from = list(
        LegacyWard.objects.filter(pk__in=former).annotate(parts=Count("also_into"))
        .select_related("district__province").order_by("code")
    )
    for ward in commune.formed_from:
        ward.whole = ward.successor_id == commune.pk and ward.parts == 0
    commune.village_count = commune.villages.count()
    return commune


def village_list(commune: str | None = None, province: str | None = None) -> QuerySet[Village]:
    villages = Village.objects.select_related("commune").order_by("commune__code", "name")
    if commune:
        villages = villages.filter(commune__code=_code(commune, 5, "commune"))
    if province:
        villages = villages.filter(commune__province__code=_code(province, 2, "province"))
    return villages


def _code(value: str, digits: int, field: str) -> str:
    text = value.strip()
    if not text.isdigit() or len(text) > digits:
        raise UnitLookupError(field, f"Mã “{value}” không hợp lệ: phải là số, tối đa {digits} chữ số.")
    return text.zfill(digits)


_COMMUNE_KIND_WORDS = {fold(label): value for value, label in Commune.Kind.choices} | {
    fold(value): value for value in Commune.Kind.values
}


def _commune_kind(value: str) -> str:
    kind = _COMMUNE_KIND_WORDS.get(fold(value))
    if kind is None:
        raise UnitLookupError("kind", f"Loại “{value}” không hợp lệ: dùng xa, phuong hoặc dac_khu.")
    return kind


@dataclass(frozen=True)
class LegacyResolution:
    """Where an address written with the pre-2025 units lies now."""

    legacy_province: LegacyProvince
    legacy_district: LegacyDistrict | None
    legacy_ward: LegacyWard | None
    province: Province
    commune: Commune | None = None
    also_into: list[Commune] = field(default_factory=list)
    method: str = ""

    @property
    def method_label(self) -> str:
        return SuccessorMethod(self.method).label if self.method else ""

    @property
    def note(self) -> str:
        """One Vietnamese sentence or two that an officer can read out."""
        old = ", ".join(u.name for u in (self.legacy_ward, self.legacy_district, self.legacy_province) if u)
        if self.commune is None:
            text = f"{old} nay thuộc {self.province.full_name}."
            if self.legacy_ward is None:
                text += " Cấp huyện thôi hoạt động từ 1/7/2025: cần tên xã/phường cũ để biết xã/phường mới."
            else:
                text += " Chưa xác định được xã/phường mới."
            return text
        text = f"{old} nay thuộc {self.commune.name}, {self.province.full_name}."
        if self.also_into:
            others = ", ".join(c.name for c in self.also_into)
            text = (
                f"{old} đã được chia: phần chính nay thuộc {self.commune.name}, {self.province.full_name}; "
                f"một phần nhập vào {others}. Cần địa chỉ chi tiết (thôn, tổ dân phố) để xác định chính xác."
            )
        if self.method == SuccessorMethod.SAME_NAME:
            text += " Kết quả suy ra từ tên trùng, chưa được kiểm chứng."
        return text


def resolve_legacy(
    province: str | None, district: str | None = None, ward: str | None = None,
) -> LegacyResolution:
    """Find the 2025 province, and commune when the ward is given, of an address in the old units.

    Each part is a code or a name, with or without its kind word and accents ("Hà Giang", "tinh ha giang",
    "02"). Raises :class:`UnitNotFound` or :class:`UnitAmbiguous` naming the part at fault.
    """
    if not province or not province.strip():
        raise UnitLookupError("province", "Cần tên hoặc mã tỉnh cũ.")
    legacy_province = _match(
        LegacyProvince.objects.select_related("successor"), province, "province", "tỉnh cũ",
    )
    legacy_district = None
    if district and district.strip():
        legacy_district = _match(
            legacy_province.districts.select_related("successor"), district, "district",
            f"huyện cũ thuộc {legacy_province.name}",
        )
    if not (ward and ward.strip()):
        commune = legacy_district.successor if legacy_district else None
        return LegacyResolution(
            legacy_province, legacy_district, None, legacy_province.successor, commune,
            method=SuccessorMethod.TABLE if commune else "",
        )
    scope = legacy_district or legacy_province
    wards = LegacyWard.objects.select_related("successor", "district")
    wards = wards.filter(district=legacy_district) if legacy_district else wards.filter(
        district__province=legacy_province
    )
    legacy_ward = _match(wards, ward, "ward", f"xã/phường cũ thuộc {scope.name}")
    return LegacyResolution(
        legacy_province, legacy_district or legacy_ward.district, legacy_ward, legacy_province.successor,
        legacy_ward.successor, list(legacy_ward.also_into.order_by("code")),
        legacy_ward.successor_method,
    )


_Unit = TypeVar("_Unit", LegacyProvince, LegacyDistrict, LegacyWard)


def _match(units: Iterable[_Unit], query: str, field: str, label: str) -> _Unit:
    """The one unit that ``query`` names, by code or by name from the strictest comparison to the loosest."""
    text = query.strip()
    units = list(units)
    if text.isdigit():
        by_code = [u for u in units if u.code == text.zfill(len(u.code))]
        if by_code:
            return by_code[0]
    spelled, folded = spelling_key(text), fold(text)
    comparisons: list[Callable[[str], bool]] = [
        lambda name: spelling_key(name) == spelled,
        lambda name: fold(name) == folded,
        lambda name: without_kind(spelling_key(name)) == spelled,
        lambda name: without_kind(fold(name)) == folded,
        lambda name: without_kind(spelling_key(name)) == without_kind(spelled),
        lambda name: without_kind(fold(name)) == without_kind(folded),
    ]
    for same in comparisons:
        found = [u for u in units if same(u.name)]
        if len(found) == 1:
            return found[0]
        if found:
            names = "; ".join(_describe(u) for u in found[:10])
            raise UnitAmbiguous(
                field, f"“{query}” ứng với nhiều {label}: {names}. Hãy ghi rõ hơn hoặc dùng mã.",
            )
    raise UnitNotFound(field, f"Không tìm thấy {label} “{query}”.")


def _describe(unit: LegacyProvince | LegacyDistrict | LegacyWard) -> str:
    """A candidate as an officer tells it from its namesakes: a ward with its district, and the code."""
    where = f", {unit.district.name}" if isinstance(unit, LegacyWard) else ""
    return f"{unit.name}{where} (mã {unit.code})"


def commune_at(latitude: float, longitude: float):
    """The commune whose imported boundary holds the position (None where no boundary was imported)."""
    import shapely
    from shapely.geometry import shape

    from tinhso.geo.models import CommuneBoundary

    candidates = CommuneBoundary.objects.filter(
        min_longitude__lte=longitude, max_longitude__gte=longitude, min_latitude__lte=latitude,
        max_latitude__gte=latitude).select_related("commune")
    point = shapely.Point(longitude, latitude)
    for boundary in candidates:
        if shape(boundary.geometry).covers(point):
            return boundary.commune
    return None
