"""Administration of agencies and staff memberships, with import from and export to XLSX/CSV."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin
from django.core.exceptions import PermissionDenied
from django.db import models
from django.db.models import Q
from django.http import HttpResponse
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from tinhso.common.admin_search import FoldedSearch
from tinhso.directory.models import Agency, Membership, in_force_on
from tinhso.directory.selectors import staff_named
from tinhso.directory.services import COLUMNS, FORMATS, export_agencies, import_agencies

_CONTENT_TYPES = {
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "csv": "text/csv; charset=utf-8",
}


class ActiveTodayFilter(admin.SimpleListFilter):
    title = _("tình trạng hoạt động")
    parameter_name = "active"

    def lookups(self, request, model_admin):
        return [("yes", _("Đang hoạt động")), ("no", _("Đã giải thể, hết hiệu lực hoặc chưa hoạt động"))]

    def queryset(self, request, queryset):
        active = in_force_on(timezone.localdate())
        if self.value() == "yes":
            return queryset.filter(active)
        if self.value() == "no":
            return queryset.exclude(active)
        return queryset


class AgencyImportForm(forms.Form):
    file = forms.FileField(label=_("Tệp XLSX hoặc CSV"))
    dry_run = forms.BooleanField(label=_("Chỉ kiểm tra, chưa ghi"), required=False)

    def clean_file(self):
        upload = self.cleaned_data["file"]
        suffix = upload.name.rsplit(".", 1)[-1].lower() if "." in upload.name else ""
        if suffix not in FORMATS:
            raise forms.ValidationError(_("Chỉ nhận tệp .xlsx hoặc .csv."))
        return upload


def _export_action(format: str):
    def action(modeladmin, request, queryset):
        stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
        response = HttpResponse(export_agencies(queryset, format), content_type=_CONTENT_TYPES[format])
        response["Content-Disposition"] = f'attachment; filename="co-quan-{stamp}.{format}"'
        return response

    action.__name__ = f"export_{format}"
    action.short_description = _("Xuất các cơ quan đã chọn ra tệp %(format)s") % {"format": format.upper()}
    action.allowed_permissions = ("view",)
    return action


@admin.register(Agency)
class AgencyAdmin(FoldedSearch, admin.ModelAdmin):
    list_display = ("identifier", "name", "level", "kind", "parent", "valid_from", "valid_to", "is_active_on")
    list_display_links = ("identifier", "name")
    list_filter = ("level", "kind", ActiveTodayFilter)
    search_fields = ("name", "short_name", "identifier")
    folded_search_fields = ("search_text",)
    list_select_related = ("parent",)
    autocomplete_fields = ("parent", "succeeded_by")
    raw_id_fields = ("province", "commune")
    actions = [_export_action("xlsx"), _export_action("csv")]
    change_list_template = "admin/directory/agency/change_list.html"
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    fieldsets = (
        (None, {"fields": ("identifier", "name", "short_name", "level", "kind", "parent")}),
        (_("Đơn vị hành chính phục vụ"), {"fields": ("province", "commune")}),
        (_("Liên hệ"), {"fields": ("address", "phone", "email", "website")}),
        (_("Hiệu lực, tổ chức lại"), {"fields": ("valid_from", "valid_to", "succeeded_by")}),
    )

    def get_urls(self):
        return [
            path("import/", self.admin_site.admin_view(self.import_view), name="directory_agency_import"),
            *super().get_urls(),
        ]

    def import_view(self, request):
        """Upload a file, see the row-by-row report; nothing is written unless every row is good."""
        if not (self.has_add_permission(request) and self.has_change_permission(request)):
            raise PermissionDenied
        report = None
        if request.method == "POST":
            form = AgencyImportForm(request.POST, request.FILES)
            if form.is_valid():
                upload = form.cleaned_data["file"]
                report = import_agencies(upload, upload.name.rsplit(".", 1)[-1].lower(),
                                         dry_run=form.cleaned_data["dry_run"])
                level = messages.SUCCESS if report.ok else messages.ERROR
                self.message_user(request, report.summary(), level)
        else:
            form = AgencyImportForm()
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": _("Nhập cơ quan, đơn vị từ tệp"),
            "form": form,
            "report": report,
            "columns": COLUMNS,
            "changelist_url": reverse("admin:directory_agency_changelist"),
        }
        return TemplateResponse(request, "admin/directory/agency/import.html", context)


class StaffNamesFolded(FoldedSearch):
    """Staff names typed without diacritics: "nguyen van an" finds "Nguyễn Văn An"."""

    user_field = "pk"

    def folded_matches(self, request, queryset, words):
        return Q(**{f"{self.user_field}__in": staff_named(words)})


@admin.register(Membership)
class MembershipAdmin(StaffNamesFolded, admin.ModelAdmin):
    list_display = ("user", "agency", "role", "valid_from", "valid_to", "is_active_on")
    list_filter = ("role", "agency__level")
    search_fields = (
        "user__username", "user__first_name", "user__last_name", "agency__name", "agency__identifier",
    )
    folded_search_fields = ("agency__search_text",)
    user_field = "user_id"
    autocomplete_fields = ("user", "agency")
    list_select_related = ("user", "agency")
    date_hierarchy = "valid_from"


class MembershipInline(admin.TabularInline):
    model = Membership
    fk_name = "user"
    extra = 0
    autocomplete_fields = ("agency",)
    fields = ("agency", "role", "valid_from", "valid_to")
    verbose_name = _("phân công")
    verbose_name_plural = _("cơ quan và vai trò")


User = get_user_model()


class StaffUserAdmin(StaffNamesFolded, UserAdmin):
    """Django's user administration with the user's memberships (agencies and roles) inline; staff names
    are found without diacritics."""

    inlines = (*UserAdmin.inlines, MembershipInline)


admin.site.unregister(User)
admin.site.register(User, StaffUserAdmin)
