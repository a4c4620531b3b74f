from django.contrib import admin

from tinhso.portal.accounts.models import CitizenProfile


@admin.register(CitizenProfile)
class CitizenProfileAdmin(admin.ModelAdmin):
    list_display = ["full_name", "user", "phone", "phone_verified", "email_verified", "id_verified", "commune"]
    list_filter = ["email_verified", "phone_verified", "id_verified"]
    search_fields = ["full_name", "user__email", "phone", "id_number"]
    raw_id_fields = ["user", "commune"]
    readonly_fields = ["created_at", "updated_at"]
