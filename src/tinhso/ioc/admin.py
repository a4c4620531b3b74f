from django.contrib import admin

from tinhso.ioc.models import Indicator, Plan, ReportedValue, ScoreWeight, Target


@admin.register(Indicator)
class IndicatorAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "unit", "group", "source", "granularity", "active")
    list_filter = ("group", "source", "granularity", "active")
    search_fields = ("code", "name", "name_en")


class TargetInline(admin.TabularInline):
    model = Target
    extra = 0
    autocomplete_fields = ("indicator",)


@admin.register(Plan)
class PlanAdmin(admin.ModelAdmin):
    list_display = ("name", "issuer", "issued_on")
    search_fields = ("name", "number")
    inlines = [TargetInline]


@admin.register(ScoreWeight)
class ScoreWeightAdmin(admin.ModelAdmin):
    """QĐ 766 point weights are data the administrator sets; only weights marked official follow a published formula."""

    list_display = ("indicator", "points", "official", "basis")
    autocomplete_fields = ("indicator",)


@admin.register(ReportedValue)
class ReportedValueAdmin(admin.ModelAdmin):
    """Who entered and who reviewed a value are facts written by the services (four eyes), never typed here."""

    list_display = ("indicator", "agency", "period", "value", "status", "source", "entered_label", "approved_at",
                    "rejected_at")
    list_filter = ("status", "source", "indicator__group")
    readonly_fields = ("entered_by", "entered_label", "entered_at", "approved_by", "approved_at", "rejected_by",
                       "rejected_at", "review_note")
    list_select_related = ("indicator", "agency")
