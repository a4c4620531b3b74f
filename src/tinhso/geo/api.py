"""JSON API of administrative units, mounted at /api/geo/.

OpenAPI texts are Vietnamese, marked with ``_`` (``gettext_noop``) and translated when the document is
generated (``tinhso.common.restapi``).
"""

from collections.abc import Callable
from functools import wraps

from django.utils.translation import gettext_noop as _
from ninja import Field, Query, Router, Schema
from ninja.errors import HttpError

from tinhso.common.restapi import choice, errors, paginated
from tinhso.geo import selectors
from tinhso.geo.models import Commune, Province, Village

router = Router(tags=["geo"])

PAGE_SIZE = 50

# One name per meaning: each model's kinds are their own enumeration in the document.
ProvinceKind = choice(Province.Kind)
CommuneKind = choice(Commune.Kind)
VillageKind = choice(Village.Kind)


def _vietnamese_errors(handler: Callable) -> Callable:
    """Turn a lookup error of the selectors into a 4xx answer with its Vietnamese message."""

    @wraps(handler)
    def wrapper(*args, **kwargs):
        try:
            return handler(*args, **kwargs)
        except selectors.UnitLookupError as error:
            raise HttpError(error.status, error.message) from error

    return wrapper


class ProvinceRef(Schema):
    code: str = Field(description=_("Mã tỉnh, thành phố (2 chữ số, danh mục 2025)"))
    name: str = Field(description=_("Tên tỉnh, thành phố"))


class CommuneRef(Schema):
    code: str = Field(description=_("Mã xã, phường, đặc khu (5 chữ số, danh mục 2025)"))
    name: str = Field(description=_("Tên xã, phường, đặc khu"))


class ProvinceOut(Schema):
    code: str = Field(description=_("Mã tỉnh, thành phố (2 chữ số, danh mục 2025)"))
    name: str = Field(description=_("Tên"))
    full_name: str = Field(description=_("Tên đầy đủ, ví dụ “Tỉnh Nghệ An”"))
    kind: ProvinceKind = Field(description=_("Loại: tinh (tỉnh) hoặc thanh_pho_trung_uong"))
    kind_label: str = Field(description=_("Tên loại"))
    codename: str = Field(description=_("Tên không dấu"))
    phone_code: int = Field(description=_("Mã vùng điện thoại"))

    @staticmethod
    def resolve_kind_label(obj: Province) -> str:
        return obj.get_kind_display()


class ProvinceDetailOut(ProvinceOut):
    commune_counts: dict[str, int] = Field(description=_("Số xã (xa), phường (phuong), đặc khu (dac_khu)"))


class CommuneOut(Schema):
    code: str = Field(description=_("Mã xã, phường, đặc khu (5 chữ số, danh mục 2025)"))
    name: str = Field(description=_("Tên"))
    kind: CommuneKind = Field(description=_("Loại: xa, phuong hoặc dac_khu"))
    kind_label: str = Field(description=_("Tên loại"))
    codename: str = Field(description=_("Tên không dấu"))
    province: ProvinceRef = Field(description=_("Tỉnh, thành phố"))

    @staticmethod
    def resolve_kind_label(obj: Commune) -> str:
        return obj.get_kind_display()


class FormerWardOut(Schema):
    code: str = Field(description=_("Mã xã/phường cũ"))
    name: str = Field(description=_("Tên xã/phường cũ"))
    district: str = Field(alias="district.name", description=_("Huyện cũ"))
    province: str = Field(alias="district.province.name", description=_("Tỉnh cũ"))
    whole: bool = Field(description=_("Nhập toàn bộ (true) hay chỉ một phần (false)"))


class CommuneDetailOut(CommuneOut):
    village_count: int = Field(description=_("Số thôn, bản, tổ dân phố đã đăng ký"))
    formed_from: list[FormerWardOut] = Field(description=_("Các xã/phường cũ (trước 1/7/2025) hợp thành"))


class VillageOut(Schema):
    id: int
    code: str = Field(description=_("Mã do xã đặt (có thể trống)"))
    name: str = Field(description=_("Tên thôn, bản, tổ dân phố"))
    kind: VillageKind = Field(description=_("Loại: thon, ban hoặc to_dan_pho"))
    kind_label: str = Field(description=_("Tên loại"))
    latitude: float | None = Field(description=_("Vĩ độ (WGS 84)"))
    longitude: float | None = Field(description=_("Kinh độ (WGS 84)"))
    commune: CommuneRef = Field(description=_("Xã, phường, đặc khu"))

    @staticmethod
    def resolve_kind_label(obj: Village) -> str:
        return obj.get_kind_display()


class LegacyUnitOut(Schema):
    code: str = Field(description=_("Mã cũ"))
    name: str = Field(description=_("Tên cũ"))


