"""Administration of the gateway: members and their certificates, trusted CAs and their CRLs, the services
offered and the access rights on them (every change on the audit chain), and the read-only message log,
seals, national-portal outbox and catalogue pulls."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.db import models
from django.utils.translation import gettext_lazy as _

from tinhso.exchange import outbox, registry, services
from tinhso.exchange.certificates import CertificateError, check_crl, fingerprint, load_certificate, load_crl, name_of
from tinhso.exchange.models import (
    AccessRight,
    CatalogueSync,
    CertificateAuthority,
    LogSeal,
    Member,
    MemberCertificate,
    MessageRecord,
    OutboxEntry,
    OutboxStatus,
    Service,
)


class ReadOnlyAdmin(admin.ModelAdmin):
    """Records the platform writes itself: viewed, never edited here."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


# -- members and certificates ----------------------------------------------------------------------------

class MemberCertificateForm(forms.ModelForm):
    certificate_pem = forms.CharField(
        label=_("chứng thư (PEM)"), widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Dán chứng thư TLS máy khách dạng PEM (-----BEGIN CERTIFICATE-----)."))

    class Meta:
        model = MemberCertificate
        fields = ("certificate_pem", "revoked_at")

    def clean_certificate_pem(self):
        text = self.cleaned_data["certificate_pem"]
        try:
            certificate = load_certificate(text)
        except CertificateError as error:
            raise forms.ValidationError(error.message) from None
        print_ = fingerprint(certificate)
        clash = MemberCertificate.objects.filter(fingerprint=print_).exclude(pk=self.instance.pk).first()
        if clash is not None:
            raise forms.ValidationError(_("Chứng thư này đã được đăng ký cho %(member)s.")
                                        % {"member": clash.member.identifier})
        self.instance.fingerprint = print_
        self.instance.subject = name_of(certificate.subject)
        self.instance.issuer = name_of(certificate.issuer)
        self.instance.serial_number = format(certificate.serial_number, "x")
        self.instance.not_before = certificate.not_valid_before_utc
        self.instance.not_after = certificate.not_valid_after_utc
        return text


class MemberCertificateInline(admin.StackedInline):
    model = MemberCertificate
    form = MemberCertificateForm
    extra = 0
    fields = ("certificate_pem", "subject", "issuer", "serial_number", "not_before", "not_after", "fingerprint",
              "revoked_at")
    readonly_fields = ("subject", "issuer", "serial_number", "not_before", "not_after", "fingerprint")


@admin.register(Member)
class MemberAdmin(admin.ModelAdmin):
    list_display = ("identifier", "name", "agency", "address", "local", "active")
    list_filter = ("local", "active", "instance", "member_class")
    search_fields = ("member_code", "subsystem_code", "name")
    autocomplete_fields = ("agency",)
    list_select_related = ("agency",)
    inlines = (MemberCertificateInline,)
    readonly_fields = ("local", "created_at")
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    fieldsets = (
        (None, {"fields": ("instance", "member_class", "member_code", "subsystem_code", "name", "active")}),
        (_("Phạm vi dữ liệu, địa chỉ"), {"fields": ("agency", "address", "local", "created_at")}),
    )


class AuthorityForm(forms.ModelForm):
    crl_url = forms.URLField(label=_("địa chỉ danh sách thu hồi (CRL)"), required=False, assume_scheme="https")
    crl_file = forms.FileField(label=_("nạp danh sách thu hồi (CRL) từ tệp"), required=False,
                               help_text=_("Tệp CRL dạng DER hoặc PEM, ký bởi tổ chức cấp chứng thư này."))

    class Meta:
        model = CertificateAuthority
        fields = ("name", "certificate_pem", "crl_url", "active")

    def clean_certificate_pem(self):
        text = self.cleaned_data["certificate_pem"]
        try:
            certificate = load_certificate(text)
        except CertificateError as error:
            raise forms.ValidationError(error.message) from None
        self.instance.fingerprint = fingerprint(certificate)
        self.instance.subject = name_of(certificate.subject)
        self._certificate = certificate
        return text

    def clean_crl_file(self):
        upload = self.cleaned_data.get("crl_file")
        if not upload:
            return None
        if upload.size > 50 * 1024 * 1024:
            raise forms.ValidationError(_("Tệp CRL quá lớn."))
        data = upload.read()
        try:
            crl = load_crl(data)
            if hasattr(self, "_certificate"):
                check_crl(crl, self._certificate)
        except CertificateError as error:
            raise forms.ValidationError(error.message) from None
        return data


@admin.register(CertificateAuthority)
class CertificateAuthorityAdmin(admin.ModelAdmin):
    form = AuthorityForm
    list_display = ("name", "subject", "crl_next_update", "crl_fetched_at", "crl_error", "active")
    readonly_fields = ("fingerprint", "subject", "crl_this_update", "crl_next_update", "crl_fetched_at", "crl_error")
    fields = ("name", "certificate_pem", "crl_url", "crl_file", "active", *readonly_fields)
    actions = ["refresh"]

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        data = form.cleaned_data.get("crl_file")
        if data:
            try:
                services.store_crl(obj, data)
            except services.ExchangeError as error:
                self.message_user(request, error.message, messages.ERROR)

    @admin.action(description=_("Tải lại danh sách thu hồi (CRL) từ địa chỉ đã khai"))
    def refresh(self, request, queryset):
        for authority in queryset:
            try:
                services.refresh_crl(authority)
                self.message_user(request, _("%(name)s: đã cập nhật CRL.") % {"name": authority.name})
            except services.ExchangeError as error:
                self.message_user(request, error.message, messages.ERROR)


# -- services and access rights ---------------------------------------------------------------------------

@admin.register(Service)
class ServiceAdmin(admin.ModelAdmin):
    list_display = ("code", "title", "enabled", "disabled_notice", "available")
    list_editable = ("enabled", "disabled_notice")
    readonly_fields = ("code", "title", "available", "endpoints")
    fields = ("code", "title", "endpoints", "enabled", "disabled_notice", "available")
    search_fields = ("code", "title")

    def has_add_permission(self, request):
        return False  # services are defined by the modules (tinhso.exchange.registry)

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description=_("điểm truy cập"))
    def endpoints(self, obj):
        offered = registry.get(obj.code)
        return ", ".join(f"{e.method} {e.path}" for e in offered.endpoints) if offered else "—"


