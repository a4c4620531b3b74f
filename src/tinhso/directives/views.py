"""The task register's pages under /chi-dao/: the register (the office sees every task, an agency its own),
a task's page with its timeline and actions, a new directive, the XLSX import, the monthly report.

A task outside the user's scope answers 404, like one that does not exist; a stale form answers 409. A view
never writes a model: it calls ``services``.
"""

from __future__ import annotations

import datetime
import functools
from urllib.parse import urlencode

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from tinhso.common import deadlines, tabular
from tinhso.directives import imports, reports, selectors, services
from tinhso.directives.models import (
    DirectiveKind,
    DueKind,
    Extension,
    ExtensionState,
    Priority,
    ReportEvery,
    TaskState,
)
from tinhso.directory.models import Agency

PAGE_SIZE = 50
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
STATUS_CHOICES = [(deadlines.ON_TIME, deadlines.LABELS[deadlines.ON_TIME]),
                  (deadlines.DUE_SOON, deadlines.LABELS[deadlines.DUE_SOON]),
                  (deadlines.OVERDUE, deadlines.LABELS[deadlines.OVERDUE]),
                  (deadlines.LATE, deadlines.LABELS[deadlines.LATE])]


def register_view(view):
    """Signed-in staff with a membership (or the office); others get 403, anonymous users the sign-in page."""

    @functools.wraps(view)
    def wrapper(request, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect(f"{reverse('login')}?{urlencode({'next': request.get_full_path()})}")
        if not selectors.may_use_register(request.user):
            return render(request, "403.html", status=403)
        request.directives_office = selectors.is_office(request.user)
        return view(request, *args, **kwargs)

    return wrapper


def office_view(view):
    @functools.wraps(view)
    @register_view
    def wrapper(request, *args, **kwargs):
        if not request.directives_office:
            return render(request, "403.html", status=403)
        return view(request, *args, **kwargs)

    return wrapper


def _date(value: str | None) -> datetime.date | None:
    if not value:
        return None
    try:
        return tabular.parse_date(value)
    except ValueError:
        return None


def _int(value: str | None) -> int | None:
    return int(value) if value and value.isdigit() and len(value) < 10 else None


def _filters(request) -> dict:
    get = request.GET
    state = get.get("tinh-trang") or None
    status = get.get("han") or None
    return {
        "agency": _int(get.get("co-quan")), "directive": _int(get.get("van-ban")),
        "state": state if state in TaskState.values else None,
        "status": status if status in dict(STATUS_CHOICES) or status == deadlines.NONE else None,
        "leader": (get.get("lanh-dao") or "").strip()[:100] or None,
        "due_from": _date(get.get("han-tu")), "due_to": _date(get.get("han-den")),
        "q": (get.get("q") or "").strip()[:200] or None,
    }


def _download(content: bytes, name: str, content_type: str = XLSX, extension: str = "xlsx") -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{name}.{extension}"'
    return response


@register_view
def register(request):
    tasks = selectors.filter_tasks(selectors.tasks_for(request.user), **_filters(request))
    if request.GET.get("xuat") == "xlsx":
        return _download(imports.export_table(tasks), "nhiem-vu")
    page = Paginator(selectors.register_rows(tasks), PAGE_SIZE).get_page(request.GET.get("trang"))
    now = timezone.now()
    rows = [(task, selectors.status_of(task, now)) for task in page]
    query = request.GET.copy()
    query.pop("trang", None)
    query.pop("xuat", None)
    if request.directives_office:
        agencies = Agency.objects.order_by("name")
    else:
        agencies = Agency.objects.filter(pk__in=selectors.agency_ids_of(request.user)).order_by("name")
    return render(request, "directives/register.html", {
        "page_obj": page, "rows": rows, "values": request.GET,
        "chosen": {key.replace("-", "_"): value for key, value in request.GET.items()}, "page_query": query.urlencode(),
        "states": TaskState.choices, "statuses": STATUS_CHOICES, "agencies": agencies,
        "office": request.directives_office,
    })


@register_view
def task(request, pk: int):
    found = selectors.task_detail(request.user, pk)
    if found is None:
        raise Http404
    return _task_page(request, found)


def _task_page(request, found, status: int = 200):
    user = request.user
    return render(request, "directives/task.html", {
        "task": found, "status": selectors.status_of(found),
        "events": found.events.all(), "reports": found.reports.all(),
        "extensions": found.extensions.all(), "periodic": found.periodic_reports.all()[:36],
        "coordinating": found.coordinating.all(), "office": request.directives_office,
        "leads": selectors.leads(user, found), "decides": selectors.may_decide_extension(user, found),
        "pending_extension": found.extensions.filter(state=ExtensionState.PENDING).first(),
    }, status=status)


ACTIONS = {
    "tien-do": "progress", "hoan-thanh": "completion", "gia-han": "extension",
    "xac-nhan": "confirm", "tra-lai": "return", "huy": "cancel",
}


@require_POST
@register_view
def task_action(request, pk: int, action: str):
    found = selectors.task_detail(request.user, pk)
    if found is None or action not in ACTIONS:
        raise Http404
    post, user = request.POST, request.user
    version = _int(post.get("version"))
    if version is None:
        messages.error(request, _("Biểu mẫu thiếu phiên bản; vui lòng tải lại trang."))
        return _task_page(request, found, status=400)
    try:
        kind = ACTIONS[action]
        if kind == "progress":
            services.report_progress(user, found, text=post.get("text", ""), evidence=post.get("evidence", ""),
                                     file=request.FILES.get("file"), expected_version=version)
            messages.success(request, _("Đã gửi báo cáo tiến độ."))
        elif kind == "completion":
            services.report_completion(user, found, text=post.get("text", ""), evidence=post.get("evidence", ""),
                                       file=request.FILES.get("file"), expected_version=version)
            messages.success(request, _("Đã báo cáo hoàn thành; chờ Văn phòng xác nhận."))
        elif kind == "extension":
            new_due = _date(post.get("new_due_on"))
            if new_due is None and post.get("new_due_on"):
                raise services.DirectiveError(_("Ngày phải viết dạng ngày/tháng/năm (dd/mm/yyyy)."), "new_due_on")
            services.request_extension(user, found, new_due_on=new_due, reason=post.get("reason", ""),
                                       expected_version=version)
            messages.success(request, _("Đã gửi đề nghị gia hạn."))
        elif kind == "confirm":
            services.confirm_done(user, found, note=post.get("note", ""), expected_version=version)
            messages.success(request, _("Đã xác nhận hoàn thành nhiệm vụ."))
        elif kind == "return":
            services.return_task(user, found, reason=post.get("reason", ""), expected_version=version)
            messages.success(request, _("Đã trả lại báo cáo hoàn thành."))
        else:
            services.cancel_task(user, found, reason=post.get("reason", ""), expected_version=version)
            messages.success(request, _("Đã hủy nhiệm vụ."))
    except services.DirectiveError as error:
        messages.error(request, error.message)
        return _task_page(request, selectors.task_detail(user, pk), status=error.status)
    return redirect("directives:task", pk=pk)


@require_POST
@register_view
def decide_extension(request, pk: int, decision: str):
    extension = Extension.objects.filter(pk=pk, task__in=selectors.tasks_for(request.user)).first()
    if extension is None or decision not in ("dong-y", "khong-dong-y"):
        raise Http404
    task_pk = extension.task_id
    try:
        services.decide_extension(request.user, extension, approve=decision == "dong-y",
                                  note=request.POST.get("note", ""),
                                  expected_version=_int(request.POST.get("version")) or -1)
        messages.success(request, _("Đã ghi quyết định gia hạn."))
    except services.DirectiveError as error:
        messages.error(request, error.message)
        return _task_page(request, selectors.task_detail(request.user, task_pk), status=error.status)
    return redirect("directives:task", pk=task_pk)


# The kind of directive an incoming document's type name suggests (NĐ 30 Art. 7 names).
KIND_BY_TYPE = {"thông báo": DirectiveKind.CONCLUSION, "chỉ thị": DirectiveKind.DIRECTIVE,
                "biên bản": DirectiveKind.MINUTES, "kế hoạch": DirectiveKind.PLAN}


def _incoming(request, value):
    """The incoming document of the documents register a directive is made from, if the user reads it."""
    from tinhso.documents import selectors as documents

    pk = _int(value)
    return documents.incoming_detail(request.user, pk) if pk else None


def _from_incoming(document) -> dict:
    """The new-directive form filled from an incoming document."""
    return {"incoming": str(document.pk), "number": document.notation, "received_document": document.notation,
            "issued_on": f"{document.issued_on:%d/%m/%Y}", "issuer": str(document.sender_id or ""),
            "signer_name": document.signer_name, "signer_position": document.signer_position,
            "subject": document.subject,
            "kind": KIND_BY_TYPE.get(document.type_name.strip().lower(), DirectiveKind.INSTRUCTION)}


@require_http_methods(["GET", "POST"])
@office_view
def new_directive(request):
    values = request.POST if request.method == "POST" else {}
    incoming = _incoming(request, values.get("incoming") or request.GET.get("van-ban-den"))
    if request.method == "GET" and request.GET.get("van-ban-den"):
        if incoming is None:
            raise Http404
        values = _from_incoming(incoming)
    if request.method == "POST":
        post = request.POST
        try:
            if post.get("incoming") and incoming is None:
                raise services.DirectiveError(_("Không tìm thấy văn bản đến trong sổ của cơ quan."), "incoming")
            issuer = Agency.objects.filter(pk=_int(post.get("issuer"))).first()
            lead = Agency.objects.filter(pk=_int(post.get("lead_agency"))).first()
            if issuer is None:
                raise services.DirectiveError(_("Vui lòng chọn cơ quan ban hành."), "issuer")
            if lead is None:
                raise services.DirectiveError(_("Vui lòng chọn cơ quan chủ trì."), "lead_agency")
            issued_on = _date(post.get("issued_on"))
            if issued_on is None:
                raise services.DirectiveError(_("Ngày phải viết dạng ngày/tháng/năm (dd/mm/yyyy)."), "issued_on")
            coordinating = list(Agency.objects.filter(pk__in=[_int(v) for v in post.getlist("coordinating")
                                                              if _int(v)]))
            item = services.TaskInput(
                text=post.get("task_text", ""), lead_agency=lead, coordinating=coordinating,
                due_kind=post.get("due_kind", DueKind.DATE), due_on=_date(post.get("due_on")),
                due_working_days=_int(post.get("due_working_days")), report_every=post.get("report_every", ""),
                priority=post.get("priority", Priority.NORMAL), assigned_by_name=post.get("assigned_by_name", ""))
            directive = services.register_directive(
                request.user, kind=post.get("kind", ""), number=post.get("number", ""), issued_on=issued_on,
                issuer=issuer, signer_name=post.get("signer_name", ""),
                signer_position=post.get("signer_position", ""), subject=post.get("subject", ""),
                meeting_on=_date(post.get("meeting_on")), meeting_chair=post.get("meeting_chair", ""),
                received_document=post.get("received_document", ""), file=request.FILES.get("file"), tasks=[item],
                incoming=incoming)
            messages.success(request, _("Đã vào sổ văn bản %(number)s.") % {"number": directive.number})
            return redirect(reverse("directives:register") + f"?van-ban={directive.pk}")
        except services.DirectiveError as error:
            messages.error(request, error.message)
            status = error.status
        return _new_directive_page(request, values, status, incoming=incoming)
    return _new_directive_page(request, values, incoming=incoming)


def _new_directive_page(request, values, status: int = 200, incoming=None):
    return render(request, "directives/new_directive.html", {
        "values": values, "incoming": incoming, "kinds": DirectiveKind.choices, "due_kinds": DueKind.choices,
        "report_choices": ReportEvery.choices, "priorities": Priority.choices,
        "agencies": Agency.objects.order_by("name"),
    }, status=status)


@require_http_methods(["GET", "POST"])
@office_view
def import_page(request):
    report = None
    status = 200
    if request.method == "POST":
        upload = request.FILES.get("file")
        if upload is None:
            messages.error(request, _("Vui lòng chọn tệp."))
            status = 400
        else:
            report = imports.import_directives(upload, actor=request.user, dry_run=bool(request.POST.get("thu")))
            status = 200 if report.ok else 400
    return render(request, "directives/import.html", {"report": report, "columns": imports.GUIDE.items()},
                  status=status)


@office_view
def import_template(request):
    return _download(imports.template(), "mau-nhiem-vu")


@register_view
def monthly_report(request):
    month = reports.parse_month(request.GET.get("thang"))
    data = reports.monthly(request.user, month)
    fmt = request.GET.get("dinh-dang")
    if fmt == "pdf":
        return _download(reports.monthly_pdf(data), f"bao-cao-nhiem-vu-{month:%Y-%m}", "application/pdf", "pdf")
    if fmt == "xlsx":
        return _download(reports.monthly_xlsx(data), f"bao-cao-nhiem-vu-{month:%Y-%m}")
    return render(request, "directives/monthly.html", {"report": data, "month": month})
