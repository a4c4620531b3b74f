"""The operations-centre API (/api/ioc): the indicator registry, values against targets for a period, and
reported values posted and read back by an agency with its API token (the dossiers API's ``TokenAuth``) or
by a signed-in officer. Posted values wait for the agency leader's review like any other; reading them back
tells the agency which were approved and which were returned, and why."""

from __future__ import annotations

import datetime
from decimal import Decimal

from ninja import Router, Schema
from ninja.errors import HttpError
from ninja.pagination import PageNumberPagination, paginate
from ninja.responses import Status

from tinhso.dossiers.api import ActiveSession, TokenAuth
from tinhso.dossiers.services import AgencyClient
from tinhso.exchange.registry import GatewayAuth
from tinhso.ioc import selectors, services
from tinhso.ioc.models import Indicator, ReportedValue, ReportStatus, ValueSource
from tinhso.ioc.periods import YEAR, Period, PeriodError

router = Router(tags=["ioc"], auth=[GatewayAuth(), TokenAuth(), ActiveSession()])


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


class ReportedItemOut(Schema):
    id: int
    indicator: str
    agency: str
    period: str
    value: Decimal
    note: str
    source: str
    status: str
    status_label: str
    review_note: str
    entered_by: str
    entered_at: datetime.datetime
    approved_at: datetime.datetime | None
    rejected_at: datetime.datetime | None

    @staticmethod
    def resolve_indicator(reported) -> str:
        return reported.indicator.code

    @staticmethod
    def resolve_agency(reported) -> str:
        return reported.agency.identifier

    @staticmethod
    def resolve_status_label(reported) -> str:
        return reported.get_status_display()

    @staticmethod
    def resolve_entered_by(reported) -> str:
        return reported.entered_label


@router.get("/indicators", response=list[IndicatorOut])
@paginate(PageNumberPagination, page_size=50)
def indicators(request):
    """The indicator registry, with each indicator's definition and legal source."""
    return Indicator.objects.filter(active=True).order_by("order", "code")


@router.get("/values", response=list[ValueOut])
def values(request, ky: str = ""):
    """Every indicator's value, target, % achieved and status for the period: for signed-in centre users,
    and for an agency's client (token or exchange member) over that agency and the units below it."""
    scope = selectors.ioc_scope(request.auth)
    if scope is None:
        raise HttpError(403, "Không có quyền xem trung tâm điều hành.")
    try:
        period = Period.parse(ky) if ky else Period.current(YEAR)
    except PeriodError as error:
        raise HttpError(422, str(error)) from error
    return [{"code": a.indicator.code, "value": a.value, "target": a.target, "achieved": a.achieved,
             "status": a.status, "status_label": a.status_label} for a in selectors.overview(scope, period)]


@router.get("/reported-values", response=list[ReportedItemOut])
@paginate(PageNumberPagination, page_size=50)
def list_reported(request, indicator: str = "", period: str = "", status: str = "", agency: str = ""):
    """The reported values of the token's agency, or of the agencies a signed-in officer reports for, newest
    first; filtered by indicator code, exact period key (2026, 2026-Q1, 2026-03), status and agency.

    A token reads its own agency only, as it writes only there: an agency's pending or returned figures
    are not another agency's business.
    """
    if isinstance(request.auth, AgencyClient):
        agencies = [request.auth.agency]
    else:
        agencies = services.reporting_agencies(request.auth)
        if not agencies:
            raise HttpError(403, "Bạn không thuộc cơ quan nào để xem số liệu báo cáo.")
    if agency:
        agencies = [a for a in agencies if a.identifier == agency or str(a.pk) == agency]
        if not agencies:
            raise HttpError(403, "Bạn không xem được số liệu của cơ quan này.")
    values = ReportedValue.objects.filter(agency__in=agencies)
    if indicator:
        values = values.filter(indicator__code=indicator)
    if period:
        try:
            values = values.filter(period=Period.parse(period).key)
        except PeriodError as error:
            raise HttpError(422, str(error)) from error
    if status:
        if status not in ReportStatus.values:
            raise HttpError(422, f"Trạng thái phải là một trong: {', '.join(ReportStatus.values)}.")
        values = values.filter(status=status)
    return values.select_related("indicator", "agency").order_by("-entered_at", "-pk")


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
