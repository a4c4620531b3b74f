"""The gateway's records: members and their certificates, the trusted CAs with the CRLs the platform keeps,
the services offered with the access rights granted on them, the message log with its seals, and the
national-portal outbox with the catalogue pulls."""

from __future__ import annotations

import hashlib

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from tinhso.exchange.identifiers import ClientId, IdentifierError, check_part


def _check(name: str, value: str) -> None:
    from django.core.exceptions import ValidationError

    try:
        check_part(name, value)
    except IdentifierError as error:
        raise ValidationError(error.message) from None


def validate_instance(value: str) -> None:
    _check("instance", value)


def validate_member_class(value: str) -> None:
    _check("member_class", value)


def validate_member_code(value: str) -> None:
    _check("member_code", value)


def validate_subsystem_code(value: str) -> None:
    _check("subsystem_code", value)


class Member(models.Model):
    """A member of the exchange (``subsystem_code`` empty) or one of its subsystems, identified as in X-Road.

    ``local`` marks this deployment's own subsystems (the providers of the services offered here).
    ``agency`` is the agency whose data the member may read through scoped services (that agency and the
    units below it); ``address`` is where its services are called (its gateway or security server).
    """

    instance = models.CharField(_("mã hệ thống (instance)"), max_length=255, validators=[validate_instance])
    member_class = models.CharField(_("loại thành viên"), max_length=255, validators=[validate_member_class])
    member_code = models.CharField(_("mã thành viên"), max_length=255, validators=[validate_member_code],
                                   help_text=_("Với cơ quan nhà nước: mã định danh điện tử QĐ 20/2020/QĐ-TTg."))
    subsystem_code = models.CharField(_("mã phân hệ"), max_length=255, blank=True,
                                      validators=[validate_subsystem_code],
                                      help_text=_("Để trống nếu là thành viên (không phải phân hệ)."))
    name = models.CharField(_("tên"), max_length=255)
    agency = models.ForeignKey(
        "directory.Agency", null=True, blank=True, on_delete=models.PROTECT, related_name="+",
        verbose_name=_("phạm vi dữ liệu (cơ quan)"),
        help_text=_("Thành viên xem được dữ liệu của cơ quan này và các đơn vị trực thuộc qua các dịch vụ có "
                    "phạm vi (ví dụ tình trạng hồ sơ). Để trống: không xem được dữ liệu có phạm vi."),
    )
    address = models.URLField(_("địa chỉ cổng kết nối"), blank=True,
                              help_text=_("Địa chỉ gốc để gọi dịch vụ của thành viên, ví dụ https://ss.example.gov.vn"))
    local = models.BooleanField(_("phân hệ của nền tảng này"), default=False)
    active = models.BooleanField(_("đang hoạt động"), default=True)
    created_at = models.DateTimeField(_("tạo lúc"), default=timezone.now)

    class Meta:
        verbose_name = _("thành viên kết nối")
        verbose_name_plural = _("thành viên kết nối")
        ordering = ["instance", "member_class", "member_code", "subsystem_code"]
        constraints = [
            models.UniqueConstraint(fields=["instance", "member_class", "member_code", "subsystem_code"],
                                    name="exchange_member_unique_identifier"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.identifier})"

    @property
    def client_id(self) -> ClientId:
        return ClientId(self.instance, self.member_class, self.member_code, self.subsystem_code)

    @property
    def identifier(self) -> str:
        return "/".join(p for p in (self.instance, self.member_class, self.member_code, self.subsystem_code) if p)


