"""A citizen's account data: the profile that prefills applications, and pending phone verifications."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from tinhso.dossiers.models import validate_citizen_id
from tinhso.portal.accounts.phones import validate_phone


class CitizenProfile(models.Model):
    """Who a citizen is, as they file: read by online filing to prefill the applicant."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="citizen_profile",
        verbose_name="tài khoản",
    )
    full_name = models.CharField("họ và tên", max_length=150)
    id_number = models.CharField(
        "số định danh cá nhân", max_length=12, blank=True, validators=[validate_citizen_id],
        help_text="Số căn cước / định danh cá nhân gồm 12 chữ số.",
    )
    id_verified = models.BooleanField(
        "đã xác thực qua VNeID", default=False,
        help_text="Số định danh do Cổng dịch vụ công quốc gia (VNeID) cung cấp, không sửa được.",
    )
    phone = models.CharField("số điện thoại", max_length=10, blank=True, validators=[validate_phone])
    phone_verified = models.BooleanField("đã xác minh số điện thoại", default=False)
    email_verified = models.BooleanField("đã xác minh email", default=False)
    pending_email = models.EmailField(
        "email mới chờ xác minh", blank=True,
        help_text="Email mới chỉ thay email cũ sau khi chủ tài khoản bấm liên kết xác minh.",
    )
    address = models.CharField("địa chỉ", max_length=255, blank=True)
    commune = models.ForeignKey(
        "geo.Commune", on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        verbose_name="xã, phường, đặc khu",
    )
    # The language of the notices sent to the citizen (e-mail, SMS, notifications kept in the account):
    # the one they registered in, then as they choose on their profile.
    language = models.CharField("ngôn ngữ nhận thông báo", max_length=8, choices=settings.LANGUAGES,
                                default="vi")
    created_at = models.DateTimeField("ngày tạo", auto_now_add=True)
    updated_at = models.DateTimeField("ngày cập nhật", auto_now=True)

    class Meta:
        verbose_name = "hồ sơ công dân"
        verbose_name_plural = "hồ sơ công dân"
        constraints = [
            # One account per person known to the national identity system; self-declared numbers are not
            # trusted enough to be unique (anyone can type someone else's).
            models.UniqueConstraint(
                fields=["id_number"], condition=Q(id_verified=True), name="citizens_verified_id_unique",
            ),
            models.UniqueConstraint(
                fields=["phone"], condition=Q(phone_verified=True), name="citizens_verified_phone_unique",
            ),
        ]

    def __str__(self) -> str:
        return self.full_name

    @property
    def email(self) -> str:
        """The verified address the citizen signs in and receives mail with."""
        return self.user.email


class PhoneVerification(models.Model):
    """A 6-digit code sent by SMS to prove a phone number: kept hashed, expiring, with few attempts."""

    MAX_ATTEMPTS = 5

    profile = models.ForeignKey(CitizenProfile, on_delete=models.CASCADE, related_name="phone_verifications")
    phone = models.CharField("số điện thoại", max_length=10)
    code_hash = models.CharField(max_length=128)
    expires_at = models.DateTimeField("hết hạn lúc")
    attempts = models.PositiveSmallIntegerField("số lần nhập sai", default=0)
    used_at = models.DateTimeField("đã dùng lúc", null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "mã xác minh số điện thoại"
        verbose_name_plural = "mã xác minh số điện thoại"
        indexes = [models.Index(fields=["phone", "created_at"])]

    def __str__(self) -> str:
        return f"{self.phone} ({self.created_at:%d/%m/%Y %H:%M})"
