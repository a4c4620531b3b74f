"""The officer desk (Bộ phận Một cửa): queues, the dossier page with its actions, counter reception.

Thin views: reads come from ``selectors`` (always scoped by :func:`selectors.dossiers_visible_to`), every
change goes through one ``services`` function. A dossier outside the officer's scope answers 404, exactly
like a code that does not exist, so codes cannot be probed.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import wraps
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.utils.translation import get_language, gettext, gettext_noop, ngettext_lazy, pgettext_lazy
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from tinhso.catalogue.models import ProcedureVersion, Status, StepRole, TimeUnit, fee_total
from tinhso.common import pagecache
from tinhso.common.replicas import replica_reads
from tinhso.directory.models import Agency, Role
from tinhso.directory.selectors import active_memberships, visible_agencies
from tinhso.dossiers import deadlines, forms, printing, results, selectors, services
from tinhso.dossiers.errors import Conflict, DossierError, english_active
from tinhso.dossiers.models import DossierDocument, State
from tinhso.geo.models import Commune

PAGE_SIZE = 25

# The roles that work at the desk; a user with none of them (a citizen) gets 403.
DESK_ROLES = (Role.RECEIVER, Role.HANDLER, Role.APPROVER, Role.RETURNER)


@dataclass(frozen=True)
class Queue:
    key: str
    role: str
    step_role: str
    label: str


QUEUES = (
    Queue("tiep-nhan", Role.RECEIVER, StepRole.RECEIVE, _("Chờ tiếp nhận")),
    Queue("xu-ly", Role.HANDLER, StepRole.HANDLE, _("Chờ xử lý")),
    Queue("phe-duyet", Role.APPROVER, StepRole.APPROVE, _("Chờ phê duyệt")),
    Queue("tra-ket-qua", Role.RETURNER, StepRole.RETURN, _("Chờ trả kết quả")),
)


def desk_roles(user) -> set[str]:
    """The desk roles ``user`` holds today in any agency; superusers hold them all.

    Kept on the user object for the request, since the menu asks again on every page.
    """
    if not getattr(user, "is_authenticated", False):
        return set()
    from tinhso.directory.selectors import roles_held

    return {role for role in roles_held(user) if role in DESK_ROLES}


def officer_required(view: Callable) -> Callable:
    """Sign-in first; then only officers (a desk role in force) may use the desk: others get 403."""

    @wraps(view)
    @login_required
    def wrapped(request, *args, **kwargs):
        roles = desk_roles(request.user)
        if not roles:
            raise PermissionDenied(gettext("Chỉ cán bộ Bộ phận Một cửa được sử dụng chức năng này."))
        request.desk_roles = roles
        return view(request, *args, **kwargs)

    return wrapped


def is_fragment_request(request) -> bool:
    """An htmx request that swaps a part of the page (not a boosted navigation, not a history restore)."""
    return (request.headers.get("HX-Request") == "true" and request.headers.get("HX-Boosted") != "true"
            and request.headers.get("HX-History-Restore-Request") != "true")


# ------------------------------------------------------------------------------------------------ queues

def _filter_procedures(user) -> list[tuple[str, str]]:
    """(code, name) of the procedures in force at the agencies the officer sees, for the filter select; kept
    for a minute per officer and day (and a new catalogue generation), since every queue page shows it."""

    def read() -> list[tuple[str, str]]:
        versions = ProcedureVersion.objects.filter(status=Status.PUBLISHED)
        if not user.is_superuser:
            versions = versions.filter(agencies__in=visible_agencies(user))
        return list(versions.order_by("procedure__code").values_list("procedure__code", "name").distinct())

    return pagecache.remembered(("desk-procedures", user.pk, timezone.localdate()), read, depends_on=["catalogue"])


# How long an officer's queue counts (the tabs and the heading) are kept: a page view counts only the queues
# not counted for this long (a transition made in this process starts them again at once, other processes'
# within this time). The rows of the page are always read fresh.
QUEUE_COUNT_SECONDS = 15


def _queue_count(user, queue, params: dict) -> selectors.QueueCount:
    """How many dossiers ``queue`` holds for ``user`` under the filters ``params`` (exact up to 500)."""
    def count() -> selectors.QueueCount:
        return selectors.count_up_to(selectors.filter_dossiers(selectors.queue_for(user, queue.step_role), params,
                                                               queue=True))

    key = ("desk-count", user.pk, queue.key, sorted((k, str(v)) for k, v in params.items()), timezone.localdate())
    return pagecache.remembered(key, count, depends_on=[selectors.QUEUES_GENERATION], seconds=QUEUE_COUNT_SECONDS)


@require_GET
@replica_reads
@officer_required
def desk(request):
    """The desk home: the queues of the officer's roles with counts, one list paginated, filters."""
    queues = [q for q in QUEUES if q.role in request.desk_roles]
    current = next((q for q in queues if q.key == request.GET.get("hang")), queues[0])
    procedures = _filter_procedures(request.user)
    filters = forms.QueueFilterForm(request.GET, procedures=procedures)
    params = filters.params()

    dossiers = selectors.filter_dossiers(selectors.queue_for(request.user, current.step_role), params, queue=True)
    try:
        number = int(request.GET.get("trang") or 1)
    except ValueError:
        number = 1
    page = selectors.queue_page(dossiers, selectors.queue_ordering(current.step_role), after=request.GET.get("sau"),
                                before=request.GET.get("truoc"), number=number, size=PAGE_SIZE,
                                count=_queue_count(request.user, current, params))

    base_query = {k: v for k, v in request.GET.items() if k not in ("hang", "trang", "sau", "truoc") and v}
    tabs = []
    for q in queues:
        count = page.count if q is current else _queue_count(request.user, q, params)
        tabs.append({"key": q.key, "label": q.label, "count": count,
                     "query": urlencode({**base_query, "hang": q.key})})
    now = timezone.now()
    rows = [{"dossier": d, "deadline": deadlines.dossier_status(d, now)} for d in page.rows]
    context = {
        "queues": tabs,
        "queue": current,
        "filters": filters,
        "filtered": bool(params),
        "page": page,
        "rows": rows,
        "page_query": urlencode({**base_query, "hang": current.key}) + "&",
        "can_receive": Role.RECEIVER in request.desk_roles,
    }
    if is_fragment_request(request):
        template = "dossiers/desk/_queue.html"
    else:
        template = "dossiers/desk/home.html"
        context["filters_html"] = _filters_html(filters, current, procedures)
    response = render(request, template, context)
    patch_vary_headers(response, ["HX-Request"])
    return response


