"""Outgoing and incoming document registers of an agency (NĐ 30/2020/NĐ-CP), with the copies sent to each
recipient and where each copy stands there (QCVN 102:2016 status messages).

Field lengths follow NĐ 30 Phụ lục VI (``/work/shared/data/nd30``): OrganId 13, CodeNumber 11, CodeNotation 30,
TypeName 100, OrganName 200, Subject 500, Language 30, PageAmount 3 digits, Description 500, Position 100,
FullName 50, Priority 1 digit, IssuedAmount 3 digits, ToPlaces 1000, ArrivalNumber 10 digits. Agency
identifiers of the directory may be longer than 13 characters (QĐ 20/2020 allows 35), so the identifier
columns take the directory's length.
"""

from __future__ import annotations

import hashlib

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.core.validators import MaxValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from tinhso.directory.identifiers import MAX_LENGTH as IDENTIFIER_LENGTH
from tinhso.directory.models import fold_for_search


class DocumentType(models.Model):
    """One of the administrative document types of NĐ 30 Art. 7, with its abbreviation (Phụ lục III)."""

    code = models.SlugField(_("mã loại"), max_length=40, unique=True)
    name = models.CharField(_("tên loại văn bản"), max_length=100)
    abbreviation = models.CharField(
        _("chữ viết tắt"), max_length=10, blank=True,
        help_text=_("Để trống với công văn, thư công: ký hiệu chỉ gồm chữ viết tắt của cơ quan."))
    # Luật Ban hành văn bản quy phạm pháp luật; NĐ 30 Art. 15: legal normative documents on their own series.
    normative = models.BooleanField(_("văn bản quy phạm pháp luật"), default=False)
    order = models.PositiveSmallIntegerField(_("thứ tự"), default=0)
    active = models.BooleanField(_("đang dùng"), default=True)

    class Meta:
        verbose_name = _("loại văn bản")
        verbose_name_plural = _("loại văn bản")
        ordering = ["order", "name"]

    def __str__(self) -> str:
        return f"{self.name} ({self.abbreviation})" if self.abbreviation else self.name

    @property
    def series(self) -> str:
        return "normative" if self.normative else "general"


class RecordsOffice(models.Model):
    """The records office (văn thư) of an agency: the abbreviation its notations carry and its place name."""

    agency = models.OneToOneField("directory.Agency", on_delete=models.PROTECT, related_name="records_office",
                                  verbose_name=_("cơ quan, đơn vị"))
    abbreviation = models.CharField(
        _("chữ viết tắt tên cơ quan"), max_length=20,
        help_text=_("Phần sau dấu gạch nối của ký hiệu văn bản, ví dụ UBND, SKHCN."))
    place = models.CharField(_("địa danh"), max_length=100, help_text=_("Ví dụ: Nghệ An, Vinh."))
    signing_key = models.CharField(
        _("khóa ký số của cơ quan"), max_length=300, blank=True,
        help_text=_("pkcs12:/đường/dẫn/tệp.p12 hoặc pkcs11:/thư/viện/module.so#nhãn-token#nhãn-khóa. Mật khẩu "
                    "hoặc mã PIN do văn thư nhập mỗi lần ký, không lưu trên hệ thống."))

    class Meta:
        verbose_name = _("văn thư cơ quan")
        verbose_name_plural = _("văn thư cơ quan")

    def __str__(self) -> str:
        return f"{self.abbreviation} — {self.agency.name}"


class Priority(models.IntegerChoices):
    """edXML ``OtherInfo/Priority`` (NĐ 30 Phụ lục VI: one digit)."""

    NORMAL = 0, _("Thường")
    URGENT = 1, _("Khẩn")
    VERY_URGENT = 2, _("Thượng khẩn")
    EXPRESS = 3, _("Hỏa tốc")
    EXPRESS_TIMED = 4, _("Hỏa tốc hẹn giờ")


class AuthorityPrefix(models.TextChoices):
    """NĐ 30 Phụ lục I: how the signer signs on behalf of the agency or its head."""

    NONE = "", _("Ký trực tiếp")
    ON_BEHALF = "TM.", _("TM. (thay mặt tập thể)")
    DEPUTY = "KT.", _("KT. (ký thay người đứng đầu)")
    ACTING = "Q.", _("Q. (quyền)")
    BY_ORDER = "TL.", _("TL. (thừa lệnh)")
    BY_AUTHORISATION = "TUQ.", _("TUQ. (thừa ủy quyền)")


