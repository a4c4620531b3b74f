"""Writes of the operations centre: values an agency reports (entered in a form, uploaded as XLSX or posted
through the API) and their review by the agency's leader, who approves a value or returns it with a reason,
never for a value they entered themselves. Every value keeps who entered it, when, how, and who reviewed
it; every change is on the audit chain (``track`` in the app config), and each decision also as an action."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext
from openpyxl import Workbook, load_workbook

from tinhso.common import audit
from tinhso.common.inputs import InputError, check_decimal
from tinhso.directory.models import Agency, Role
from tinhso.directory.selectors import active_memberships, has_role
from tinhso.ioc.models import REVIEW_NOTE_MAX, Indicator, ReportedValue, ReportStatus, Source, ValueSource
from tinhso.ioc.periods import Period, PeriodError


class ReportError(Exception):
    """A reported value that cannot be taken: a message in the active language (Vietnamese by default), the
    field it concerns, an HTTP status."""

    def __init__(self, message: str, field: str = "", status: int = 400):
        super().__init__(message)
        self.message, self.field, self.status = message, field, status


def reporting_agencies(user) -> list[Agency]:
    """The agencies ``user`` may enter values for: where they hold a role in force (not as a mere viewer)."""
    if user.is_superuser:
        return list(Agency.objects.order_by("name"))
    ids = {m.agency_id for m in active_memberships(user) if m.role != Role.OPERATIONS_VIEWER}
    return list(Agency.objects.filter(pk__in=ids).order_by("name"))


def _parse(indicator_code: str, period: str, value, source: str = Source.REPORTED
           ) -> tuple[Indicator, Period, Decimal]:
    """The indicator, period and number of one value, for an indicator obtained the way ``source`` says."""
    indicator = Indicator.objects.filter(code=str(indicator_code or "").strip(), active=True).first()
    if indicator is None:
        raise ReportError(gettext("Không có chỉ số mã “%(code)s”.") % {"code": indicator_code}, "indicator")
    if indicator.source == Source.COMPUTED:
        raise ReportError(gettext("Chỉ số “%(name)s” được tính tự động từ dữ liệu hồ sơ, không nhập tay.")
                          % {"name": indicator.display_name}, "indicator")
    if indicator.source != source:
        raise ReportError(
            (gettext("Chỉ số “%(name)s” lấy từ kết quả công bố chính thức; quản trị nền tảng nhập theo văn bản "
                     "công bố, cơ quan không báo cáo chỉ số này.") if indicator.source == Source.IMPORTED else
             gettext("Chỉ số “%(name)s” do cơ quan báo cáo và lãnh đạo duyệt, không nhập từ nguồn công bố."))
            % {"name": indicator.display_name}, "indicator")
    try:
        parsed = Period.parse(str(period or ""))
    except PeriodError as error:
        raise ReportError(str(error), "period") from error
    if parsed.kind != indicator.granularity:
        raise ReportError(gettext("Chỉ số “%(name)s” báo cáo theo %(granularity)s; kỳ “%(period)s” không đúng.") % {
            "name": indicator.display_name, "granularity": indicator.get_granularity_display().lower(),
            "period": period}, "period")
    try:
        number = Decimal(str(value).replace(",", ".").strip())
    except (InvalidOperation, AttributeError):
        raise ReportError(gettext("Giá trị “%(value)s” không phải là số.") % {"value": value}, "value") from None
    if not number.is_finite() or number < 0:
        raise ReportError(gettext("Giá trị phải là số không âm."), "value")
    try:  # no wider than the column holds: a wider number fails on PostgreSQL and is mangled on SQLite
        number = check_decimal(number, ReportedValue._meta.get_field("value"), "value")
    except InputError as error:
        raise ReportError(error.localized, "value") from None
    return indicator, parsed, number


def enter_value(*, agency: Agency, indicator_code: str, period: str, value, note: str = "", user=None,
                label: str = "", source: str = ValueSource.FORM, submit: bool = True) -> ReportedValue:
    """Enter (or correct) an agency's value for an indicator and period; it waits for the leader's approval.

    Correcting an approved or returned value sends it back for review: only approved values count, and the
    leader must see the corrected figure. The earlier decision and its reason stay on the audit chain.
    """
    if user is not None and not user.is_superuser and agency.pk not in {a.pk for a in reporting_agencies(user)}:
        raise ReportError(gettext("Bạn không thuộc cơ quan này nên không thể nhập số liệu cho cơ quan."), "agency", 403)
    indicator, parsed, number = _parse(indicator_code, period, value)
    with transaction.atomic():
        reported, _ = ReportedValue.objects.select_for_update().get_or_create(
            indicator=indicator, agency=agency, period=parsed.key,
            defaults={"value": number, "entered_at": timezone.now()},
        )
        reported.value = number
        reported.note = note.strip()
        reported.source = source
        reported.entered_by = user if getattr(user, "pk", None) else None
        reported.entered_label = label or (user.get_username() if getattr(user, "pk", None) else "")
        reported.entered_at = timezone.now()
        reported.status = ReportStatus.SUBMITTED if submit else ReportStatus.DRAFT
        reported.approved_by, reported.approved_at = None, None
        reported.rejected_by, reported.rejected_at, reported.review_note = None, None, ""
        reported.save()
    return reported


def _check_reviewer(reported: ReportedValue, user) -> None:
    """Only a leader (approver) of the agency reviews its values, and never one they entered themselves."""
    if not has_role(user, Role.APPROVER, reported.agency):
        raise ReportError(gettext("Chỉ lãnh đạo cơ quan báo cáo mới được xét duyệt số liệu."), "status", 403)
    _check_four_eyes(reported, user)


def _check_four_eyes(reported: ReportedValue, user) -> None:
    """Four eyes: the person who entered a value does not approve or return it.

    Superusers are held to it too: the rule protects the figure, not the account. A value posted with an
    agency token has no person behind it (``entered_by`` is empty), so any leader of the agency reviews it.
    """
    if reported.entered_by_id is not None and reported.entered_by_id == getattr(user, "pk", None):
        raise ReportError(gettext("Bạn đã nhập số liệu này nên không thể tự xét duyệt; một lãnh đạo khác của cơ quan "
                            "sẽ duyệt hoặc trả lại."), "status", 403)


def _locked(reported: ReportedValue) -> ReportedValue:
    """The row read again under its lock: it may have been re-entered (by the reviewer, even) meanwhile.

    Only the value's own row is locked, not its indicator: leaders of other agencies review at the same time.
    """
    return ReportedValue.objects.select_for_update(of=("self",)).select_related("indicator").get(pk=reported.pk)


def approve_value(reported: ReportedValue, *, user) -> ReportedValue:
    """A leader (approver) of the agency, other than the person who entered it, approves a submitted value;
    from then on it counts."""
    _check_reviewer(reported, user)
    with transaction.atomic():
        reported = _locked(reported)
        _check_four_eyes(reported, user)
        if reported.status != ReportStatus.SUBMITTED:
            raise ReportError(gettext("Chỉ duyệt được số liệu đang chờ duyệt."), "status", 409)
        reported.status = ReportStatus.APPROVED
        reported.approved_by = user
        reported.approved_at = timezone.now()
        reported.save()
        audit.record("action", reported, actor=user, summary=f"Duyệt số liệu {reported}",
                     after={"status": reported.status, "approved_at": reported.approved_at})
    return reported


def reject_value(reported: ReportedValue, *, user, note: str) -> ReportedValue:
    """A leader of the agency, other than the person who entered it, returns a submitted value for
    correction with a reason; it does not count until the agency enters it again and it is approved."""
    _check_reviewer(reported, user)
    note = (note or "").strip()
    if not note:
        raise ReportError(gettext("Ghi rõ lý do trả lại để cơ quan biết cần sửa gì."), "review_note")
    if len(note) > REVIEW_NOTE_MAX:
        raise ReportError(gettext("Lý do trả lại dài quá %(max)s ký tự.") % {"max": REVIEW_NOTE_MAX}, "review_note")
    with transaction.atomic():
        reported = _locked(reported)
        _check_four_eyes(reported, user)
        if reported.status != ReportStatus.SUBMITTED:
            raise ReportError(gettext("Chỉ trả lại được số liệu đang chờ duyệt."), "status", 409)
        reported.status = ReportStatus.REJECTED
        reported.rejected_by = user
        reported.rejected_at = timezone.now()
        reported.review_note = note
        reported.save()
        audit.record("action", reported, actor=user, summary=f"Trả lại số liệu {reported}: {note}",
                     after={"status": reported.status, "rejected_at": reported.rejected_at, "review_note": note})
    return reported


# -- XLSX template and upload ------------------------------------------------------------------------------

TEMPLATE_HEADERS = ["Mã chỉ số", "Tên chỉ số", "Đơn vị tính", "Kỳ (2026, 2026-Q1, 2026-03)", "Giá trị", "Ghi chú"]


def template_xlsx(period: Period, source: str = Source.REPORTED) -> bytes:
    """The workbook to fill in: one line per indicator obtained that way (reported by agencies, or imported
    from publications), with the period prefilled."""
    book = Workbook()
    sheet = book.active
    sheet.title = "So lieu"
    sheet.append(TEMPLATE_HEADERS)
    for indicator in Indicator.objects.filter(active=True, source=source):
        sheet.append([indicator.code, indicator.name, indicator.unit, period.within(indicator.granularity).key,
                      None, ""])
    for column, width in zip("ABCDEF", (28, 60, 14, 24, 14, 40), strict=True):
        sheet.column_dimensions[column].width = width
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


@dataclass
class UploadResult:
    saved: list[ReportedValue] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


def _sheet_rows(content: bytes, name: str = "") -> list[tuple[int, tuple]]:
    """(line number, cells) of every line after the header, from the XLSX template or the same columns as
    CSV (UTF-8, comma or semicolon separated), chosen by the file's name."""
    if name.lower().endswith(".csv"):
        try:
            text = content.decode("utf-8-sig")
        except UnicodeDecodeError as error:
            raise ReportError(gettext("Tệp CSV phải mã hóa UTF-8."), "file") from error
        dialect = csv.Sniffer().sniff(text.splitlines()[0] if text else ",", delimiters=",;")
        lines = list(csv.reader(io.StringIO(text), dialect))
        return [(number, tuple(cell.strip() or None for cell in line))
                for number, line in enumerate(lines[1:], start=2)]
    try:
        sheet = load_workbook(io.BytesIO(content), read_only=True, data_only=True).worksheets[0]
    except Exception as error:  # openpyxl raises many kinds for a file that is not a workbook
        raise ReportError(gettext("Tệp tải lên không phải tệp Excel (.xlsx) hợp lệ."), "file") from error
    return list(enumerate(sheet.iter_rows(min_row=2, values_only=True), start=2))


