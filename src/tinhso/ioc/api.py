"""The operations-centre API (/api/ioc): the indicator registry, values against targets for a period, and
reported values posted by an agency with its API token (the dossiers API's ``TokenAuth``) or by a
signed-in officer. Posted values wait for the agency leader's approval like any other."""

from __future__ import annotations

from decimal import Decimal

from ninja import Router, Schema
from ninja.errors import HttpError
from ninja.pagination import PageNumberPagination, paginate
from ninja.responses import Status

from tinhso.dossiers.api import ActiveSession, TokenAuth
from tinhso.dossiers.services import AgencyClient
from tinhso.ioc import selectors, services
from tinhso.ioc.models import Indicator, ValueSource
from tinhso.ioc.periods import YEAR, Period, PeriodError

router = Router(tags=["ioc"], auth=[TokenAuth(), ActiveSession()])


class IndicatorOut(Schema):
    code: str
    name: str
    name_en: str
    unit: str
    direction: str
    group: str
    source: str
    granularity: str
    definition: str
    legal_source: str


class ValueOut(Schema):
    code: str
    value: Decimal | None
    target: Decimal | None
    achieved: Decimal | None
    status: str
    status_label: str


class ReportedIn(Schema):
    indicator: str
    period: str
    value: Decimal
    note: str = ""


class ReportedOut(Schema):
    id: int
    indicator: str
    agency: str
    period: str
    value: Decimal
    status: str
    source: str


@router.get("/indicators", response=list[IndicatorOut])
@paginate(PageNumberPagination, page_size=50)
def indicators(request):
    """The indicator registry, with each indicator's definition and legal source."""
    return Indicator.objects.filter(active=True).order_by("order", "code")


@router.get("/values", response=list[ValueOut])
def values(request, ky: str = ""):
    """Every indicator's value, target, % achieved and status for the period (signed-in centre users)."""
    scope = None if isinstance(request.auth, AgencyClient) else selectors.ioc_scope(request.auth)
    if scope is None:
        raise HttpError(403, "Không có quyền xem trung tâm điều hành.")
    try:
        period = Period.parse(ky) if ky else Period.current(YEAR)
    except PeriodError as error:
        raise HttpError(422, str(error)) from error
    return [{"code": a.indicator.code, "value": a.value, "target": a.target, "achieved": a.achieved,
             "status": a.status, "status_label": a.status_label} for a in selectors.overview(scope, period)]


@router.post("/reported-values", response={201: ReportedOut})
def post_reported(request, payload: ReportedIn, agency: str = ""):
    """An agency's value for one indicator and period; with a token, for the token's agency."""
    if isinstance(request.auth, AgencyClient):
        target_agency, user, label = request.auth.agency, None, request.auth.label
    else:
        choices = services.reporting_agencies(request.auth)
        target_agency = next((a for a in choices if a.identifier == agency or str(a.pk) == agency), None)
        if target_agency is None:
            raise HttpError(403, "Bạn không thể báo cáo số liệu cho cơ quan này.")
        user, label = request.auth, ""
    try:
        saved = services.enter_value(agency=target_agency, indicator_code=payload.indicator, period=payload.period,
                                     value=payload.value, note=payload.note, user=user, label=label,
                                     source=ValueSource.API)
    except services.ReportError as error:
        raise HttpError(error.status if error.status != 400 else 422, error.message) from error
    return Status(201, {"id": saved.pk, "indicator": saved.indicator.code, "agency": target_agency.identifier,
                        "period": saved.period, "value": saved.value, "status": saved.status, "source": saved.source})
