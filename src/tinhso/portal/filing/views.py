"""Filing online (nộp hồ sơ trực tuyến) and the signed-in citizen's dossiers.

Thin views: reads from ``filing.selectors``, writes through ``filing.services`` (which calls the engine's
``dossiers.services``). A draft or dossier that is not the citizen's own answers 404, the same as one
that does not exist. Every page works as plain forms; ``static/portal/filing.js`` adds upload progress.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from tinhso.dossiers import deadlines, printing
from tinhso.dossiers.errors import DossierError
from tinhso.dossiers.models import DocumentKind, State
from tinhso.portal.filing import eform_render, selectors, services
from tinhso.portal.filing.forms import ApplicantForm, SupplementForm
from tinhso.portal.labels import error_message

PAGE_SIZE = 20
CITIZEN_FORMS = ("01", "02")

STEP_APPLICANT, STEP_DOCUMENTS, STEP_EFORM, STEP_REVIEW = "nguoi-nop", "giay-to", "to-khai", "xem-lai"
STEP_LABELS = {
    STEP_APPLICANT: gettext_lazy("Người nộp và nơi nộp"),
    STEP_DOCUMENTS: gettext_lazy("Giấy tờ"),
    STEP_EFORM: gettext_lazy("Tờ khai"),
    STEP_REVIEW: gettext_lazy("Xem lại và nộp"),
}


def _saved(request, url: str):
    """After a successful post: a redirect, or for the upload-progress script (which posts through
    XMLHttpRequest and would otherwise follow the redirect itself and use up the page's messages) a 204
    naming the address to go to."""
    if request.headers.get("X-Upload-Progress") == "1":
        response = HttpResponse(status=204)
        response["X-Location"] = url
        return response
    return redirect(url)


def _steps(version) -> list[str]:
    steps = [STEP_APPLICANT, STEP_DOCUMENTS]
    if version.eform_schema:
        steps.append(STEP_EFORM)
    return [*steps, STEP_REVIEW]


def _next_step(version, step: str) -> str:
    steps = _steps(version)
    return steps[min(steps.index(step) + 1, len(steps) - 1)]


def _step_url(draft, step: str) -> str:
    return reverse("filing:draft-step", args=[draft.pk, step])


def _in_person(version) -> dict:
    """What a partial- or non-online procedure still asks for in person, and where (NĐ 42/2022)."""
    return {
        "reason": version.online_limit_reason.strip(),
        "agencies": list(version.agencies.all()),
    }


def _progress(version, current: str) -> list[dict]:
    steps = _steps(version)
    index = steps.index(current)
    return [{"key": key, "label": STEP_LABELS[key], "number": n, "current": key == current,
             "done": n - 1 < index} for n, key in enumerate(steps, start=1)]


def _base_context(version, step: str, draft=None) -> dict:
    return {
        "version": version, "draft": draft, "step": step, "progress": _progress(version, step),
        "in_person": _in_person(version) if version.online_level != "full" else None,
    }


def _refused_online(request, version):
    """A procedure that cannot be filed online: say so, and where to file it in person."""
    return render(request, "portal/filing/in_person.html", {
        "version": version, "in_person": _in_person(version),
    }, status=200 if request.method == "GET" else 409)


# ---------------------------------------------------------------------------------------------- filing

@login_required
@require_http_methods(["GET", "POST"])
def start(request, code: str):
    """Step 1 of a new application (applicant and receiving agency); saving creates the draft."""
    version = selectors.published_version(code)
    if version is None:
        raise Http404(_("Không tìm thấy thủ tục."))
    if not selectors.accepts_online(version):
        return _refused_online(request, version)
    agencies = list(version.agencies.all())
    if request.method == "POST":
        form = ApplicantForm(request.POST, agencies=agencies)
        if form.is_valid():
            draft = services.save_applicant(
                user=request.user, version=version, applicant={
                    **form.applicant(), "commune_id": selectors.profile_prefill(request.user).get("commune_id")},
                receiving_agency_id=form.cleaned_data["receiving_agency"],
            )
            services.save_step(draft, STEP_DOCUMENTS)
            return redirect(_step_url(draft, STEP_DOCUMENTS))
    else:
        form = ApplicantForm(initial=selectors.profile_prefill(request.user), agencies=agencies)
    context = _base_context(version, STEP_APPLICANT)
    context.update({
        "form": form, "action": request.path,
        "earlier_drafts": selectors.drafts_of(request.user).filter(procedure_version=version),
    })
    return render(request, "portal/filing/applicant.html", context, status=400 if form.errors else 200)


def _own_draft(request, pk: int):
    draft = selectors.draft_of(request.user, pk)
    if draft is None:
        raise Http404(_("Không tìm thấy hồ sơ lưu nháp."))
    return draft


@login_required
@require_http_methods(["GET", "POST"])
def draft_step(request, pk: int, step: str):
    draft = _own_draft(request, pk)
    version = draft.procedure_version
    if not selectors.accepts_online(version):
        return _refused_online(request, version)
    if step not in _steps(version):
        raise Http404(_("Không có bước này."))
    handler = {STEP_APPLICANT: _applicant_step, STEP_DOCUMENTS: _documents_step, STEP_EFORM: _eform_step,
               STEP_REVIEW: _review_step}[step]
    return handler(request, draft)


def _applicant_step(request, draft):
    version = draft.procedure_version
    agencies = list(version.agencies.all())
    if request.method == "POST":
        form = ApplicantForm(request.POST, agencies=agencies)
        if form.is_valid():
            applicant = {**form.applicant(), "commune_id": (draft.data.get("applicant") or {}).get("commune_id")}
            services.save_applicant(user=request.user, version=version, applicant=applicant,
                                    receiving_agency_id=form.cleaned_data["receiving_agency"], draft=draft)
            return redirect(_step_url(draft, STEP_DOCUMENTS))
    else:
        initial = {**(draft.data.get("applicant") or {}), "receiving_agency": draft.data.get("receiving_agency")}
        form = ApplicantForm(initial=initial, agencies=agencies)
    context = _base_context(version, STEP_APPLICANT, draft)
    context.update({"form": form, "action": request.path, "earlier_drafts": []})
    return render(request, "portal/filing/applicant.html", context, status=400 if form.errors else 200)


def _slots(draft, errors: dict | None = None) -> list[dict]:
    files = list(draft.files.all())
    slots = []
    for doc in draft.procedure_version.documents.all():
        slots.append({
            "document": doc, "name": f"doc-{doc.pk}",
            "files": [f for f in files if f.required_document_id == doc.pk],
            "error": (errors or {}).get(f"doc-{doc.pk}"),
        })
    return slots


def _documents_step(request, draft):
    version = draft.procedure_version
    errors: dict[str, str] = {}
    status = 200
    if request.method == "POST":
        uploads = [(doc, upload) for doc in version.documents.all()
                   for upload in request.FILES.getlist(f"doc-{doc.pk}")]
        try:
            services.add_files(draft, uploads)
        except DossierError as error:
            errors[error.field or "documents"] = error_message(error)
            status = error.status
        else:
            draft = _own_draft(request, draft.pk)
            if request.POST.get("intent") != "upload":
                missing = services.missing_documents(draft)
                for doc in missing:
                    message = _("Vui lòng tải lên “{name}” (thành phần bắt buộc).")
                    errors[f"doc-{doc.pk}"] = message.format(name=doc.name)
                if not missing:
                    following = _next_step(version, STEP_DOCUMENTS)
                    services.save_step(draft, following)
                    return _saved(request, _step_url(draft, following))
                status = 400
            else:
                messages.success(request, _("Đã lưu các tệp vào hồ sơ lưu nháp."))
                return _saved(request, _step_url(draft, STEP_DOCUMENTS))
    context = _base_context(version, STEP_DOCUMENTS, draft)
    context.update({"slots": _slots(draft, errors), "errors": errors,
                    "max_mb": _max_mb(), "accepted": "PDF, PNG, JPEG, TIFF, Word (.docx), Excel (.xlsx)"})
    return render(request, "portal/filing/documents.html", context, status=status)


def _max_mb() -> str:
    return f"{settings.TINHSO_UPLOAD_MAX_BYTES / (1024 * 1024):g}"


@login_required
@require_POST
def draft_file_delete(request, pk: int, file_id: int):
    draft = _own_draft(request, pk)
    services.remove_file(draft, file_id)
    messages.success(request, _("Đã bỏ tệp khỏi hồ sơ lưu nháp."))
    return redirect(_step_url(draft, STEP_DOCUMENTS))


def _eform_step(request, draft):
    version = draft.procedure_version
    if request.method == "POST":
        form = eform_render.EformForm(version.eform_schema, request.POST)
        if form.is_valid():
            services.save_step(draft, STEP_REVIEW, eform=form.eform_data())
            return redirect(_step_url(draft, STEP_REVIEW))
    else:
        form = eform_render.EformForm(version.eform_schema, initial=eform_render.initial_from(draft.data.get("eform")))
    context = _base_context(version, STEP_EFORM, draft)
    context.update({"form": form, "schema_title": version.eform_schema.get("title", "")})
    return render(request, "portal/filing/eform.html", context, status=400 if form.errors else 200)


def _review_step(request, draft):
    version = draft.procedure_version
    error = None
    if request.method == "POST":
        try:
            dossier = services.submit_draft(draft, actor=request.user)
        except DossierError as exc:
            error = exc
        else:
            return redirect("filing:submitted", code=dossier.code)
    applicant = draft.data.get("applicant") or {}
    agency = next((a for a in version.agencies.all() if a.pk == draft.data.get("receiving_agency")), None)
    context = _base_context(version, STEP_REVIEW, draft)
    context.update({
        "applicant": applicant, "agency": agency, "slots": _slots(draft),
        "missing": services.missing_documents(draft),
        "eform_rows": eform_render.display_rows(version.eform_schema, draft.data.get("eform")),
        "error": error, "error_message": error_message(error) if error else "", "error_step": _error_step(error),
    })
    return render(request, "portal/filing/review.html", context, status=error.status if error else 200)


def _error_step(error) -> str | None:
    """The step to go back to for an error the engine reported on one field."""
    field = getattr(error, "field", None) or ""
    if field.startswith("eform_data"):
        return STEP_EFORM
    if field.startswith("applicant") or field == "receiving_agency":
        return STEP_APPLICANT
    if field in ("documents", "file"):
        return STEP_DOCUMENTS
    return None


@login_required
@require_POST
def draft_delete(request, pk: int):
    services.delete_draft(_own_draft(request, pk))
    messages.success(request, _("Đã xoá hồ sơ lưu nháp."))
    return redirect("filing:my-dossiers")


@login_required
@require_GET
def submitted(request, code: str):
    """The confirmation: the dossier code, what happens next, and what must still be brought in person."""
    dossier = _own_dossier(request, code)
    version = dossier.procedure_version
    return render(request, "portal/filing/submitted.html", {
        "dossier": dossier, "version": version,
        "in_person": _in_person(version) if version.online_level != "full" else None,
    })


# ------------------------------------------------------------------------------------------- my dossiers

def _own_dossier(request, code: str):
    dossier = selectors.my_dossier(request.user, code)
    if dossier is None:
        raise Http404(_("Không tìm thấy hồ sơ."))
    return dossier


@login_required
@require_GET
def my_dossiers(request):
    """The citizen's dossiers (paginated), drafts to resume and (from the header's count) unread notices."""
    now = timezone.now()
    page_obj = Paginator(selectors.my_dossiers(request.user), PAGE_SIZE).get_page(request.GET.get("trang"))
    rows = [{"dossier": d, "deadline": deadlines.dossier_status(d, now)} for d in page_obj.object_list]
    drafts = list(selectors.drafts_of(request.user))
    for draft in drafts:
        draft.resume_url = _step_url(draft, draft.data.get("step") or STEP_DOCUMENTS)
    return render(request, "portal/filing/my_dossiers.html", {
        "page_obj": page_obj, "rows": rows, "drafts": drafts,
    })


CITIZEN_EVENTS = {
    "submit_online": gettext_lazy("Bạn đã nộp hồ sơ trực tuyến; hồ sơ chờ cơ quan tiếp nhận."),
    "receive": gettext_lazy("Cơ quan đã tiếp nhận hồ sơ; thời hạn giải quyết bắt đầu được tính."),
    "receive_at_counter": gettext_lazy(
        "Hồ sơ được tiếp nhận tại Bộ phận Một cửa; thời hạn giải quyết bắt đầu được tính."),
    "request_supplement": gettext_lazy(
        "Cơ quan đề nghị bổ sung, hoàn thiện hồ sơ; thời hạn tạm dừng cho đến khi nhận đủ."),
    "provide_supplement": gettext_lazy("Hồ sơ đã được bổ sung và chuyển lại cho cơ quan giải quyết."),
    "refuse": gettext_lazy("Cơ quan từ chối tiếp nhận, giải quyết hồ sơ."),
    "forward": gettext_lazy("Hồ sơ được chuyển sang bước xử lý tiếp theo."),
    "approve": gettext_lazy("Lãnh đạo cơ quan đã phê duyệt kết quả."),
    "issue_apology": gettext_lazy("Cơ quan xin lỗi vì chậm trễ và hẹn lại ngày trả kết quả."),
    "stop_processing": gettext_lazy("Cơ quan dừng giải quyết hồ sơ."),
    "return_result": gettext_lazy("Kết quả đã được trả cho bạn."),
    "withdraw": gettext_lazy("Hồ sơ đã được rút."),
    "record_payment": gettext_lazy("Đã ghi nhận khoản phí, lệ phí bạn nộp."),
}
NOTED_ACTIONS = ("request_supplement", "refuse", "stop_processing", "issue_apology", "provide_supplement")


def citizen_timeline(dossier) -> list[dict]:
    """The dossier's history as the applicant reads it: plain sentences, no internal hand-overs."""
    lines = []
    for event in dossier.events.all():
        sentence = CITIZEN_EVENTS.get(event.action)
        if sentence is None:
            continue
        sentence = str(sentence)
        if event.to_state == State.RESULT_READY and event.from_state != State.RESULT_READY:
            sentence += " " + _("Đã có kết quả, chờ trả.")
        lines.append({
            "at": event.at, "sentence": sentence, "agency": event.agency,
            "missing": (event.data or {}).get("missing") or [],
            "note": event.note if event.action in NOTED_ACTIONS else "",
        })
    return lines