def _checked_rows(content: bytes, name: str, source: str, result: UploadResult) -> list[tuple]:
    """The lines that carry a value, each checked; a bad line is named in ``result.errors``."""
    rows = []
    for number, row in _sheet_rows(content, name):
        if not row or row[0] is None or len(row) < 5 or row[4] in (None, ""):
            continue
        try:
            _parse(row[0], row[3], row[4], source)
        except ReportError as error:
            result.errors.append(gettext("Dòng %(row)s: %(message)s") % {"row": number, "message": error.message})
            continue
        rows.append(row)
    return rows


def import_xlsx(content: bytes, *, agency: Agency, user) -> UploadResult:
    """Take the filled template: every line with a value is entered; a bad line is named and none is saved."""
    result = UploadResult()
    rows = _checked_rows(content, "", Source.REPORTED, result)
    if result.errors:
        return result
    with transaction.atomic():
        for row in rows:
            result.saved.append(enter_value(agency=agency, indicator_code=row[0], period=str(row[3]), value=row[4],
                                            note=str(row[5] or "") if len(row) > 5 else "", user=user,
                                            source=ValueSource.XLSX))
    return result


# -- values imported from official publications --------------------------------------------------------------

PUBLICATION_MAX = 300


def may_import(user) -> bool:
    """Published indices are imported by the platform's administrators (or a superuser)."""
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    return user.is_superuser or active_memberships(user).filter(role=Role.PLATFORM_ADMIN).exists()