class CertificateAuthority(models.Model):
    """A CA whose certificates the gateway accepts from members, with its CRL as last fetched."""

    name = models.CharField(_("tên"), max_length=255)
    certificate_pem = models.TextField(_("chứng thư (PEM)"))
    fingerprint = models.CharField(_("vân tay SHA-256"), max_length=64, unique=True, editable=False)
    subject = models.CharField(_("chủ thể"), max_length=500, editable=False)
    crl_url = models.URLField(_("địa chỉ danh sách thu hồi (CRL)"), blank=True)
    crl_der = models.BinaryField(_("danh sách thu hồi (DER)"), null=True, blank=True, editable=False)
    crl_this_update = models.DateTimeField(_("CRL phát hành lúc"), null=True, blank=True, editable=False)
    crl_next_update = models.DateTimeField(_("CRL cập nhật tiếp trước"), null=True, blank=True, editable=False)
    crl_fetched_at = models.DateTimeField(_("CRL tải về lúc"), null=True, blank=True, editable=False)
    crl_error = models.CharField(_("lỗi tải CRL gần nhất"), max_length=500, blank=True, editable=False)
    active = models.BooleanField(_("tin cậy"), default=True)

    class Meta:
        verbose_name = _("tổ chức cấp chứng thư tin cậy")
        verbose_name_plural = _("tổ chức cấp chứng thư tin cậy")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class MemberCertificate(models.Model):
    """A TLS client certificate registered to a member (any of its subsystems) or to one subsystem."""

    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="certificates",
                               verbose_name=_("thành viên"))
    certificate_pem = models.TextField(_("chứng thư (PEM)"))
    fingerprint = models.CharField(_("vân tay SHA-256"), max_length=64, unique=True, editable=False)
    subject = models.CharField(_("chủ thể"), max_length=500, editable=False)
    issuer = models.CharField(_("tổ chức cấp"), max_length=500, editable=False)
    serial_number = models.CharField(_("số hiệu"), max_length=80, editable=False)
    not_before = models.DateTimeField(_("hiệu lực từ"), editable=False)
    not_after = models.DateTimeField(_("hiệu lực đến"), editable=False)
    added_at = models.DateTimeField(_("đăng ký lúc"), default=timezone.now, editable=False)
    revoked_at = models.DateTimeField(_("thu hồi lúc"), null=True, blank=True,
                                      help_text=_("Đặt thời điểm để ngừng chấp nhận chứng thư ngay."))

    class Meta:
        verbose_name = _("chứng thư của thành viên")
        verbose_name_plural = _("chứng thư của thành viên")
        ordering = ["member", "-not_after"]

    def __str__(self) -> str:
        return f"{self.subject} ({self.fingerprint[:16]}…)"


class Service(models.Model):
    """A service offered by this deployment (defined in code by a module, see ``registry``): the row holds
    what an administrator decides about it."""

    code = models.CharField(_("mã dịch vụ"), max_length=255, unique=True)
    title = models.CharField(_("tên dịch vụ"), max_length=255)
    enabled = models.BooleanField(_("đang cung cấp"), default=True)
    disabled_notice = models.CharField(_("thông báo khi tạm dừng"), max_length=300, blank=True)
    available = models.BooleanField(_("có trong phiên bản đang chạy"), default=True, editable=False)

    class Meta:
        verbose_name = _("dịch vụ cung cấp")
        verbose_name_plural = _("dịch vụ cung cấp")
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.title} ({self.code})"


