"""The records office's pages under /van-ban/: the registers (outgoing, incoming) with search and PDF/XLSX
export, registering an incoming document, issuing an outgoing one, and each document with its handling.

Every page reads through ``selectors`` (scoped to the agencies whose registers the user may read); a document
outside the scope answers 404 like one that does not exist. A view never writes a model: it calls
``services``.
"""

from __future__ import annotations

import contextlib
import functools
from urllib.parse import urlencode

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Count
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from tinhso.common import rendering
from tinhso.common.inputs import InputError, parse_date, parse_id
from tinhso.directory.models import Agency, Membership
from tinhso.documents import archive, selectors, services
from tinhso.documents.models import (
    ArchiveRecord,
    AuthorityPrefix,
    DocumentType,
    IncomingDocument,
    IncomingState,
    OutgoingDocument,
    OutgoingState,
    Priority,
    RetentionPeriod,
)

PAGE_SIZE = 50
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
MAX_UPLOAD_FILES = 10


def registers_view(view):
    """Signed-in staff with at least one register in scope; others get 403 (anonymous: the sign-in page)."""

    @functools.wraps(view)
    def wrapper(request, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect(f"{reverse('login')}?{urlencode({'next': request.get_full_path()})}")
        request.register_agencies = list(selectors.register_agencies(request.user))
        if not request.register_agencies and not selectors.assigned_to(request.user).exists():
            return render(request, "403.html", status=403)
        return view(request, *args, **kwargs)

    return wrapper


def _page(request, queryset):
    return Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("trang"))


def _query_without_page(request) -> str:
    query = request.GET.copy()
    query.pop("trang", None)
    return query.urlencode()


def _filters(request) -> dict:
    """The register filters from the address: agency, year, text, date range (dd/mm/yyyy), state."""
    values = {"agency": None, "year": None, "q": request.GET.get("q", "")[:200], "date_from": None,
              "date_to": None, "state": request.GET.get("trang-thai") or None}
    try:
        values["agency"] = parse_id(request.GET.get("co-quan"), "co-quan")
        year = request.GET.get("nam", "").strip()
        values["year"] = int(year) if year.isdigit() and 2000 <= int(year) <= 2100 else None
        values["date_from"] = parse_date(request.GET.get("tu-ngay"), "tu-ngay")
        values["date_to"] = parse_date(request.GET.get("den-ngay"), "den-ngay")
    except InputError as error:
        messages.error(request, error.localized)
    return values


def _refused(request, error: InputError) -> int:
    """Show why the action was refused; the status to answer with (a service's own, else 400)."""
    messages.error(request, error.localized)
    return error.status if isinstance(error, services.DocumentError) else 400


def _agency_choice(request, value) -> Agency:
    """The agency a write acts for: one of the user's registers (the only one when there is one)."""
    agencies = request.register_agencies
    try:
        wanted = parse_id(value, "co-quan")
    except InputError:
        wanted = None
    for agency in agencies:
        if (wanted is None and len(agencies) == 1) or agency.pk == wanted:
            return agency
    raise services.DocumentError(_("Vui lòng chọn cơ quan giữ sổ."), "Choose the agency keeping the register.",
                                 "co-quan")


@require_GET
@registers_view
def home(request):
    today = timezone.localdate()
    rows = []
    for agency in request.register_agencies:
        rows.append({"agency": agency,
                     "outgoing": selectors.outgoing_for(request.user, agency=agency.pk, year=today.year).count(),
                     "incoming": selectors.incoming_for(request.user, agency=agency.pk, year=today.year).count(),
                     "open": selectors.incoming_for(request.user, agency=agency.pk).filter(
                         state__in=["arrived", "accepted", "assigned", "in_progress"]).count()})
    return render(request, "documents/home.html", {"rows": rows, "year": today.year,
                                                   "mine": selectors.assigned_to(request.user)[:50]})