class OutgoingState(models.TextChoices):
    DRAFT = "draft", _("Dự thảo")
    ISSUED = "issued", _("Đã ban hành")
    REVOKED = "revoked", _("Đã thu hồi")
    REPLACED = "replaced", _("Đã thay thế")


class SignatureVerdict(models.TextChoices):
    NONE = "none", _("Không có chữ ký số")
    VALID = "valid", _("Chữ ký hợp lệ")
    INVALID = "invalid", _("Chữ ký không hợp lệ")
    UNKNOWN_SIGNER = "unknown_signer", _("Người ký không thuộc danh sách tin cậy")
    UNVERIFIABLE = "unverifiable", _("Không kiểm tra được chữ ký")


def attachment_path(instance, filename: str) -> str:
    return f"documents/{instance.sha256[:2]}/{instance.sha256}"


class OutgoingDocument(models.Model):
    """A document the agency issues (văn bản đi): numbered when issued, from its series' counter."""

    agency = models.ForeignKey("directory.Agency", on_delete=models.PROTECT, related_name="outgoing_documents",
                               verbose_name=_("cơ quan ban hành"))
    document_type = models.ForeignKey(DocumentType, on_delete=models.PROTECT, related_name="+",
                                      verbose_name=_("loại văn bản"))
    state = models.CharField(_("trạng thái"), max_length=10, choices=OutgoingState.choices,
                             default=OutgoingState.DRAFT)
    year = models.PositiveSmallIntegerField(_("năm"), null=True, blank=True)
    number = models.PositiveIntegerField(_("số thứ tự"), null=True, blank=True)
    code_number = models.CharField(_("số"), max_length=11, blank=True)
    code_notation = models.CharField(_("ký hiệu"), max_length=30, blank=True)
    drafting_unit = models.CharField(
        _("chữ viết tắt đơn vị soạn thảo"), max_length=10, blank=True,
        help_text=_("Thêm vào cuối ký hiệu, ví dụ …/UBND-VX."))
    issued_on = models.DateField(_("ngày ban hành"), null=True, blank=True)
    place = models.CharField(_("địa danh"), max_length=100, blank=True)
    subject = models.CharField(_("trích yếu"), max_length=500)
    content = models.TextField(_("nội dung"), blank=True)
    language = models.CharField(_("ngôn ngữ"), max_length=30, default="Tiếng Việt")
    page_amount = models.PositiveSmallIntegerField(_("số trang"), default=1, validators=[MaxValueValidator(999)])
    issued_amount = models.PositiveSmallIntegerField(_("số lượng bản phát hành"), default=1,
                                                     validators=[MaxValueValidator(999)])
    description = models.CharField(_("ghi chú"), max_length=500, blank=True)
    authority_prefix = models.CharField(_("quyền hạn ký"), max_length=4, choices=AuthorityPrefix.choices,
                                        blank=True)
    signer_position = models.CharField(_("chức vụ người ký"), max_length=100, blank=True)
    signer_name = models.CharField(_("họ tên người ký"), max_length=50, blank=True)
    priority = models.PositiveSmallIntegerField(_("độ khẩn"), choices=Priority.choices, default=Priority.NORMAL)
    due_date = models.DateField(_("hạn trả lời"), null=True, blank=True)
    to_places = models.CharField(_("nơi nhận khác"), max_length=1000, blank=True,
                                 help_text=_("Địa chỉ nhận ngoài danh bạ, mỗi nơi một dòng."))
    replaces = models.ForeignKey("self", on_delete=models.PROTECT, null=True, blank=True,
                                 related_name="replaced_by", verbose_name=_("thay thế văn bản"))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                   related_name="+", verbose_name=_("người tạo"))
    created_at = models.DateTimeField(_("tạo lúc"), auto_now_add=True)
    search_text = models.TextField(editable=False, blank=True, default="")

    class Meta:
        verbose_name = _("văn bản đi")
        verbose_name_plural = _("văn bản đi")
        ordering = ["-year", "-number", "-pk"]
        constraints = [
            # NĐ 30 Art. 15: number + notation unique within the year (per issuing agency).
            models.UniqueConstraint(fields=["agency", "year", "code_number", "code_notation"],
                                    condition=Q(number__isnull=False), name="documents_outgoing_notation_unique"),
            models.CheckConstraint(condition=Q(number__isnull=True) | Q(state__in=["issued", "revoked", "replaced"]),
                                   name="documents_outgoing_numbered_when_issued"),
        ]
        indexes = [models.Index(fields=["agency", "year", "number"])]

    def __str__(self) -> str:
        return f"{self.notation or _('(chưa cấp số)')} — {self.subject[:80]}"

    def save(self, *args, **kwargs):
        self.search_text = fold_for_search(f"{self.notation} {self.subject} {self.signer_name}")
        update_fields = kwargs.get("update_fields")
        if update_fields is not None:
            kwargs["update_fields"] = {*update_fields, "search_text"}
        super().save(*args, **kwargs)

    @property
    def notation(self) -> str:
        """``125/TB-UBND``: number and notation as written on the document."""
        return f"{self.code_number}/{self.code_notation}" if self.code_number else ""

    @property
    def document_id(self) -> str:
        """edXML DocumentId: ``<OrganId>,<YYYY/MM/DD>,<CodeNumber>/<CodeNotation>``."""
        if not self.code_number or self.issued_on is None:
            return ""
        return f"{self.agency.identifier},{self.issued_on:%Y/%m/%d},{self.notation}"


