"""The press and information module's indicators for the operations centre (``tinhso.common.indicators``),
computed from the module's records.

Scope (``ReadQuery.agency_ids``): the registries (press agencies, licences, monitoring alerts) and the
reports and cases belong to the department keeping them (``PressOffice``): the whole province or that
department sees them, other agencies none. Briefing information, journalists' questions and verification
tasks belong to the agency asked: each agency sees its own, broken down by agency.
"""

from __future__ import annotations

import datetime
from decimal import Decimal
from urllib.parse import urlencode

from django.db.models import Count, DateField, F, Q
from django.db.models.functions import TruncMonth
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from tinhso.common.indicators import ModuleIndicator, Reader, ReadQuery, percent, register

GROUP = "press"
LEGAL_PRESS = "Luật Báo chí 2016; Nghị định 09/2017/NĐ-CP"
LEGAL_WEB = "Nghị định 147/2024/NĐ-CP"


def _office_ids() -> set[int]:
    from tinhso.media.models import PressOffice

    return set(PressOffice.objects.values_list("agency_id", flat=True))


def _sees_department(query: ReadQuery) -> bool:
    return query.agency_ids is None or bool(_office_ids() & set(query.agency_ids))


def _url(name: str, **params) -> str:
    query = urlencode({k: v for k, v in params.items() if v not in (None, "")})
    return reverse(name) + (f"?{query}" if query else "")


def _month_key(value):
    if isinstance(value, datetime.datetime):
        return value.date()
    return value


def _department_reader(rows, sums: dict, value, columns, records, *, month_field: str | None = None) -> Reader:
    """A reader over records the department keeps: ``rows(query)`` is the queryset for the period."""

    def base(query):
        found = rows(query)
        return found if _sees_department(query) else found.none()

    def counts(query):
        return base(query).aggregate(**sums)

    def counts_by(query, dimension):
        if dimension == "agency":
            offices = _office_ids()
            if query.agency_ids is not None:
                offices &= set(query.agency_ids)
            return {min(offices): counts(query)} if offices else {}
        found = base(query).annotate(_month=TruncMonth(month_field, output_field=DateField()))
        return {_month_key(row.pop("_month")): row for row in found.values("_month").annotate(**sums).order_by()}

    return Reader(counts=counts, counts_by=counts_by, value=value, dimensions=("month",) if month_field else (),
                  columns=columns, records=records)


def _agency_reader(rows, sums: dict, value, columns, records, month_field: str) -> Reader:
    """A reader over tasks given to agencies (``agency_id``): each agency's own, broken down by agency."""

    def base(query):
        found = rows(query)
        if query.agency_ids is not None and not _sees_department(query):
            found = found.filter(agency_id__in=query.agency_ids)
        return found

    def counts(query):
        return base(query).aggregate(**sums)

    def counts_by(query, dimension):
        if dimension == "agency":
            return {row.pop("agency_id"): row for row in base(query).values("agency_id").annotate(**sums).order_by()}
        found = base(query).annotate(_month=TruncMonth(month_field, output_field=DateField()))
        return {_month_key(row.pop("_month")): row for row in found.values("_month").annotate(**sums).order_by()}

    return Reader(counts=counts, counts_by=counts_by, value=value, dimensions=("month",), columns=columns,
                  records=records)


# -- registries (live) ----------------------------------------------------------------------------------------

def _press_in_force(query):
    from tinhso.media.models import PressAgency

    return PressAgency.objects.active_on(query.at.date())


def _licences_in_force(query):
    from tinhso.media.models import LicenceState, WebsiteLicence

    day = query.at.date()
    return WebsiteLicence.objects.filter(state=LicenceState.IN_FORCE, issued_on__lte=day, expires_on__gte=day)


def _licences_expiring(query):
    from django.conf import settings

    day = query.at.date()
    return _licences_in_force(query).filter(
        expires_on__lte=day + datetime.timedelta(days=settings.TINHSO_MEDIA_LICENCE_EXPIRY_DAYS))


def _alerts_open(query):
    from tinhso.media.models import MonitoringAlert

    return MonitoringAlert.objects.filter(opened_at__lte=query.at).filter(
        Q(closed_at__isnull=True) | Q(closed_at__gt=query.at))


# -- reports and cases (period) -------------------------------------------------------------------------------

def _reports(query):
    from tinhso.media.models import FakeNewsReport

    return FakeNewsReport.objects.filter(received_at__gte=query.since, received_at__lt=query.until)


REPORT_SUMS = {"received": Count("pk"),
               "triaged_on_time": Count("pk", filter=Q(triaged_at__isnull=False, triaged_at__lte=F("triage_due_at"))),
               "citizens": Count("pk", filter=Q(source="citizen"))}


def _cases_decided(query):
    from tinhso.media.models import Case

    return Case.objects.filter(decided_at__gte=query.since, decided_at__lt=query.until)