def _filters_html(filters: forms.QueueFilterForm, queue, procedures: list) -> str:
    """The filter bar above the queues, rendered once for what it shows — the values asked for (and the
    reasons any is refused), the queue, the procedures offered, the language — and kept as the catalogue's
    fragments are (a new catalogue generation draws it again): its fields' templates cost more than the rows."""
    asked = tuple(sorted((name, tuple(filters.data.getlist(name))) for name in filters.fields if name in filters.data))

    def render_bar() -> str:
        fields = [filters[name] for name in ("procedure", "field", "state", "channel", "date_from", "date_to")]
        return render_to_string("dossiers/desk/_filters.html",
                                {"filters": filters, "filter_fields": fields, "queue": queue})

    return pagecache.fragment(("desk-filters", get_language(), queue.key, tuple(procedures), asked), render_bar,
                              depends_on=["catalogue"])


# ------------------------------------------------------------------------------------------- the dossier

def _visible_dossier(user, code: str):
    """The dossier ``code`` if ``user`` may see it; 404 otherwise (no difference from a missing code)."""
    dossier = selectors.dossier_detail(user, code)
    if dossier is None:
        raise Http404(gettext("Không tìm thấy hồ sơ."))
    return dossier


@dataclass
class Action:
    """One business action offered on the dossier page: its form and the service it calls.

    ``service_name`` is the name :func:`services.allowed_actions` uses; ``call`` runs the service with the
    form's cleaned data.
    """

    key: str
    service_name: str
    label: str
    submit: str
    form_class: type
    call: Callable
    success: str
    danger: bool = False
    multipart: bool = False
    form_kwargs: Callable = field(default=lambda dossier, user: {})
    # The service's error field names, as the form calls them.
    field_names: dict = field(default_factory=dict)


