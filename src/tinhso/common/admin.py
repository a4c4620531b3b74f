from django.contrib import admin

from tinhso.common.audit import AuditEntry, AuditSeal
from tinhso.common.calendar_models import CalendarOverride, save_override
from tinhso.common.workdays import WEEKDAY_NAMES
from tinhso.common.workers import WorkerHeartbeat


@admin.register(CalendarOverride)
class CalendarOverrideAdmin(admin.ModelAdmin):
    """Where an administrator enters each year's schedule of days off and make-up working days."""

    list_display = ["date", "weekday", "kind", "reason", "source_document", "created_by"]
    list_filter = ["kind"]
    list_select_related = ["created_by"]
    date_hierarchy = "date"
    search_fields = ["reason", "source_document"]
    readonly_fields = ["created_by", "created_at", "updated_at"]
    fields = ["date", "kind", "reason", "source_document", *readonly_fields]

    @admin.display(description="thứ")
    def weekday(self, obj: CalendarOverride) -> str:
        return WEEKDAY_NAMES[obj.date.weekday()]

    def save_model(self, request, obj, form, change):
        save_override(obj, by=None if change else request.user)


@admin.register(AuditEntry)
class AuditEntryAdmin(admin.ModelAdmin):
    """The audit chain, to read only: an entry written is never changed or removed (audit.py)."""

    list_display = ["id", "at", "action", "object_type", "object_id", "actor_label", "request_id", "summary",
                    "stream", "seq"]
    list_filter = ["action", "object_type", "stream"]
    search_fields = ["=object_id", "=request_id"]  # exact: ids are pasted whole
    date_hierarchy = "at"
    show_full_result_count = False

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(AuditSeal)
class AuditSealAdmin(admin.ModelAdmin):
    """The seals of the audit chain, to read only (written by `tinhso audit seal`)."""

    list_display = ["number", "sealed_at", "entries", "timestamp_time", "timestamp_error", "seal_hash"]
    exclude = ["timestamp_token"]
    date_hierarchy = "sealed_at"
    show_full_result_count = False

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(WorkerHeartbeat)
class WorkerHeartbeatAdmin(admin.ModelAdmin):
    """The task workers and when each was last heard from (read-only: the workers write it)."""

    list_display = ("worker_id", "host", "pid", "started_at", "beat_at")
    ordering = ("-beat_at",)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
