"""The gateway's pages under /trao-doi/ for platform administrators: where the exchange stands, the message
log (search, one exchange, the auditor's export) and the synchronisation with the national portal (what
waits, what failed and its retry, the catalogue pulls and their reports).

Thin views: reads from ``selectors`` and ``seals``, writes through ``outbox``/``catalogue_pull``/tasks.
"""

from __future__ import annotations

import datetime
from functools import wraps
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext
from django.views.decorators.http import require_GET, require_POST

from tinhso.common.tabular import parse_date
from tinhso.exchange import outbox, seals, selectors
from tinhso.exchange.conf import own_subsystem
from tinhso.exchange.models import CatalogueSync, Direction, MessageRecord, OutboxEntry, OutboxStatus

PAGE_SIZE = 25


def operator_view(view):
    """Sign-in first; then platform administrators only (others get 403)."""

    @wraps(view)
    @login_required
    def wrapper(request, *args, **kwargs):
        if not selectors.may_operate(request.user):
            raise PermissionDenied(gettext("Chỉ quản trị nền tảng được xem cổng kết nối, chia sẻ dữ liệu."))
        return view(request, *args, **kwargs)

    return wrapper


def _page(request, queryset):
    return Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("trang"))


def _query_without_page(request) -> str:
    return urlencode([(k, v) for k, v in request.GET.items() if k != "trang"])


@require_GET
@operator_view
def overview(request):
    return render(request, "exchange/overview.html", {
        "subsystem": own_subsystem(), "registers": selectors.registers(), "log": seals.status(),
        "alerts": seals.alerts(), "sync": selectors.sync_state(), "services": selectors.services_with_rights(),
    })


# -- the message log -------------------------------------------------------------------------------------

def _day(request, name: str, errors: dict) -> datetime.date | None:
    text = request.GET.get(name, "").strip()
    if not text:
        return None
    try:
        return parse_date(text)
    except ValueError as error:
        errors[name] = str(error)
        return None


def _start(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time()))


def _log_filters(request, errors: dict) -> selectors.LogFilters:
    since, until = _day(request, "tu", errors), _day(request, "den", errors)
    if since and until and until < since:
        errors["den"] = gettext("Ngày kết thúc phải từ ngày bắt đầu trở đi.")
    direction = request.GET.get("chieu", "")
    if direction and direction not in Direction.values:
        errors["chieu"] = gettext("Chiều không hợp lệ.")
        direction = ""
    return selectors.LogFilters(
        client=request.GET.get("ben-goi", "").strip()[:600], service=request.GET.get("dich-vu", "").strip()[:800],
        since=_start(since) if since else None, until=_start(until + datetime.timedelta(days=1)) if until else None,
        request_id=request.GET.get("ma", "").strip()[:100], direction=direction,
        errors_only=request.GET.get("loi") == "1")


def _form_values(request) -> dict:
    """The search form's fields as typed (the parameters' names carry hyphens)."""
    get = request.GET.get
    return {"client": get("ben-goi", ""), "service": get("dich-vu", ""), "since": get("tu", ""),
            "until": get("den", ""), "request_id": get("ma", ""), "direction": get("chieu", ""),
            "errors_only": get("loi") == "1"}


def _log_page(request, records, errors, status=200, **extra):
    return render(request, "exchange/log.html", {
        "page_obj": _page(request, records), "page_query": _query_without_page(request), "errors": errors,
        "values": _form_values(request), "directions": Direction.choices, "alerts": seals.alerts(), **extra,
    }, status=status)


@require_GET
@operator_view
def log(request):
    errors: dict[str, str] = {}
    filters = _log_filters(request, errors)
    records = selectors.search_log(filters) if not errors else MessageRecord.objects.none()
    return _log_page(request, records, errors, status=400 if errors else 200)


@require_GET
@operator_view
def log_record(request, pk: int):
    record = get_object_or_404(MessageRecord, pk=pk)
    exchange = selectors.exchange_of(record)
    for item in exchange:
        item.body_text = _readable(item)
    return render(request, "exchange/log_record.html", {"record": record, "exchange": exchange})


def _readable(record: MessageRecord) -> str | None:
    """The body as text when it was kept and reads as UTF-8 (JSON, XML, text), for the page."""
    if record.body is None or not record.body_size:
        return None
    try:
        return bytes(record.body)[:20_000].decode()
    except UnicodeDecodeError:
        return None


