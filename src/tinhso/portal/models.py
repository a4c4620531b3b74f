"""The portal's own records: online-filing drafts with their uploaded papers (the account's notices are the
notice service's, ``tinhso.common.notices``).

Dossiers themselves belong to the one-stop engine (``tinhso.dossiers``); a draft becomes a dossier only
through ``dossiers.services.submit_online`` and is deleted then.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone


class Draft(models.Model):
    """An online application being prepared (hồ sơ lưu nháp): saved at every step, resumable later."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="filing_drafts",
                             verbose_name="tài khoản")
    procedure_version = models.ForeignKey("catalogue.ProcedureVersion", on_delete=models.CASCADE,
                                          related_name="+", verbose_name="thủ tục (phiên bản)")
    # {"applicant": {...}, "receiving_agency": <pk>, "eform": {...}, "step": "<last step reached>"}
    data = models.JSONField("dữ liệu đã nhập", default=dict, blank=True)
    created_at = models.DateTimeField("tạo lúc", auto_now_add=True)
    updated_at = models.DateTimeField("lưu lúc", auto_now=True)

    class Meta:
        verbose_name = "hồ sơ lưu nháp"
        verbose_name_plural = "hồ sơ lưu nháp"
        ordering = ["-updated_at", "-id"]
        indexes = [models.Index(fields=["user", "-updated_at"])]

    def __str__(self) -> str:
        return f"{self.user_id} · {self.procedure_version_id} · {self.updated_at:%d/%m/%Y %H:%M}"


def draft_file_path(instance: DraftFile, filename: str) -> str:
    # The stored name never comes from the uploader.
    return f"drafts/{uuid.uuid4().hex}"


class DraftFile(models.Model):
    """A paper uploaded into a draft, already checked by content, size and name (common.uploads)."""

    draft = models.ForeignKey(Draft, on_delete=models.CASCADE, related_name="files", verbose_name="bản nháp")
    required_document = models.ForeignKey("catalogue.RequiredDocument", null=True, blank=True,
                                          on_delete=models.SET_NULL, related_name="+",
                                          verbose_name="thành phần hồ sơ")
    file = models.FileField("tệp", upload_to=draft_file_path, max_length=255)
    original_name = models.CharField("tên tệp", max_length=255)
    content_type = models.CharField("kiểu nội dung", max_length=100)
    size = models.PositiveBigIntegerField("kích thước (byte)")
    checksum = models.CharField("SHA-256", max_length=64)
    uploaded_at = models.DateTimeField("tải lên lúc", default=timezone.now)

    class Meta:
        verbose_name = "tệp của hồ sơ lưu nháp"
        verbose_name_plural = "tệp của hồ sơ lưu nháp"
        ordering = ["draft", "uploaded_at", "id"]

    def __str__(self) -> str:
        return self.original_name


class ResultAccessCode(models.Model):
    """A one-time code that opens a dossier's results to a visitor who tracked it without signing in.

    Tracking (code + 4 digits) proves enough to see the status, not to take a result carrying personal data
    (a criminal record, a civil status, a land title): that needs this code, sent to the applicant's phone
    or e-mail on file. Only its hash is kept; it expires, and a few wrong answers end it.
    """

    MAX_ATTEMPTS = 5

    dossier = models.ForeignKey("dossiers.Dossier", on_delete=models.CASCADE, related_name="+",
                                verbose_name="hồ sơ")
    code_hash = models.CharField("mã băm", max_length=128)
    expires_at = models.DateTimeField("hết hạn lúc")
    attempts = models.PositiveSmallIntegerField("số lần nhập sai", default=0)
    used_at = models.DateTimeField("đã dùng lúc", null=True, blank=True)
    created_at = models.DateTimeField("tạo lúc", default=timezone.now)

    class Meta:
        verbose_name = "mã nhận kết quả"
        verbose_name_plural = "mã nhận kết quả"
        indexes = [models.Index(fields=["dossier", "-created_at"])]

    def __str__(self) -> str:
        return f"{self.dossier_id} ({self.created_at:%d/%m/%Y %H:%M})"
