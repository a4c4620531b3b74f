"""The public procedure catalogue: fields, procedures in force, one procedure in full, and its history."""

import datetime

from ninja import Field as SchemaField
from ninja import Query, Router, Schema
from ninja.decorators import decorate_view
from ninja.errors import HttpError
from ninja.pagination import PageNumberPagination, paginate

from tinhso.catalogue.models import Level, OnlineLevel, ProcedureVersion
from tinhso.catalogue.selectors import current_version, fields, published_procedures, published_versions
from tinhso.common.replicas import replica_reads

router = Router(tags=["catalogue"])


class FieldOut(Schema):
    code: str
    name: str


class AgencyRef(Schema):
    identifier: str
    name: str


class ProcedureOut(Schema):
    code: str = SchemaField(..., alias="procedure.code")
    version: int = SchemaField(..., alias="number")
    name: str
    field: FieldOut
    level: str
    level_label: str = SchemaField(..., alias="get_level_display")
    time_limit: int
    time_unit: str
    time_unit_label: str = SchemaField(..., alias="get_time_unit_display")
    online_level: str
    online_level_label: str = SchemaField(..., alias="get_online_level_display")
    agencies: list[AgencyRef]
    published_at: datetime.datetime | None

    @staticmethod
    def resolve_agencies(version: ProcedureVersion) -> list:
        return list(version.agencies.all())


class DocumentOut(Schema):
    order: int
    name: str
    originals: int
    copies: int
    required: bool
    reusable: bool
    template_url: str | None

    @staticmethod
    def resolve_template_url(document) -> str | None:
        return document.template.url if document.template else None


class FeeOut(Schema):
    description: str
    amount: int


class StepOut(Schema):
    order: int
    role: str
    role_label: str = SchemaField(..., alias="get_role_display")
    agency: AgencyRef | None
    partner: str
    place: str
    share: int
    description: str


class ProcedureDetailOut(ProcedureOut):
    legal_basis: str
    result: str
    online_limit_reason: str
    documents: list[DocumentOut]
    fees: list[FeeOut]
    route: list[StepOut]
    eform_schema: dict | None

    @staticmethod
    def resolve_documents(version: ProcedureVersion) -> list:
        return list(version.documents.all())

    @staticmethod
    def resolve_fees(version: ProcedureVersion) -> list:
        return list(version.fees.all())

    @staticmethod
    def resolve_route(version: ProcedureVersion) -> list:
        return list(version.steps.all())


class VersionOut(Schema):
    version: int = SchemaField(..., alias="number")
    status: str
    status_label: str = SchemaField(..., alias="get_status_display")
    name: str
    published_at: datetime.datetime | None
    superseded_at: datetime.datetime | None


class ProcedureFilters(Schema):
    field: str | None = SchemaField(None, description="Mã lĩnh vực")
    level: Level | None = SchemaField(None, description="province hoặc commune")
    agency: str | None = SchemaField(None, description="Mã định danh của cơ quan thực hiện")
    online_level: OnlineLevel | None = SchemaField(None, description="full, partial hoặc none")
    q: str | None = SchemaField(None, description="Tìm theo mã hoặc tên (không phân biệt dấu)")


class ErrorOut(Schema):
    detail: str


@router.get("/fields", response=list[FieldOut], summary="Lĩnh vực")
@decorate_view(replica_reads)
@paginate(PageNumberPagination, page_size=100, max_page_size=500)
def list_fields(request):
    return fields()


@router.get("/procedures", response=list[ProcedureOut], summary="Thủ tục hành chính đang áp dụng")
@decorate_view(replica_reads)
@paginate(PageNumberPagination, page_size=50, max_page_size=500)
def list_procedures(request, filters: Query[ProcedureFilters]):
    """The version in force of each procedure, ordered by code, filtered by the query parameters."""
    return published_procedures(**filters.dict())


@router.get(
    "/procedures/{code}", response={200: ProcedureDetailOut, 404: ErrorOut}, summary="Một thủ tục hành chính",
)
@decorate_view(replica_reads)
def get_procedure(request, code: str):
    """The version in force: documents, fees, route and e-form."""
    version = current_version(code)
    if version is None:
        raise HttpError(404, f"Không có thủ tục đang áp dụng mã {code}.")
    return version


@router.get(
    "/procedures/{code}/versions", response={200: list[VersionOut], 404: ErrorOut},
    summary="Các phiên bản đã công bố của một thủ tục",
)
@decorate_view(replica_reads)
@paginate(PageNumberPagination, page_size=50, max_page_size=500)
def list_versions(request, code: str):
    versions = published_versions(code)
    if not versions.exists():
        raise HttpError(404, f"Không có thủ tục đã công bố mã {code}.")
    return versions
