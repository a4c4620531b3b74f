from django.contrib import admin

from tinhso.media import models


class ChannelInline(admin.TabularInline):
    model = models.PressChannel
    extra = 0


@admin.register(models.PressAgency)
class PressAgencyAdmin(admin.ModelAdmin):
    list_display = ("name", "kind", "level", "licence_number", "valid_from", "valid_to")
    list_filter = ("kind", "level")
    search_fields = ("name", "parent_name", "licence_number")
    inlines = [ChannelInline]


@admin.register(models.Spokesperson)
class SpokespersonAdmin(admin.ModelAdmin):
    list_display = ("name", "agency", "role", "position", "valid_from", "valid_to")
    list_filter = ("role",)
    search_fields = ("name", "agency__name")
    autocomplete_fields = ("agency",)


class InspectionInline(admin.TabularInline):
    model = models.Inspection
    extra = 0


class LicenceRecordInline(admin.TabularInline):
    model = models.LicenceRecord
    extra = 0
    readonly_fields = ("action", "dossier", "on", "note")
    can_delete = False


@admin.register(models.WebsiteLicence)
class WebsiteLicenceAdmin(admin.ModelAdmin):
    list_display = ("licence_number", "domain", "holder_name", "kind", "issued_on", "expires_on", "state")
    list_filter = ("kind", "state")
    search_fields = ("licence_number", "domain", "holder_name", "holder_tax_code")
    readonly_fields = ("failures_in_a_row", "expiry_notice_sent_for")
    inlines = [LicenceRecordInline, InspectionInline]


@admin.register(models.MonitoringAlert)
class MonitoringAlertAdmin(admin.ModelAdmin):
    list_display = ("licence", "opened_at", "closed_at", "problem")
    list_filter = ("closed_at",)


class StepInline(admin.TabularInline):
    model = models.ScenarioStep
    extra = 1


@admin.register(models.CrisisScenario)
class CrisisScenarioAdmin(admin.ModelAdmin):
    list_display = ("title", "topic", "active")
    list_filter = ("topic", "active")
    inlines = [StepInline]


admin.site.register(models.PressOffice)
