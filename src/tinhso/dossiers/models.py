"""The one-stop engine's records: dossiers, their steps along the route, events, documents and fees.

A dossier changes state only through ``tinhso.dossiers.services`` (one function per business action);
these models hold data and invariants. Rules: standards §2 (NĐ 61/2018, NĐ 118/2025, TT 01/2018).
"""

from __future__ import annotations

import hashlib
import secrets
import uuid

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from tinhso.catalogue.models import ProcedureVersion, RequiredDocument, StepRole


class State(models.TextChoices):
    SUBMITTED = "submitted", _("Mới nộp trực tuyến, chờ tiếp nhận")
    SUPPLEMENT_REQUESTED = "supplement_requested", _("Yêu cầu bổ sung, hoàn thiện hồ sơ")
    RECEIVED = "received", _("Đã tiếp nhận")
    IN_PROGRESS = "in_progress", _("Đang giải quyết")
    RESULT_READY = "result_ready", _("Có kết quả, chờ trả")
    RETURNED = "returned", _("Đã trả kết quả")
    REFUSED = "refused", _("Từ chối tiếp nhận, giải quyết")
    STOPPED = "stopped", _("Dừng giải quyết")
    WITHDRAWN = "withdrawn", _("Công dân rút hồ sơ")


TERMINAL_STATES = frozenset({State.RETURNED, State.REFUSED, State.STOPPED, State.WITHDRAWN})


class Channel(models.TextChoices):
    ONLINE = "online", _("Trực tuyến")
    COUNTER = "counter", _("Trực tiếp tại Bộ phận Một cửa")
    POST = "post", _("Qua dịch vụ bưu chính")


class ApplicantKind(models.TextChoices):
    PERSON = "person", _("Cá nhân")
    ORGANISATION = "organisation", _("Tổ chức, doanh nghiệp")


class ReturnMethod(models.TextChoices):
    DESK = "desk", _("Trả trực tiếp tại Bộ phận Một cửa")
    POST = "post", _("Trả qua dịch vụ bưu chính")
    ONLINE = "online", _("Trả kết quả điện tử")


