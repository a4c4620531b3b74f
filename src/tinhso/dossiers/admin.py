"""Admin: dossiers are read-mostly (they change only through the services); API tokens show their secret once."""

from __future__ import annotations

from django.contrib import admin, messages

from tinhso.common.admin_search import FoldedSearch
from tinhso.dossiers.models import ApiToken, Dossier, DossierEvent, DossierStep


class StepInline(admin.TabularInline):
    model = DossierStep
    fields = ("order", "role", "agency", "partner", "state", "assignee", "started_at", "due_at", "finished_at")
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = False

    def has_add_permission(self, request, obj=None):
        return False


class EventInline(admin.TabularInline):
    model = DossierEvent
    fields = ("at", "actor_label", "action", "from_state", "to_state", "note")
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Dossier)
class DossierAdmin(admin.ModelAdmin):
    list_display = ("code", "applicant_name", "procedure_version", "receiving_agency", "state", "channel",
                    "submitted_at", "due_at")
    list_filter = ("state", "channel", "procedure_version__field", "receiving_agency")
    search_fields = ("code", "applicant_name")
    date_hierarchy = "submitted_at"
    list_select_related = ("procedure_version__procedure", "receiving_agency")
    inlines = [StepInline, EventInline]
    show_full_result_count = False

    def get_readonly_fields(self, request, obj=None):
        return [field.name for field in self.model._meta.concrete_fields]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(ApiToken)
class ApiTokenAdmin(FoldedSearch, admin.ModelAdmin):
    list_display = ("name", "agency", "prefix", "created_at", "last_used_at", "revoked_at")
    list_filter = ("revoked_at",)
    search_fields = ("name", "agency__name", "agency__identifier", "prefix")
    folded_search_fields = ("agency__search_text",)
    list_select_related = ("agency",)
    autocomplete_fields = ("agency",)
    actions = ["revoke"]

    def get_fields(self, request, obj=None):
        return ("agency", "name") if obj is None else ("agency", "name", "prefix", "created_by", "created_at",
                                                       "last_used_at", "revoked_at")

    def get_readonly_fields(self, request, obj=None):
        return () if obj is None else ("agency", "prefix", "created_by", "created_at", "last_used_at")

    def save_model(self, request, obj, form, change):
        if change:
            super().save_model(request, obj, form, change)
            return
        token, raw = ApiToken.issue(obj.agency, obj.name, created_by=request.user)
        obj.pk = token.pk
        obj.__dict__.update(token.__dict__)
        messages.warning(request, f"Khoá API (chỉ hiển thị một lần, hãy lưu lại ngay): {raw}")

    @admin.action(description="Thu hồi các khoá đã chọn")
    def revoke(self, request, queryset):
        from django.utils import timezone

        count = 0
        for token in queryset.filter(revoked_at__isnull=True):
            token.revoked_at = timezone.now()
            token.save(update_fields=["revoked_at"])
            count += 1
        messages.success(request, f"Đã thu hồi {count} khoá.")
