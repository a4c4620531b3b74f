"""Admin: ratings and complaints are read-only here (they change only through the services)."""

from __future__ import annotations

from django.contrib import admin

from tinhso.portal.feedback.models import Complaint, ComplaintEvent, Rating


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Rating)
class RatingAdmin(ReadOnlyAdmin):
    list_display = ("dossier", "agency", "overall_score", "access_score", "procedure_score", "officer_score",
                    "result_score", "created_at")
    list_filter = ("overall_score",)
    list_select_related = ("dossier", "agency")
    search_fields = ("dossier__code",)
    date_hierarchy = "created_at"


class EventInline(admin.TabularInline):
    model = ComplaintEvent
    fields = ("at", "actor_label", "action", "from_state", "to_state", "agency", "note")
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Complaint)
class ComplaintAdmin(ReadOnlyAdmin):
    list_display = ("code", "kind", "subject", "agency", "state", "submitted_at", "due_at", "answered_on_time",
                    "verdict")
    list_filter = ("state", "kind", "verdict", "answered_on_time")
    list_select_related = ("agency",)
    search_fields = ("code", "subject", "name")
    date_hierarchy = "submitted_at"
    inlines = [EventInline]
