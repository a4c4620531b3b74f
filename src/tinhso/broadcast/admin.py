from django.contrib import admin

from tinhso.broadcast import models


@admin.register(models.Station)
class StationAdmin(admin.ModelAdmin):
    list_display = ("name", "commune", "kind", "state", "frequency_mhz", "in_frequency_plan", "conversion")
    list_filter = ("kind", "state", "conversion", "in_frequency_plan")
    search_fields = ("name", "commune__name", "licence_number")
    raw_id_fields = ("commune",)


@admin.register(models.Device)
class DeviceAdmin(admin.ModelAdmin):
    list_display = ("device_id", "kind", "commune", "village", "connection", "firmware", "state")
    list_filter = ("kind", "state", "connection")
    search_fields = ("device_id", "commune__name", "sim_number")
    raw_id_fields = ("commune", "village", "station")


@admin.register(models.BroadcastMembership)
class BroadcastMembershipAdmin(admin.ModelAdmin):
    list_display = ("user", "role", "commune", "valid_from", "valid_to")
    list_filter = ("role",)
    raw_id_fields = ("user", "commune")


@admin.register(models.Bulletin)
class BulletinAdmin(admin.ModelAdmin):
    list_display = ("title", "kind", "source", "commune", "state", "duration_seconds", "created_at")
    list_filter = ("kind", "source", "state")
    search_fields = ("title",)
    raw_id_fields = ("commune", "author", "approved_by")
    readonly_fields = ("sha256", "duration_seconds", "audio_format", "state", "approved_by", "approved_at")


@admin.register(models.Schedule)
class ScheduleAdmin(admin.ModelAdmin):
    list_display = ("bulletin", "area", "starts_on", "ends_on", "at", "recurrence", "state")
    list_filter = ("recurrence", "state", "area")
    raw_id_fields = ("bulletin", "commune", "created_by", "approved_by")
    filter_horizontal = ("communes",)


@admin.register(models.EmergencyBroadcast)
class EmergencyBroadcastAdmin(admin.ModelAdmin):
    list_display = ("title", "area", "state", "started_at", "ended_at", "expires_at")
    list_filter = ("state", "area")
    readonly_fields = [f.name for f in models.EmergencyBroadcast._meta.concrete_fields]

    def has_add_permission(self, request):
        return False  # started through the emergency page or the API, so that it reaches the devices


@admin.register(models.LiveBroadcast)
class LiveBroadcastAdmin(admin.ModelAdmin):
    list_display = ("title", "source", "area", "commune", "state", "started_at", "expires_at", "ended_at")
    list_filter = ("state", "source", "area")
    readonly_fields = [f.name for f in models.LiveBroadcast._meta.concrete_fields]

    def has_add_permission(self, request):
        return False  # started on the live broadcast page, so that the relay and the units follow it


@admin.register(models.CapAlert)
class CapAlertAdmin(admin.ModelAdmin):
    list_display = ("identifier", "sender", "sent", "direction", "severity", "event")
    list_filter = ("direction", "severity")
    readonly_fields = [f.name for f in models.CapAlert._meta.concrete_fields]


@admin.register(models.AlertSource)
class AlertSourceAdmin(admin.ModelAdmin):
    list_display = ("agency", "active")
    raw_id_fields = ("agency",)