def import_published(content: bytes, *, name: str, agency: Agency, publication: str, user=None, label: str = ""
                     ) -> UploadResult:
    """Import indices a central body published (DTI, PAR Index, PCI…) from the template's columns (XLSX or CSV).

    They count at once — the publication is the approval: each value is stored approved, with the source
    "imported", the publication it comes from (``publication``, required) in its note, and who imported it.
    Any bad line is named and nothing is saved.
    """
    if user is not None and not may_import(user):
        raise ReportError(gettext("Chỉ quản trị nền tảng được nhập số liệu công bố chính thức."), "file", 403)
    publication = (publication or "").strip()
    if not publication:
        raise ReportError(gettext("Ghi rõ văn bản, nguồn công bố số liệu (ví dụ: số quyết định, ngày công bố)."),
                          "publication")
    if len(publication) > PUBLICATION_MAX:
        raise ReportError(gettext("Nguồn công bố dài quá %(max)s ký tự.") % {"max": PUBLICATION_MAX}, "publication")
    result = UploadResult()
    rows = _checked_rows(content, name, Source.IMPORTED, result)
    if result.errors:
        return result
    if not rows:
        result.errors.append(gettext("Tệp không có dòng nào ghi giá trị."))
        return result
    label = label or (user.get_username() if getattr(user, "pk", None) else "")
    now = timezone.now()
    with transaction.atomic():
        for row in rows:
            indicator, period, number = _parse(row[0], row[3], row[4], Source.IMPORTED)
            note = f"{publication}. {row[5]}".strip() if len(row) > 5 and row[5] else publication
            reported, _ = ReportedValue.objects.select_for_update().update_or_create(
                indicator=indicator, agency=agency, period=period.key, defaults={
                    "value": number, "note": note, "source": ValueSource.IMPORT, "status": ReportStatus.APPROVED,
                    "entered_by": user if getattr(user, "pk", None) else None, "entered_label": label,
                    "entered_at": now, "approved_by": None, "approved_at": now, "rejected_by": None,
                    "rejected_at": None, "review_note": ""})
            audit.record("action", reported, actor=user if getattr(user, "pk", None) else None,
                         summary=f"Nhập số liệu công bố {reported}: {publication}",
                         after={"value": str(number), "publication": publication, "source": ValueSource.IMPORT})
            result.saved.append(reported)
    return result