class Attachment(models.Model):
    """A file of an outgoing or incoming document, kept with its SHA-256."""

    outgoing = models.ForeignKey(OutgoingDocument, on_delete=models.CASCADE, null=True, blank=True,
                                 related_name="attachments")
    incoming = models.ForeignKey("IncomingDocument", on_delete=models.CASCADE, null=True, blank=True,
                                 related_name="attachments")
    name = models.CharField(_("tên tệp"), max_length=255)
    content_type = models.CharField(_("kiểu nội dung"), max_length=100, default="application/octet-stream")
    size = models.PositiveBigIntegerField(_("dung lượng (byte)"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    file = models.FileField(_("tệp"), upload_to=attachment_path, max_length=255)
    signature = models.CharField(_("chữ ký số"), max_length=16, choices=SignatureVerdict.choices,
                                 default=SignatureVerdict.NONE)
    signer = models.CharField(_("người ký số"), max_length=300, blank=True)
    signed_at = models.DateTimeField(_("ký lúc"), null=True, blank=True)
    signature_note = models.CharField(_("ghi chú chữ ký"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("tệp đính kèm")
        verbose_name_plural = _("tệp đính kèm")
        ordering = ["pk"]
        constraints = [models.CheckConstraint(
            condition=Q(outgoing__isnull=False, incoming__isnull=True) | Q(outgoing__isnull=True,
                                                                           incoming__isnull=False),
            name="documents_attachment_one_owner")]

    def __str__(self) -> str:
        return self.name

    @staticmethod
    def digest(data: bytes) -> str:
        return hashlib.sha256(data).hexdigest()


class Recipient(models.Model):
    """One addressee of an outgoing document: an agency of the directory (sent electronically) or a free-text
    address; ``status_code`` is the last QCVN 102 status its copy reported."""

    document = models.ForeignKey(OutgoingDocument, on_delete=models.CASCADE, related_name="recipients",
                                 verbose_name=_("văn bản đi"))
    agency = models.ForeignKey("directory.Agency", on_delete=models.PROTECT, null=True, blank=True,
                               related_name="+", verbose_name=_("cơ quan nhận"))
    organ_id = models.CharField(_("mã định danh nơi nhận"), max_length=IDENTIFIER_LENGTH, blank=True)
    name = models.CharField(_("tên nơi nhận"), max_length=200)
    status_code = models.CharField(_("trạng thái tại nơi nhận"), max_length=2, blank=True)
    status_at = models.DateTimeField(_("cập nhật lúc"), null=True, blank=True)
    status_description = models.CharField(_("mô tả trạng thái"), max_length=500, blank=True)
    sent_at = models.DateTimeField(_("gửi lúc"), null=True, blank=True)
    delivery_error = models.CharField(_("lỗi gửi"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("nơi nhận")
        verbose_name_plural = _("nơi nhận")
        ordering = ["pk"]
        constraints = [models.UniqueConstraint(fields=["document", "organ_id"], condition=~Q(organ_id=""),
                                               name="documents_recipient_once")]

    def __str__(self) -> str:
        return self.name


class IncomingState(models.TextChoices):
    """Where an incoming document stands; each value maps to the QCVN 102 status the register emits."""

    ARRIVED = "arrived", _("Đã đến")
    REJECTED = "rejected", _("Từ chối")
    ACCEPTED = "accepted", _("Đã tiếp nhận")
    ASSIGNED = "assigned", _("Đã phân công")
    IN_PROGRESS = "in_progress", _("Đang xử lý")
    COMPLETED = "completed", _("Hoàn thành")
    RECALLED = "recalled", _("Đã bị thu hồi")


class Channel(models.TextChoices):
    PAPER = "paper", _("Văn bản giấy")
    LOCAL = "local", _("Điện tử, trong nền tảng")
    GATEWAY = "gateway", _("Điện tử, qua trục liên thông")


class IncomingDocument(models.Model):
    """A document the agency receives (văn bản đến), with its arrival number of the year."""

    agency = models.ForeignKey("directory.Agency", on_delete=models.PROTECT, related_name="incoming_documents",
                               verbose_name=_("cơ quan nhận"))
    year = models.PositiveSmallIntegerField(_("năm"))
    arrival_number = models.PositiveIntegerField(_("số đến"))
    arrived_at = models.DateTimeField(_("thời gian đến"))
    channel = models.CharField(_("hình thức nhận"), max_length=10, choices=Channel.choices, default=Channel.PAPER)
    state = models.CharField(_("trạng thái"), max_length=12, choices=IncomingState.choices,
                             default=IncomingState.ARRIVED)
    sender = models.ForeignKey("directory.Agency", on_delete=models.PROTECT, null=True, blank=True,
                               related_name="+", verbose_name=_("cơ quan gửi (trong danh bạ)"))
    sender_organ_id = models.CharField(_("mã định danh cơ quan gửi"), max_length=IDENTIFIER_LENGTH, blank=True)
    sender_name = models.CharField(_("cơ quan ban hành"), max_length=200)
    type_name = models.CharField(_("tên loại văn bản"), max_length=100)
    code_number = models.CharField(_("số"), max_length=11)
    code_notation = models.CharField(_("ký hiệu"), max_length=30)
    issued_on = models.DateField(_("ngày văn bản"))
    subject = models.CharField(_("trích yếu"), max_length=500)
    content = models.TextField(_("nội dung"), blank=True)
    language = models.CharField(_("ngôn ngữ"), max_length=30, default="Tiếng Việt")
    page_amount = models.PositiveSmallIntegerField(_("số trang"), default=1, validators=[MaxValueValidator(999)])
    description = models.CharField(_("ghi chú"), max_length=500, blank=True)
    signer_position = models.CharField(_("chức vụ người ký"), max_length=100, blank=True)
    signer_name = models.CharField(_("họ tên người ký"), max_length=50, blank=True)
    priority = models.PositiveSmallIntegerField(_("độ khẩn"), choices=Priority.choices, default=Priority.NORMAL)
    to_places = models.CharField(_("đơn vị hoặc người nhận"), max_length=1000, blank=True)
    reply_due = models.DateField(_("hạn trả lời (của nơi gửi)"), null=True, blank=True)
    document_id = models.CharField(_("mã văn bản (edXML)"), max_length=100, blank=True)
    source = models.ForeignKey(OutgoingDocument, on_delete=models.SET_NULL, null=True, blank=True,
                               related_name="deliveries", verbose_name=_("bản gốc trong nền tảng"))
    leader = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                               related_name="+", verbose_name=_("lãnh đạo cho ý kiến"))
    direction = models.TextField(_("ý kiến chỉ đạo"), blank=True)
    handler = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                related_name="+", verbose_name=_("người xử lý"))
    handling_due = models.DateTimeField(_("hạn giải quyết"), null=True, blank=True)
    completed_at = models.DateTimeField(_("hoàn thành lúc"), null=True, blank=True)
    result = models.TextField(_("kết quả xử lý"), blank=True)
    registered_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                      related_name="+", verbose_name=_("người vào sổ"))
    search_text = models.TextField(editable=False, blank=True, default="")

    class Meta:
        verbose_name = _("văn bản đến")
        verbose_name_plural = _("văn bản đến")
        ordering = ["-year", "-arrival_number"]
        constraints = [
            models.UniqueConstraint(fields=["agency", "year", "arrival_number"],
                                    name="documents_incoming_arrival_unique"),
            # A package received twice registers once.
            models.UniqueConstraint(fields=["agency", "document_id"], condition=~Q(document_id=""),
                                    name="documents_incoming_document_once"),
        ]

    def __str__(self) -> str:
        return f"{self.arrival_number:02d}/{self.year} — {self.notation}"

    def save(self, *args, **kwargs):
        self.search_text = fold_for_search(
            f"{self.notation} {self.subject} {self.sender_name} {self.signer_name} {self.arrival_number}")
        update_fields = kwargs.get("update_fields")
        if update_fields is not None:
            kwargs["update_fields"] = {*update_fields, "search_text"}
        super().save(*args, **kwargs)

    @property
    def notation(self) -> str:
        return f"{self.code_number}/{self.code_notation}"


EVENT_LABELS = {
    "register": _("Vào sổ"), "accept": _("Tiếp nhận"), "reject": _("Từ chối"), "assign": _("Giao xử lý"),
    "start": _("Bắt đầu xử lý"), "complete": _("Hoàn thành"), "revoke": _("Nơi gửi thu hồi"),
    "update": _("Nơi gửi cập nhật"),
}


class IncomingEvent(models.Model):
    """One step of an incoming document's handling (and the QCVN 102 status it reports to the sender), or a
    revoke/update/replace applied to it, with the fields it changed before and after."""

    document = models.ForeignKey(IncomingDocument, on_delete=models.CASCADE, related_name="events")
    at = models.DateTimeField(_("lúc"))
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                              related_name="+")
    status_code = models.CharField(_("mã trạng thái"), max_length=2, blank=True)
    action = models.CharField(_("việc"), max_length=30)
    note = models.TextField(_("ghi chú"), blank=True)
    before = models.JSONField(null=True, blank=True, encoder=DjangoJSONEncoder)

    class Meta:
        verbose_name = _("diễn biến xử lý văn bản đến")
        verbose_name_plural = _("diễn biến xử lý văn bản đến")
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.action} {self.status_code}"

    @property
    def label(self) -> str:
        return str(EVENT_LABELS.get(self.action, self.action))


class RecipientStatus(models.Model):
    """A status message received from a recipient about its copy (the sender's side of the history)."""

    recipient = models.ForeignKey(Recipient, on_delete=models.CASCADE, related_name="statuses")
    status_code = models.CharField(_("mã trạng thái"), max_length=2)
    description = models.CharField(_("mô tả"), max_length=500, blank=True)
    staff = models.CharField(_("cán bộ"), max_length=200, blank=True)
    at = models.DateTimeField(_("lúc"))

    class Meta:
        verbose_name = _("trạng thái tại nơi nhận")
        verbose_name_plural = _("trạng thái tại nơi nhận")
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.status_code} {self.at:%Y-%m-%d %H:%M}"