class Dossier(models.Model):
    """One application by one applicant under one procedure version (hồ sơ)."""

    # TT 01/2018 Art. 19: <receiving agency identifier>-YYMMDD-XXXX, allocated in the receiving transaction.
    code = models.CharField("mã số hồ sơ", max_length=60, unique=True)
    # An unguessable handle for links (tracking pages, QR codes) that does not reveal the sequence.
    public_id = models.UUIDField("mã tra cứu", default=uuid.uuid4, unique=True, editable=False)
    procedure_version = models.ForeignKey(
        ProcedureVersion, on_delete=models.PROTECT, related_name="dossiers", verbose_name="thủ tục (phiên bản)"
    )
    # The agency and the state are read through the (agency, state) and (state, due) indexes below, whose
    # first columns serve a search by either alone: no index of their own to keep up on every transition.
    receiving_agency = models.ForeignKey(
        "directory.Agency", on_delete=models.PROTECT, related_name="received_dossiers",
        verbose_name="cơ quan tiếp nhận", db_index=False,
    )
    channel = models.CharField("hình thức nộp", max_length=10, choices=Channel.choices)
    state = models.CharField("trạng thái", max_length=24, choices=State.choices)
    version = models.PositiveIntegerField("phiên bản bản ghi", default=1)

    applicant_kind = models.CharField("loại người nộp", max_length=15, choices=ApplicantKind.choices,
                                      default=ApplicantKind.PERSON)
    applicant_name = models.CharField("họ tên / tên tổ chức", max_length=255)
    applicant_id_number = models.CharField("số định danh cá nhân", max_length=12, blank=True)
    applicant_tax_code = models.CharField("mã số thuế", max_length=14, blank=True)
    applicant_phone = models.CharField("số điện thoại", max_length=20, blank=True)
    applicant_email = models.EmailField("thư điện tử", blank=True)
    applicant_address = models.CharField("địa chỉ", max_length=500, blank=True)
    applicant_commune = models.ForeignKey(
        "geo.Commune", null=True, blank=True, on_delete=models.PROTECT, related_name="+",
        verbose_name="xã, phường, đặc khu",
    )
    applicant_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="dossiers",
        verbose_name="tài khoản công dân",
    )
    eform_data = models.JSONField("thông tin tờ khai điện tử", default=dict, blank=True)

    submitted_at = models.DateTimeField("thời điểm nộp", default=timezone.now)
    received_at = models.DateTimeField("thời điểm tiếp nhận", null=True, blank=True)
    # The moment the processing clock started: reception, or the arrival of a complete supplement (Art. 19).
    clock_started_at = models.DateTimeField("thời điểm bắt đầu tính thời hạn", null=True, blank=True)
    due_at = models.DateTimeField("hạn trả kết quả", null=True, blank=True, db_index=True)
    original_due_at = models.DateTimeField("hạn trả ban đầu (trước khi hẹn lại)", null=True, blank=True)
    apology_issued_at = models.DateTimeField("thời điểm xin lỗi, hẹn lại", null=True, blank=True)
    result_ready_at = models.DateTimeField("thời điểm có kết quả", null=True, blank=True)
    finished_at = models.DateTimeField("thời điểm kết thúc", null=True, blank=True, db_index=True)
    return_method = models.CharField("hình thức trả kết quả", max_length=10, choices=ReturnMethod.choices,
                                     blank=True)
    # What the applicant registered at filing (form 01, item 6): the desk's default when it returns the result.
    requested_return_method = models.CharField("hình thức nhận kết quả đã đăng ký", max_length=10,
                                               choices=ReturnMethod.choices, blank=True, default="")
    # How many copies of the result the applicant asks for: fee lines charged per copy count them.
    copies = models.PositiveSmallIntegerField("số bản kết quả đề nghị cấp", default=1, db_default=1)
    current_step = models.ForeignKey(
        "DossierStep", null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
        verbose_name="bước hiện tại",
    )
    # QĐ 766 digitisation: set when the dossier is received (every required component held as a file) and
    # when its result is handed over (the result itself is held as a file). Fixed at that moment, so the
    # indicators counted from them never change with later uploads.
    digitised = models.BooleanField("thành phần hồ sơ đã số hóa khi tiếp nhận", default=False, db_default=False)
    result_digitised = models.BooleanField("kết quả đã số hóa khi trả", default=False, db_default=False)
    supplement_count = models.PositiveSmallIntegerField("số lần yêu cầu bổ sung", default=0)
    # The state a supplement request interrupted, to resume once the complete dossier arrives.
    state_before_supplement = models.CharField(max_length=24, choices=State.choices, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "hồ sơ"
        verbose_name_plural = "hồ sơ"
        ordering = ["-submitted_at", "-id"]
        indexes = [
            models.Index(fields=["receiving_agency", "state"]),
            models.Index(fields=["state", "due_at"]),
            # The desk's receiving queue at scale (bench/README.md, desk-queue): the online dossiers waiting for
            # reception, by agency in order of submission.
            models.Index(fields=["receiving_agency", "submitted_at", "id"], name="dossier_waiting_idx",
                         condition=models.Q(state="submitted")),
        ]

    def __str__(self) -> str:
        return self.code

    @property
    def is_terminal(self) -> bool:
        return self.state in TERMINAL_STATES

    @property
    def masked_id_number(self) -> str:
        """The personal ID shown in lists and logs: only the last 4 digits."""
        return mask_id_number(self.applicant_id_number)


def mask_id_number(value: str) -> str:
    if not value:
        return ""
    return "•" * max(len(value) - 4, 0) + value[-4:]


class StepState(models.TextChoices):
    PENDING = "pending", _("Chưa đến lượt")
    ACTIVE = "active", _("Đang thực hiện")
    DONE = "done", _("Đã hoàn thành")
    SENT_BACK = "sent_back", _("Bị trả lại")
    CANCELLED = "cancelled", _("Huỷ")


class DossierStep(models.Model):
    """One step of the dossier's route: copied from the procedure version at reception, with its due moment."""

    dossier = models.ForeignKey(Dossier, on_delete=models.CASCADE, related_name="steps", verbose_name="hồ sơ")
    order = models.PositiveSmallIntegerField("thứ tự")
    role = models.CharField("vai trò", max_length=10, choices=StepRole.choices)
    agency = models.ForeignKey(  # read through the (agency, state) index below
        "directory.Agency", on_delete=models.PROTECT, related_name="dossier_steps",
        verbose_name="cơ quan thực hiện", null=True, blank=True, db_index=False,
    )
    partner = models.CharField("cơ quan phối hợp ngoài danh bạ", max_length=255, blank=True)
    description = models.CharField("nội dung công việc", max_length=500, blank=True)
    share = models.PositiveIntegerField("thời gian được giao")
    state = models.CharField("trạng thái", max_length=10, choices=StepState.choices, default=StepState.PENDING)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="dossier_steps",
        verbose_name="người xử lý",
    )
    started_at = models.DateTimeField("bắt đầu", null=True, blank=True)
    due_at = models.DateTimeField("hạn hoàn thành", null=True, blank=True)
    finished_at = models.DateTimeField("hoàn thành", null=True, blank=True)

    class Meta:
        verbose_name = "bước xử lý"
        verbose_name_plural = "các bước xử lý"
        ordering = ["dossier", "order", "id"]
        indexes = [
            models.Index(fields=["agency", "state"]),
            # The desk's work queues at scale (bench/README.md, desk-queue): the active steps of a role in due
            # order, read until a page of the officer's queue is full.
            models.Index(fields=["role", "due_at", "id"], name="step_active_due_idx",
                         condition=models.Q(state="active")),
        ]

    def __str__(self) -> str:
        return f"{self.dossier_id}/{self.order} {self.get_role_display()}"

    @property
    def place(self) -> str:
        """Where the step is done: the partner outside the directory when it has one (``agency`` is then the
        agency that hands the dossier over and receives the answer), else its agency."""
        if self.partner:
            return self.partner
        return self.agency.name if self.agency_id else ""


