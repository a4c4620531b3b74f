"""The public agency directory: who the agencies are, their codes, hierarchy and contacts (no staff data)."""

import datetime

from django.utils.translation import gettext
from django.utils.translation import gettext_noop as _
from ninja import Field, Query, Router, Schema
from ninja.errors import HttpError

from tinhso.common.restapi import BoundedDate, choice, errors, paginated
from tinhso.directory.models import Agency
from tinhso.directory.selectors import agency_detail, agency_directory

router = Router(tags=["directory"])

AgencyLevel = choice(Agency.Level)
AgencyKind = choice(Agency.Kind)


class AgencyRef(Schema):
    """An agency named in another record: its identifier code and name (every app's API reuses it)."""

    identifier: str = Field(description=_("Mã định danh điện tử của cơ quan"))
    name: str = Field(description=_("Tên cơ quan"))


class UnitRef(Schema):
    code: str
    name: str


class AgencyOut(Schema):
    identifier: str
    name: str
    short_name: str
    level: AgencyLevel
    level_label: str = Field(..., alias="get_level_display")
    kind: AgencyKind
    kind_label: str = Field(..., alias="get_kind_display")
    parent_identifier: str | None = Field(None, alias="parent.identifier")
    province_code: str | None = Field(None, alias="province.code")
    commune_code: str | None = Field(None, alias="commune.code")
    address: str
    phone: str
    email: str
    website: str
    valid_from: datetime.date | None
    valid_to: datetime.date | None
    active: bool = Field(..., alias="is_active_on")
    succeeded_by_identifier: str | None = Field(None, alias="succeeded_by.identifier")


class AgencyDetailOut(AgencyOut):
    parent: AgencyRef | None
    succeeded_by: AgencyRef | None
    predecessors: list[AgencyRef]
    children: list[str]
    province: UnitRef | None
    commune: UnitRef | None

    @staticmethod
    def resolve_children(agency: Agency) -> list[str]:
        return [child.identifier for child in agency.children.all()]

    @staticmethod
    def resolve_predecessors(agency: Agency) -> list[Agency]:
        return list(agency.predecessors.all())


class AgencyFilters(Schema):
    level: AgencyLevel | None = Field(None, description=_("Cấp: central, province hoặc commune"))
    kind: AgencyKind | None = Field(None, description=_("Loại cơ quan"))
    parent: str | None = Field(None, max_length=35, description=_("Mã định danh của cơ quan cấp trên"))
    identifier_prefix: str | None = Field(None, max_length=35,
                                          description=_("Phần đầu của mã định danh, ví dụ H37.02"))
    active_on: BoundedDate | None = Field(None, description=_("Chỉ các cơ quan hoạt động vào ngày này"))
    q: str | None = Field(None, max_length=200, description=_("Tìm theo tên (không phân biệt dấu) hoặc mã"))


@router.get("/agencies", response=list[AgencyOut], summary=_("Danh bạ cơ quan, đơn vị"),
            description=_("Các cơ quan trong danh bạ, xếp theo mã định danh, lọc theo các tham số."))
@paginated(50)
def list_agencies(request, filters: Query[AgencyFilters]):
    return agency_directory(**filters.model_dump())


@router.get(
    "/agencies/{identifier}", response={200: AgencyDetailOut, **errors(404)},
    summary=_("Thông tin một cơ quan"),
    description=_("Một cơ quan: cơ quan cấp trên và các đơn vị trực thuộc, cơ quan kế thừa và các cơ quan tiền "
                  "thân, đơn vị hành chính phục vụ."),
)
def get_agency(request, identifier: str):
    agency = agency_detail(identifier)
    if agency is None:
        raise HttpError(404, gettext("Không có cơ quan mã định danh %(identifier)s.") % {"identifier": identifier})
    return agency