class RetentionPeriod(models.Model):
    """A line of the retention schedule (thời hạn bảo quản), kept as data with its legal source."""

    code = models.SlugField(_("mã"), max_length=40, unique=True)
    name = models.CharField(_("thời hạn bảo quản"), max_length=100)
    years = models.PositiveSmallIntegerField(_("số năm"), null=True, blank=True,
                                             help_text=_("Để trống: bảo quản vĩnh viễn."))
    legal_source = models.CharField(_("căn cứ"), max_length=300)
    dossier_results = models.BooleanField(
        _("dùng cho kết quả giải quyết thủ tục hành chính"), default=False,
        help_text=_("Kết quả của hồ sơ đã trả được lưu trữ với thời hạn này (chỉ một dòng của bảng)."))

    class Meta:
        verbose_name = _("thời hạn bảo quản")
        verbose_name_plural = _("bảng thời hạn bảo quản")
        ordering = [models.F("years").desc(nulls_first=True)]
        constraints = [models.UniqueConstraint(fields=["dossier_results"], condition=Q(dossier_results=True),
                                               name="documents_retention_one_for_dossier_results")]

    def __str__(self) -> str:
        return self.name


class ArchiveRecord(models.Model):
    """A closed document, or the result of a returned dossier, in the electronic archive, with its retention
    and the SHA-256 of its content (metadata and files) that the fixity check recomputes."""

    agency = models.ForeignKey("directory.Agency", on_delete=models.PROTECT, related_name="+",
                               verbose_name=_("cơ quan"))
    outgoing = models.OneToOneField(OutgoingDocument, on_delete=models.PROTECT, null=True, blank=True,
                                    related_name="archive_record")
    incoming = models.OneToOneField(IncomingDocument, on_delete=models.PROTECT, null=True, blank=True,
                                    related_name="archive_record")
    dossier = models.OneToOneField("dossiers.Dossier", on_delete=models.PROTECT, null=True, blank=True,
                                   related_name="archive_record", verbose_name=_("hồ sơ thủ tục hành chính"))
    title = models.CharField(_("tiêu đề"), max_length=500)
    retention = models.ForeignKey(RetentionPeriod, on_delete=models.PROTECT, verbose_name=_("thời hạn bảo quản"))
    archived_at = models.DateTimeField(_("lưu trữ lúc"))
    keep_until = models.DateField(_("bảo quản đến"), null=True, blank=True)
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    checked_at = models.DateTimeField(_("kiểm tra toàn vẹn lúc"), null=True, blank=True)
    intact = models.BooleanField(_("toàn vẹn"), default=True)
    disposal = models.ForeignKey("DisposalList", on_delete=models.PROTECT, null=True, blank=True,
                                 related_name="records", verbose_name=_("danh mục tiêu hủy"))
    disposed_at = models.DateTimeField(_("tiêu hủy lúc"), null=True, blank=True)
    search_text = models.TextField(editable=False, blank=True, default="")

    class Meta:
        verbose_name = _("hồ sơ lưu trữ điện tử")
        verbose_name_plural = _("kho lưu trữ điện tử")
        ordering = ["-archived_at"]
        constraints = [models.CheckConstraint(
            condition=(Q(outgoing__isnull=False, incoming__isnull=True, dossier__isnull=True)
                       | Q(outgoing__isnull=True, incoming__isnull=False, dossier__isnull=True)
                       | Q(outgoing__isnull=True, incoming__isnull=True, dossier__isnull=False)),
            name="documents_archive_one_owner")]

    def __str__(self) -> str:
        return self.title[:100]

    def save(self, *args, **kwargs):
        self.search_text = archive_search_text(self.document, self.title)
        update_fields = kwargs.get("update_fields")
        if update_fields is not None:
            kwargs["update_fields"] = {*update_fields, "search_text"}
        super().save(*args, **kwargs)

    @property
    def document(self):
        """What is archived: the outgoing or incoming document, or the returned dossier."""
        return self.outgoing or self.incoming or self.dossier

    @property
    def reference(self) -> str:
        """The number and notation of a document, the code of a dossier."""
        return self.dossier.code if self.dossier_id else self.document.notation


