"""Pages for rating a returned dossier, filing and following feedback and proposals (phản ánh, kiến nghị),
and the officers' queue where the responsible agency answers, refuses or transfers them.

Thin views: reads come from ``selectors``, every change goes through one ``services`` function. Another
person's dossier or complaint answers 404, exactly like a code that does not exist.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from tinhso.directory.selectors import active_memberships
from tinhso.dossiers import deadlines
from tinhso.dossiers.errors import DossierError, InvalidInput
from tinhso.dossiers.models import State
from tinhso.portal.feedback import forms, selectors, services
from tinhso.portal.feedback.models import ComplaintState, Rating
from tinhso.portal.labels import error_message

PAGE_SIZE = 20


def _show_error(form, error: DossierError) -> None:
    """Put a service's refusal on the form: on its field when it names one, else above the form."""
    if isinstance(error, InvalidInput) and error.field in form.fields:
        form.add_error(error.field, error_message(error))
    else:
        form.add_error(None, error_message(error))


def _page(request, queryset):
    return Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("trang"))


def deadline_of(complaint, at=None) -> deadlines.DeadlineStatus:
    """The handling deadline's status: running while open, on time / early / late once answered."""
    if complaint.answered_at is not None:
        return deadlines.finished_status(complaint.due_at, complaint.answered_at)
    if complaint.is_open:
        return deadlines.running_status(complaint.due_at, at or timezone.now())
    return deadlines.DeadlineStatus(deadlines.NONE)


# -- rating ---------------------------------------------------------------------------------------------

@login_required
@require_http_methods(["GET", "POST"])
def rate(request, code: str):
    """Rate a returned dossier: its applicant only, once (changes allowed for a few days)."""
    dossier = selectors.own_dossier(request.user, code)
    if dossier is None:
        raise Http404(_("Không tìm thấy hồ sơ."))
    try:
        rating = dossier.rating
    except Rating.DoesNotExist:
        rating = None
    status = 200
    if request.method == "POST":
        form = forms.RatingForm(request.POST)
        if form.is_valid():
            try:
                services.rate_dossier(dossier=dossier, user=request.user, scores=form.scores(),
                                      comment=form.cleaned_data["comment"])
            except DossierError as error:
                _show_error(form, error)
                status = error.status
            else:
                messages.success(request, _("Cảm ơn bạn đã đánh giá. Ý kiến của bạn đã được ghi nhận."))
                return redirect("feedback:rate", code=dossier.code)
        else:
            status = 400
    else:
        initial = {name: getattr(rating, name) for name in forms.RatingForm.base_fields} if rating else None
        form = forms.RatingForm(initial=initial)
    editable = rating is None or services.rating_editable(rating)
    context = {
        "dossier": dossier, "rating": rating, "form": form,
        "can_rate": dossier.state == State.RETURNED and editable,
        "returned": dossier.state == State.RETURNED,
        "edit_days": services.RATING_EDIT_DAYS,
    }
    return render(request, "feedback/rate.html", context, status=status)


# -- the citizen's complaints ---------------------------------------------------------------------------

@login_required
@require_GET
def my_complaints(request):
    page_obj = _page(request, selectors.complaints_of(request.user))
    return render(request, "feedback/complaint_list.html", {"page_obj": page_obj})


@login_required
@require_http_methods(["GET", "POST"])
def file_complaint(request):
    options = {"dossiers": selectors.own_dossiers(request.user), "agencies": selectors.agencies_in_force()}
    status = 200
    if request.method == "POST":
        form = forms.ComplaintForm(request.POST, **options)
        if form.is_valid():
            try:
                complaint = services.file_complaint(user=request.user, **form.cleaned_data)
            except DossierError as error:
                _show_error(form, error)
                status = error.status
            else:
                messages.success(request, _("Đã gửi phản ánh, kiến nghị. Mã số: {code}. Hạn trả lời: {due}.").format(
                    code=complaint.code, due=f"{timezone.localtime(complaint.due_at):%H:%M %d/%m/%Y}"))
                return redirect("feedback:complaint", code=complaint.code)
        else:
            status = 400
    else:
        user = request.user
        initial = {"name": user.get_full_name(), "email": user.email}
        if request.GET.get("ho-so"):
            initial["dossier"] = options["dossiers"].filter(code=request.GET["ho-so"]).first()
        form = forms.ComplaintForm(initial=initial, **options)
    return render(request, "feedback/complaint_form.html", {"form": form,
                                                            "handling_days": services.handling_working_days()},
                  status=status)


def _complaint_page(request, complaint, verdict_form=None, status=200):
    if verdict_form is None and complaint.state == ComplaintState.ANSWERED:
        verdict_form = forms.VerdictForm()
    context = {"complaint": complaint, "verdict_form": verdict_form, "deadline": deadline_of(complaint),
               "events": complaint.events.all()}
    return render(request, "feedback/complaint_detail.html", context, status=status)


@login_required
@require_GET
def complaint(request, code: str):
    found = selectors.complaint_of(request.user, code)
    if found is None:
        raise Http404(_("Không tìm thấy phản ánh, kiến nghị."))
    return _complaint_page(request, found)