def _rating_url(dossier) -> str | None:
    """The satisfaction rating page (the portal's feedback part), when its URLs are installed."""
    try:
        return reverse("feedback:rate", args=[dossier.code])
    except NoReverseMatch:
        return None


def _dossier_context(request, dossier, form=None, error=None) -> dict:
    now = timezone.now()
    supplement = selectors.latest_supplement_request(dossier) if dossier.state == State.SUPPLEMENT_REQUESTED \
        else None
    if supplement is not None and form is None:
        form = SupplementForm(initial={"expected_version": dossier.version})
    return {
        "dossier": dossier, "version": dossier.procedure_version,
        "deadline": deadlines.dossier_status(dossier, now),
        "timeline": citizen_timeline(dossier),
        "forms": [f for f in printing.available_forms(dossier) if f.number in CITIZEN_FORMS],
        "results": selectors.result_documents(dossier),
        "own_documents": [d for d in dossier.documents.all() if d.kind != DocumentKind.RESULT],
        "eform_rows": eform_render.display_rows(dossier.procedure_version.eform_schema, dossier.eform_data),
        "supplement": supplement, "supplement_form": form, "supplement_error": error,
        "supplement_error_message": error_message(error) if error is not None else "",
        "file_error": error_message(error) if error is not None and error.field in ("files", "file") else "",
        "rating_url": _rating_url(dossier) if dossier.state == State.RETURNED else None,
        "in_person": _in_person(dossier.procedure_version)
        if dossier.procedure_version.online_level != "full" and not dossier.is_terminal else None,
    }


