"""The register in the Django admin: which agency keeps it (editable), and read-only views of directives, tasks,
reports and extensions. Every change to a task goes through the register's pages, import and API (the
services), so that each leaves its event, audit entry and notices."""

from django.contrib import admin

from tinhso.directives import models


@admin.register(models.DirectivesOffice)
class DirectivesOfficeAdmin(admin.ModelAdmin):
    list_display = ["agency"]
    raw_id_fields = ["agency"]


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class TaskInline(admin.TabularInline):
    model = models.Task
    fields = ["position", "text", "lead_agency", "due_at", "state"]
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(models.Directive)
class DirectiveAdmin(ReadOnlyAdmin):
    list_display = ["number", "kind", "issued_on", "issuer", "signer_name", "subject"]
    list_filter = ["kind"]
    search_fields = ["number", "subject", "signer_name"]
    date_hierarchy = "issued_on"
    inlines = [TaskInline]


class EventInline(admin.TabularInline):
    model = models.TaskEvent
    fields = ["at", "actor_label", "action", "from_state", "to_state", "note"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(models.Task)
class TaskAdmin(ReadOnlyAdmin):
    list_display = ["__str__", "lead_agency", "due_at", "original_due_at", "state", "done_on_time"]
    list_filter = ["state", "priority", "due_kind"]
    search_fields = ["text", "directive__number"]
    list_select_related = ["directive", "lead_agency"]
    inlines = [EventInline]


@admin.register(models.Extension)
class ExtensionAdmin(ReadOnlyAdmin):
    list_display = ["task", "requested_at", "previous_due_at", "requested_due_on", "state", "decided_by_label"]
    list_filter = ["state"]
    list_select_related = ["task", "task__directive"]


@admin.register(models.ProgressReport)
class ProgressReportAdmin(ReadOnlyAdmin):
    list_display = ["task", "kind", "at", "by_label", "evidence"]
    list_filter = ["kind"]
    list_select_related = ["task", "task__directive"]