def archive_search_text(document, title: str = "") -> str:
    """What the archive's search reads: a document's own search text (notation, subject, signer, sender), a
    dossier's code, procedure and applicant (accent-folded)."""
    if isinstance(document, OutgoingDocument | IncomingDocument):
        return document.search_text
    if document is None:
        return fold_for_search(title)
    return fold_for_search(f"{document.code} {title} {document.applicant_name}")


class DisposalList(models.Model):
    """A list of archive records at the end of their retention, proposed by the records office and approved by
    a leader of the agency (never the proposer); only an approved list disposes of its records' files."""

    agency = models.ForeignKey("directory.Agency", on_delete=models.PROTECT, related_name="+",
                               verbose_name=_("cơ quan"))
    proposed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True,
                                    related_name="+", verbose_name=_("người lập"))
    proposed_at = models.DateTimeField(_("lập lúc"))
    approved_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                    related_name="+", verbose_name=_("lãnh đạo phê duyệt"))
    approved_at = models.DateTimeField(_("phê duyệt lúc"), null=True, blank=True)

    class Meta:
        verbose_name = _("danh mục tài liệu hết giá trị")
        verbose_name_plural = _("danh mục tài liệu hết giá trị")
        ordering = ["-proposed_at"]

    def __str__(self) -> str:
        return f"{self.agency} — {self.proposed_at:%d/%m/%Y}"