def _handlers_of(dossier, user):
    """The handlers who may be given the current step: members with the handler role at its agency."""
    step = dossier.current_step
    agency_id = step.agency_id if step is not None and step.agency_id else dossier.receiving_agency_id
    today = timezone.localdate()
    return (get_user_model().objects.filter(
        memberships__agency_id=agency_id, memberships__role=Role.HANDLER, memberships__valid_from__lte=today,
    ).exclude(memberships__valid_to__lt=today).distinct().order_by("last_name", "first_name", "username"))


def _call(service, *names):
    """A caller that passes the form's fields ``names`` to ``service`` with the actor and version."""
    def call(dossier, user, version, data):
        return service(dossier, actor=user, expected_version=version, **{name: data[name] for name in names})
    return call


ACTIONS: dict[str, Action] = {a.key: a for a in (
    Action("receive", "receive", pgettext_lazy("action", "Tiếp nhận hồ sơ"), _("Tiếp nhận"), forms.ReceiveForm,
           _call(services.receive, "note"), _("Đã tiếp nhận hồ sơ.")),
    Action("request-supplement", "request_supplement", pgettext_lazy("action", "Yêu cầu bổ sung, hoàn thiện hồ sơ"),
           _("Gửi yêu cầu bổ sung"), forms.SupplementRequestForm,
           _call(services.request_supplement, "missing", "note"), _("Đã gửi yêu cầu bổ sung, hoàn thiện hồ sơ.")),
    Action("provide-supplement", "provide_supplement", _("Nhận hồ sơ đã bổ sung đầy đủ"), _("Ghi nhận đã bổ sung"),
           forms.NoteForm, _call(services.provide_supplement, "note"),
           _("Đã ghi nhận hồ sơ bổ sung; thời hạn được tính lại từ đầu.")),
    Action("assign", "assign", _("Giao chuyên viên xử lý"), _("Giao xử lý"), forms.AssignForm,
           _call(services.assign, "assignee", "note"), _("Đã giao chuyên viên xử lý."),
           form_kwargs=lambda dossier, user: {"handlers": _handlers_of(dossier, user)}),
    Action("forward", "forward", _("Chuyển bước tiếp theo"), _("Chuyển"), forms.ForwardForm,
           _call(services.forward, "note"), _("Đã chuyển hồ sơ sang bước tiếp theo.")),
    Action("approve", "approve", _("Phê duyệt"), _("Phê duyệt"), forms.ApproveForm, _call(services.approve, "note"),
           _("Đã phê duyệt hồ sơ.")),
    Action("send-back", "send_back", _("Trả lại bước xử lý trước"), _("Trả lại"), forms.SendBackForm,
           _call(services.send_back, "reason"), _("Đã trả lại hồ sơ cho bước xử lý trước."), danger=True),
    Action("apology", "issue_apology", _("Xin lỗi và hẹn lại ngày trả kết quả"), _("Gửi thư xin lỗi, hẹn lại"),
           forms.ApologyForm, _call(services.issue_apology, "reason", "new_due_at"),
           _("Đã gửi thư xin lỗi và hẹn lại ngày trả kết quả.")),
    Action("exempt", "exempt_fees", _("Miễn phí, lệ phí theo đối tượng"), _("Ghi nhận miễn phí, lệ phí"),
           forms.ExemptionForm, _call(services.exempt_fees, "ground"), _("Đã ghi nhận miễn phí, lệ phí.")),
    Action("return", "return_result", _("Trả kết quả"), _("Trả kết quả"), forms.ReturnForm,
           _call(services.return_result, "method", "note"), _("Đã trả kết quả cho người nộp."),
           form_kwargs=lambda dossier, user: {"registered": dossier.requested_return_method}),
    Action("refuse", "refuse", pgettext_lazy("action", "Từ chối tiếp nhận, giải quyết"), _("Từ chối"),
           forms.RefuseForm, _call(services.refuse, "reasons"), _("Đã từ chối hồ sơ."), danger=True),
    Action("stop", "stop_processing", _("Dừng giải quyết hồ sơ"), pgettext_lazy("action", "Dừng giải quyết"),
           forms.StopForm, _call(services.stop_processing, "reasons"), _("Đã dừng giải quyết hồ sơ."), danger=True),
    Action("withdraw", "withdraw", _("Rút hồ sơ theo đề nghị của người nộp"), _("Rút hồ sơ"), forms.WithdrawForm,
           _call(services.withdraw, "reason"), _("Đã rút hồ sơ theo đề nghị của người nộp."), danger=True),
    Action("payment", "record_payment", _("Ghi nhận thanh toán phí, lệ phí"), _("Ghi nhận"), forms.PaymentForm,
           _call(services.record_payment, "amount", "channel", "receipt_number"), _("Đã ghi nhận thanh toán.")),
    Action("document", "attach_document", _("Tải lên tài liệu"), _("Tải lên"), forms.DocumentUploadForm,
           _call(services.attach_document, "upload", "kind", "required_document"), _("Đã tải lên tài liệu."),
           multipart=True, form_kwargs=lambda dossier, user: {"dossier": dossier}, field_names={"file": "upload"}),
)}