def _register_export(request, kind: str, documents, filters: dict):
    headers, rows = selectors.register_rows(documents[:5000], kind)
    title = _("Sổ đăng ký văn bản đi") if kind == "outgoing" else _("Sổ đăng ký văn bản đến")
    year = filters["year"] or timezone.localdate().year
    name = f"so-van-ban-{'di' if kind == 'outgoing' else 'den'}-{year}"
    if request.GET.get("xuat") == "xlsx":
        response = HttpResponse(rendering.table_xlsx(f"{title} {year}", headers, rows), content_type=XLSX)
        response["Content-Disposition"] = f'attachment; filename="{name}.xlsx"'
        return response
    agency = next((a for a in request.register_agencies if a.pk == filters["agency"]), None)
    html = render_to_string("documents/register_print.html", {
        "title": f"{title} năm {year}", "headers": headers, "rows": rows, "landscape": True,
        "heading": {"issuer": agency.name if agency else _("Các cơ quan trong phạm vi"), "place": ""},
        "issued": timezone.localtime(), "number_suffix": "SĐK"})
    response = HttpResponse(rendering.report_pdf(html), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{name}.pdf"'
    return response


@require_GET
@registers_view
def outgoing(request):
    filters = _filters(request)
    documents = selectors.outgoing_for(request.user, **filters)
    if request.GET.get("xuat") in ("xlsx", "pdf"):
        return _register_export(request, "outgoing", documents, filters)
    return render(request, "documents/outgoing.html", {
        "page_obj": _page(request, documents), "page_query": _query_without_page(request), "filters": filters,
        "states": OutgoingState.choices,
        "drafts": selectors.drafts_for(request.user).count() if filters["state"] != OutgoingState.DRAFT else 0})


@require_GET
@registers_view
def incoming(request):
    filters = _filters(request)
    documents = selectors.incoming_for(request.user, **filters)
    if request.GET.get("xuat") in ("xlsx", "pdf"):
        return _register_export(request, "incoming", documents, filters)
    return render(request, "documents/incoming.html", {
        "page_obj": _page(request, documents), "page_query": _query_without_page(request), "filters": filters,
        "states": IncomingState.choices})


def _files(request) -> list[services.FileInput]:
    uploads = request.FILES.getlist("tep")[:MAX_UPLOAD_FILES]
    return [services.FileInput(f.name, f.read(services.MAX_ATTACHMENT_BYTES + 1), f.content_type or "")
            for f in uploads]


@require_http_methods(["GET", "POST"])
@registers_view
def incoming_new(request):
    form = request.POST if request.method == "POST" else {}
    if request.method == "POST":
        try:
            agency = _agency_choice(request, request.POST.get("co-quan"))
            sender = Agency.objects.filter(identifier=request.POST.get("ma-noi-gui", "").strip().upper()).first()
            issued_on = parse_date(request.POST.get("ngay-van-ban"), _("Ngày văn bản"))
            if issued_on is None:
                raise services.DocumentError(_("Vui lòng nhập ngày văn bản (dd/mm/yyyy)."),
                                             "Enter the document date (dd/mm/yyyy).", "ngay-van-ban")
            document = services.register_incoming(agency, services.IncomingInput(
                sender=sender, sender_name=request.POST.get("noi-gui", ""),
                type_name=request.POST.get("loai", ""), code_number=request.POST.get("so", ""),
                code_notation=request.POST.get("ky-hieu", ""), issued_on=issued_on,
                subject=request.POST.get("trich-yeu", ""), signer_name=request.POST.get("nguoi-ky", ""),
                signer_position=request.POST.get("chuc-vu", ""),
                priority=int(request.POST.get("do-khan") or 0) if (request.POST.get("do-khan") or "0").isdigit()
                else -1,
                reply_due=parse_date(request.POST.get("han-tra-loi"), _("Hạn trả lời")),
                page_amount=int(request.POST.get("so-trang") or 1) if (request.POST.get("so-trang") or "1").isdigit()
                else 1,
                attachments=_files(request)), by=request.user)
        except InputError as error:
            messages.error(request, error.localized)
        else:
            messages.success(request, _("Đã vào sổ văn bản đến số %(number)s.") % {
                "number": f"{document.arrival_number:02d}"})
            return redirect("documents:incoming-detail", pk=document.pk)
    return render(request, "documents/incoming_new.html", {
        "form": form, "priorities": Priority.choices,
        "types": DocumentType.objects.filter(active=True)}, status=400 if request.method == "POST" else 200)


@require_GET
@registers_view
def incoming_detail(request, pk: int):
    document = selectors.incoming_detail(request.user, pk)
    if document is None:
        raise Http404
    people = (Membership.objects.active_on(timezone.localdate()).filter(agency=document.agency)
              .select_related("user").order_by("user__last_name"))
    handlers = {m.user for m in people if m.role in services.HANDLER_ROLES}
    leaders = {m.user for m in people if m.role in services.LEADER_ROLES}
    may_clerk = services.holds(request.user, document.agency, services.CLERK_ROLES | services.LEADER_ROLES)
    from tinhso.directives import selectors as directives

    directs = directives.is_office(request.user)  # the office that keeps the register of leaders' directives
    return render(request, "documents/incoming_detail.html", {
        "document": document, "handlers": sorted(handlers, key=str), "leaders": sorted(leaders, key=str),
        "may_clerk": may_clerk, "is_handler": document.handler_id == request.user.pk, "directs": directs,
        "directives": document.directives.order_by("-issued_on") if directs else (),
        **_archive_context(request, document, closed=document.state in archive.CLOSED_INCOMING)})


@require_POST
@registers_view
def incoming_action(request, pk: int, action: str):
    document = selectors.incoming_detail(request.user, pk)
    if document is None:
        raise Http404
    try:
        if action == "tiep-nhan":
            services.accept(document, by=request.user)
        elif action == "tu-choi":
            services.reject(document, request.POST.get("ly-do", ""), by=request.user)
        elif action == "phan-cong":
            days = request.POST.get("so-ngay", "")
            services.assign(document, handler_id=parse_id(request.POST.get("nguoi-xu-ly"), "nguoi-xu-ly"),
                            leader_id=parse_id(request.POST.get("lanh-dao"), "lanh-dao"),
                            days=int(days) if days.isdigit() else 0,
                            direction=request.POST.get("y-kien", ""), by=request.user)
        elif action == "xu-ly":
            services.start(document, by=request.user)
        elif action == "hoan-thanh":
            services.complete(document, result=request.POST.get("ket-qua", ""), by=request.user)
        else:
            raise Http404
    except InputError as error:
        messages.error(request, error.localized)
    else:
        messages.success(request, _("Đã cập nhật văn bản đến."))
    return redirect("documents:incoming-detail", pk=pk)


@require_http_methods(["GET", "POST"])
@registers_view
def outgoing_new(request):
    """The form of an outgoing document: saved as a draft (signed and issued later from its page) or numbered
    and issued at once."""
    form = request.POST if request.method == "POST" else {}
    if request.method == "POST":
        try:
            agency = _agency_choice(request, request.POST.get("co-quan"))
            data = _outgoing_input(request)
            if request.POST.get("hanh-dong") == "du-thao":
                document = services.draft_outgoing(agency, data, by=request.user)
                messages.success(request, _("Đã lưu dự thảo; ký số và ban hành từ trang của văn bản."))
            else:
                document = services.issue_outgoing(agency, data, by=request.user)
                messages.success(request, _("Đã ban hành văn bản số %(notation)s.") % {
                    "notation": document.notation})
        except InputError as error:
            messages.error(request, error.localized)
        else:
            return redirect("documents:outgoing-detail", pk=document.pk)
    return render(request, "documents/outgoing_new.html", {
        "form": form, "priorities": Priority.choices, "prefixes": AuthorityPrefix.choices,
        "types": DocumentType.objects.filter(active=True),
        "addressees": Agency.objects.active_on().filter(records_office__isnull=False).order_by("name")[:500],
    }, status=400 if request.method == "POST" else 200)


def _outgoing_input(request) -> services.OutgoingInput:
    document_type = DocumentType.objects.filter(pk=parse_id(request.POST.get("loai"), "loai"), active=True).first()
    if document_type is None:
        raise services.DocumentError(_("Vui lòng chọn loại văn bản."), "Choose the document type.", "loai")
    recipient_ids = [parse_id(v, "noi-nhan") for v in request.POST.getlist("noi-nhan")[:200]]
    priority = request.POST.get("do-khan") or "0"
    return services.OutgoingInput(
        document_type=document_type, subject=request.POST.get("trich-yeu", ""),
        signer_position=request.POST.get("chuc-vu", ""), signer_name=request.POST.get("nguoi-ky", ""),
        authority_prefix=request.POST.get("tham-quyen", ""),
        priority=int(priority) if priority.isdigit() else -1,
        due_date=parse_date(request.POST.get("han-tra-loi"), _("Hạn trả lời")),
        drafting_unit=request.POST.get("don-vi-soan-thao", ""),
        recipients=list(Agency.objects.filter(pk__in=[i for i in recipient_ids if i])),
        other_recipients=request.POST.get("noi-nhan-khac", "").splitlines()[:50],
        attachments=_files(request))


@require_GET
@registers_view
def outgoing_detail(request, pk: int):
    document = selectors.outgoing_detail(request.user, pk)
    if document is None:
        raise Http404
    return _outgoing_page(request, document)


def _outgoing_page(request, document, status: int = 200):
    may_clerk = services.holds(request.user, document.agency, services.CLERK_ROLES)
    signing = {}
    if may_clerk and document.state == OutgoingState.DRAFT:
        office = services.office_of(document.agency)
        signing = {"signing_key": bool(office.signing_key),
                   "pdf_files": sum(a.content_type == "application/pdf" for a in document.attachments.all())}
    return render(request, "documents/outgoing_detail.html", {
        "document": document, "may_clerk": may_clerk, **signing,
        **_archive_context(request, document, closed=document.state in archive.CLOSED_OUTGOING)}, status=status)


@sensitive_post_parameters("mat-khau")
@require_POST
@registers_view
def outgoing_issue(request, pk: int):
    """Number a draft and issue it, its PDF files signed first with the agency's key (configured) or a key file
    uploaded now, opened with the passphrase or PIN typed now (never stored)."""
    document = selectors.outgoing_detail(request.user, pk)
    if document is None:
        raise Http404
    mode = request.POST.get("ky-so", "")
    try:
        with _signer(request, document, mode) as signer:
            issued = services.issue(document, by=request.user, signer=signer)
    except InputError as error:
        return _outgoing_page(request, selectors.outgoing_detail(request.user, pk), status=_refused(request, error))
    if mode:
        messages.success(request, _("Đã ký số và ban hành văn bản số %(notation)s.") % {"notation": issued.notation})
    else:
        messages.success(request, _("Đã ban hành văn bản số %(notation)s.") % {"notation": issued.notation})
    return redirect("documents:outgoing-detail", pk=pk)


def _signer(request, document, mode: str):
    """The signing key the form chose (a ``with`` block), or none."""
    if not mode:
        return contextlib.nullcontext()
    if mode not in ("khoa-co-quan", "tep"):
        raise services.DocumentError(_("Cách ký số không hợp lệ."), "Invalid signing choice.", "ky-so")
    key_file = request.FILES.get("tep-khoa") if mode == "tep" else None
    if mode == "tep" and key_file is None:
        raise services.DocumentError(_("Vui lòng chọn tệp khóa ký số (.p12, .pfx)."),
                                     "Choose the signing key file (.p12, .pfx).", "tep-khoa")
    return services.agency_signer(document.agency, secret=request.POST.get("mat-khau", ""),
                                  pkcs12=key_file.read(services.MAX_PKCS12_BYTES + 1) if key_file else None)


@require_POST
@registers_view
def outgoing_discard(request, pk: int):
    document = selectors.outgoing_detail(request.user, pk)
    if document is None:
        raise Http404
    try:
        services.discard_draft(document, by=request.user)
    except InputError as error:
        return _outgoing_page(request, document, status=_refused(request, error))
    messages.success(request, _("Đã xóa dự thảo."))
    return redirect(f"{reverse('documents:outgoing')}?trang-thai=draft")


def _archive_context(request, document, *, closed: bool) -> dict:
    """The document's archive record, and whether the user (the records office) may archive it now."""
    kept = ArchiveRecord.objects.filter(**{"outgoing" if isinstance(document, OutgoingDocument) else "incoming":
                                          document}).first()
    may_archive = (kept is None and closed
                   and services.holds(request.user, document.agency, services.CLERK_ROLES))
    return {"archive_record": kept, "may_archive": may_archive,
            "retentions": RetentionPeriod.objects.all() if may_archive else ()}


@require_POST
@registers_view
def outgoing_revoke(request, pk: int):
    document = selectors.outgoing_detail(request.user, pk)
    if document is None:
        raise Http404
    try:
        services.revoke(document, by=request.user, reason=request.POST.get("ly-do", ""))
    except InputError as error:
        messages.error(request, error.localized)
    else:
        messages.success(request, _("Đã thu hồi văn bản; nơi nhận đã được thông báo."))
    return redirect("documents:outgoing-detail", pk=pk)


@require_GET
@registers_view
def attachment(request, pk: int):
    found = selectors.attachment_for(request.user, pk)
    if found is None:
        raise Http404
    return FileResponse(found.file.open("rb"), as_attachment=True, filename=found.name,
                        content_type=found.content_type)


# The electronic archive (/van-ban/luu-tru/): records, archiving a closed document, BagIt export, disposal lists.

MAX_BAG_RECORDS = 500


def _archive_filters(request) -> dict:
    values = {"agency": None, "q": request.GET.get("q", "")[:200], "retention": request.GET.get("thoi-han") or None}
    try:
        values["agency"] = parse_id(request.GET.get("co-quan"), "co-quan")
    except InputError as error:
        messages.error(request, error.localized)
    return values


@require_GET
@registers_view
def archive_list(request):
    filters = _archive_filters(request)
    if filters["agency"] and filters["agency"] not in {a.pk for a in request.register_agencies}:
        raise Http404
    records = selectors.archive_for(request.user, **filters)
    if request.GET.get("xuat") == "bagit":
        kept = records.filter(disposed_at__isnull=True)
        count = kept.count()
        if not count or count > MAX_BAG_RECORDS:
            messages.error(request, _("Không có hồ sơ nào để xuất.") if not count else
                           _("Mỗi gói xuất tối đa %(limit)s hồ sơ; vui lòng thu hẹp bộ lọc.") % {
                               "limit": MAX_BAG_RECORDS})
        else:
            agencies = {item.agency for item in kept}
            bag = archive.export_bag(list(kept), source_organization="; ".join(sorted(a.name for a in agencies)))
            response = HttpResponse(bag, content_type="application/zip")
            response["Content-Disposition"] = (f'attachment; filename="nop-luu-{timezone.localdate():%Y%m%d}.zip"')
            return response
        status = 400
    else:
        status = 200
    return render(request, "documents/archive.html", {
        "page_obj": _page(request, records), "page_query": _query_without_page(request), "filters": filters,
        "retentions": RetentionPeriod.objects.all(),
        "may_dispose": any(services.holds(request.user, a, services.CLERK_ROLES | services.LEADER_ROLES)
                           for a in request.register_agencies)}, status=status)


@require_GET
@registers_view
def archive_detail(request, pk: int):
    found = selectors.archive_detail(request.user, pk)
    if found is None:
        raise Http404
    return render(request, "documents/archive_detail.html", {"record": found, "document": found.document,
                                                             "files": _record_files(found)})


def _record_files(found) -> list[dict]:
    """The record's files with where to download them (none once disposed of): a document's attachments, a
    dossier's result files."""
    if found.disposed_at:
        return []
    if found.dossier_id:
        return [{"name": item.original_name, "size": item.size,
                 "url": reverse("documents:archive-file", args=[found.pk, item.pk])}
                for item in archive.result_files(found.dossier)]
    return [{"name": item.name, "size": item.size, "url": reverse("documents:attachment", args=[item.pk])}
            for item in found.document.attachments.all()]


@require_GET
@registers_view
def archive_file(request, pk: int, file_pk: int):
    """A result file of an archived dossier, for the records office keeping it (whoever handled the dossier or
    not)."""
    found = selectors.archive_detail(request.user, pk)
    if found is None or not found.dossier_id or found.disposed_at:
        raise Http404
    item = archive.result_files(found.dossier).filter(pk=file_pk).first()
    if item is None:
        raise Http404
    return FileResponse(item.file.open("rb"), as_attachment=True, filename=item.original_name,
                        content_type=item.content_type)


def _archive_document(request, document, detail: str, pk: int):
    retention = None
    try:
        retention = RetentionPeriod.objects.filter(pk=parse_id(request.POST.get("thoi-han"), "thoi-han")).first()
        if retention is None:
            raise services.DocumentError(_("Vui lòng chọn thời hạn bảo quản."), "Choose the retention period.",
                                         "thoi-han")
        kept = archive.archive(document, retention, by=request.user)
    except InputError as error:
        status = _refused(request, error)
    else:
        messages.success(request, _("Đã đưa văn bản vào lưu trữ."))
        return redirect("documents:archive-detail", pk=kept.pk)
    request.method = "GET"
    answer = (outgoing_detail if detail == "outgoing" else incoming_detail)(request, pk)
    answer.status_code = status
    return answer


@require_POST
@registers_view
def outgoing_archive(request, pk: int):
    document = selectors.outgoing_detail(request.user, pk)
    if document is None:
        raise Http404
    return _archive_document(request, document, "outgoing", pk)


@require_POST
@registers_view
def incoming_archive(request, pk: int):
    document = IncomingDocument.objects.filter(agency__in=request.register_agencies, pk=pk).first()
    if document is None:
        raise Http404
    return _archive_document(request, document, "incoming", pk)


@require_GET
@registers_view
def disposal_list(request, status: int = 200):
    clerk_agencies = [a for a in request.register_agencies if services.holds(request.user, a, services.CLERK_ROLES)]
    return render(request, "documents/disposal.html", {
        "lists": selectors.disposal_lists(request.user).annotate(count=Count("records"))[:200],
        "clerk_agencies": clerk_agencies, "today": timezone.localdate()}, status=status)


@require_POST
@registers_view
def disposal_propose(request):
    try:
        agency = _agency_choice(request, request.POST.get("co-quan"))
        listing = archive.propose_disposal(agency, by=request.user)
    except InputError as error:
        status = _refused(request, error)
    else:
        messages.success(request, _("Đã lập danh mục tài liệu hết giá trị; chờ lãnh đạo phê duyệt."))
        return redirect("documents:disposal-detail", pk=listing.pk)
    request.method = "GET"
    return disposal_list(request, status=status)


@require_http_methods(["GET", "POST"])
@registers_view
def disposal_detail(request, pk: int):
    listing = selectors.disposal_detail(request.user, pk)
    if listing is None:
        raise Http404
    status = 200
    if request.method == "POST":
        try:
            archive.approve_disposal(listing, by=request.user)
        except InputError as error:
            status = _refused(request, error)
        else:
            messages.success(request, _("Đã phê duyệt danh mục; tài liệu đã được tiêu hủy."))
            return redirect("documents:disposal-detail", pk=pk)
    return render(request, "documents/disposal_detail.html", {
        "listing": listing, "records": listing.records.select_related("retention").order_by("keep_until", "pk"),
        "may_approve": (listing.approved_at is None and listing.proposed_by_id != request.user.pk
                        and services.holds(request.user, listing.agency, services.LEADER_ROLES))}, status=status)