@login_required
@require_POST
def complaint_verdict(request, code: str):
    found = selectors.complaint_of(request.user, code)
    if found is None:
        raise Http404(_("Không tìm thấy phản ánh, kiến nghị."))
    form = forms.VerdictForm(request.POST)
    if not form.is_valid():
        return _complaint_page(request, found, form, status=400)
    try:
        services.give_verdict(found, user=request.user, verdict=form.cleaned_data["verdict"],
                              comment=form.cleaned_data["comment"])
    except DossierError as error:
        _show_error(form, error)
        return _complaint_page(request, found, form, status=error.status)
    messages.success(request, _("Cảm ơn bạn đã đánh giá câu trả lời."))
    return redirect("feedback:complaint", code=found.code)


# -- officers -------------------------------------------------------------------------------------------

def is_complaint_officer(user) -> bool:
    """Anyone holding a membership in force (or a superuser) has the complaints queue of their agencies.

    Kept on the user object for the request, since the menu asks on every page.
    """
    if not getattr(user, "is_authenticated", False):
        return False
    cached = getattr(user, "_complaint_officer", None)
    if cached is None:
        cached = user.is_superuser or active_memberships(user).exists()
        user._complaint_officer = cached
    return cached


def officer_required(view: Callable) -> Callable:
    """Sign-in first; then only staff with a membership in force: others get 403."""

    @wraps(view)
    @login_required
    def wrapped(request, *args, **kwargs):
        if not is_complaint_officer(request.user):
            raise PermissionDenied(_("Chỉ cán bộ của cơ quan được xử lý phản ánh, kiến nghị."))
        return view(request, *args, **kwargs)

    return wrapped


@require_GET
@officer_required
def officer_queue(request):
    show_all = request.GET.get("xem") == "tat-ca"
    page_obj = _page(request, selectors.officer_queue(request.user, open_only=not show_all))
    now = timezone.now()
    rows = [{"complaint": c, "deadline": deadline_of(c, now)} for c in page_obj.object_list]
    return render(request, "feedback/officer_queue.html",
                  {"page_obj": page_obj, "rows": rows, "show_all": show_all,
                   "page_query": "xem=tat-ca&" if show_all else ""})


ACTIONS = {
    "tiep-nhan": "take",
    "tra-loi": "answer",
    "tu-choi": "refuse",
    "chuyen": "transfer",
}


def _officer_forms(complaint, user, bound: tuple[str, object] | None = None) -> dict:
    """The action forms the officer may use now (none when the complaint is closed or not theirs)."""
    if not complaint.is_open or not services.can_handle(user, complaint):
        return {}
    built = {
        "answer": forms.AnswerForm(),
        "refuse": forms.RefuseForm(),
        "transfer": forms.TransferForm(agencies=selectors.agencies_in_force(exclude=complaint.agency)),
    }
    if complaint.state == ComplaintState.SUBMITTED:
        built["take"] = None
    if bound is not None:
        built[bound[0]] = bound[1]
    return built


def _officer_page(request, complaint, bound=None, error: str = "", status=200):
    context = {"complaint": complaint, "deadline": deadline_of(complaint), "events": complaint.events.all(),
               "forms": _officer_forms(complaint, request.user, bound), "action_error": error,
               "open_action": bound[0] if bound else ""}
    return render(request, "feedback/officer_detail.html", context, status=status)


def _officer_complaint(user, code: str):
    found = selectors.complaint_for_officer(user, code)
    if found is None:
        raise Http404(_("Không tìm thấy phản ánh, kiến nghị."))
    return found


@require_GET
@officer_required
def officer_complaint(request, code: str):
    return _officer_page(request, _officer_complaint(request.user, code))


@require_POST
@officer_required
def officer_action(request, code: str, action: str):
    found = _officer_complaint(request.user, code)
    name = ACTIONS.get(action)
    if name is None:
        raise Http404(_("Không có thao tác này."))
    form = None
    try:
        if name == "take":
            services.take_complaint(found, actor=request.user)
            done = _("Đã tiếp nhận xử lý phản ánh, kiến nghị.")
        else:
            if name == "answer":
                form = forms.AnswerForm(request.POST)
            elif name == "refuse":
                form = forms.RefuseForm(request.POST)
            else:
                form = forms.TransferForm(request.POST, agencies=selectors.agencies_in_force(exclude=found.agency))
            if not form.is_valid():
                return _officer_page(request, found, (name, form), status=400)
            data = form.cleaned_data
            if name == "answer":
                services.answer_complaint(found, actor=request.user, answer=data["answer"])
                done = _("Đã gửi câu trả lời đến người phản ánh, kiến nghị.")
            elif name == "refuse":
                services.refuse_complaint(found, actor=request.user, reason=data["reason"])
                done = _("Đã từ chối: phản ánh, kiến nghị không thuộc thẩm quyền.")
            else:
                services.transfer_complaint(found, actor=request.user, agency=data["agency"], note=data["note"])
                messages.success(request, _("Đã chuyển phản ánh, kiến nghị đến {agency}.").format(
                    agency=data["agency"].name))
                return redirect("feedback:queue")
    except DossierError as error:
        if form is not None:
            _show_error(form, error)
            return _officer_page(request, found, (name, form), status=error.status)
        return _officer_page(request, found, error=error_message(error), status=error.status)
    messages.success(request, done)
    return redirect("feedback:handle", code=found.code)