def _offered_names(dossier, user, roles: set[str]) -> set[str]:
    """The service names to offer: the transitions ``services.allowed_actions`` lists, plus the records
    (payment, document) the same roles as the services require may add while the dossier is open."""
    if dossier.is_terminal:
        return set()
    names = set(services.allowed_actions(dossier, user))
    agencies = [dossier.receiving_agency]
    if dossier.current_step is not None and dossier.current_step.agency is not None:
        agencies.append(dossier.current_step.agency)
    if roles & {Role.RECEIVER, Role.RETURNER} and services.holds_role(
            user, [Role.RECEIVER, Role.RETURNER], dossier.receiving_agency):
        names.add("record_payment")
    if any(services.holds_role(user, DESK_ROLES, agency) for agency in agencies):
        names.add("attach_document")
    return names


def _action_forms(dossier, user, roles, bound: tuple[str, object] | None = None) -> list[dict]:
    offered = _offered_names(dossier, user, roles)
    entries = []
    for action in ACTIONS.values():
        if action.service_name not in offered:
            continue
        if bound is not None and bound[0] == action.key:
            form = bound[1]
        else:
            form = action.form_class(initial={"expected_version": dossier.version}, auto_id=f"{action.key}_%s",
                                     **action.form_kwargs(dossier, user))
        entries.append({"key": action.key, "label": action.label, "submit": action.submit, "form": form,
                        "danger": action.danger, "multipart": action.multipart,
                        "open": bound is not None and bound[0] == action.key})
    return entries


EVENT_PHRASES = {
    "submit_online": gettext_noop("nộp hồ sơ trực tuyến"),
    "submit": gettext_noop("nộp hồ sơ trực tuyến"),
    "receive_at_counter": gettext_noop("tiếp nhận hồ sơ trực tiếp tại Bộ phận Một cửa"),
    "receive": gettext_noop("tiếp nhận hồ sơ"),
    "exempt_fees": gettext_noop("ghi nhận miễn phí, lệ phí"),
    "request_supplement": gettext_noop("yêu cầu bổ sung, hoàn thiện hồ sơ"),
    "provide_supplement": gettext_noop("ghi nhận hồ sơ đã được bổ sung đầy đủ"),
    "refuse": gettext_noop("từ chối tiếp nhận, giải quyết hồ sơ"),
    "assign": gettext_noop("giao chuyên viên xử lý"),
    "forward": gettext_noop("chuyển hồ sơ sang bước tiếp theo"),
    "send_back": gettext_noop("trả lại hồ sơ cho bước trước"),
    "approve": gettext_noop("phê duyệt hồ sơ"),
    "issue_apology": gettext_noop("gửi thư xin lỗi và hẹn lại ngày trả kết quả"),
    "apologise": gettext_noop("gửi thư xin lỗi và hẹn lại ngày trả kết quả"),
    "stop_processing": gettext_noop("dừng giải quyết hồ sơ"),
    "return_result": gettext_noop("trả kết quả cho người nộp"),
    "withdraw": gettext_noop("rút hồ sơ"),
    "record_payment": gettext_noop("ghi nhận thanh toán phí, lệ phí"),
    "attach_document": gettext_noop("tải lên tài liệu"),
}


