"""Notices in the admin: read-only records, and the deliveries with the action that resends failed ones."""

from __future__ import annotations

from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from tinhso.common.notices import services
from tinhso.common.notices.models import Delivery, Notice


class DeliveryInline(admin.TabularInline):
    model = Delivery
    extra = 0
    can_delete = False
    fields = ("channel", "shown_destination", "status", "attempts", "next_attempt_at", "sent_at", "failed_at",
              "last_error")
    readonly_fields = fields

    @admin.display(description=_("địa chỉ nhận"))
    def shown_destination(self, delivery):
        return delivery.masked_destination

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Notice)
class NoticeAdmin(admin.ModelAdmin):
    list_display = ("subject", "name", "kind", "in_app", "created_at", "read_at")
    list_filter = ("in_app", "kind", "created_at")
    search_fields = ("subject", "kind", "user__username", "name")
    date_hierarchy = "created_at"
    fields = ("user", "name", "language", "kind", "subject", "shown_text", "shown_sms", "link", "concerns_type",
              "concerns_id", "agency_id", "key", "in_app", "secret", "expires_at", "created_at", "read_at")
    readonly_fields = (*fields,)
    inlines = [DeliveryInline]
    list_select_related = ("user",)

    @admin.display(description=_("nội dung"))
    def shown_text(self, notice):
        return _("(nội dung có mã bảo mật, không hiển thị)") if notice.secret else notice.text

    @admin.display(description=_("nội dung tin nhắn"))
    def shown_sms(self, notice):
        return _("(nội dung có mã bảo mật, không hiển thị)") if notice.secret else notice.sms_text

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Delivery)
class DeliveryAdmin(admin.ModelAdmin):
    list_display = ("created_at", "channel", "shown_destination", "subject", "status", "attempts", "last_error")
    list_filter = ("status", "channel", "permanent", "created_at")
    search_fields = ("notice__subject", "notice__kind", "last_error")
    date_hierarchy = "created_at"
    list_select_related = ("notice",)
    actions = ["resend_selected"]
    fields = ("notice", "channel", "shown_destination", "status", "attempts", "next_attempt_at", "segments",
              "last_error", "permanent", "history", "resent_count", "created_at", "sent_at", "failed_at")
    readonly_fields = fields

    @admin.display(description=_("địa chỉ nhận"))
    def shown_destination(self, delivery):
        return delivery.masked_destination

    @admin.display(description=_("tiêu đề"), ordering="notice__subject")
    def subject(self, delivery):
        return delivery.notice.subject

    @admin.action(description=_("Gửi lại các lượt gửi không thành công đã chọn"), permissions=["change"])
    def resend_selected(self, request, queryset):
        queued, refused = services.resend_failed(queryset.select_related("notice"), actor=request.user)
        if queued:
            self.message_user(request, ngettext("Đã đưa %(count)d lượt gửi vào hàng đợi gửi lại.",
                                                "Đã đưa %(count)d lượt gửi vào hàng đợi gửi lại.", queued)
                              % {"count": queued}, messages.SUCCESS)
        for reason in refused[:20]:
            self.message_user(request, reason, messages.WARNING)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        # The action needs the change permission; the record itself stays read-only.
        return obj is None and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return False
