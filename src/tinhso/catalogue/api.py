"""The public procedure catalogue: fields, procedures in force, one procedure in full, and its history."""

import datetime

from django.utils.translation import gettext
from django.utils.translation import gettext_noop as _
from ninja import Field as SchemaField
from ninja import Query, Router, Schema
from ninja.decorators import decorate_view
from ninja.errors import HttpError

from tinhso.catalogue.models import Level, OnlineLevel, ProcedureVersion
from tinhso.catalogue.selectors import current_version, fields, published_procedures, published_versions
from tinhso.common.replicas import replica_reads
from tinhso.common.restapi import choice, errors, paginated
from tinhso.directory.api import AgencyRef

router = Router(tags=["catalogue"])


class FieldOut(Schema):
    code: str = SchemaField(description=_("Mã lĩnh vực"))
    name: str = SchemaField(description=_("Tên lĩnh vực"))


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


class RequiredDocumentOut(Schema):
    """A paper the procedure asks for (thành phần hồ sơ), not a file of a dossier."""

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
    """A fee line and the rule it is charged by: per dossier, per copy, or per copy beyond the included ones."""

    description: str
    amount: int
    basis: str = SchemaField(..., description=_("dossier: mỗi hồ sơ; copy: mỗi bản; beyond: mỗi bản vượt số bản "
                                                "đã gồm"))
    included_copies: int
    exemption: str


class RouteStepOut(Schema):
    """A step of the procedure's route (quy trình), not a step of a dossier."""

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
    documents: list[RequiredDocumentOut]
    fees: list[FeeOut]
    route: list[RouteStepOut]
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
    field: str | None = SchemaField(None, max_length=50, description=_("Mã lĩnh vực"))
    level: choice(Level) | None = SchemaField(None, description=_("province hoặc commune"))
    agency: str | None = SchemaField(None, max_length=35, description=_("Mã định danh của cơ quan thực hiện"))
    online_level: choice(OnlineLevel) | None = SchemaField(None, description=_("full, partial hoặc none"))
    q: str | None = SchemaField(None, max_length=200, description=_("Tìm theo mã hoặc tên (không phân biệt dấu)"))


@router.get("/fields", response=list[FieldOut], summary=_("Lĩnh vực"),
            description=_("Các lĩnh vực của danh mục thủ tục hành chính."))
@decorate_view(replica_reads)
@paginated(100)
def list_fields(request):
    return fields()


@router.get("/procedures", response=list[ProcedureOut], summary=_("Thủ tục hành chính đang áp dụng"),
            description=_("Phiên bản đang áp dụng của mỗi thủ tục, xếp theo mã, lọc theo các tham số."))
@decorate_view(replica_reads)
@paginated(50)
def list_procedures(request, filters: Query[ProcedureFilters]):
    return published_procedures(**filters.dict())


@router.get(
    "/procedures/{code}", response={200: ProcedureDetailOut, **errors(404)}, summary=_("Một thủ tục hành chính"),
    description=_("Phiên bản đang áp dụng: thành phần hồ sơ, phí, lệ phí, quy trình và biểu mẫu điện tử."),
)
@decorate_view(replica_reads)
def get_procedure(request, code: str):
    version = current_version(code)
    if version is None:
        raise HttpError(404, gettext("Không có thủ tục đang áp dụng mã %(code)s.") % {"code": code})
    return version


@router.get(
    "/procedures/{code}/versions", response={200: list[VersionOut], **errors(404)},
    summary=_("Các phiên bản đã công bố của một thủ tục"),
    description=_("Mọi phiên bản đã công bố của thủ tục, kể cả phiên bản đã được thay thế."),
)
@decorate_view(replica_reads)
@paginated(50)
def list_versions(request, code: str):
    versions = published_versions(code)
    if not versions.exists():
        raise HttpError(404, gettext("Không có thủ tục đã công bố mã %(code)s.") % {"code": code})
    return versions