def event_sentence(event, dossier) -> str:
    """One timeline line in plain words (in the active language): who did what, and the state it led to."""
    if event.action == "submit_online" and not event.actor_id:
        actor = gettext("Người nộp %(name)s") % {"name": dossier.applicant_name}
    else:
        actor = event.actor_label or (
            (event.actor.get_full_name() or event.actor.get_username()) if event.actor_id else gettext("Hệ thống"))
    phrase = EVENT_PHRASES.get(event.action)
    phrase = gettext(phrase) if phrase else event.action.replace("_", " ")
    sentence = f"{actor[:1].upper()}{actor[1:]} {phrase}"
    if event.to_state and event.to_state != event.from_state:
        sentence = gettext("%(sentence)s — hồ sơ chuyển sang “%(state)s”") % {
            "sentence": sentence, "state": State(event.to_state).label}
    return sentence + "."


# The route steps' roles as the desk names them (the catalogue keeps its Vietnamese labels).
STEP_ROLE_LABELS = {
    StepRole.RECEIVE: pgettext_lazy("step role", "Tiếp nhận"),
    StepRole.HANDLE: pgettext_lazy("step role", "Xử lý"),
    StepRole.APPROVE: pgettext_lazy("step role", "Phê duyệt"),
    StepRole.RETURN: pgettext_lazy("step role", "Trả kết quả"),
}


# The statutory time units as the desk words them for a count (the catalogue keeps its Vietnamese labels).
TIME_UNIT_WORDS = {
    TimeUnit.WORKING_DAYS: ngettext_lazy("%(count)s ngày làm việc", "%(count)s ngày làm việc", "count"),
    TimeUnit.WORKING_HOURS: ngettext_lazy("%(count)s giờ làm việc", "%(count)s giờ làm việc", "count"),
}


def time_limit_text(version) -> str:
    """“15 ngày làm việc” / “15 working days”: the version's processing time in the active language."""
    words = TIME_UNIT_WORDS.get(version.time_unit)
    if words is None:
        return f"{version.time_limit} {version.get_time_unit_display()}"
    return words % {"count": version.time_limit}


def vnd(amount: int) -> str:
    """An amount in đồng with dots between thousands, as Vietnamese documents write it."""
    return f"{amount:,}".replace(",", ".")


def _dossier_context(request, dossier, bound=None, action_error=None) -> dict:
    now = timezone.now()
    events = list(dossier.events.all())
    for event in events:
        event.sentence = event_sentence(event, dossier)
        event.shown_note = "" if event.note.strip().lower() == EVENT_PHRASES.get(event.action) else event.note
    fees = list(dossier.fees.all())
    payments = list(dossier.payments.all())
    for line in (*fees, *payments):
        line.amount_text = vnd(line.amount)
    for line in fees:
        line.unit_text = vnd(line.unit_amount)
    return {
        "dossier": dossier,
        "deadline": deadlines.dossier_status(dossier, now),
        "steps": [{"step": s, "role": STEP_ROLE_LABELS.get(s.role, s.get_role_display()),
                   "deadline": deadlines.step_status(s, now)} for s in dossier.steps.all()],
        "events": events,
        # The prefetched documents lack their paper and uploader; one query with both keeps the page flat.
        "documents": list(DossierDocument.objects.filter(dossier=dossier)
                          .select_related("required_document", "uploaded_by").order_by("uploaded_at", "id")),
        "fees": fees,
        "fees_total": vnd(sum(f.amount for f in fees)),
        "payments": payments,
        "paid_total": vnd(sum(p.amount for p in payments)),
        "actions": _action_forms(dossier, request.user, request.desk_roles, bound),
        # The forms themselves stay Vietnamese; only the links name them in the page's language.
        "print_forms": [{"number": f.number, "title": f.title_en if english_active() else f.title}
                        for f in printing.available_forms(dossier)],
        "action_error": action_error,
        "result_panel": _result_panel(request, dossier),
    }


