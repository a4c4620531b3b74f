from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.forms.models import BaseInlineFormSet

from tinhso.catalogue import services
from tinhso.catalogue.models import (
    Field,
    Procedure,
    ProcedureFee,
    ProcedureVersion,
    RequiredDocument,
    RouteStep,
    Status,
)


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
class ProcedureAdmin(admin.ModelAdmin):
    list_display = ["code", "current_name", "current_version"]
    search_fields = ["code", "versions__name"]
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
class ProcedureVersionAdmin(admin.ModelAdmin):
    list_display = ["__str__", "status", "field", "level", "time_limit", "time_unit", "online_level",
                    "decision_number", "effective_from", "published_at"]
    list_filter = ["status", "level", "online_level", "field"]
    search_fields = ["procedure__code", "name", "decision_number"]
    list_select_related = ["procedure", "field"]
    readonly_fields = ["number", "status", "published_at", "superseded_at", "created_at"]
    autocomplete_fields = ["agencies"]
    inlines = [DocumentInline, FeeInline, RouteStepInline]
    actions = ["publish_drafts", "new_versions"]

    def get_readonly_fields(self, request, obj=None):
        if obj is not None and obj.is_frozen:
            return [f.name for f in obj._meta.fields if f.name != "id"] + ["agencies"]
        if obj is not None:
            return [*self.readonly_fields, "procedure"]
        return self.readonly_fields

    def has_delete_permission(self, request, obj=None) -> bool:
        return (obj is None or not obj.is_frozen) and super().has_delete_permission(request, obj)

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
