"""The public portal's "find" and "track" pages: no sign-in, Vietnamese first (English on request), usable on a phone.

Tracking asks for the dossier code and the last 4 digits of the applicant's phone or personal ID number.
A wrong code and wrong digits get the same answer (nobody learns which codes exist), attempts are limited
per client address and per code, and a successful check binds the dossier to the visitor's browser: the
tracking page, the forms and the result files are served only to that browser (a signed cookie).
"""

from __future__ import annotations

import hashlib
import json
import mimetypes
import posixpath
from dataclasses import astuple
from urllib.parse import urlencode

from django import forms
from django.conf import settings
from django.core import signing
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import add_never_cache_headers
from django.utils.safestring import mark_safe
from django.utils.translation import get_language, gettext_lazy, ngettext
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from tinhso.catalogue.models import Level, OnlineLevel, Status
from tinhso.common import pagecache, ratelimit
from tinhso.common.notices import mask_email, mask_phone
from tinhso.common.ratelimit import Limit, client_address, hit
from tinhso.common.replicas import replica_reads
from tinhso.dossiers import printing
from tinhso.dossiers.deadlines import dossier_status
from tinhso.dossiers.models import DocumentKind, State
from tinhso.portal.find import selectors
from tinhso.portal.find import services as find_services
from tinhso.portal.labels import choice_labels

PAGE_SIZE = 20
AGENCY_PAGE_SIZE = 50
# Attempts allowed: (count, window in seconds) per client address, and wrong answers per dossier code.
# A deployment (or the benchmark) may override them with the TINHSO_TRACKING_LIMITS setting.
DEFAULT_TRACKING_LIMITS = {"per_address": (10, 60), "wrong_per_code": (5, 15 * 60)}
TRACK_ATTEMPTS, TRACK_LOCK = "track-code", "track-code-lock"
# The proof of a successful check: a signed cookie naming the dossiers this browser opened (no server-side
# session, so the page a citizen reloads reads nothing but the dossier's version).
TRACKING_COOKIE = "tinhso_tracking"
TRACKING_SALT = "tinhso.portal.tracking"
TRACKED_MAX_DOSSIERS = 20
# The forms a citizen may download: receipt, supplement request, refusal, apology (05 is the desk's own).
CITIZEN_FORMS = ("01", "02", "03", "04")
NOT_FOUND_MESSAGE = gettext_lazy(
    "Không tìm thấy hồ sơ khớp với mã số hồ sơ và 4 chữ số đã nhập. Vui lòng kiểm tra lại mã số "
    "trên Giấy tiếp nhận hồ sơ và hẹn trả kết quả, và 4 chữ số cuối của số điện thoại hoặc số "
    "định danh cá nhân đã khai khi nộp.")


# ---------------------------------------------------------------------------------------------------------
# Find


@require_GET
@replica_reads
def home(request):
    """The portal's front page: search, the most used procedures and the ways to browse the catalogue.

    The page's content is the same for every visitor: it is kept rendered per language (the most used
    procedures, an aggregate over a year of dossiers, are recounted every ``MOST_USED_SECONDS``).
    """
    period = _most_used_period()

    def content():
        return pagecache.fragment(
            ("portal-home", get_language(), period),
            lambda: render_to_string("portal/find/_home_content.html", {
                "most_used": selectors.most_used_procedures(),
                "fields": list(selectors.fields_in_use()),
                "levels": selectors.level_choices(),
            }),
            depends_on=["catalogue"],
        )

    return pagecache.page(request, ("portal-home", period),
                          lambda extra: render(request, "portal/find/home.html", {"content": content(), **extra}),
                          depends_on=["catalogue"])


# The most used procedures are counted over 12 months of dossiers: recounted at most this often.
MOST_USED_SECONDS = 15 * 60


def _most_used_period() -> int:
    return int(timezone.now().timestamp()) // MOST_USED_SECONDS