CASE_SUMS = {"decided": Count("pk"), "false": Count("pk", filter=Q(verdict="false")),
             "misleading": Count("pk", filter=Q(verdict="misleading")), "true": Count("pk", filter=Q(verdict="true")),
             "unverifiable": Count("pk", filter=Q(verdict="unverifiable"))}
CASE_COLUMNS = (("decided", _("Vụ việc có kết luận")), ("false", _("Sai sự thật")),
                ("misleading", _("Gây hiểu lầm")), ("true", _("Đúng sự thật")),
                ("unverifiable", _("Chưa thể xác minh")))


# -- tasks of agencies (period, by due moment) ----------------------------------------------------------------

def _invitations(query):
    from tinhso.media.models import BriefingInvitation

    return BriefingInvitation.objects.filter(due_at__gte=query.since, due_at__lt=query.until)


def _questions(query):
    from tinhso.media.models import BriefingQuestion

    return BriefingQuestion.objects.filter(due_at__gte=query.since, due_at__lt=query.until)


def _verifications(query):
    from tinhso.media.models import VerificationTask

    return VerificationTask.objects.filter(due_at__gte=query.since, due_at__lt=query.until)


def _on_time_sums(done: str) -> dict:
    return {"due": Count("pk"),
            "on_time": Count("pk", filter=Q(**{f"{done}__isnull": False, f"{done}__lte": F("due_at")}))}


TASK_COLUMNS = (("due", _("Đến hạn trong kỳ")), ("on_time", _("Hoàn thành đúng hạn")))


def _rate(counts) -> Decimal | None:
    return percent(counts.get("on_time", 0), counts.get("due", 0))


def _number(name):
    return lambda counts: Decimal(counts.get(name, 0) or 0)


def _link(name, **params):
    return lambda query, dimension=None, key=None: _url(name, **params)


