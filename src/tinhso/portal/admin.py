from django.contrib import admin

from tinhso.portal.models import Draft, DraftFile


class DraftFileInline(admin.TabularInline):
    model = DraftFile
    extra = 0
    fields = ("required_document", "original_name", "content_type", "size", "uploaded_at")
    readonly_fields = fields
    can_delete = False


@admin.register(Draft)
class DraftAdmin(admin.ModelAdmin):
    list_display = ("user", "procedure_version", "updated_at")
    list_select_related = ("user", "procedure_version__procedure")
    readonly_fields = ("user", "procedure_version", "data", "created_at", "updated_at")
    search_fields = ("user__username", "procedure_version__name")
    inlines = [DraftFileInline]

    def has_add_permission(self, request):
        return False