class ProcedureFilter(forms.Form):
    q = forms.CharField(label=gettext_lazy("Từ khóa"), required=False, max_length=200)
    field = forms.ChoiceField(label=gettext_lazy("Lĩnh vực"), required=False)
    agency = forms.ChoiceField(label=gettext_lazy("Cơ quan thực hiện"), required=False)
    level = forms.ChoiceField(label=gettext_lazy("Cấp thực hiện"), required=False,
                              choices=[("", gettext_lazy("Tất cả các cấp")), *choice_labels(Level.choices)])
    online_level = forms.ChoiceField(label=gettext_lazy("Dịch vụ công trực tuyến"), required=False,
                                     choices=[("", gettext_lazy("Tất cả")), *choice_labels(OnlineLevel.choices)])

    def __init__(self, *args, fields, agencies, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["field"].choices = [("", _("Tất cả lĩnh vực")), *fields]
        self.fields["agency"].choices = [("", _("Tất cả cơ quan")), *agencies]

    def criteria(self) -> dict[str, str]:
        """The valid filters; a value that is not among the choices is ignored rather than refused."""
        self.is_valid()
        cleaned = getattr(self, "cleaned_data", {})
        return {name: cleaned.get(name) or "" for name in ("q", "field", "agency", "level", "online_level")}


@require_GET
@replica_reads
def procedure_list(request):
    """The catalogue, filtered by field, agency, level and online level, searched, 20 per page.

    A visitor without a session gets the page as kept for its address (rendered once per address, language
    and catalogue generation); otherwise the filters' choices and the rendered form and results of each
    search (per criteria, page and language) are kept until the catalogue changes.
    """
    return pagecache.page(request, ("portal-procedures",),
                          lambda extra: render(request, "portal/find/procedure_list.html",
                                               {"content": _procedure_list_content(request), **extra}),
                          depends_on=["catalogue"])


def _procedure_list_content(request):
    fields, agencies = selectors.filter_choices()
    form = ProcedureFilter(request.GET or None, fields=fields, agencies=agencies)
    criteria = form.criteria()
    page_number = request.GET.get("page") or "1"

    def render_results() -> str:
        versions = selectors.search_procedures(**criteria)
        page = Paginator(versions, PAGE_SIZE).get_page(page_number)
        query = request.GET.copy()
        query.pop("page", None)
        return render_to_string("portal/find/_procedure_list_content.html", {
            "form": form, "page": page, "criteria": criteria, "query": query.urlencode(),
            "filtered": any(criteria.values()),
        })

    return pagecache.fragment(("portal-procedures", get_language(), tuple(criteria.items()), page_number),
                              render_results, depends_on=["catalogue"])


@require_GET
@replica_reads
def agency_list(request):
    """Browse by agency: every agency that carries out a published procedure, with how many."""
    page_number = request.GET.get("page") or "1"

    def render_agencies() -> str:
        agencies = selectors.implementing_agencies().annotate(
            procedures=Count("catalogue_versions", filter=Q(catalogue_versions__status=Status.PUBLISHED)),
        )
        page = Paginator(agencies, AGENCY_PAGE_SIZE).get_page(page_number)
        return render_to_string("portal/find/_agency_list_content.html", {"page": page})

    def content():
        return pagecache.fragment(("portal-agencies", get_language(), page_number), render_agencies,
                                  depends_on=["catalogue"])

    return pagecache.page(request, ("portal-agencies",),
                          lambda extra: render(request, "portal/find/agency_list.html",
                                               {"content": content(), **extra}),
                          depends_on=["catalogue"])


@require_GET
@replica_reads
def procedure_detail(request, code: str):
    """A procedure as in force: papers, fees, time limit, where to file, online level, legal basis, route."""

    def render_procedure() -> dict:
        version = selectors.procedure_page(code)
        if version is None:
            return {"name": None, "html": ""}
        return {"name": version.name, "html": render_to_string("portal/find/_procedure_detail_content.html", {
            "version": version,
            "documents": list(version.documents.all()),
            "fees": [{"description": f.description, "amount": printing.vn_amount(f.amount), "rule": f.rule_label,
                      "exemption": f.exemption} for f in version.fees.all()],
            "agencies": list(version.agencies.all()),
            "steps": list(version.steps.all()),
            "files_online": version.online_level in (OnlineLevel.FULL, OnlineLevel.PARTIAL),
            "filing_url": f"/nop-ho-so/{version.procedure.code}/",
        })}

    def respond(extra):
        kept = pagecache.remembered(("portal-procedure", get_language(), code), render_procedure,
                                    depends_on=["catalogue"])
        if kept["name"] is None:
            raise Http404(_("Không tìm thấy thủ tục hành chính này."))
        return render(request, "portal/find/procedure_detail.html",
                      {"version": {"name": kept["name"]}, "content": mark_safe(kept["html"]), **extra})  # noqa: S308

    return pagecache.page(request, ("portal-procedure",), respond, depends_on=["catalogue"])


@require_GET
@replica_reads
def procedure_template(request, code: str, pk: int):
    """The blank form (mẫu đơn, tờ khai) of one required paper of a procedure in force."""
    version = selectors.procedure_page(code)
    paper = next((d for d in version.documents.all() if d.pk == pk), None) if version else None
    if paper is None or not paper.template:
        raise Http404(_("Không tìm thấy mẫu đơn, tờ khai này."))
    filename = posixpath.basename(paper.template.name)
    content_type = mimetypes.guess_type(filename)[0] or "application/octet-stream"
    response = FileResponse(paper.template.open("rb"), as_attachment=True, filename=filename,
                            content_type=content_type)
    response["X-Content-Type-Options"] = "nosniff"
    return response


# ---------------------------------------------------------------------------------------------------------
# Track


class TrackingForm(forms.Form):
    code = forms.CharField(
        label=gettext_lazy("Mã số hồ sơ"), max_length=60,
        help_text=gettext_lazy("In trên Giấy tiếp nhận hồ sơ và hẹn trả kết quả, ví dụ 000.00.12.H41-260315-0001."),
        error_messages={"required": gettext_lazy("Vui lòng nhập mã số hồ sơ.")},
    )
    digits = forms.RegexField(
        label=gettext_lazy("4 chữ số cuối"), regex=r"^\s*[0-9]{4}\s*$", max_length=8,
        help_text=gettext_lazy("4 chữ số cuối của số điện thoại hoặc số định danh cá nhân đã khai khi nộp hồ sơ."),
        error_messages={"required": gettext_lazy("Vui lòng nhập 4 chữ số cuối."),
                        "invalid": gettext_lazy("Vui lòng nhập đúng 4 chữ số.")},
    )


def _tracking_limits() -> dict[str, tuple[int, int]]:
    return {**DEFAULT_TRACKING_LIMITS, **getattr(settings, "TINHSO_TRACKING_LIMITS", {})}


def _render_tracking_form(request, form, *, status=200, error="", retry_after: int | None = None):
    response = render(request, "portal/find/track.html", {"form": form, "error": error, "limited": status == 429},
                      status=status)
    if retry_after:
        response["Retry-After"] = str(retry_after)
    return response


def _too_many(request, seconds: int):
    minutes = max(1, -(-seconds // 60))
    message = ngettext(
        "Bạn đã tra cứu quá nhiều lần. Vui lòng thử lại sau %(minutes)d phút. "
        "(Too many attempts: please try again later.)",
        "Bạn đã tra cứu quá nhiều lần. Vui lòng thử lại sau %(minutes)d phút. "
        "(Too many attempts: please try again later.)",
        minutes,
    ) % {"minutes": minutes}
    return _render_tracking_form(request, TrackingForm(), status=429, error=message, retry_after=seconds)


def _session_binding(request) -> str:
    """Ties the proof to the browser's session, if it has one: signing out (or in) starts a new session, and a
    proof earned under the old one no longer opens anything. Read from the cookie; the session is not loaded."""
    key = request.COOKIES.get(settings.SESSION_COOKIE_NAME, "")
    return hashlib.sha256(key.encode()).hexdigest()[:16] if key else ""


def _tracked(request) -> dict[str, int]:
    """The dossiers this browser has proved to be its own ({code: pk}), from the signed tracking cookie."""
    try:
        value = json.loads(request.get_signed_cookie(TRACKING_COOKIE, salt=TRACKING_SALT,
                                                     max_age=settings.SESSION_COOKIE_AGE))
        if value.get("s", "") != _session_binding(request):
            return {}
        return {str(code): int(pk) for code, pk in value.get("d", [])}
    except (KeyError, signing.BadSignature, ValueError, TypeError, AttributeError):
        return {}


def _remember(response, request, dossier):
    """Add the dossier to this browser's proof after a successful check (the newest 20 are kept)."""
    tracked = _tracked(request)
    tracked.pop(dossier.code, None)
    tracked[dossier.code] = dossier.pk
    kept = list(tracked.items())[-TRACKED_MAX_DOSSIERS:]
    response.set_signed_cookie(
        TRACKING_COOKIE, json.dumps({"s": _session_binding(request), "d": kept}, separators=(",", ":")),
        salt=TRACKING_SALT, max_age=settings.SESSION_COOKIE_AGE, secure=settings.SESSION_COOKIE_SECURE,
        httponly=True, samesite="Lax",
    )
    return response


def _verified_pk(request, code: str) -> int | None:
    return _tracked(request).get(code)


@never_cache
@require_http_methods(["GET", "POST"])
def track(request):
    """The tracking form; a correct answer opens the dossier's tracking page in this session."""
    if request.method == "GET":
        return _render_tracking_form(request, TrackingForm())
    limits = _tracking_limits()
    per_address, address_window = limits["per_address"]
    if not hit(Limit("track-address", per_address, address_window), client_address(request)):
        return _too_many(request, address_window)
    form = TrackingForm(request.POST)
    if not form.is_valid():
        return _render_tracking_form(request, form, status=400)
    code = selectors.normalise_code(form.cleaned_data["code"])
    wrong_allowed, code_window = limits["wrong_per_code"]
    # The per-code lock lives in the database (common.ratelimit), so it holds on every worker and host and
    # across restarts. Each answer is counted before it is checked, so that racing guesses cannot be
    # checked more than the allowed number of times; a right answer is then forgiven.
    if locked := ratelimit.locked_for(TRACK_LOCK, code):
        return _too_many(request, locked)
    attempt = ratelimit.strike(TRACK_ATTEMPTS, code, code_window)
    if attempt > wrong_allowed:
        ratelimit.lock(TRACK_LOCK, code, code_window)
        return _too_many(request, code_window)
    dossier = selectors.matching_dossier(code, form.cleaned_data["digits"].strip())
    if dossier is None:
        # The last allowed wrong answer locks the code for the window; this answer stays the ordinary one.
        if attempt >= wrong_allowed:
            ratelimit.lock(TRACK_LOCK, code, code_window)
        return _render_tracking_form(request, TrackingForm(), status=404, error=NOT_FOUND_MESSAGE)
    ratelimit.forgive(TRACK_ATTEMPTS, code)
    return _remember(redirect(reverse("portal-track-dossier", args=[dossier.code]), permanent=False), request,
                     dossier)


@require_GET
@replica_reads
def track_dossier(request, code: str):
    """The QR code's target: the tracking page once verified in this session, else the form with the code.

    The page a citizen reloads costs one small query beyond the session: the dossier's version and deadline
    fields, from which the entity tag comes. A browser holding the same page gets 304; otherwise the
    dossier's part of the page comes from the fragment cache (keyed by its version) and only the frame
    around it (language switch, CSRF token) is rendered.
    """
    pk = _verified_pk(request, code)
    head = selectors.tracked_dossier_head(pk, code) if pk else None
    if head is None:
        response = _render_tracking_form(request, TrackingForm(initial={"code": code}))
        add_never_cache_headers(response)
        return response
    deadline = dossier_status(head)
    language = get_language()
    tag = pagecache.etag("track", head.pk, head.version, language, astuple(deadline), timezone.localdate(),
                         request.user.pk, request.COOKIES.get(settings.CSRF_COOKIE_NAME, ""))
    if (unchanged := pagecache.not_modified(request, tag)) is not None:
        return unchanged
    shown = ("track", head.pk, head.version, astuple(deadline), timezone.localdate())

    def respond(extra):
        content = pagecache.fragment(
            (*shown, language),
            lambda: render_to_string("portal/find/_track_content.html",
                                     _tracking_context(selectors.tracked_dossier(head.pk, head.code))),
            depends_on=["catalogue"],
        )
        return render(request, "portal/find/track_result.html",
                      {"dossier": head, "deadline": deadline, "content": content, **extra})

    return pagecache.revalidate_privately(pagecache.page(request, shown, respond, depends_on=["catalogue"]), tag)


def _tracked_or_404(request, code: str):
    pk = _verified_pk(request, code)
    dossier = selectors.tracked_dossier(pk, code) if pk else None
    if dossier is None:
        raise Http404(_("Không tìm thấy hồ sơ."))
    return dossier


@never_cache
@require_GET
def track_form(request, code: str, number: str):
    """A statutory form of a verified dossier as PDF (receipt, supplement request, refusal, apology)."""
    dossier = _tracked_or_404(request, code)
    if number not in CITIZEN_FORMS or not printing.FORMS[number].is_available_for(dossier):
        raise Http404(_("Không có biểu mẫu này cho hồ sơ."))
    pdf = printing.render_form(dossier, number)
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{dossier.code}-mau-{number}.pdf"'
    return response


@never_cache
@require_GET
def track_document(request, code: str, pk: int):
    """A document the agency issued to a verified dossier (the electronic result, a form)."""
    dossier = _tracked_or_404(request, code)
    document = next((d for d in _issued_documents(dossier) if d.pk == pk), None)
    if document is None:
        raise Http404(_("Không tìm thấy tài liệu."))
    response = FileResponse(document.file.open("rb"), content_type=document.content_type, as_attachment=True,
                            filename=document.original_name)
    response["X-Content-Type-Options"] = "nosniff"
    return response


def _issued_documents(dossier) -> list:
    """Files the agency issued that tracking alone may take: forms. A result carries personal data and is
    handed over only through :func:`track_results` (the signed-in applicant or a one-time code)."""
    return [d for d in dossier.documents.all() if d.kind == DocumentKind.FORM]


def _results(dossier) -> list:
    """The electronic results, once they are the applicant's (the dossier has been returned)."""
    if dossier.state != State.RETURNED:
        return []
    return [d for d in dossier.documents.all() if d.kind == DocumentKind.RESULT]


# ---------------------------------------------------------------------------------------------------------
# Results: code + 4 digits show the status; a result needs the account or a one-time code on file.

RESULTS_COOKIE = "tinhso_results"
RESULTS_SALT = "tinhso.portal.results"
# How long a correct one-time code keeps the results open in this browser.
RESULTS_OPEN_SECONDS = 30 * 60
DEFAULT_RESULT_CODE_LIMITS = {"per_address": (10, 60 * 60)}


class ResultCodeForm(forms.Form):
    otp = forms.RegexField(
        label=gettext_lazy("Mã nhận kết quả"), regex=r"^\s*[0-9]{6}\s*$", max_length=12,
        help_text=gettext_lazy("6 chữ số trong tin nhắn hoặc thư điện tử vừa gửi tới người nộp hồ sơ."),
        error_messages={"required": gettext_lazy("Vui lòng nhập mã nhận kết quả."),
                        "invalid": gettext_lazy("Vui lòng nhập đúng 6 chữ số.")},
    )


def _results_open(request, code: str) -> bool:
    try:
        value = json.loads(request.get_signed_cookie(RESULTS_COOKIE, salt=RESULTS_SALT,
                                                     max_age=RESULTS_OPEN_SECONDS))
    except (KeyError, signing.BadSignature, ValueError, TypeError):
        return False
    return isinstance(value, dict) and value.get("s") == _session_binding(request) and value.get("c") == code


def _open_results(response, request, code: str):
    response.set_signed_cookie(
        RESULTS_COOKIE, json.dumps({"s": _session_binding(request), "c": code}, separators=(",", ":")),
        salt=RESULTS_SALT, max_age=RESULTS_OPEN_SECONDS, secure=settings.SESSION_COOKIE_SECURE,
        httponly=True, samesite="Lax",
    )
    return response


def _is_applicant(request, dossier) -> bool:
    return request.user.is_authenticated and dossier.applicant_user_id == request.user.pk


def _render_results(request, dossier, *, form=None, status=200, error="", sent=False):
    opened = _results_open(request, dossier.code)
    return render(request, "portal/find/track_results.html", {
        "dossier": dossier, "results": _results(dossier), "opened": opened,
        "applicant": _is_applicant(request, dossier), "sent": sent, "error": error,
        "form": form or ResultCodeForm(), "can_send": find_services.can_send_code(dossier),
        "masked_phone": mask_phone(dossier.applicant_phone),
        "masked_email": mask_email(dossier.applicant_email),
        "sign_in_url": f"{reverse('login')}?{urlencode({'next': reverse('filing:my-dossier', args=[dossier.code])})}",
    }, status=status)


@never_cache
@require_http_methods(["GET", "POST"])
def track_results(request, code: str):
    """How to get a tracked dossier's result: the account, or a one-time code sent to the contacts on file.

    POST ``send`` sends a code (a few per dossier an hour, a few per address); POST ``otp`` checks it and, if
    right, opens the results in this browser for half an hour.
    """
    dossier = _tracked_or_404(request, code)
    if request.method == "GET":
        return _render_results(request, dossier)
    limit = {**DEFAULT_RESULT_CODE_LIMITS, **getattr(settings, "TINHSO_RESULT_CODE_LIMITS", {})}["per_address"]
    if not hit(Limit("result-code-address", *limit), client_address(request)):
        return _render_results(request, dossier, status=429, error=_(
            "Bạn đã yêu cầu quá nhiều lần. Vui lòng thử lại sau. (Too many attempts: please try again later.)"))
    if "send" in request.POST:
        if not _results(dossier):
            return _render_results(request, dossier, status=400, error=_("Hồ sơ chưa có kết quả điện tử để nhận."))
        if not find_services.send_result_code(dossier):
            return _render_results(request, dossier, status=429, error=_(
                "Không gửi thêm được mã lúc này: mỗi giờ chỉ gửi tối đa 3 mã cho một hồ sơ. Vui lòng thử lại "
                "sau, hoặc đăng nhập tài khoản đã nộp hồ sơ."))
        return _render_results(request, dossier, sent=True)
    form = ResultCodeForm(request.POST)
    if not form.is_valid():
        return _render_results(request, dossier, form=form, status=400, sent=True)
    if not find_services.check_result_code(dossier, form.cleaned_data["otp"]):
        return _render_results(request, dossier, status=400, sent=True, error=_(
            "Mã không đúng hoặc đã hết hạn. Vui lòng kiểm tra lại, hoặc yêu cầu gửi mã mới."))
    return _open_results(redirect(reverse("portal-track-results", args=[dossier.code])), request, dossier.code)


@never_cache
@require_GET
def track_result_document(request, code: str, pk: int):
    """An electronic result of a tracked dossier, once a one-time code has opened the results."""
    dossier = _tracked_or_404(request, code)
    document = next((d for d in _results(dossier) if d.pk == pk), None)
    if document is None or not (_results_open(request, dossier.code) or _is_applicant(request, dossier)):
        raise Http404(_("Không tìm thấy tài liệu."))
    response = FileResponse(document.file.open("rb"), content_type=document.content_type, as_attachment=True,
                            filename=document.original_name)
    response["X-Content-Type-Options"] = "nosniff"
    return response


# What each event means to the applicant; {agency} is the agency's name, never a person's.
CITIZEN_SENTENCES = {
    "submit_online": gettext_lazy("Hồ sơ được nộp trực tuyến tới {agency}."),
    "submit": gettext_lazy("Hồ sơ được nộp trực tuyến tới {agency}."),
    "receive": gettext_lazy("{agency} đã tiếp nhận hồ sơ; thời hạn giải quyết bắt đầu được tính."),
    "receive_at_counter": gettext_lazy(
        "{agency} đã tiếp nhận hồ sơ tại Bộ phận Một cửa; thời hạn giải quyết bắt đầu được tính."),
    "request_supplement": gettext_lazy("{agency} đề nghị bổ sung, hoàn thiện hồ sơ; thời hạn tạm dừng cho đến khi "
                                       "hồ sơ được bổ sung đầy đủ."),
    "provide_supplement": gettext_lazy("Hồ sơ đã được bổ sung đầy đủ; thời hạn giải quyết được tính lại từ đầu."),
    "refuse": gettext_lazy("{agency} từ chối tiếp nhận, giải quyết hồ sơ."),
    "assign": gettext_lazy("{agency} đang xem xét, giải quyết hồ sơ."),
    "forward": gettext_lazy("Hồ sơ đã xong một bước xử lý và được chuyển sang bước tiếp theo."),
    "send_back": gettext_lazy("Hồ sơ được chuyển lại bước trước để xem xét thêm."),
    "approve": gettext_lazy("Hồ sơ đã được phê duyệt; kết quả đang chờ trả."),
    "issue_apology": gettext_lazy("{agency} gửi thư xin lỗi và hẹn lại ngày trả kết quả."),
    "apologise": gettext_lazy("{agency} gửi thư xin lỗi và hẹn lại ngày trả kết quả."),
    "stop_processing": gettext_lazy("{agency} dừng giải quyết hồ sơ."),
    "return_result": gettext_lazy("Kết quả đã được trả cho người nộp."),
    "withdraw": gettext_lazy("Hồ sơ đã được rút theo đề nghị của người nộp."),
    "record_payment": gettext_lazy("Đã ghi nhận thanh toán phí, lệ phí."),
    "attach_document": gettext_lazy("Hồ sơ có thêm tài liệu."),
}
EVENTS_WITH_REASONS = {"refuse", "stop_processing", "issue_apology", "apologise"}


def citizen_timeline(dossier) -> list[dict]:
    """The dossier's history in plain words (in the visitor's language), naming agencies and never the officers."""
    entries = []
    for event in dossier.events.all():
        agency = event.agency.name if event.agency_id else dossier.receiving_agency.name
        template = CITIZEN_SENTENCES.get(event.action)
        if template is None:
            text = _("Hồ sơ chuyển sang trạng thái “{state}”.").format(state=_(State(event.to_state).label))
        else:
            text = str(template).format(agency=agency)
        details: list[str] = []
        if event.action == "request_supplement":
            details = [f"{item['name']}{' — ' + item['reason'] if item['reason'] else ''}"
                       for item in printing.supplement_items(event)]
        elif event.action in EVENTS_WITH_REASONS:
            details = printing.event_reasons(event)
        entries.append({"at": event.at, "text": text, "details": details})
    return entries


def _current_place(dossier) -> str:
    if dossier.is_terminal or dossier.current_step_id is None:
        return ""
    step = next((s for s in dossier.steps.all() if s.pk == dossier.current_step_id), None)
    if step is None:
        return ""
    return step.agency.name if step.agency_id else (step.partner or dossier.receiving_agency.name)


def _tracking_context(dossier) -> dict:
    forms_available = [printing.FORMS[n] for n in CITIZEN_FORMS if printing.FORMS[n].is_available_for(dossier)]
    return {
        "dossier": dossier,
        "deadline": dossier_status(dossier),
        "timeline": citizen_timeline(dossier),
        "current_place": _current_place(dossier),
        "masked_id": dossier.masked_id_number,
        "masked_phone": mask_phone(dossier.applicant_phone),
        "print_forms": forms_available,
        "issued": _issued_documents(dossier),
        "has_results": bool(_results(dossier)),
    }