class DossierEvent(models.Model):
    """One line of the dossier's history: who did what, when, from which state to which."""

    dossier = models.ForeignKey(Dossier, on_delete=models.CASCADE, related_name="events", verbose_name="hồ sơ")
    at = models.DateTimeField("thời điểm", default=timezone.now)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
        verbose_name="người thực hiện",
    )
    actor_label = models.CharField("người thực hiện (lưu)", max_length=255, blank=True)
    action = models.CharField("thao tác", max_length=40)
    from_state = models.CharField("từ trạng thái", max_length=24, choices=State.choices, blank=True)
    to_state = models.CharField("sang trạng thái", max_length=24, choices=State.choices)
    step = models.ForeignKey(DossierStep, null=True, blank=True, on_delete=models.SET_NULL, related_name="events",
                             verbose_name="bước")
    agency = models.ForeignKey("directory.Agency", null=True, blank=True, on_delete=models.PROTECT,
                               related_name="+", verbose_name="cơ quan")
    note = models.TextField("ghi chú", blank=True)
    data = models.JSONField("dữ liệu", default=dict, blank=True)

    class Meta:
        verbose_name = "sự kiện hồ sơ"
        verbose_name_plural = "lịch sử hồ sơ"
        ordering = ["dossier", "at", "id"]
        indexes = [models.Index(fields=["action", "at"])]

    def __str__(self) -> str:
        return f"{self.dossier_id} {self.action} {self.from_state}→{self.to_state}"


class DocumentKind(models.TextChoices):
    APPLICANT = "applicant", _("Giấy tờ người nộp")
    SUPPLEMENT = "supplement", _("Giấy tờ bổ sung")
    RESULT = "result", _("Kết quả giải quyết")
    FORM = "form", _("Biểu mẫu do hệ thống lập")


def document_path(instance: DossierDocument, filename: str) -> str:
    # The stored name never comes from the uploader: a random name under the dossier's own folder.
    return f"dossiers/{instance.dossier.public_id}/{uuid.uuid4().hex}"


class DossierDocument(models.Model):
    dossier = models.ForeignKey(Dossier, on_delete=models.CASCADE, related_name="documents", verbose_name="hồ sơ")
    required_document = models.ForeignKey(
        RequiredDocument, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
        verbose_name="thành phần hồ sơ",
    )
    kind = models.CharField("loại", max_length=12, choices=DocumentKind.choices, default=DocumentKind.APPLICANT)
    file = models.FileField("tệp", upload_to=document_path, max_length=255)
    original_name = models.CharField("tên tệp", max_length=255)
    content_type = models.CharField("kiểu nội dung", max_length=100)
    size = models.PositiveBigIntegerField("kích thước (byte)")
    checksum = models.CharField("SHA-256", max_length=64)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
        verbose_name="người tải lên",
    )
    uploaded_at = models.DateTimeField("thời điểm tải lên", default=timezone.now)

    class Meta:
        verbose_name = "tài liệu hồ sơ"
        verbose_name_plural = "tài liệu hồ sơ"
        ordering = ["dossier", "uploaded_at", "id"]

    def __str__(self) -> str:
        return self.original_name


