from django.contrib import admin

from tinhso.documents.models import (
    ArchiveRecord,
    Attachment,
    DocumentType,
    IncomingDocument,
    IncomingEvent,
    OutgoingDocument,
    Recipient,
    RecipientStatus,
    RecordsOffice,
    RetentionPeriod,
)


@admin.register(DocumentType)
class DocumentTypeAdmin(admin.ModelAdmin):
    list_display = ("name", "abbreviation", "normative", "active", "order")
    list_editable = ("active", "order")


@admin.register(RecordsOffice)
class RecordsOfficeAdmin(admin.ModelAdmin):
    list_display = ("agency", "abbreviation", "place", "signing_key")
    autocomplete_fields = ("agency",)
    search_fields = ("agency__name", "abbreviation")


class RecipientInline(admin.TabularInline):
    model = Recipient
    extra = 0
    fields = ("name", "organ_id", "status_code", "status_at", "sent_at", "delivery_error")
    readonly_fields = fields
    can_delete = False


class OutgoingAttachmentInline(admin.TabularInline):
    model = Attachment
    fk_name = "outgoing"
    extra = 0
    fields = ("name", "content_type", "size", "sha256")
    readonly_fields = fields
    can_delete = False


@admin.register(OutgoingDocument)
class OutgoingDocumentAdmin(admin.ModelAdmin):
    """Read-only here: numbers are given by the issue action, never typed."""

    list_display = ("__str__", "agency", "issued_on", "state")
    list_filter = ("state", "year", "document_type")
    search_fields = ("code_notation", "subject")
    inlines = [RecipientInline, OutgoingAttachmentInline]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class EventInline(admin.TabularInline):
    model = IncomingEvent
    extra = 0
    fields = ("at", "action", "status_code", "actor", "note")
    readonly_fields = fields
    can_delete = False


@admin.register(IncomingDocument)
class IncomingDocumentAdmin(admin.ModelAdmin):
    list_display = ("__str__", "agency", "sender_name", "arrived_at", "state")
    list_filter = ("state", "year", "channel")
    search_fields = ("code_notation", "subject", "sender_name")
    inlines = [EventInline]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(RecipientStatus)
class RecipientStatusAdmin(admin.ModelAdmin):
    list_display = ("recipient", "status_code", "at", "staff")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(RetentionPeriod)
class RetentionPeriodAdmin(admin.ModelAdmin):
    list_display = ("name", "years", "legal_source")


@admin.register(ArchiveRecord)
class ArchiveRecordAdmin(admin.ModelAdmin):
    list_display = ("title", "agency", "retention", "archived_at", "keep_until", "intact", "checked_at")
    list_filter = ("intact", "retention")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
