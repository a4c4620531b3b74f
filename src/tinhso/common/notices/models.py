"""A notice to one person, and its deliveries: one per channel that sends (e-mail, SMS).

The notice is the in-app list's entry too (``in_app``: shown in the account's list until deleted with the
account). Each delivery is tried on the task queue, claimed by one worker at a time, retried with backoff,
and ends ``sent`` or ``failed``; a failed one is listed for administrators, who resend it.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from tinhso.common.notices.channels import EMAIL, SMS
from tinhso.common.notices.masking import mask_destination


class Notice(models.Model):
    """What one person is told: subject, text, SMS text, a link and the record it concerns."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE,
                             related_name="notices", verbose_name=_("tài khoản nhận"))
    name = models.CharField(_("người nhận"), max_length=150, blank=True)
    language = models.CharField(_("ngôn ngữ"), max_length=8, default="vi")
    kind = models.CharField(_("loại"), max_length=64, blank=True,
                            help_text=_("Phân hệ và việc gửi thông báo, ví dụ dossiers.event."))
    subject = models.CharField(_("tiêu đề"), max_length=255)
    text = models.TextField(_("nội dung"), blank=True)
    sms_text = models.TextField(_("nội dung tin nhắn"), blank=True)
    link = models.CharField(_("liên kết"), max_length=500, blank=True)
    concerns_type = models.ForeignKey(ContentType, null=True, blank=True, on_delete=models.SET_NULL,
                                      related_name="+", verbose_name=_("loại đối tượng liên quan"))
    concerns_id = models.CharField(_("mã đối tượng liên quan"), max_length=64, blank=True)
    concerns = GenericForeignKey("concerns_type", "concerns_id")
    # directory.Agency's key, kept without a foreign key so that common stays below directory: the agency on
    # whose behalf the notice is sent (its numbers in the operations centre are scoped by it).
    agency_id = models.BigIntegerField(_("cơ quan gửi"), null=True, blank=True, db_index=True)
    # Sent once: a second notice with the same key is not created (digests, a task run twice).
    key = models.CharField(_("khoá chống gửi trùng"), max_length=255, null=True, blank=True, unique=True)
    in_app = models.BooleanField(_("hiện trong mục thông báo"), default=False)
    secret = models.BooleanField(_("có mã bảo mật"), default=False,
                                 help_text=_("Nội dung (mã, liên kết dùng một lần) bị xoá khi gửi xong."))
    expires_at = models.DateTimeField(_("hết hiệu lực lúc"), null=True, blank=True)
    created_at = models.DateTimeField(_("tạo lúc"), default=timezone.now)
    read_at = models.DateTimeField(_("đã đọc lúc"), null=True, blank=True)

    class Meta:
        verbose_name = _("thông báo")
        verbose_name_plural = _("thông báo")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["user", "-created_at"], condition=Q(in_app=True), name="notices_inbox"),
            models.Index(fields=["user"], condition=Q(in_app=True, read_at__isnull=True), name="notices_unread"),
            models.Index(fields=["concerns_type", "concerns_id"], name="notices_concerns"),
        ]

    def __str__(self) -> str:
        return self.subject

    @property
    def is_read(self) -> bool:
        return self.read_at is not None

    @property
    def href(self) -> str:
        """The link as a page may show it: a path of this site or a web address, nothing else."""
        link = self.link
        if (link.startswith("/") and not link.startswith("//")) or link.startswith(("https://", "http://")):
            return link
        return ""


class Delivery(models.Model):
    """One channel's delivery of a notice to one address."""

    class Channel(models.TextChoices):
        EMAIL = EMAIL, _("Thư điện tử")
        SMS = SMS, _("Tin nhắn SMS")

    class Status(models.TextChoices):
        PENDING = "pending", _("Đang chờ gửi")
        SENT = "sent", _("Đã gửi")
        FAILED = "failed", _("Gửi không thành công")

    notice = models.ForeignKey(Notice, on_delete=models.CASCADE, related_name="deliveries",
                               verbose_name=_("thông báo"))
    channel = models.CharField(_("kênh"), max_length=8, choices=Channel.choices)
    destination = models.CharField(_("địa chỉ nhận"), max_length=254)
    status = models.CharField(_("trạng thái"), max_length=8, choices=Status.choices, default=Status.PENDING)
    agency_id = models.BigIntegerField(_("cơ quan gửi"), null=True, blank=True)  # the notice's, for counting
    attempts = models.PositiveSmallIntegerField(_("số lần thử"), default=0)
    next_attempt_at = models.DateTimeField(_("thử lại lúc"), default=timezone.now)
    # A worker holds the delivery while it sends (lease), so no other worker sends it at the same time.
    claimed_until = models.DateTimeField(_("đang gửi đến"), null=True, blank=True)
    claim_token = models.CharField(max_length=32, blank=True, editable=False)
    segments = models.PositiveSmallIntegerField(_("số phần tin nhắn"), null=True, blank=True)
    last_error = models.CharField(_("lỗi gần nhất"), max_length=500, blank=True)
    permanent = models.BooleanField(_("lỗi không thể thử lại"), default=False)
    history = models.JSONField(_("các lần thử"), default=list, blank=True)
    resent_count = models.PositiveSmallIntegerField(_("số lần gửi lại"), default=0)
    created_at = models.DateTimeField(_("tạo lúc"), default=timezone.now)
    sent_at = models.DateTimeField(_("gửi được lúc"), null=True, blank=True)
    failed_at = models.DateTimeField(_("thất bại lúc"), null=True, blank=True)

    class Meta:
        verbose_name = _("lượt gửi thông báo")
        verbose_name_plural = _("lượt gửi thông báo")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["status", "next_attempt_at"], name="notices_due"),
            models.Index(fields=["status", "sent_at"], name="notices_sent"),
            models.Index(fields=["status", "failed_at"], name="notices_failed"),
            models.Index(fields=["agency_id", "status"], name="notices_agency"),
        ]

    def __str__(self) -> str:
        return f"{self.get_channel_display()} → {self.masked_destination}"

    @property
    def masked_destination(self) -> str:
        return mask_destination(self.channel, self.destination)


class DeliveryMonth(models.Model):
    """Deliveries sent and failed in one month (Vietnam's dates), on behalf of one agency: the small table the
    operations centre's numbers read (a year is a few thousand rows whatever the volume), kept in the same
    transaction as each outcome (a resent delivery leaves the failed count of the month it failed).
    ``tinhso notices recount`` rebuilds it from the deliveries."""

    month = models.DateField(_("tháng"), help_text=_("Ngày đầu tháng."))
    agency_key = models.BigIntegerField(_("cơ quan gửi"), help_text=_("0: không thuộc cơ quan nào."))
    sent = models.IntegerField(_("đã gửi"), default=0)
    failed = models.IntegerField(_("không thành công"), default=0)

    class Meta:
        verbose_name = _("số lượt gửi trong tháng")
        verbose_name_plural = _("số lượt gửi trong tháng")
        constraints = [models.UniqueConstraint(fields=["month", "agency_key"], name="notices_month_key")]
        indexes = [models.Index(fields=["agency_key", "month"], name="notices_month_agency")]

    def __str__(self) -> str:
        return f"{self.month:%m/%Y} {self.agency_key}: {self.sent}/{self.failed}"