@require_GET
@operator_view
def log_export(request):
    from tinhso.exchange.audit_export import export_period

    errors: dict[str, str] = {}
    since, until = _day(request, "tu", errors), _day(request, "den", errors)
    if not errors and (since is None or until is None):
        errors["tu" if since is None else "den"] = gettext("Nhập ngày bắt đầu và ngày kết thúc của kỳ (dd/mm/yyyy).")
    if not errors and until < since:
        errors["den"] = gettext("Ngày kết thúc phải từ ngày bắt đầu trở đi.")
    if errors:
        return _log_page(request, MessageRecord.objects.none(), errors, status=400, export_errors=True)
    data = export_period(_start(since), _start(until + datetime.timedelta(days=1)))
    response = HttpResponse(data, content_type="application/zip")
    response["Content-Disposition"] = (f'attachment; filename="nhat-ky-trao-doi-{since:%Y%m%d}-{until:%Y%m%d}.zip"')
    return response


# -- the national portal ----------------------------------------------------------------------------------

SHOWN = {OutboxStatus.PENDING, OutboxStatus.DEAD, OutboxStatus.DELIVERED}


@require_GET
@operator_view
def portal(request):
    shown = request.GET.get("trang-thai", OutboxStatus.PENDING)
    if shown not in SHOWN:
        shown = OutboxStatus.PENDING
    entries = selectors.outbox_list(shown)
    agency = request.GET.get("co-quan", "").strip()
    if agency.isdigit():
        entries = entries.filter(agency_id=int(agency))
    if shown == OutboxStatus.DELIVERED:
        entries = entries.order_by("-delivered_at", "-id")
    from django.conf import settings

    page = _page(request, entries)
    labels = outbox.state_labels()
    for entry in page:
        entry.from_label, entry.to_label = labels.get(entry.from_state, ""), labels.get(entry.to_state, entry.to_state)
    return render(request, "exchange/portal.html", {
        "sync": selectors.sync_state(), "shown": shown, "statuses": OutboxStatus,
        "page_obj": page, "page_query": _query_without_page(request),
        "syncs": selectors.catalogue_syncs()[:10], "configured": bool(settings.TINHSO_NATIONAL_PORTAL_URL),
        "tabs": [(OutboxStatus.PENDING, gettext("Chờ gửi")), (OutboxStatus.DEAD, gettext("Gửi lỗi")),
                 (OutboxStatus.DELIVERED, gettext("Đã đồng bộ"))],
    })


@require_POST
@operator_view
def portal_retry(request):
    ids = [int(value) for value in request.POST.getlist("entry") if value.isdigit()]
    entries = OutboxEntry.objects.filter(status=OutboxStatus.DEAD)
    entries = entries if request.POST.get("all") == "1" else entries.filter(pk__in=ids)
    count = outbox.retry(list(entries.values_list("pk", flat=True)), by=request.user)
    if count:
        messages.success(request, gettext("Đã đưa %(count)d thay đổi vào hàng đợi gửi lại.") % {"count": count})
    else:
        messages.warning(request, gettext("Không có thay đổi nào trong danh sách gửi lỗi được chọn."))
    return redirect(f"{reverse('exchange:portal')}?trang-thai=dead")


@require_POST
@operator_view
def portal_deliver(request):
    from tinhso.exchange.tasks import deliver_status_changes

    deliver_status_changes.enqueue()
    messages.success(request, gettext("Đã yêu cầu gửi ngay các thay đổi đang chờ."))
    return redirect("exchange:portal")


@require_POST
@operator_view
def portal_pull(request):
    """The pull runs in the task queue (a national catalogue is long); its report joins the list when done."""
    from tinhso.exchange.tasks import pull_national_catalogue

    pull_national_catalogue.enqueue(publish=request.POST.get("publish") == "1", user_id=request.user.pk)
    messages.success(request, gettext("Đã yêu cầu lấy danh mục thủ tục quốc gia; báo cáo hiện trong danh sách "
                                      "các lần lấy khi xong."))
    return redirect("exchange:portal")


@require_GET
@operator_view
def catalogue_sync(request, pk: int):
    sync = get_object_or_404(CatalogueSync.objects.select_related("started_by"), pk=pk)
    shown = request.GET.get("ket-qua", "")
    lines = [line for line in sync.report if not shown or line["outcome"] == shown]
    return render(request, "exchange/catalogue_sync.html", {
        "sync": sync, "page_obj": _page(request, lines), "page_query": _query_without_page(request), "shown": shown,
    })