class LegacyResolutionOut(Schema):
    province: ProvinceRef = Field(description=_("Tỉnh, thành phố hiện nay"))
    commune: CommuneRef | None = Field(description=_("Xã, phường, đặc khu hiện nay (khi đã biết)"))
    also_into: list[CommuneRef] = Field(description=_("Khi xã cũ bị chia: các xã/phường mới khác nhận một phần"))
    method: str = Field(
        description=_("Cách xác định xã mới: table (bảng chuyển đổi), same_name (tên trùng) hoặc trống"),
    )
    method_label: str = Field(description=_("Tên cách xác định"))
    legacy_province: LegacyUnitOut = Field(description=_("Tỉnh cũ đã nhận ra"))
    legacy_district: LegacyUnitOut | None = Field(description=_("Huyện cũ đã nhận ra"))
    legacy_ward: LegacyUnitOut | None = Field(description=_("Xã/phường cũ đã nhận ra"))
    note: str = Field(description=_("Diễn giải bằng tiếng Việt"))


class CommuneFilters(Schema):
    province: str | None = Field(None, description=_("Mã tỉnh, thành phố, ví dụ 40"))
    kind: str | None = Field(None, description=_("Loại: xa, phuong, dac_khu (hoặc xã, phường, đặc khu)"))
    q: str | None = Field(
        None, description=_("Tìm theo tên, có dấu hay không dấu đều được; hoặc phần đầu của mã"),
    )


class VillageFilters(Schema):
    commune: str | None = Field(None, description=_("Mã xã, phường, đặc khu"))
    province: str | None = Field(None, description=_("Mã tỉnh, thành phố"))


class LegacyAddress(Schema):
    province: str | None = Field(
        None, description=_("Tỉnh cũ (bắt buộc): tên hoặc mã, ví dụ “Hà Giang” hoặc 02"),
    )
    district: str | None = Field(None, description=_("Huyện cũ: tên hoặc mã (không bắt buộc)"))
    ward: str | None = Field(None, description=_("Xã, phường, thị trấn cũ: tên hoặc mã (không bắt buộc)"))


@router.get("/provinces", response=list[ProvinceOut], summary=_("Danh sách tỉnh, thành phố (34 đơn vị, 2025)"),
            description=_("Các tỉnh, thành phố theo danh mục 2025, xếp theo mã."))
@paginated(PAGE_SIZE)
def list_provinces(request):
    return selectors.province_list()


@router.get("/provinces/{code}", response={200: ProvinceDetailOut, **errors(400, 404)},
            summary=_("Một tỉnh, thành phố theo mã"),
            description=_("Kèm số xã, phường, đặc khu. Mã sai dạng: 400; không có: 404."))
@_vietnamese_errors
def get_province(request, code: str):
    return selectors.province_detail(code)


@router.get(
    "/communes", response={200: list[CommuneOut], **errors(400, 404)}, summary=_("Danh sách xã, phường, đặc khu"),
    description=_("Lọc theo tỉnh (mã), loại và tên; tìm không phân biệt dấu: “thuong lam” khớp “Thượng Lâm”."),
)
@paginated(PAGE_SIZE)
@_vietnamese_errors
def list_communes(request, filters: Query[CommuneFilters]):
    return selectors.commune_list(filters.province, filters.kind, filters.q)


@router.get(
    "/communes/{code}", response={200: CommuneDetailOut, **errors(400, 404)},
    summary=_("Một xã, phường, đặc khu theo mã"),
    description=_("Kèm số thôn, tổ dân phố và các xã/phường cũ đã hợp thành."),
)
@_vietnamese_errors
def get_commune(request, code: str):
    return selectors.commune_detail(code)


@router.get("/villages", response={200: list[VillageOut], **errors(400, 404)},
            summary=_("Danh sách thôn, bản, tổ dân phố"),
            description=_("Lọc theo xã (mã) hoặc tỉnh (mã)."))
@paginated(PAGE_SIZE)
@_vietnamese_errors
def list_villages(request, filters: Query[VillageFilters]):
    return selectors.village_list(filters.commune, filters.province)


@router.get(
    "/legacy/resolve", response={200: LegacyResolutionOut, **errors(400, 404)},
    summary=_("Tra địa chỉ cũ (trước 1/7/2025) sang đơn vị mới"),
    description=_(
        "Nhận tỉnh cũ (bắt buộc), huyện cũ và xã/phường cũ (tên hoặc mã, có dấu hay không dấu) và trả về "
        "tỉnh, xã/phường hiện nay. Không tìm thấy: 404; tên ứng với nhiều đơn vị: 400."
    ),
)
@_vietnamese_errors
def resolve_legacy_address(request, address: Query[LegacyAddress]):
    return selectors.resolve_legacy(address.province, address.district, address.ward)