register(
    ModuleIndicator(
        code="co-quan-bao-chi", formula="media.press_agencies", name="Số cơ quan báo chí hoạt động tại tỉnh",
        name_en="Press agencies active in the province", unit="cơ quan", direction="higher", group=GROUP, live=True,
        additive=True, decimals=0,
        reader=_department_reader(_press_in_force, {"agencies": Count("pk")}, _number("agencies"),
                                  (("agencies", _("Cơ quan báo chí")),), _link("media:press-agencies")),
        definition="Cơ quan báo chí địa phương, văn phòng đại diện và phóng viên thường trú của cơ quan báo chí trung "
                   "ương đang hoạt động tại thời điểm xem.", legal_source=LEGAL_PRESS),
    ModuleIndicator(
        code="trang-ttdt-duoc-cap-phep", formula="media.licences_in_force",
        name="Số trang thông tin điện tử tổng hợp, mạng xã hội có giấy phép", name_en="Licensed websites in force",
        unit="giấy phép", direction="higher", group=GROUP, live=True, additive=True, decimals=0,
        reader=_department_reader(_licences_in_force, {"licences": Count("pk")}, _number("licences"),
                                  (("licences", _("Giấy phép còn hiệu lực")),),
                                  _link("media:licences", **{"trang-thai": "in_force"})),
        definition="Giấy phép còn hiệu lực (chưa hết hạn, chưa bị thu hồi) tại thời điểm xem.", legal_source=LEGAL_WEB),
    ModuleIndicator(
        code="giay-phep-sap-het-han", formula="media.licences_expiring", name="Số giấy phép sắp hết hạn",
        name_en="Licences near expiry", unit="giấy phép", direction="lower", group=GROUP, live=True, additive=True,
        decimals=0,
        reader=_department_reader(_licences_expiring, {"licences": Count("pk")}, _number("licences"),
                                  (("licences", _("Giấy phép sắp hết hạn")),),
                                  _link("media:licences", **{"sap-het-han": "1"})),
        definition="Giấy phép còn hiệu lực hết hạn trong số ngày của thiết lập MEDIA_LICENCE_EXPIRY_DAYS.",
        legal_source=LEGAL_WEB),
    ModuleIndicator(
        code="canh-bao-giam-sat-trang-ttdt", formula="media.monitoring_alerts",
        name="Số cảnh báo giám sát trang thông tin điện tử đang mở", name_en="Website monitoring alerts open",
        unit="cảnh báo", direction="lower", group=GROUP, live=True, additive=True, decimals=0,
        reader=_department_reader(_alerts_open, {"alerts": Count("pk")}, _number("alerts"),
                                  (("alerts", _("Cảnh báo đang mở")),), _link("media:licences")),
        definition="Trang có giấy phép bị kiểm tra lỗi liên tiếp (không truy cập được, lỗi HTTP, chứng thư TLS hết "
                   "hạn, không hiển thị số giấy phép) mà chưa có lần kiểm tra đạt.", legal_source=LEGAL_WEB),
    ModuleIndicator(
        code="tin-bao-tin-gia", formula="media.reports_received", name="Số tin báo thông tin sai sự thật tiếp nhận",
        name_en="False-information reports received", unit="tin báo", direction="higher", group=GROUP,
        additive=True, decimals=0,
        reader=_department_reader(_reports, REPORT_SUMS, _number("received"),
                                  (("received", _("Tin báo tiếp nhận")), ("citizens", _("Từ người dân")),
                                   ("triaged_on_time", _("Phân loại đúng hạn"))), _link("media:reports"),
                                  month_field="received_at"),
        definition="Tin báo của người dân, cán bộ và từ theo dõi, giám sát tiếp nhận trong kỳ.",
        legal_source="Chỉ thị về đấu tranh, phản bác thông tin sai sự thật trên mạng"),
    ModuleIndicator(
        code="tin-bao-xu-ly-dung-han", formula="media.reports_on_time",
        name="Tỷ lệ tin báo được phân loại đúng hạn", name_en="Reports triaged on time", unit="%",
        direction="higher", group=GROUP,
        reader=_department_reader(_reports, REPORT_SUMS,
                                  lambda c: percent(c.get("triaged_on_time", 0), c.get("received", 0)),
                                  (("received", _("Tin báo tiếp nhận")), ("triaged_on_time", _("Phân loại đúng hạn"))),
                                  _link("media:reports"), month_field="received_at"),
        definition="Tin báo tiếp nhận trong kỳ được phân loại (trùng, không thuộc phạm vi, mở vụ việc) trong hạn "
                   "1 ngày làm việc ÷ tin báo tiếp nhận × 100%.",
        legal_source="Chỉ thị về đấu tranh, phản bác thông tin sai sự thật trên mạng"),
    ModuleIndicator(
        code="vu-viec-tin-gia-sai-su-that", formula="media.cases_false",
        name="Số vụ việc kết luận sai sự thật hoặc gây hiểu lầm", name_en="Cases found false or misleading",
        unit="vụ việc", direction="lower", group=GROUP, additive=True, decimals=0,
        reader=_department_reader(_cases_decided, CASE_SUMS,
                                  lambda c: Decimal((c.get("false") or 0) + (c.get("misleading") or 0)),
                                  CASE_COLUMNS, _link("media:cases"), month_field="decided_at"),
        definition="Vụ việc có kết luận trong kỳ, theo kết luận: sai sự thật, gây hiểu lầm, đúng sự thật, chưa thể "
                   "xác minh (bảng phân tích); con số là sai sự thật + gây hiểu lầm.",
        legal_source="Chỉ thị về đấu tranh, phản bác thông tin sai sự thật trên mạng"),
    ModuleIndicator(
        code="xac-minh-dung-han", formula="media.verifications_on_time",
        name="Tỷ lệ nhiệm vụ xác minh thông tin hoàn thành đúng hạn", name_en="Verifications answered on time",
        unit="%", direction="higher", group=GROUP,
        reader=_agency_reader(_verifications, _on_time_sums("answered_at"), _rate, TASK_COLUMNS,
                              _link("media:cases"), "due_at"),
        definition="Nhiệm vụ xác minh đến hạn trong kỳ được cơ quan trả lời đúng hạn ÷ nhiệm vụ đến hạn × 100%.",
        legal_source=LEGAL_PRESS),
    ModuleIndicator(
        code="cung-cap-thong-tin-giao-ban-dung-han", formula="media.briefing_info_on_time",
        name="Tỷ lệ cơ quan gửi thông tin giao ban báo chí đúng hạn", name_en="Briefing information delivered on time",
        unit="%", direction="higher", group=GROUP,
        reader=_agency_reader(_invitations, _on_time_sums("delivered_at"), _rate, TASK_COLUMNS,
                              _link("media:briefings"), "due_at"),
        definition="Lượt cơ quan được đề nghị cung cấp thông tin có hạn trong kỳ đã gửi đúng hạn ÷ lượt được đề "
                   "nghị × 100%.", legal_source="Nghị định 09/2017/NĐ-CP, Điều 6 (giao ban báo chí)"),
    ModuleIndicator(
        code="tra-loi-bao-chi-dung-han", formula="media.questions_on_time",
        name="Tỷ lệ câu hỏi của nhà báo được trả lời đúng hạn", name_en="Journalists' questions answered on time",
        unit="%", direction="higher", group=GROUP,
        reader=_agency_reader(_questions, _on_time_sums("answered_at"), _rate, TASK_COLUMNS,
                              _link("media:briefings"), "due_at"),
        definition="Câu hỏi có hạn trả lời trong kỳ được trả lời đúng hạn ÷ câu hỏi × 100%.",
        legal_source="Nghị định 09/2017/NĐ-CP"),
)