class AccessRightForm(forms.ModelForm):
    class Meta:
        model = AccessRight
        fields = ("client", "service", "method", "path", "note")

    def clean(self):
        data = super().clean()
        service = data.get("service")
        if service is not None:
            try:
                endpoint = services.check_endpoint(service.code, data.get("method") or "*", data.get("path") or "/**")
            except services.ExchangeError as error:
                raise forms.ValidationError({"path": error.message}) from None
            data["method"], data["path"] = endpoint.method, endpoint.path
        return data


@admin.register(AccessRight)
class AccessRightAdmin(admin.ModelAdmin):
    form = AccessRightForm
    list_display = ("client", "service", "method", "path", "note", "granted_at", "granted_by")
    list_filter = ("service",)
    search_fields = ("client__member_code", "client__subsystem_code", "client__name", "note")
    autocomplete_fields = ("client",)
    list_select_related = ("client", "service", "granted_by")

    def save_model(self, request, obj, form, change):
        if not change:
            obj.granted_by = request.user
        super().save_model(request, obj, form, change)


# -- what the platform writes -----------------------------------------------------------------------------

@admin.register(MessageRecord)
class MessageRecordAdmin(ReadOnlyAdmin):
    list_display = ("at", "direction", "kind", "client", "service", "method", "status", "error_type", "position")
    list_filter = ("direction", "kind")
    search_fields = ("message_id", "request_id", "client", "service")
    date_hierarchy = "at"
    exclude = ("body",)
    list_select_related = ("seal",)


@admin.register(LogSeal)
class LogSealAdmin(ReadOnlyAdmin):
    list_display = ("first_position", "last_position", "closed_at", "timestamped_at", "tsa", "attempts", "last_error")
    exclude = ("token", "manifest")


@admin.register(OutboxEntry)
class OutboxEntryAdmin(ReadOnlyAdmin):
    list_display = ("dossier_code", "action", "to_state", "event_at", "status", "attempts", "next_attempt_at",
                    "last_error", "delivered_at")
    list_filter = ("status",)
    search_fields = ("dossier_code",)
    actions = ["retry"]

    @admin.action(description=_("Gửi lại các thay đổi gửi lỗi đã chọn"), permissions=["view"])
    def retry(self, request, queryset):
        count = outbox.retry(list(queryset.filter(status=OutboxStatus.DEAD)), by=request.user)
        self.message_user(request, _("Đã đưa %(count)d thay đổi vào hàng đợi gửi lại.") % {"count": count})


@admin.register(CatalogueSync)
class CatalogueSyncAdmin(ReadOnlyAdmin):
    list_display = ("started_at", "finished_at", "ok", "created", "versioned", "unchanged", "refused", "error")
