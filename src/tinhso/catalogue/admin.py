from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.forms.models import BaseInlineFormSet
from django.http import HttpResponse
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from tinhso.catalogue import excel, services
from tinhso.catalogue.models import (
    Field,
    Procedure,
    ProcedureFee,
    ProcedureVersion,
    RequiredDocument,
    RouteStep,
    Status,
)
from tinhso.catalogue.selectors import versions_for_export
from tinhso.common.admin_search import FoldedSearch

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class CatalogueImportForm(forms.Form):
    """The catalogue workbook (layout in ``catalogue.excel``), checked by content and size by the import."""

    file = forms.FileField(label=_("Sổ tính danh mục thủ tục (.xlsx)"))
    dry_run = forms.BooleanField(label=_("Chỉ kiểm tra, chưa ghi"), required=False, initial=True)
    publish = forms.BooleanField(label=_("Công bố ngay các phiên bản nhập vào"), required=False)

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if not upload.name.lower().endswith(".xlsx"):
            raise forms.ValidationError(_("Chỉ nhận sổ tính Excel (.xlsx)."))
        return upload


def _workbook_response(versions) -> HttpResponse:
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    response = HttpResponse(excel.export_catalogue(versions), content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="danh-muc-thu-tuc-{stamp}.xlsx"'
    return response


class CatalogueWorkbook:
    """The catalogue's import (dry run, row-by-row report, all or nothing) and export in the administration,
    the same workbook as ``tinhso catalogue import|export``."""

    change_list_template = "admin/catalogue/workbook_change_list.html"

    def get_urls(self):
        prefix = f"{self.model._meta.app_label}_{self.model._meta.model_name}"
        return [
            path("nhap/", self.admin_site.admin_view(self.import_view), name=f"{prefix}_import"),
            path("xuat/", self.admin_site.admin_view(self.export_view), name=f"{prefix}_export"),
            *super().get_urls(),
        ]

    def import_view(self, request):
        """Upload the workbook, see the report by sheet and row; nothing is written unless every row is good."""
        if not (self.has_add_permission(request) and self.has_change_permission(request)):
            raise PermissionDenied
        report = None
        form = CatalogueImportForm(request.POST or None, request.FILES or None)
        status = 200
        if request.method == "POST":
            if form.is_valid():
                report = excel.import_catalogue(form.cleaned_data["file"], publish=form.cleaned_data["publish"],
                                                dry_run=form.cleaned_data["dry_run"])
                self.message_user(request, report.summary(), messages.SUCCESS if report.ok else messages.ERROR)
                status = 200 if report.ok else 400
            else:
                status = 400
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta, "title": _("Nhập danh mục thủ tục từ sổ tính"),
            "form": form, "report": report, "sheets": excel.COLUMNS, "required": excel.REQUIRED,
            "changelist_url": reverse(f"admin:{self.model._meta.app_label}_{self.model._meta.model_name}_changelist"),
            "export_url": reverse(f"admin:{self.model._meta.app_label}_{self.model._meta.model_name}_export"),
        }
        return TemplateResponse(request, "admin/catalogue/import.html", context, status=status)

    def export_view(self, request):
        """Every procedure in force (or every draft, ``?ban-nhap=1``) in the import layout."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        return _workbook_response(versions_for_export(drafts=bool(request.GET.get("ban-nhap"))))


@admin.register(Field)
class FieldAdmin(admin.ModelAdmin):
    list_display = ["code", "name"]
    search_fields = ["code", "name"]


class VersionListInline(admin.TabularInline):
    """The procedure's versions, to read: content is edited on the version itself."""

    model = ProcedureVersion
    fields = ["number", "status", "name", "decision_number", "effective_from", "published_at", "superseded_at"]
    readonly_fields = fields
    extra = 0
    show_change_link = True
    can_delete = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Procedure)
class ProcedureAdmin(CatalogueWorkbook, FoldedSearch, admin.ModelAdmin):
    list_display = ["code", "current_name", "current_version"]
    search_fields = ["code", "versions__name"]
    folded_search_fields = ("versions__search_text",)
    readonly_fields = ["current_version", "created_at"]
    inlines = [VersionListInline]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("current_version")

    @admin.display(description="tên thủ tục đang áp dụng")
    def current_name(self, obj: Procedure) -> str:
        return obj.current_version.name if obj.current_version else "—"

    def has_delete_permission(self, request, obj=None) -> bool:
        # Dossiers point at versions; a procedure that was ever published stays.
        return obj is None or (obj.current_version_id is None and super().has_delete_permission(request, obj))