def _result_panel(request, dossier) -> dict | None:
    """The panel of the registry the dossier's result feeds (``dossiers.results``), when there is one."""
    handler = results.handler_for(dossier)
    if handler is None:
        missing = results.unknown_handler(dossier)
        return {"missing": missing} if missing else None
    if not handler.panel_template:
        return {"label": handler.label}
    context = handler.panel_context(dossier, request.user) if handler.panel_context else {}
    return {"label": handler.label, "template": handler.panel_template, "context": context}


@require_GET
@officer_required
def dossier_page(request, code: str):
    dossier = _visible_dossier(request.user, code)
    return render(request, "dossiers/desk/dossier.html", _dossier_context(request, dossier))


ERROR_TITLES = {
    409: _("Không thực hiện được thao tác"),
    403: _("Bạn không có quyền thực hiện thao tác này"),
    400: _("Thông tin chưa hợp lệ"),
}


@require_POST
@officer_required
def dossier_action(request, code: str, action: str):
    """Run one action on the dossier; 400 for bad input, 409 for a stale form or a refused transition."""
    spec = ACTIONS.get(action)
    if spec is None:
        raise Http404(gettext("Không có thao tác này."))
    dossier = _visible_dossier(request.user, code)
    form = spec.form_class(request.POST, request.FILES, auto_id=f"{spec.key}_%s",
                           **spec.form_kwargs(dossier, request.user))
    if not form.is_valid():
        error = {"kind": "invalid", "title": ERROR_TITLES[400],
                 "message": gettext("Vui lòng kiểm tra các ô được đánh dấu trong mục “%(action)s”.")
                 % {"action": spec.label}}
        if "expected_version" in form.errors:
            error["message"] = gettext("Biểu mẫu thiếu phiên bản hồ sơ; vui lòng tải lại trang.")
        return _dossier_response(request, dossier, (spec.key, form), error, status=400)
    try:
        spec.call(dossier, request.user, form.cleaned_data["expected_version"], form.cleaned_data)
    except DossierError as exc:
        field_name = spec.field_names.get(exc.field, exc.field)
        if field_name and field_name in form.fields:
            form.add_error(field_name, exc.localized)
        kind = {409: "conflict" if isinstance(exc, Conflict) else "transition",
                403: "forbidden"}.get(exc.status, "invalid")
        error = {"kind": kind, "title": ERROR_TITLES.get(exc.status, ERROR_TITLES[400]),
                 "message": exc.localized}
        fresh = _visible_dossier(request.user, code)
        return _dossier_response(request, fresh, (spec.key, form), error, status=exc.status)
    messages.success(request, str(spec.success))
    return redirect("dossiers:dossier", code=dossier.code)


def _dossier_response(request, dossier, bound, error, status):
    return render(request, "dossiers/desk/dossier.html", _dossier_context(request, dossier, bound, error),
                  status=status)


@require_GET
@officer_required
def document_download(request, code: str, pk: int):
    """A dossier's file, only through its dossier and only within the officer's scope."""
    dossier = _visible_dossier(request.user, code)
    document = dossier.documents.filter(pk=pk).first()
    if document is None:
        raise Http404(gettext("Không tìm thấy tài liệu."))
    response = FileResponse(document.file.open("rb"), content_type=document.content_type,
                            as_attachment=True, filename=document.original_name)
    response["X-Content-Type-Options"] = "nosniff"
    return response


@require_GET
@officer_required
def print_form(request, code: str, number: str):
    """Form ``number`` (01–05) of the dossier as a PDF, named after the dossier code."""
    dossier = _visible_dossier(request.user, code)
    if number not in printing.DOSSIER_FORM_NUMBERS:
        raise Http404(gettext("Không có mẫu này."))
    try:
        pdf = printing.render_form(dossier, number)
    except DossierError as exc:
        return render(request, "dossiers/desk/error.html", {
            "kind": "transition", "title": gettext("Không in được biểu mẫu"), "message": exc.localized,
            "dossier_url": reverse("dossiers:dossier", args=[dossier.code]),
        }, status=exc.status)
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="mau-{number}-{dossier.code}.pdf"'
    return response


