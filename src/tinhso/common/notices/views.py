"""The in-app list of notices (citizens and staff alike) and the deliveries administrators follow and resend."""

from __future__ import annotations

import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_POST

from tinhso.common.indicators import VIETNAM
from tinhso.common.notices import selectors, services
from tinhso.common.notices.indicators import NO_AGENCY, STATUS_PARAM
from tinhso.common.notices.models import Delivery
from tinhso.common.tabular import parse_date

INBOX_PAGE_SIZE = 20
DELIVERIES_PAGE_SIZE = 50
STATUS_BY_PARAM = {param: status for status, param in STATUS_PARAM.items()}
FILTER_PARAMS = {"status": "trang-thai", "channel": "kenh", "since": "tu", "until": "den", "agency": "co-quan",
                 "kind": "loai"}


def describe_delays(delays: list[int]) -> str:
    """The retry schedule as a person reads it: "1 phút, 5 phút, 30 phút, 2 giờ và 6 giờ"."""
    def one(seconds: int) -> str:
        if seconds % 3600 == 0:
            return ngettext("%(n)d giờ", "%(n)d giờ", seconds // 3600) % {"n": seconds // 3600}
        if seconds % 60 == 0:
            return ngettext("%(n)d phút", "%(n)d phút", seconds // 60) % {"n": seconds // 60}
        return ngettext("%(n)d giây", "%(n)d giây", seconds) % {"n": seconds}

    words = [one(seconds) for seconds in delays]
    if len(words) == 1:
        return words[0]
    return _("%(first)s và %(last)s") % {"first": ", ".join(words[:-1]), "last": words[-1]}


def _back(request, fallback: str) -> str:
    target = request.POST.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()},
                                                  require_https=request.is_secure()):
        return target
    return fallback


# -- the in-app list ----------------------------------------------------------------------------------

@login_required
@require_GET
def inbox(request):
    page_obj = Paginator(selectors.inbox(request.user), INBOX_PAGE_SIZE).get_page(request.GET.get("trang"))
    return render(request, "notices/inbox.html", {
        "page_obj": page_obj, "unread": selectors.unread_count(request.user),
    })


@login_required
@require_POST
def read(request, pk: int):
    services.mark_read(request.user, pk)
    if request.headers.get("HX-Request") == "true":
        note = selectors.inbox(request.user).filter(pk=pk).first()
        if note is None:
            raise Http404(_("Không tìm thấy thông báo."))
        return render(request, "notices/_notice.html", {"note": note})
    return redirect(_back(request, reverse("notices:inbox")))


@login_required
@require_POST
def read_all(request):
    count = services.mark_read(request.user)
    if count:
        messages.success(request, ngettext("Đã đánh dấu %(count)d thông báo là đã đọc.",
                                           "Đã đánh dấu %(count)d thông báo là đã đọc.", count) % {"count": count})
    else:
        messages.success(request, _("Không có thông báo chưa đọc."))
    return redirect("notices:inbox")


# -- deliveries ---------------------------------------------------------------------------------------

def _scope(request) -> selectors.DeliveryScope:
    scope = selectors.delivery_scope(request.user)
    if scope is None:
        raise PermissionDenied(_("Trang này dành cho quản trị viên và lãnh đạo theo dõi việc gửi thông báo."))
    return scope


def _moment(day: datetime.date) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time(), tzinfo=VIETNAM)


def _read_filters(params) -> tuple[selectors.DeliveryFilters, dict, list[str]]:
    """The filters of the list from the query string, what to show back in the form, and the errors."""
    errors: list[str] = []
    shown = {key: params.get(name, "").strip() for key, name in FILTER_PARAMS.items()}
    status = STATUS_BY_PARAM.get(shown["status"] or STATUS_PARAM[Delivery.Status.FAILED])
    if status is None and shown["status"] != "tat-ca":
        errors.append(_("Trạng thái không hợp lệ."))
        status = Delivery.Status.FAILED
    channel = shown["channel"] or None
    if channel and channel not in Delivery.Channel.values:
        errors.append(_("Kênh gửi không hợp lệ."))
        channel = None
    days = {}
    for name, label in (("since", _("Từ ngày")), ("until", _("Đến ngày"))):
        if shown[name]:
            try:
                days[name] = parse_date(shown[name])
            except ValueError as error:
                errors.append(f"{label}: {error}")
    if days.get("since") and days.get("until") and days["until"] < days["since"]:
        errors.append(_("Đến ngày không được trước từ ngày."))
        days.pop("until")
    agency = None
    if shown["agency"]:
        if shown["agency"] == NO_AGENCY:
            agency = NO_AGENCY
        elif shown["agency"].isdigit():
            agency = int(shown["agency"])
        else:
            errors.append(_("Cơ quan không hợp lệ."))
    filters = selectors.DeliveryFilters(
        status=status, channel=channel,
        since=_moment(days["since"]) if "since" in days else None,
        until=_moment(days["until"] + datetime.timedelta(days=1)) if "until" in days else None,
        agency=agency, kind=shown["kind"] or None,
    )
    return filters, shown, errors


@login_required
@require_GET
def deliveries(request):
    scope = _scope(request)
    filters, shown, errors = _read_filters(request.GET)
    rows = selectors.deliveries(scope, filters)
    page_obj = Paginator(rows, DELIVERIES_PAGE_SIZE).get_page(request.GET.get("trang"))
    params = request.GET.copy()
    params.pop("trang", None)
    tabs = [(STATUS_PARAM[status], label) for status, label in (
        (Delivery.Status.FAILED, _("Không thành công")), (Delivery.Status.PENDING, _("Đang chờ gửi")),
        (Delivery.Status.SENT, _("Đã gửi")))]
    return render(request, "notices/deliveries.html", {
        "page_obj": page_obj, "scope": scope, "filters": filters, "shown": shown, "errors": errors,
        "status_param": shown["status"] or STATUS_PARAM[Delivery.Status.FAILED], "tabs": tabs,
        "counts": selectors.status_counts(scope), "oldest_pending": selectors.oldest_pending(scope),
        "page_query": f"{params.urlencode()}&" if params else "", "channels": Delivery.Channel.choices,
        "schedule": describe_delays(services.retry_delays()),
    })


@login_required
@require_POST
def resend(request, pk: int):
    scope = _scope(request)
    if not scope.may_resend:
        raise PermissionDenied(_("Chỉ quản trị viên được gửi lại thông báo."))
    delivery = selectors.delivery_in_scope(scope, pk)
    if delivery is None:
        raise Http404(_("Không tìm thấy lượt gửi thông báo."))
    try:
        services.resend(delivery, actor=request.user)
    except services.NoticeError as error:
        messages.error(request, error.message_en if translation.get_language() == "en" else error.message)
    else:
        messages.success(request, _("Đã đưa thông báo %(subject)s (%(channel)s tới %(to)s) vào hàng đợi gửi lại.") % {
            "subject": delivery.notice.subject, "channel": delivery.get_channel_display(),
            "to": delivery.masked_destination})
    return redirect(_back(request, reverse("notices:deliveries")))
