"""The registry in the Django admin: operators with their accounts and API tokens, the registry's agency,
the infrastructure plan (spacing rules, planned sites, restricted areas), coverage ranges and goals. Stations,
routes and coverage are kept through the registry's pages and imports; the admin reads them."""

from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _

from tinhso.telecom import models


class MembershipInline(admin.TabularInline):
    model = models.OperatorMembership
    extra = 0
    raw_id_fields = ["user"]


@admin.register(models.Operator)
class OperatorAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "mnc", "licence_number", "licence_expires_on", "active"]
    search_fields = ["code", "name", "tax_code"]
    inlines = [MembershipInline]


@admin.register(models.OperatorToken)
class OperatorTokenAdmin(admin.ModelAdmin):
    list_display = ["name", "operator", "prefix", "created_at", "last_used_at", "revoked_at"]
    fields = ["operator", "name", "revoked_at"]

    def save_model(self, request, obj, form, change):
        if change:
            super().save_model(request, obj, form, change)
            return
        token, raw = models.OperatorToken.issue(obj.operator, obj.name, created_by=request.user)
        obj.pk = token.pk
        messages.warning(request, _("Khoá API (chỉ hiện một lần, hãy lưu lại ngay): %(raw)s") % {"raw": raw})


@admin.register(models.TelecomOffice)
class TelecomOfficeAdmin(admin.ModelAdmin):
    list_display = ["agency"]
    autocomplete_fields = ["agency"]


class SpacingInline(admin.TabularInline):
    model = models.SpacingRule
    extra = 0


@admin.register(models.InfrastructurePlan)
class PlanAdmin(admin.ModelAdmin):
    list_display = ["number", "name", "issuer", "valid_from", "valid_to"]
    inlines = [SpacingInline]


@admin.register(models.PlannedSite)
class PlannedSiteAdmin(admin.ModelAdmin):
    list_display = ["code", "plan", "latitude", "longitude", "tolerance_m", "commune"]
    list_filter = ["plan"]
    search_fields = ["code", "name"]
    raw_id_fields = ["commune"]


@admin.register(models.RestrictedArea)
class RestrictedAreaAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "plan", "target_year"]
    list_filter = ["kind", "plan"]
    raw_id_fields = ["commune"]


@admin.register(models.UndergroundingPlan)
class UndergroundingAdmin(admin.ModelAdmin):
    list_display = ["name", "target_year", "planned_length_m", "done_length_m"]
    raw_id_fields = ["commune", "area"]


@admin.register(models.CoverageRange)
class CoverageRangeAdmin(admin.ModelAdmin):
    list_display = ["technology", "terrain", "range_m", "source"]


@admin.register(models.CoverageGoal)
class CoverageGoalAdmin(admin.ModelAdmin):
    list_display = ["name", "target_date", "uncovered_max", "legal_source"]


@admin.register(models.CoveragePlan)
class CoveragePlanAdmin(admin.ModelAdmin):
    list_display = ["village", "operator", "technology", "planned_on", "grid_power", "state"]
    list_filter = ["state", "operator"]
    raw_id_fields = ["village"]


@admin.register(models.Disaster)
class DisasterAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "started_at", "ended_at"]


@admin.register(models.ServicePoint)
class ServicePointAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "kind", "operator", "commune", "closed_on"]
    list_filter = ["kind"]
    search_fields = ["code", "name"]
    raw_id_fields = ["commune"]


@admin.register(models.Station)
class StationAdmin(admin.ModelAdmin):
    list_display = ["code", "operator", "state", "commune", "operators_count", "is_down"]
    list_filter = ["operator", "state"]
    search_fields = ["code", "name"]
    readonly_fields = [f.name for f in models.Station._meta.fields] + ["tenants"]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
