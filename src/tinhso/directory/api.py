"""The public agency directory: who the agencies are, their codes, hierarchy and contacts (no staff data)."""

import datetime
from typing import Literal

from ninja import Field, Query, Router, Schema
from ninja.decorators import decorate_view
from ninja.errors import HttpError
from ninja.pagination import PageNumberPagination, paginate

from tinhso.common.replicas import replica_reads
from tinhso.directory.models import Agency
from tinhso.directory.selectors import agency_detail, agency_directory

router = Router(tags=["directory"])

# Inline enumerations in the OpenAPI document (named enums would clash with other apps' `Kind`s).
AgencyLevel = Literal[tuple(Agency.Level.values)]
AgencyKind = Literal[tuple(Agency.Kind.values)]


class AgencyRef(Schema):
    identifier: str
    name: str


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
    level: AgencyLevel | None = Field(None, description="Cấp: central, province hoặc commune")
    kind: AgencyKind | None = Field(None, description="Loại cơ quan")
    parent: str | None = Field(None, description="Mã định danh của cơ quan cấp trên")
    identifier_prefix: str | None = Field(None, description="Phần đầu của mã định danh, ví dụ H37.02")
    active_on: datetime.date | None = Field(None, description="Chỉ các cơ quan hoạt động vào ngày này")
    q: str | None = Field(None, description="Tìm theo tên (không phân biệt dấu) hoặc mã")


class AgencyNotFoundOut(Schema):
    detail: str


@router.get("/agencies", response=list[AgencyOut], summary="Danh bạ cơ quan, đơn vị")
@decorate_view(replica_reads)
@paginate(PageNumberPagination, page_size=50, max_page_size=500)
def list_agencies(request, filters: Query[AgencyFilters]):
    """Agencies of the directory, ordered by identifier, filtered by the query parameters."""
    return agency_directory(**filters.model_dump())


@router.get(
    "/agencies/{identifier}", response={200: AgencyDetailOut, 404: AgencyNotFoundOut},
    summary="Thông tin một cơ quan",
)
@decorate_view(replica_reads)
def get_agency(request, identifier: str):
    """One agency: its parent and children, its successor and predecessors, the unit it serves."""
    agency = agency_detail(identifier)
    if agency is None:
        raise HttpError(404, f"Không có cơ quan mã định danh {identifier}.")
    return agency