class DossierFee(models.Model):
    """A fee line owed on the dossier, charged at submission from the procedure version's line by its rule
    (per dossier, per copy, per copy beyond those included: ``catalogue.models.fee_quantity``):
    ``amount`` = ``unit_amount`` × ``quantity``, or 0 once an officer records the applicant's exemption."""

    dossier = models.ForeignKey(Dossier, on_delete=models.CASCADE, related_name="fees", verbose_name="hồ sơ")
    description = models.CharField("nội dung", max_length=500)
    amount = models.PositiveBigIntegerField("số tiền (đồng)")
    unit_amount = models.PositiveBigIntegerField("mức thu (đồng)", default=0, db_default=0)
    quantity = models.PositiveSmallIntegerField("số lần tính", default=1, db_default=1)
    exemption = models.CharField("đối tượng được miễn", max_length=500, blank=True, default="", db_default="")
    exemption_ground = models.CharField("căn cứ miễn", max_length=500, blank=True, default="", db_default="")

    class Meta:
        verbose_name = "phí, lệ phí"
        verbose_name_plural = "phí, lệ phí"

    def __str__(self) -> str:
        return f"{self.description}: {self.amount:,} đ"


class PaymentChannel(models.TextChoices):
    CASH = "cash", _("Tiền mặt")
    TRANSFER = "transfer", _("Chuyển khoản")
    ONLINE = "online", _("Thanh toán trực tuyến")


class Payment(models.Model):
    dossier = models.ForeignKey(Dossier, on_delete=models.CASCADE, related_name="payments", verbose_name="hồ sơ")
    amount = models.PositiveBigIntegerField("số tiền (đồng)")
    channel = models.CharField("hình thức", max_length=10, choices=PaymentChannel.choices)
    receipt_number = models.CharField("số biên lai", max_length=60, blank=True)
    paid_at = models.DateTimeField("thời điểm nộp", default=timezone.now)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
        verbose_name="người ghi nhận",
    )

    class Meta:
        verbose_name = "thanh toán"
        verbose_name_plural = "thanh toán"

    def __str__(self) -> str:
        return f"{self.amount:,} đ ({self.get_channel_display()})"


class ApiToken(models.Model):
    """A token for a machine client acting for one agency; only its hash is stored."""

    agency = models.ForeignKey("directory.Agency", on_delete=models.CASCADE, related_name="api_tokens",
                               verbose_name="cơ quan")
    name = models.CharField("tên", max_length=100)
    prefix = models.CharField("tiền tố", max_length=8, editable=False)
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+", verbose_name="người tạo")
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField("thu hồi lúc", null=True, blank=True)

    class Meta:
        verbose_name = "khoá API của cơ quan"
        verbose_name_plural = "khoá API của cơ quan"

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @staticmethod
    def hash(raw: str) -> str:
        return hashlib.sha256(raw.encode()).hexdigest()

    @classmethod
    def issue(cls, agency, name: str, created_by=None) -> tuple[ApiToken, str]:
        """Create a token and return it with the raw secret, which is shown once and never stored."""
        raw = "ts_" + secrets.token_urlsafe(32)
        token = cls.objects.create(agency=agency, name=name, prefix=raw[:8], token_hash=cls.hash(raw),
                                   created_by=created_by)
        return token, raw


class IdempotencyKey(models.Model):
    """A client's Idempotency-Key: a retried submission returns the dossier the first one created."""

    key = models.CharField(max_length=100)
    client = models.CharField("khách", max_length=100)  # "token:<id>" or "user:<id>"
    request_hash = models.CharField(max_length=64)
    dossier = models.ForeignKey(Dossier, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["client", "key"], name="idempotency_key_per_client")]

    def __str__(self) -> str:
        return f"{self.client}:{self.key}"


def validate_citizen_id(value: str) -> None:
    """A 12-digit citizen ID (CCCD): province code 001–096, century/sex digit, year of birth."""
    if not value.isdigit() or len(value) != 12:
        raise ValidationError(_("Số định danh cá nhân phải gồm đúng 12 chữ số."), code="citizen_id")
    if not 1 <= int(value[:3]) <= 96:
        raise ValidationError(_("Ba chữ số đầu của số định danh cá nhân không phải mã tỉnh hợp lệ (001–096)."),
                              code="citizen_id")