class DraftOnlyInline(admin.TabularInline):
    """Children are edited while their version is a draft; a frozen version shows them read-only."""

    extra = 0

    def has_change_permission(self, request, obj=None) -> bool:
        return (obj is None or not obj.is_frozen) and super().has_change_permission(request, obj)

    def has_add_permission(self, request, obj=None) -> bool:
        return (obj is None or not obj.is_frozen) and super().has_add_permission(request, obj)

    def has_delete_permission(self, request, obj=None) -> bool:
        return (obj is None or not obj.is_frozen) and super().has_delete_permission(request, obj)


class DocumentInline(DraftOnlyInline):
    model = RequiredDocument
    fields = ["order", "name", "originals", "copies", "required", "reusable", "template"]


class FeeInline(DraftOnlyInline):
    model = ProcedureFee
    fields = ["order", "description", "amount", "basis", "included_copies", "exemption"]


class RouteFormSet(BaseInlineFormSet):
    """The route as a whole: starts with receiving, ends with returning, shares add up to the limit."""

    def clean(self):
        super().clean()
        if any(self.errors):
            return
        forms = [
            form for form in self.forms
            if form.cleaned_data and not form.cleaned_data.get("DELETE") and form.cleaned_data.get("role")
        ]
        forms.sort(key=lambda form: form.cleaned_data.get("order") or 0)
        steps = [
            services.StepLine(
                role=form.cleaned_data["role"], share=form.cleaned_data.get("share") or 0,
                agency=form.cleaned_data.get("agency"), partner=form.cleaned_data.get("partner") or "",
            )
            for form in forms
        ]
        if steps:
            problems = services.route_errors(steps, self.instance.time_limit, self.instance.time_unit)
            if problems:
                raise ValidationError(problems)


class RouteStepInline(DraftOnlyInline):
    model = RouteStep
    formset = RouteFormSet
    fields = ["order", "role", "agency", "partner", "share", "description"]
    autocomplete_fields = ["agency"]


@admin.register(ProcedureVersion)
class ProcedureVersionAdmin(CatalogueWorkbook, FoldedSearch, admin.ModelAdmin):
    list_display = ["__str__", "status", "field", "level", "time_limit", "time_unit", "online_level",
                    "decision_number", "effective_from", "published_at"]
    list_filter = ["status", "level", "online_level", "field"]
    search_fields = ["procedure__code", "name", "decision_number"]
    folded_search_fields = ("search_text",)
    list_select_related = ["procedure", "field"]
    readonly_fields = ["number", "status", "published_at", "superseded_at", "created_at"]
    autocomplete_fields = ["agencies"]
    inlines = [DocumentInline, FeeInline, RouteStepInline]
    actions = ["publish_drafts", "new_versions", "export_workbook"]

    def get_readonly_fields(self, request, obj=None):
        if obj is not None and obj.is_frozen:
            return [f.name for f in obj._meta.fields if f.name != "id"] + ["agencies"]
        if obj is not None:
            return [*self.readonly_fields, "procedure"]
        return self.readonly_fields

    def has_delete_permission(self, request, obj=None) -> bool:
        return (obj is None or not obj.is_frozen) and super().has_delete_permission(request, obj)

    @admin.action(description=_("Xuất các phiên bản đã chọn ra sổ tính (.xlsx)"), permissions=["view"])
    def export_workbook(self, request, queryset):
        return _workbook_response(queryset.select_related("procedure", "field").prefetch_related(
            "agencies", "documents", "fees", "steps__agency").order_by("procedure__code"))

    @admin.action(description="Công bố các bản nháp đã chọn")
    def publish_drafts(self, request, queryset):
        published = 0
        for version in queryset.filter(status=Status.DRAFT).select_related("procedure"):
            try:
                services.publish(version)
            except ValidationError as exc:
                self.message_user(request, f"{version}: {'; '.join(exc.messages)}", messages.ERROR)
            else:
                published += 1
        if published:
            self.message_user(request, f"Đã công bố {published} phiên bản.", messages.SUCCESS)

    @admin.action(description="Tạo phiên bản mới (bản nháp) từ các phiên bản đang áp dụng đã chọn")
    def new_versions(self, request, queryset):
        for version in queryset.filter(status=Status.PUBLISHED).select_related("procedure"):
            try:
                draft = services.new_version_from(version)
            except ValidationError as exc:
                self.message_user(request, f"{version}: {'; '.join(exc.messages)}", messages.ERROR)
            else:
                self.message_user(request, f"Đã tạo bản nháp {draft}.", messages.SUCCESS)
