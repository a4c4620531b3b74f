"""Pages of the press and information module: the department's registries, briefings, reports and cases
under /bao-chi/, the agencies' own tasks, and the public pages (spokespeople, reporting false information,
following a report, published refutations).

Thin views: reads come from ``selectors``, every change goes through one ``services`` function. A record
outside the user's scope answers 404, exactly like one that does not exist.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from functools import wraps
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from tinhso.common import ratelimit
from tinhso.common.deadlines import finished_status, running_status
from tinhso.common.rendering import report_pdf
from tinhso.dossiers.errors import DossierError
from tinhso.media import forms, registers, selectors, services
from tinhso.media.models import (
    Briefing,
    Case,
    CaseState,
    CrisisTask,
    Evidence,
    PressAgency,
    PressChannel,
    PressKind,
    PressOffice,
    ReportSource,
    ReportState,
    Verdict,
    WebsiteLicence,
)

PAGE_SIZE = 25


def _page(request, queryset):
    return Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("trang"))


def _query(request, *names) -> str:
    return urlencode({n: request.GET[n] for n in names if request.GET.get(n)})


def officer_required(view: Callable) -> Callable:
    @wraps(view)
    @login_required
    def wrapped(request, *args, **kwargs):
        if not selectors.is_officer(request.user):
            raise PermissionDenied(_("Chỉ cán bộ các cơ quan được dùng trang này."))
        return view(request, *args, **kwargs)

    return wrapped


def department_required(view: Callable) -> Callable:
    @wraps(view)
    @login_required
    def wrapped(request, *args, **kwargs):
        if not selectors.is_department(request.user):
            raise PermissionDenied(_("Chỉ cơ quan quản lý báo chí được dùng trang này."))
        return view(request, *args, **kwargs)

    return wrapped


def spokesperson_keeper_required(view: Callable) -> Callable:
    @wraps(view)
    @login_required
    def wrapped(request, *args, **kwargs):
        if not selectors.keeps_spokespeople(request.user):
            raise PermissionDenied(_("Chỉ quản trị cơ quan được cập nhật người phát ngôn của cơ quan."))
        return view(request, *args, **kwargs)

    return wrapped


def _refused(form, error: DossierError) -> None:
    form.add_error(error.field if error.field in form.fields else None, error.localized)


def deadline(due_at, finished_at=None):
    if due_at is None:
        return None
    return finished_status(due_at, finished_at) if finished_at else running_status(due_at, timezone.now())


# -- staff ----------------------------------------------------------------------------------------------------

@officer_required
@require_GET
def home(request):
    user = request.user
    department = selectors.is_department(user)
    context = {
        "department": department,
        "verifications": selectors.verification_tasks_for(user, open_only=True)[:20],
        "invitations": selectors.invitations_for(user).filter(delivered_at__isnull=True, briefing__held=False)
        .order_by("due_at")[:20],
        "questions": selectors.questions_for(user).filter(answered_at__isnull=True).order_by("due_at")[:20],
    }
    if department:
        cases = Case.objects.values("state").annotate(n=Count("pk"))
        context.update({
            "reports_waiting": selectors.reports_for(user).filter(state=ReportState.RECEIVED).count(),
            "cases_by_state": {row["state"]: row["n"] for row in cases},
            "alerts": selectors.open_alerts().count(),
            "expiring": selectors.licences(expiring=True).count(),
            "gaps": selectors.spokesperson_gaps().count(),
        })
    return render(request, "media/home.html", context)


@officer_required
@require_GET
def press_agencies(request):
    found = selectors.press_agencies(q=request.GET.get("q", "")[:100], kind=request.GET.get("loai", "")[:20],
                                     in_force=bool(request.GET.get("hieu-luc")))
    return render(request, "media/press_agencies.html", {
        "page_obj": _page(request, found), "kinds": PressKind.choices, "page_query": _query(request, "q", "loai"),
        "department": selectors.is_department(request.user)})


@spokesperson_keeper_required
@require_GET
def own_spokespeople(request):
    today = timezone.localdate()
    people = list(selectors.own_spokespeople(request.user))
    return render(request, "media/own_spokespeople.html", {
        "current": [p for p in people if p.valid_to is None or p.valid_to >= today],
        "past": [p for p in people if p.valid_to is not None and p.valid_to < today],
        "agencies": selectors.administered_agencies(request.user).order_by("name"),
        "department": selectors.is_department(request.user)})


def _spokesperson_form_page(request, form, person=None, end_form=None, status=200):
    return render(request, "media/spokesperson_form.html", {
        "form": form, "person": person, "end_form": end_form, "department": selectors.is_department(request.user)},
        status=status)


@spokesperson_keeper_required
@require_http_methods(["GET", "POST"])
def add_spokesperson(request):
    agencies = selectors.administered_agencies(request.user).order_by("name")
    form = forms.SpokespersonForm(request.POST or None, agencies=agencies)
    if request.method == "GET" or not form.is_valid():
        return _spokesperson_form_page(request, form, status=200 if request.method == "GET" else 400)
    try:
        person = services.save_spokesperson(agency=form.cleaned_data["agency"], values=form.cleaned_data,
                                            actor=request.user)
    except DossierError as error:
        _refused(form, error)
        return _spokesperson_form_page(request, form, status=error.status)
    messages.success(request, _("Đã thêm %(name)s.") % {"name": person.name})
    return redirect("media:own-spokespeople")


@spokesperson_keeper_required
@require_http_methods(["GET", "POST"])
def edit_spokesperson(request, pk: int):
    person = get_object_or_404(selectors.own_spokespeople(request.user), pk=pk)
    initial = {name: getattr(person, name) for name in services.SPOKESPERSON_FIELDS}
    form = forms.SpokespersonForm(request.POST or None, initial=initial)
    end_form = forms.EndSpeakingForm(initial={"valid_to": timezone.localdate()})
    if request.method == "GET" or not form.is_valid():
        return _spokesperson_form_page(request, form, person, end_form, status=200 if request.method == "GET" else 400)
    try:
        services.save_spokesperson(agency=person.agency, values=form.cleaned_data, instance=person,
                                   actor=request.user)
    except DossierError as error:
        _refused(form, error)
        return _spokesperson_form_page(request, form, person, end_form, status=error.status)
    messages.success(request, _("Đã lưu %(name)s.") % {"name": person.name})
    return redirect("media:own-spokespeople")


@spokesperson_keeper_required
@require_POST
def end_spokesperson(request, pk: int):
    person = get_object_or_404(selectors.own_spokespeople(request.user), pk=pk)
    end_form = forms.EndSpeakingForm(request.POST)
    form = forms.SpokespersonForm(initial={name: getattr(person, name) for name in services.SPOKESPERSON_FIELDS})
    if not end_form.is_valid():
        return _spokesperson_form_page(request, form, person, end_form, status=400)
    try:
        services.end_spokesperson(person, valid_to=end_form.cleaned_data["valid_to"], actor=request.user)
    except DossierError as error:
        _refused(end_form, error)
        return _spokesperson_form_page(request, form, person, end_form, status=error.status)
    messages.success(request, _("%(name)s thôi phát ngôn sau ngày %(day)s.") % {
        "name": person.name, "day": f"{end_form.cleaned_data['valid_to']:%d/%m/%Y}"})
    return redirect("media:own-spokespeople")


@department_required
@require_GET
def spokespeople_staff(request):
    gaps = selectors.spokesperson_gaps()
    return render(request, "media/spokespeople_staff.html", {
        "gaps": gaps[:200], "gap_count": gaps.count(),
        "page_obj": _page(request, selectors.spokespeople_in_force().order_by("agency__name", "role", "name")),
        "page_query": ""})


@officer_required
@require_GET
def licences(request):
    found = selectors.licences(q=request.GET.get("q", "")[:100], state=request.GET.get("trang-thai", "")[:20],
                               expiring=bool(request.GET.get("sap-het-han")))
    return render(request, "media/licences.html", {
        "page_obj": _page(request, found), "alerts": selectors.open_alerts()[:50],
        "expiry_days": settings.TINHSO_MEDIA_LICENCE_EXPIRY_DAYS, "expiring": bool(request.GET.get("sap-het-han")),
        "page_query": _query(request, "q", "trang-thai", "sap-het-han")})


@officer_required
@require_GET
def licence(request, pk: int):
    found = get_object_or_404(WebsiteLicence, pk=pk)
    department = selectors.is_department(request.user)
    return render(request, "media/licence.html", {
        **_licence_context(found), "department": department,
        "inspection_form": forms.InspectionForm() if department else None})


def _licence_context(found: WebsiteLicence) -> dict:
    return {"licence": found, "records": found.records.select_related("dossier"),
            "inspections": found.inspections.all(), "checks": found.checks.all()[:20],
            "alerts": found.alerts.all()[:20]}


@officer_required
@require_GET
def briefings(request):
    found = Briefing.objects.annotate(
        invited=Count("invitations", distinct=True),
        delivered=Count("invitations", filter=Q(invitations__delivered_at__isnull=False), distinct=True))
    if not selectors.is_department(request.user):
        found = found.filter(invitations__in=selectors.invitations_for(request.user)).distinct()
    department = selectors.is_department(request.user)
    return render(request, "media/briefings.html", {
        "page_obj": _page(request, found.order_by("-held_at")), "page_query": "", "department": department,
        "plan_form": forms.BriefingForm(agencies=selectors.agencies_in_force()) if department else None})


@department_required
@require_POST
def plan_briefing(request):
    form = forms.BriefingForm(request.POST, agencies=selectors.agencies_in_force())
    if form.is_valid():
        try:
            planned = services.plan_briefing(actor=request.user, **form.cleaned_data)
        except DossierError as error:
            messages.error(request, error.localized)
        else:
            messages.success(request, _("Đã lập buổi giao ban và gửi đề nghị cung cấp thông tin."))
            return redirect("media:briefing", pk=planned.pk)
    else:
        messages.error(request, _("Thông tin chưa hợp lệ: %(errors)s") % {"errors": form.errors.as_text()})
    return redirect("media:briefings")


@department_required
@require_POST
def briefing_action(request, pk: int, action: str):
    found = get_object_or_404(Briefing, pk=pk)
    if action == "cau-hoi":
        form = forms.QuestionForm(request.POST, agencies=selectors.agencies_in_force())
        run = lambda data: services.add_question(found, actor=request.user, **data)  # noqa: E731
    elif action == "da-hop":
        form = forms.HoldForm(request.POST)
        run = lambda data: services.hold_briefing(found, actor=request.user, **data)  # noqa: E731
    else:
        raise Http404(_("Không có thao tác này."))
    if not form.is_valid():
        messages.error(request, _("Thông tin chưa hợp lệ: %(errors)s") % {"errors": form.errors.as_text()})
    else:
        try:
            run(form.cleaned_data)
            messages.success(request, _("Đã cập nhật buổi giao ban."))
        except DossierError as error:
            messages.error(request, error.localized)
    return redirect("media:briefing", pk=found.pk)


def _briefing_in_scope(request, pk: int) -> Briefing:
    found = get_object_or_404(Briefing, pk=pk)
    if not selectors.is_department(request.user) and not selectors.invitations_for(request.user).filter(
            briefing=found).exists() and not selectors.questions_for(request.user).filter(briefing=found).exists():
        raise Http404(_("Không tìm thấy buổi giao ban."))
    return found


@officer_required
@require_GET
def briefing(request, pk: int):
    found = _briefing_in_scope(request, pk)
    mine = selectors.invitations_for(request.user).filter(briefing=found)
    questions = selectors.questions_for(request.user).filter(briefing=found)
    return render(request, "media/briefing.html", {
        "briefing": found, "invitations": mine, "questions": questions,
        "deliver_form": forms.DeliverForm(), "answer_form": forms.AnswerForm(),
        "question_form": forms.QuestionForm(agencies=selectors.agencies_in_force()), "hold_form": forms.HoldForm(),
        "department": selectors.is_department(request.user)})


@officer_required
@require_GET
def briefing_minutes(request, pk: int):
    found = _briefing_in_scope(request, pk)
    office = PressOffice.objects.select_related("agency").first()
    html = render_to_string("media/print/minutes.html", {
        "briefing": found, "invitations": found.invitations.select_related("agency"),
        "questions": found.questions.select_related("agency"), "issued": timezone.localtime(),
        "heading": {"issuer": office.agency.name if office else "", "superior": ""},
        "title": "Biên bản giao ban báo chí", "subtitle": found.title, "number_suffix": "BB"})
    response = HttpResponse(report_pdf(html), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="bien-ban-giao-ban-{found.pk}.pdf"'
    return response


@officer_required
@require_POST
def deliver(request, pk: int):
    invitation = get_object_or_404(selectors.invitations_for(request.user), pk=pk)
    form = forms.DeliverForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            services.deliver_information(invitation, summary=form.cleaned_data["summary"],
                                         sheet=form.cleaned_data["sheet"], actor=request.user)
        except DossierError as error:
            messages.error(request, error.localized)
            return redirect("media:briefing", pk=invitation.briefing_id)
        messages.success(request, _("Đã gửi thông tin cho buổi giao ban."))
    else:
        messages.error(request, _("Thông tin chưa hợp lệ: %(errors)s") % {"errors": form.errors.as_text()})
    return redirect("media:briefing", pk=invitation.briefing_id)


@officer_required
@require_POST
def answer(request, pk: int):
    question = get_object_or_404(selectors.questions_for(request.user), pk=pk)
    form = forms.AnswerForm(request.POST)
    if form.is_valid():
        try:
            services.answer_question(question, answer=form.cleaned_data["answer"], actor=request.user)
            messages.success(request, _("Đã gửi trả lời."))
        except DossierError as error:
            messages.error(request, error.localized)
    else:
        messages.error(request, _("Thông tin chưa hợp lệ: %(errors)s") % {"errors": form.errors.as_text()})
    return redirect("media:briefing", pk=question.briefing_id)


@department_required
@require_GET
def reports(request):
    found = selectors.reports_for(request.user)
    state = request.GET.get("trang-thai", "")
    if state in ReportState.values:
        found = found.filter(state=state)
    return render(request, "media/reports.html", {"page_obj": _page(request, found), "states": ReportState.choices,
                                                  "page_query": _query(request, "trang-thai")})


def _report_page(request, found, open_form=None, status=200):
    return render(request, "media/report.html", {
        "report": found, "evidence": found.evidence.all(),
        "open_form": open_form or forms.OpenCaseForm(agencies=selectors.agencies_in_force(), initial={
            "claim": found.description, "title": found.seen_on}),
        "note_form": forms.NoteForm(), "merge_form": forms.MergeForm()}, status=status)


@department_required
@require_http_methods(["GET", "POST"])
def report(request, pk: int):
    found = get_object_or_404(selectors.reports_for(request.user), pk=pk)
    if request.method == "GET":
        return _report_page(request, found)
    action = request.POST.get("action")
    try:
        if action == "open":
            form = forms.OpenCaseForm(request.POST, agencies=selectors.agencies_in_force())
            if not form.is_valid():
                return _report_page(request, found, form, status=400)
            case = services.open_case(report=found, actor=request.user, **form.cleaned_data)
            messages.success(request, _("Đã mở vụ việc %(code)s.") % {"code": case.code})
            return redirect("media:case", pk=case.pk)
        if action == "merge":
            form = forms.MergeForm(request.POST)
            case = Case.objects.filter(code=form.data.get("case_code", "").strip().upper()[:20]).first()
            if case is None:
                messages.error(request, _("Không có vụ việc mã này."))
                return _report_page(request, found, status=400)
            services.merge_report(found, case, actor=request.user)
            return redirect("media:case", pk=case.pk)
        if action == "dismiss":
            form = forms.NoteForm(request.POST)
            form.is_valid()
            services.dismiss_report(found, note=form.cleaned_data.get("note", ""), actor=request.user)
            messages.success(request, _("Đã ghi nhận: không thuộc phạm vi xử lý."))
            return redirect("media:reports")
    except DossierError as error:
        messages.error(request, error.localized)
        return _report_page(request, found, status=error.status)
    return _report_page(request, found, status=400)


@officer_required
@require_GET
def cases(request):
    found = selectors.cases_for(request.user)
    state = request.GET.get("trang-thai", "")
    if state in CaseState.values:
        found = found.filter(state=state)
    return render(request, "media/cases.html", {"page_obj": _page(request, found), "states": CaseState.choices,
                                                "page_query": _query(request, "trang-thai")})


@officer_required
@require_GET
def case(request, pk: int):
    found = get_object_or_404(selectors.cases_for(request.user), pk=pk)
    department = selectors.is_department(request.user)
    mine = selectors.verification_tasks_for(request.user).filter(case=found)
    crisis = getattr(found, "crisis", None)  # the reverse one-to-one answers AttributeError when there is none
    return render(request, "media/case.html", {
        "case": found, "department": department,
        "verifications": found.verifications.select_related("agency") if department else mine,
        "my_open_tasks": [t for t in mine if t.answered_at is None and found.state == CaseState.VERIFICATION],
        "events": found.events.all(), "evidence": found.evidence.all() if department else [],
        "crisis": crisis, "crisis_tasks": crisis.tasks.all() if crisis else [],
        "verification_status": deadline(found.verification_due_at, found.decided_at),
        "forms": {"facts": forms.FactsForm(), "decide": forms.DecideForm(), "publish": forms.PublishForm(initial={
            "title": found.refutation_title}), "request": forms.RequestForm(), "evidence": forms.EvidenceForm(),
            "crisis": forms.CrisisForm(), "note": forms.NoteForm()},
        "refutable": found.verdict in (Verdict.FALSE, Verdict.MISLEADING, Verdict.UNVERIFIABLE)})


_CASE_ACTIONS = {
    "ket-luan": (forms.DecideForm, lambda case, data, user: services.decide(case, actor=user, **data)),
    "cai-chinh": (forms.PublishForm, lambda case, data, user: services.publish_refutation(case, actor=user, **data)),
    "nen-tang": (forms.RequestForm, lambda case, data, user: services.request_platform(case, actor=user, **data)),
    "cong-an": (forms.RequestForm, lambda case, data, user: services.refer_to_police(case, actor=user, **data)),
    "chung-cu": (forms.EvidenceForm, lambda case, data, user: services.add_evidence(
        case, upload=data["file"], source_url=data.get("source_url", ""), actor=user)),
    "khung-hoang": (forms.CrisisForm, lambda case, data, user: services.open_crisis(case, data["scenario"],
                                                                                    actor=user)),
    "ket-thuc": (forms.NoteForm, lambda case, data, user: services.close_case(case, actor=user, **data)),
}


@department_required
@require_POST
def case_action(request, pk: int, action: str):
    found = get_object_or_404(Case, pk=pk)
    if action not in _CASE_ACTIONS:
        raise Http404(_("Không có thao tác này."))
    form_class, run = _CASE_ACTIONS[action]
    form = form_class(request.POST, request.FILES)
    if not form.is_valid():
        messages.error(request, _("Thông tin chưa hợp lệ: %(errors)s") % {"errors": form.errors.as_text()})
        return redirect("media:case", pk=found.pk)
    try:
        run(found, form.cleaned_data, request.user)
    except DossierError as error:
        messages.error(request, error.localized)
    else:
        messages.success(request, _("Đã cập nhật vụ việc."))
    return redirect("media:case", pk=found.pk)


@department_required
@require_GET
def evidence_file(request, pk: int):
    """The evidence exactly as kept (for the police): its SHA-256 and capture moment in the headers."""
    found = get_object_or_404(Evidence, pk=pk)
    response = FileResponse(found.file.open("rb"), content_type=found.content_type, as_attachment=True,
                            filename=found.name)
    response["X-Content-SHA256"] = found.sha256
    response["X-Captured-At"] = timezone.localtime(found.captured_at).isoformat()
    response["X-Content-Type-Options"] = "nosniff"
    return response


@officer_required
@require_POST
def verify(request, pk: int):
    task = get_object_or_404(selectors.verification_tasks_for(request.user), pk=pk)
    form = forms.FactsForm(request.POST)
    if form.is_valid():
        try:
            services.answer_verification(task, facts=form.cleaned_data["facts"], actor=request.user)
            messages.success(request, _("Đã gửi thông tin xác minh."))
        except DossierError as error:
            messages.error(request, error.localized)
    else:
        messages.error(request, _("Thông tin chưa hợp lệ: %(errors)s") % {"errors": form.errors.as_text()})
    return redirect("media:case", pk=task.case_id)


@department_required
@require_POST
def crisis_task(request, pk: int):
    task = get_object_or_404(CrisisTask.objects.select_related("crisis"), pk=pk)
    form = forms.NoteForm(request.POST)
    form.is_valid()
    try:
        services.complete_crisis_task(task, note=form.cleaned_data.get("note", ""), actor=request.user)
    except DossierError as error:
        messages.error(request, error.localized)
    return redirect("media:case", pk=task.crisis.case_id)


# -- public ---------------------------------------------------------------------------------------------------

@require_GET
def spokespeople_public(request):
    q = request.GET.get("q", "")[:100].strip()
    agencies = selectors.agencies_in_force()
    if q:
        agencies = agencies.filter(name__icontains=q)
    page_obj = _page(request, agencies)
    return render(request, "media/spokespeople.html", {
        "rows": selectors.spokespeople_by_agency(page_obj.object_list), "page_obj": page_obj, "q": q,
        "page_query": _query(request, "q")})


def report_limit() -> ratelimit.Limit:
    return ratelimit.Limit("media-report", settings.TINHSO_MEDIA_REPORTS_PER_HOUR, 3600)


@never_cache
@require_http_methods(["GET", "POST"])
def file_report(request):
    officer = selectors.is_officer(request.user)
    if request.method == "GET":
        return render(request, "media/file_report.html", {"form": forms.ReportForm(officer=officer)})
    if not ratelimit.hit(report_limit(), ratelimit.client_address(request)):
        return render(request, "media/file_report.html",
                      {"form": forms.ReportForm(request.POST, officer=officer), "limited": True}, status=429)
    form = forms.ReportForm(request.POST, request.FILES, officer=officer)
    if not form.is_valid():
        return render(request, "media/file_report.html", {"form": form}, status=400)
    data = dict(form.cleaned_data)
    source = data.pop("source", "") if officer else ReportSource.CITIZEN
    try:
        filed = services.file_report(actor=request.user if officer else None, source=source or ReportSource.OFFICER,
                                     **data)
    except DossierError as error:
        if error.field in form.fields:
            form.add_error(error.field, error.localized)
        else:
            form.add_error(None, error.localized)
        return render(request, "media/file_report.html", {"form": form}, status=error.status)
    return render(request, "media/report_filed.html", {"report": filed})


@never_cache
@require_GET
def follow(request):
    found = None
    form = forms.FollowForm(request.GET or None)
    if form.is_bound:
        if not ratelimit.hit(ratelimit.Limit("media-follow", 30, 600), ratelimit.client_address(request)):
            return render(request, "media/follow.html", {"form": form, "limited": True}, status=429)
        if form.is_valid():
            found = selectors.report_by_code(form.cleaned_data["ma"])
    return render(request, "media/follow.html", {"form": form, "found": found, "searched": form.is_bound},
                  status=404 if form.is_bound and found is None else 200)


@require_GET
def refutations(request):
    q = request.GET.get("q", "")[:100].strip()
    return render(request, "media/refutations.html", {
        "page_obj": _page(request, selectors.published_refutations(q)), "q": q, "page_query": _query(request, "q")})


# schema.org ClaimReview: 1 (false) … 5 (true).
RATINGS = {Verdict.FALSE: 1, Verdict.MISLEADING: 2, Verdict.UNVERIFIABLE: 3, Verdict.TRUE: 5}


def claim_review(case: Case, url: str) -> dict:
    office = PressOffice.objects.select_related("agency").first()
    review = {
        "@context": "https://schema.org", "@type": "ClaimReview", "url": url, "inLanguage": "vi",
        "datePublished": timezone.localtime(case.published_at).date().isoformat(),
        "claimReviewed": case.claim,
        "headline": case.refutation_title,
        "author": {"@type": "Organization", "name": office.agency.name if office else "",
                   "url": settings.TINHSO_PUBLIC_BASE_URL or url},
        "reviewRating": {"@type": "Rating", "ratingValue": RATINGS.get(case.verdict, 3), "bestRating": 5,
                         "worstRating": 1, "alternateName": case.get_verdict_display()},
        "itemReviewed": {"@type": "Claim"},
    }
    if case.claim_url:
        review["itemReviewed"]["appearance"] = [{"@type": "CreativeWork", "url": case.claim_url}]
    return review


def _json_ld(data: dict) -> str:
    text = json.dumps(data, ensure_ascii=False)
    return mark_safe(text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026"))  # noqa: S308


@require_GET
def refutation(request, code: str):
    found = selectors.published_refutations().filter(code=code[:20]).first()
    if found is None:
        raise Http404(_("Không tìm thấy thông tin cải chính."))
    url = request.build_absolute_uri(reverse("media:refutation", args=[found.code]))
    return render(request, "media/refutation.html", {"case": found, "json_ld": _json_ld(claim_review(found, url))})


# -- the department's registries edited on its pages -----------------------------------------------------------

def _refused(form, error: DossierError) -> None:
    form.add_error(error.field if error.field in form.fields else None, error.localized)


@department_required
@require_http_methods(["GET", "POST"])
def press_agency_edit(request, pk: int | None = None):
    found = get_object_or_404(PressAgency, pk=pk) if pk is not None else None
    if request.method == "GET":
        initial = {name: getattr(found, name) for name in registers.PRESS_AGENCY_FIELDS} if found else {}
        return _press_agency_page(request, found, forms.PressAgencyForm(initial=initial))
    form = forms.PressAgencyForm(request.POST)
    if form.is_valid():
        try:
            saved = registers.save_press_agency(found, actor=request.user, **form.cleaned_data)
        except DossierError as error:
            _refused(form, error)
        else:
            messages.success(request, _("Đã lưu cơ quan báo chí “%(name)s”.") % {"name": saved.name})
            return redirect(f"{reverse('media:press-agencies')}?{urlencode({'q': saved.name})}")
    return _press_agency_page(request, found, form, status=400)


def _press_agency_page(request, found: PressAgency | None, form, *, channel_form=None, status: int = 200):
    return render(request, "media/press_agency_form.html", {
        "form": form, "press_agency": found, "department": True,
        "channels": found.channels.all() if found else (),
        "channel_form": (channel_form or forms.ChannelForm()) if found else None}, status=status)


@department_required
@require_POST
def add_channel(request, pk: int):
    found = get_object_or_404(PressAgency, pk=pk)
    form = forms.ChannelForm(request.POST)
    if form.is_valid():
        try:
            registers.add_channel(found, actor=request.user, **form.cleaned_data)
        except DossierError as error:
            _refused(form, error)
        else:
            messages.success(request, _("Đã thêm kênh."))
            return redirect("media:press-agency-edit", pk=found.pk)
    initial = {name: getattr(found, name) for name in registers.PRESS_AGENCY_FIELDS}
    return _press_agency_page(request, found, forms.PressAgencyForm(initial=initial), channel_form=form, status=400)


@department_required
@require_POST
def remove_channel(request, pk: int):
    channel = get_object_or_404(PressChannel, pk=pk)
    registers.remove_channel(channel, actor=request.user)
    messages.success(request, _("Đã bỏ kênh."))
    return redirect("media:press-agency-edit", pk=channel.press_agency_id)


@department_required
@require_POST
def add_inspection(request, pk: int):
    found = get_object_or_404(WebsiteLicence, pk=pk)
    form = forms.InspectionForm(request.POST)
    if form.is_valid():
        try:
            registers.add_inspection(found, actor=request.user, **form.cleaned_data)
        except DossierError as error:
            _refused(form, error)
        else:
            messages.success(request, _("Đã ghi kết quả kiểm tra."))
            return redirect("media:licence", pk=found.pk)
    return render(request, "media/licence.html", {**_licence_context(found), "inspection_form": form,
                                                  "department": True}, status=400)