# ------------------------------------------------------------------------------------- form 06: register

REGISTER_MAX_DOSSIERS = 5000


def _register_agencies(user):
    """The agencies whose register (form 06) the officer may print: where they hold a desk role today."""
    if user.is_superuser:
        return list(visible_agencies(user).order_by("name"))
    ids = active_memberships(user).filter(role__in=services.DESK_ROLES).values("agency_id")
    return list(Agency.objects.filter(pk__in=ids).order_by("name"))


@require_GET
@officer_required
def register(request):
    """Form 06, the agency's dossier register (sổ theo dõi hồ sơ) for a period, as an A4 landscape PDF: the
    dossiers received in the period, in order of reception (TT 01/2018)."""
    form = forms.RegisterForm(request.GET or None, agencies=_register_agencies(request.user))
    status = 200
    if form.is_bound:
        if form.is_valid():
            agency = form.agencies[form.cleaned_data["agency"]]
            start, end = form.cleaned_data["date_from"], form.cleaned_data["date_to"]
            dossiers = selectors.register_dossiers(agency, start, end)
            if dossiers.count() > REGISTER_MAX_DOSSIERS:
                form.add_error(None, gettext("Khoảng thời gian có hơn %(n)s hồ sơ; hãy chọn khoảng ngắn hơn.")
                               % {"n": REGISTER_MAX_DOSSIERS})
                status = 400
            else:
                pdf = printing.render_register(agency, dossiers, start, end)
                response = HttpResponse(pdf, content_type="application/pdf")
                response["Content-Disposition"] = (f'attachment; filename="mau-06-{agency.identifier or agency.pk}-'
                                                   f'{start:%Y%m%d}-{end:%Y%m%d}.pdf"')
                return response
        else:
            status = 400
    return render(request, "dossiers/desk/register.html", {"form": form}, status=status)


# ------------------------------------------------------------------------------------- counter reception

def _receivable_procedures(user):
    """Published versions whose implementing agencies include one where the user is a receiver (or that
    name none)."""
    if user.is_superuser:
        agencies = visible_agencies(user)
    else:
        agencies = active_memberships(user).filter(role=Role.RECEIVER).values("agency_id")
    # A version naming no implementing agency may be received anywhere.
    return (ProcedureVersion.objects.filter(Q(agencies__in=agencies) | Q(agencies__isnull=True),
                                            status=Status.PUBLISHED)
            .select_related("procedure").distinct().order_by("procedure__code"))


def _reception_agency(user, version):
    """The agency that receives at the counter: the officer's receiving agency among the version's agencies."""
    memberships = active_memberships(user).filter(role=Role.RECEIVER)
    agency_ids = set(version.agencies.values_list("pk", flat=True))
    for membership in memberships:
        if membership.agency_id in agency_ids:
            return membership.agency
    first = memberships.first()
    if first is not None:
        return first.agency
    return version.agencies.order_by("identifier").first() if user.is_superuser else None


def _communes_for(user):
    province_ids = {m.agency.province_id for m in active_memberships(user) if m.agency.province_id}
    communes = Commune.objects.order_by("name")
    return communes.filter(province_id__in=province_ids) if province_ids else communes