@login_required
@require_GET
def my_dossier(request, code: str):
    dossier = _own_dossier(request, code)
    return render(request, "portal/filing/my_dossier.html", _dossier_context(request, dossier))


@login_required
@require_POST
def answer_supplement(request, code: str):
    """The applicant's answer to a supplement request: the papers go to the agency and the clock rules of
    the engine apply (NĐ 61/2018 Art. 19)."""
    dossier = _own_dossier(request, code)
    form = SupplementForm(request.POST)
    error = None
    if form.is_valid():
        try:
            services.answer_supplement(dossier, actor=request.user,
                                       expected_version=form.cleaned_data["expected_version"],
                                       files=request.FILES.getlist("files"), note=form.cleaned_data["note"])
        except DossierError as exc:
            error = exc
        else:
            messages.success(request, _("Đã gửi giấy tờ bổ sung; hồ sơ đã được chuyển lại cho cơ quan giải quyết."))
            return _saved(request, reverse("filing:my-dossier", args=[dossier.code]))
    dossier = _own_dossier(request, code)
    context = _dossier_context(request, dossier, form=form, error=error)
    return render(request, "portal/filing/my_dossier.html", context, status=error.status if error else 400)


@login_required
@require_GET
def dossier_form(request, code: str, number: str):
    """Form 01 (receipt and appointment) or 02 (supplement request) of the citizen's own dossier."""
    dossier = _own_dossier(request, code)
    if number not in CITIZEN_FORMS:
        raise Http404(_("Không có mẫu này."))
    try:
        pdf = printing.render_form(dossier, number)
    except DossierError as exc:
        raise Http404(error_message(exc)) from None
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{dossier.code}-mau-{number}.pdf"'
    return response


@login_required
@require_GET
def dossier_document(request, code: str, pk: int):
    dossier = _own_dossier(request, code)
    document = next((d for d in dossier.documents.all() if d.pk == pk), None)
    if document is None:
        raise Http404(_("Không tìm thấy tài liệu."))
    response = FileResponse(document.file.open("rb"), content_type=document.content_type,
                            as_attachment=True, filename=document.original_name)
    response["X-Content-Type-Options"] = "nosniff"
    return response