class AccessRight(models.Model):
    """``client`` may call ``service``: every endpoint (``*`` and ``/**``) or one method and path pattern."""

    client = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="access_rights",
                               verbose_name=_("bên được gọi dịch vụ"))
    service = models.ForeignKey(Service, on_delete=models.CASCADE, related_name="access_rights",
                                verbose_name=_("dịch vụ"))
    method = models.CharField(_("phương thức"), max_length=10, default="*",
                              help_text=_("GET, POST… hoặc * cho mọi phương thức."))
    path = models.CharField(_("đường dẫn"), max_length=255, default="/**",
                            help_text=_("Mẫu đường dẫn trong dịch vụ: * thay một đoạn, /** cho mọi đường dẫn."))
    granted_at = models.DateTimeField(_("cấp lúc"), default=timezone.now, editable=False)
    granted_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+", verbose_name=_("người cấp"), editable=False)
    note = models.CharField(_("căn cứ, ghi chú"), max_length=300, blank=True,
                            help_text=_("Ví dụ: văn bản đồng ý chia sẻ dữ liệu."))

    class Meta:
        verbose_name = _("quyền truy cập dịch vụ")
        verbose_name_plural = _("quyền truy cập dịch vụ")
        ordering = ["service", "client", "method", "path"]
        constraints = [
            models.UniqueConstraint(fields=["client", "service", "method", "path"],
                                    name="exchange_access_right_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.client.identifier} → {self.service.code} {self.method} {self.path}"


# -- the message log -------------------------------------------------------------------------------------

class Direction(models.TextChoices):
    SERVED = "served", _("Nền tảng cung cấp")
    MADE = "made", _("Nền tảng gọi")


class MessageKind(models.TextChoices):
    REQUEST = "request", _("Yêu cầu")
    RESPONSE = "response", _("Trả lời")


class MessageRecord(models.Model):
    """One request or response through the gateway (served here or made from here).

    ``record_hash`` covers every field below ``sealed`` (see ``messagelog.record_payload``); the sealer
    then gives the record its ``position`` in the chain and ``chain_hash`` = SHA-256 of the previous
    record's chain hash, the position and this record's hash, and batches of the chain are sealed with an
    RFC 3161 timestamp (:class:`LogSeal`).
    """

    direction = models.CharField(_("chiều"), max_length=8, choices=Direction.choices)
    kind = models.CharField(_("loại"), max_length=8, choices=MessageKind.choices)
    message_id = models.CharField(_("X-Road-Id"), max_length=100, db_index=True)
    request_id = models.CharField(_("X-Road-Request-Id"), max_length=100, db_index=True)
    client = models.CharField(_("bên gọi"), max_length=600, db_index=True)
    service = models.CharField(_("dịch vụ"), max_length=800, db_index=True)
    method = models.CharField(_("phương thức"), max_length=10)
    path = models.CharField(_("đường dẫn"), max_length=2000, blank=True)
    status = models.PositiveSmallIntegerField(_("mã trạng thái HTTP"), null=True, blank=True)
    error_type = models.CharField(_("loại lỗi X-Road"), max_length=100, blank=True)
    at = models.DateTimeField(_("thời điểm"), db_index=True)
    duration_ms = models.PositiveIntegerField(_("thời gian xử lý (ms)"), null=True, blank=True)
    content_type = models.CharField(_("kiểu nội dung"), max_length=200, blank=True)
    body_size = models.PositiveBigIntegerField(_("kích thước nội dung (byte)"))
    headers_size = models.PositiveIntegerField(_("kích thước tiêu đề (byte)"))
    body_hash = models.CharField(_("SHA-256 nội dung"), max_length=64)
    headers_hash = models.CharField(_("SHA-256 tiêu đề"), max_length=64)
    request_hash = models.CharField(_("X-Road-Request-Hash"), max_length=100, blank=True)
    body = models.BinaryField(_("nội dung"), null=True, blank=True)
    record_hash = models.CharField(_("mã băm bản ghi"), max_length=64)
    # Set by the sealer, off the call path.
    position = models.BigIntegerField(_("vị trí trong chuỗi"), null=True, blank=True, unique=True)
    chain_hash = models.CharField(_("mã băm chuỗi"), max_length=64, blank=True)
    seal = models.ForeignKey("LogSeal", null=True, blank=True, on_delete=models.PROTECT, related_name="records",
                             verbose_name=_("dấu niêm phong"))

    class Meta:
        verbose_name = _("bản ghi nhật ký trao đổi")
        verbose_name_plural = _("nhật ký trao đổi dữ liệu")
        ordering = ["-at", "-id"]
        indexes = [
            models.Index(fields=["position"], condition=Q(position__isnull=True), name="exchange_msg_unchained"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.message_id} {self.service}"

    @property
    def body_kept(self) -> bool:
        return self.body is not None


class LogSeal(models.Model):
    """A batch of the chain ``[first_position, last_position]``: its ``manifest`` (position, X-Road-Id, kind and
    hash of every record), the chain hash of its last record and the previous seal's digest are bound into
    ``digest``, which an RFC 3161 timestamp seals; ``token`` stays empty while the timestamp authority
    cannot be reached (see ``seals.py``)."""

    first_position = models.BigIntegerField(_("từ vị trí"))
    last_position = models.BigIntegerField(_("đến vị trí"), unique=True)
    chain_hash = models.CharField(_("mã băm chuỗi được niêm phong"), max_length=64)
    manifest = models.JSONField(_("danh mục bản ghi"), default=list)
    previous_digest = models.CharField(_("mã băm lô trước"), max_length=64, default="")
    digest = models.CharField(_("mã băm được đóng dấu thời gian"), max_length=64, default="")
    closed_at = models.DateTimeField(_("khép lô lúc"), default=timezone.now)
    token = models.BinaryField(_("dấu thời gian RFC 3161 (DER)"), null=True, blank=True)
    timestamped_at = models.DateTimeField(_("thời điểm ghi trong dấu thời gian"), null=True, blank=True)
    tsa = models.CharField(_("đơn vị cấp dấu thời gian"), max_length=300, blank=True)
    attempts = models.PositiveIntegerField(_("số lần xin dấu thời gian"), default=0)
    last_error = models.CharField(_("lỗi gần nhất"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("dấu niêm phong nhật ký")
        verbose_name_plural = _("dấu niêm phong nhật ký")
        ordering = ["first_position"]

    def __str__(self) -> str:
        return f"#{self.first_position}–{self.last_position}"

    @property
    def sealed(self) -> bool:
        return bool(self.token)



class LogHead(models.Model):
    """One row: the chain's last position and hash. Its lock serialises the sealer (never the call path)."""

    last_position = models.BigIntegerField(default=0)
    last_hash = models.CharField(max_length=64, default="0" * 64)

    class Meta:
        verbose_name = _("đầu chuỗi nhật ký trao đổi")

    def __str__(self) -> str:
        return f"{self.last_position}: {self.last_hash}"


# -- the national public-service portal ------------------------------------------------------------------

class OutboxStatus(models.TextChoices):
    PENDING = "pending", _("Chờ gửi")
    DELIVERED = "delivered", _("Đã đồng bộ")
    DEAD = "dead", _("Gửi lỗi, chờ xử lý")


class OutboxEntry(models.Model):
    """One status change of a dossier waiting to reach (or having reached) the national portal.

    Written by the receiver of the dossier's event in the event's own transaction; delivered at least once,
    in order per dossier; the portal recognises a repeat by ``(dossier_code, event_id)``.
    """

    dossier_id = models.BigIntegerField(_("mã bản ghi hồ sơ"))
    dossier_code = models.CharField(_("mã số hồ sơ"), max_length=60)
    # The receiving agency's key, for the scope of the operations centre's numbers and the pages.
    agency_id = models.BigIntegerField(_("cơ quan tiếp nhận"), null=True, blank=True, db_index=True)
    event_id = models.BigIntegerField(_("mã sự kiện"))
    action = models.CharField(_("thao tác"), max_length=40)
    from_state = models.CharField(_("từ trạng thái"), max_length=24, blank=True)
    to_state = models.CharField(_("sang trạng thái"), max_length=24)
    event_at = models.DateTimeField(_("thời điểm thay đổi"))
    data = models.JSONField(_("dữ liệu"), default=dict)
    created_at = models.DateTimeField(_("ghi nhận lúc"), default=timezone.now)
    status = models.CharField(_("trạng thái gửi"), max_length=10, choices=OutboxStatus.choices,
                              default=OutboxStatus.PENDING)
    attempts = models.PositiveIntegerField(_("số lần gửi"), default=0)
    next_attempt_at = models.DateTimeField(_("gửi lần tới lúc"), default=timezone.now)
    lease_until = models.DateTimeField(null=True, blank=True)
    lease_owner = models.CharField(max_length=64, blank=True)
    last_error = models.CharField(_("lỗi gần nhất"), max_length=500, blank=True)
    delivered_at = models.DateTimeField(_("đồng bộ lúc"), null=True, blank=True)

    class Meta:
        verbose_name = _("thay đổi chờ đồng bộ cổng quốc gia")
        verbose_name_plural = _("đồng bộ cổng dịch vụ công quốc gia")
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["dossier_code", "event_id"], name="exchange_outbox_once_per_event"),
        ]
        indexes = [
            models.Index(fields=["dossier_id", "id"], condition=~Q(status="delivered"),
                         name="exchange_outbox_open"),
            models.Index(fields=["next_attempt_at", "id"], condition=Q(status="pending"),
                         name="exchange_outbox_due"),
            models.Index(fields=["status", "delivered_at"], name="exchange_outbox_state"),
        ]

    def __str__(self) -> str:
        return f"{self.dossier_code} #{self.event_id} {self.to_state}"

    @property
    def idempotency_key(self) -> str:
        return f"{self.dossier_code}:{self.event_id}"


class CatalogueSync(models.Model):
    """One pull of the procedure catalogue from the national database, with what it changed."""

    started_at = models.DateTimeField(_("bắt đầu"), default=timezone.now)
    finished_at = models.DateTimeField(_("kết thúc"), null=True, blank=True)
    ok = models.BooleanField(_("thành công"), default=False)
    created = models.PositiveIntegerField(_("thủ tục mới"), default=0)
    versioned = models.PositiveIntegerField(_("phiên bản mới"), default=0)
    unchanged = models.PositiveIntegerField(_("không đổi"), default=0)
    refused = models.PositiveIntegerField(_("không nhận"), default=0)
    report = models.JSONField(_("báo cáo"), default=list)
    error = models.CharField(_("lỗi"), max_length=500, blank=True)
    started_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+", verbose_name=_("người thực hiện"))

    class Meta:
        verbose_name = _("lần lấy danh mục thủ tục quốc gia")
        verbose_name_plural = _("lấy danh mục thủ tục quốc gia")
        ordering = ["-started_at"]

    def __str__(self) -> str:
        return f"{self.started_at:%d/%m/%Y %H:%M}"


def fingerprint_of(der: bytes) -> str:
    return hashlib.sha256(der).hexdigest()