@require_http_methods(["GET", "POST"])
@officer_required
def reception(request):
    """Create and receive a paper dossier in one step (NĐ 61/2018 Art. 17), then show it with its receipt."""
    if Role.RECEIVER not in request.desk_roles:
        raise PermissionDenied(gettext("Chỉ cán bộ tiếp nhận được tiếp nhận hồ sơ trực tiếp."))
    procedures = _receivable_procedures(request.user)
    source = request.POST if request.method == "POST" else request.GET
    choice = forms.ProcedureChoiceForm(source if "procedure" in source else None, procedures=procedures)
    version = choice.cleaned_data["procedure"] if choice.is_bound and choice.is_valid() else None
    if version is not None:
        version = (ProcedureVersion.objects.select_related("procedure", "field")
                   .prefetch_related("documents", "fees", "agencies").get(pk=version.pk))
    communes = _communes_for(request.user)
    status = 200
    error = None
    form = None
    if version is not None:
        form = forms.CounterReceptionForm(request.POST if request.method == "POST" else None,
                                          request.FILES if request.method == "POST" else None,
                                          procedures=procedures, communes=communes, version=version)
        if request.method == "POST":
            if form.is_valid():
                try:
                    dossier = _receive_at_counter(request.user, version, form.cleaned_data)
                except DossierError as exc:
                    if exc.field and exc.field in form.fields:
                        form.add_error(exc.field, exc.localized)
                    error = exc.localized
                    status = exc.status
                else:
                    messages.success(request, gettext(
                        "Đã tiếp nhận hồ sơ %(code)s. In giấy tiếp nhận và hẹn trả kết quả (mẫu 01) để giao cho "
                        "người nộp.") % {"code": dossier.code})
                    _record_counter_payment(request, dossier, form.cleaned_data)
                    return redirect("dossiers:dossier", code=dossier.code)
            else:
                status = 400
    elif request.method == "POST":
        status = 400
    fees = list(version.fees.all()) if version is not None else []
    copies = 1
    if form is not None and form.is_bound and form.is_valid():
        copies = form.cleaned_data.get("copies") or 1
    for fee in fees:
        fee.amount_text = vnd(fee.amount)
    return render(request, "dossiers/desk/reception.html", {
        "choice": choice, "version": version, "form": form, "error": error, "copies": copies,
        "procedure_count": procedures.count(), "fees": fees, "fees_total": vnd(fee_total(fees, copies)),
        "commune_query": "", "time_limit": time_limit_text(version) if version is not None else "",
    }, status=status)


def _receive_at_counter(user, version, data):
    """Create and receive the dossier with its scanned papers (one service call, one transaction)."""
    agency = _reception_agency(user, version)
    applicant = services.Applicant(
        name=data["applicant_name"], kind=data["applicant_kind"], id_number=data.get("applicant_id_number") or "",
        tax_code=data.get("applicant_tax_code") or "", phone=data.get("applicant_phone") or "",
        email=data.get("applicant_email") or "", address=data.get("applicant_address") or "",
        commune_id=data["applicant_commune"].pk if data.get("applicant_commune") else None,
    )
    received = list(data.get("documents_received") or [])
    note = ""
    if received:
        note = "Giấy tờ đã nhận: " + "; ".join(doc.name for doc in received) + "."
    # A single required paper checked with the scans: the files answer it (the receipt lists it).
    paper = received[0] if len(received) == 1 else None
    uploads = [services.DocumentUpload(f, paper) for f in data.get("files") or []]
    return services.receive_at_counter(version=version, receiving_agency=agency, applicant=applicant,
                                       actor=user, documents=uploads, note=note, channel=data["channel"],
                                       copies=data.get("copies") or 1,
                                       requested_return_method=data.get("requested_return_method") or "")


def _record_counter_payment(request, dossier, data) -> None:
    """The fee paid at the counter, recorded after the reception (a payment is a record of its own)."""
    if not data.get("payment_amount"):
        return
    try:
        services.record_payment(dossier, actor=request.user, amount=data["payment_amount"],
                                channel=data.get("payment_channel") or "cash",
                                receipt_number=data.get("payment_receipt_number") or "",
                                expected_version=dossier.version)
    except DossierError as exc:
        messages.warning(request, gettext("Hồ sơ đã được tiếp nhận nhưng chưa ghi nhận được thanh toán: %(error)s")
                         % {"error": exc.localized})


@require_GET
@officer_required
def commune_options(request):
    """The commune select's options narrowed by a search text (with or without diacritics)."""
    from tinhso.directory.models import fold_for_search

    query = fold_for_search(request.GET.get("tim_xa", "")).strip()
    communes = _communes_for(request.user)
    if query:
        communes = communes.filter(search_name__contains=query)
    return render(request, "dossiers/desk/_commune_options.html", {"communes": communes[:200]})

