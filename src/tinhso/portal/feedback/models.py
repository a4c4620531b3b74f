"""Satisfaction ratings of returned dossiers and citizens' feedback and complaints (phản ánh, kiến nghị).

Both feed the satisfaction group of the QĐ 766/QĐ-TTg indicators (standards §5). Records change only
through ``services``; these models hold data and invariants.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone


class Score(models.IntegerChoices):
    """A five-point answer, as in the satisfaction surveys of public administrative services (SIPAS)."""

    VERY_DISSATISFIED = 1, "Rất không hài lòng"
    DISSATISFIED = 2, "Không hài lòng"
    NEUTRAL = 3, "Bình thường"
    SATISFIED = 4, "Hài lòng"
    VERY_SATISFIED = 5, "Rất hài lòng"


# The criteria asked besides the overall score: four of the five elements of the SIPAS survey (the fifth,
# how feedback is received and handled, is measured by the complaint flow itself).
CRITERIA = (
    ("access_score", "Tiếp cận dịch vụ (nơi nộp, cổng trực tuyến, thông tin hướng dẫn)"),
    ("procedure_score", "Thủ tục hành chính (giấy tờ, phí, thời hạn được công khai và đúng quy định)"),
    ("officer_score", "Công chức trực tiếp giải quyết (thái độ, hướng dẫn, tuân thủ quy định)"),
    ("result_score", "Kết quả giải quyết (đúng hạn, chính xác, đầy đủ)"),
)
SCORE_FIELDS = ("overall_score", *(name for name, _ in CRITERIA))


def _score_field(label: str) -> models.PositiveSmallIntegerField:
    return models.PositiveSmallIntegerField(label, choices=Score.choices)


class Rating(models.Model):
    """The applicant's rating of one returned dossier: an overall score, four criteria and a comment."""

    dossier = models.OneToOneField("dossiers.Dossier", on_delete=models.CASCADE, related_name="rating",
                                   verbose_name="hồ sơ")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                             related_name="dossier_ratings", verbose_name="người đánh giá")
    # The agency rated: the dossier's receiving agency, kept here so that indicators need no join.
    agency = models.ForeignKey("directory.Agency", on_delete=models.PROTECT, related_name="ratings",
                               verbose_name="cơ quan được đánh giá")
    overall_score = _score_field("mức độ hài lòng chung")
    access_score = _score_field(CRITERIA[0][1])
    procedure_score = _score_field(CRITERIA[1][1])
    officer_score = _score_field(CRITERIA[2][1])
    result_score = _score_field(CRITERIA[3][1])
    comment = models.TextField("ý kiến góp ý", blank=True)
    created_at = models.DateTimeField("thời điểm đánh giá", default=timezone.now, db_index=True)
    updated_at = models.DateTimeField("thời điểm sửa gần nhất", default=timezone.now)

    class Meta:
        verbose_name = "đánh giá mức độ hài lòng"
        verbose_name_plural = "đánh giá mức độ hài lòng"
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["agency", "created_at"])]
        constraints = [
            models.CheckConstraint(condition=Q(**{f"{name}__gte": 1}) & Q(**{f"{name}__lte": 5}),
                                   name=f"rating_{name}_1_to_5")
            for name in SCORE_FIELDS
        ]

    def __str__(self) -> str:
        return f"{self.dossier_id}: {self.overall_score}/5"


class ComplaintKind(models.TextChoices):
    FEEDBACK = "feedback", "Phản ánh"
    PROPOSAL = "proposal", "Kiến nghị"


class ComplaintState(models.TextChoices):
    SUBMITTED = "submitted", "Đã gửi, chờ cơ quan tiếp nhận"
    HANDLING = "handling", "Đang xử lý"
    ANSWERED = "answered", "Đã trả lời"
    CLOSED = "closed", "Đã kết thúc"
    REFUSED = "refused", "Không thuộc thẩm quyền, từ chối xử lý"


OPEN_STATES = frozenset({ComplaintState.SUBMITTED, ComplaintState.HANDLING})
ANSWERED_STATES = frozenset({ComplaintState.ANSWERED, ComplaintState.CLOSED})


class Verdict(models.TextChoices):
    SATISFIED = "satisfied", "Hài lòng"
    NOT_SATISFIED = "not_satisfied", "Không hài lòng"


class Complaint(models.Model):
    """One piece of feedback or one proposal by a citizen, routed to the agency that must answer it."""

    code = models.CharField("mã phản ánh, kiến nghị", max_length=30, unique=True)
    kind = models.CharField("loại", max_length=10, choices=ComplaintKind.choices)
    subject = models.CharField("tiêu đề", max_length=255)
    content = models.TextField("nội dung")

    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                             related_name="complaints", verbose_name="tài khoản công dân")
    name = models.CharField("họ tên người gửi", max_length=255)
    phone = models.CharField("số điện thoại", max_length=20, blank=True)
    email = models.EmailField("thư điện tử", blank=True)

    dossier = models.ForeignKey("dossiers.Dossier", null=True, blank=True, on_delete=models.SET_NULL,
                                related_name="complaints", verbose_name="hồ sơ liên quan")
    agency = models.ForeignKey("directory.Agency", on_delete=models.PROTECT, related_name="complaints",
                               verbose_name="cơ quan xử lý")
    state = models.CharField("trạng thái", max_length=10, choices=ComplaintState.choices,
                             default=ComplaintState.SUBMITTED, db_index=True)
    handler = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                related_name="+", verbose_name="người xử lý")

    submitted_at = models.DateTimeField("thời điểm gửi", default=timezone.now, db_index=True)
    # When the current agency got it: submission, or the latest transfer (its handling deadline runs from here).
    routed_at = models.DateTimeField("thời điểm chuyển đến cơ quan xử lý", default=timezone.now)
    due_at = models.DateTimeField("hạn trả lời", db_index=True)

    answer = models.TextField("nội dung trả lời", blank=True)
    answered_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+", verbose_name="người trả lời")
    answered_at = models.DateTimeField("thời điểm trả lời", null=True, blank=True)
    answered_on_time = models.BooleanField("trả lời đúng hạn", null=True, blank=True)
    refusal_reason = models.TextField("lý do từ chối", blank=True)
    refused_at = models.DateTimeField("thời điểm từ chối", null=True, blank=True)

    verdict = models.CharField("đánh giá của người gửi", max_length=15, choices=Verdict.choices, blank=True)
    verdict_comment = models.TextField("ý kiến của người gửi về câu trả lời", blank=True)
    verdict_at = models.DateTimeField("thời điểm đánh giá", null=True, blank=True)

    class Meta:
        verbose_name = "phản ánh, kiến nghị"
        verbose_name_plural = "phản ánh, kiến nghị"
        ordering = ["-submitted_at", "-id"]
        indexes = [
            models.Index(fields=["agency", "state", "due_at"]),
            models.Index(fields=["agency", "submitted_at"]),
            models.Index(fields=["user", "submitted_at"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~Q(state__in=[ComplaintState.ANSWERED, ComplaintState.CLOSED])
                | (Q(answered_at__isnull=False) & ~Q(answer="")),
                name="complaint_answered_has_answer",
            ),
            models.CheckConstraint(
                condition=~Q(state=ComplaintState.REFUSED) | ~Q(refusal_reason=""),
                name="complaint_refused_has_reason",
            ),
        ]

    def __str__(self) -> str:
        return self.code

    @property
    def is_open(self) -> bool:
        return self.state in OPEN_STATES


class ComplaintCounter(models.Model):
    """The last sequence number given on a day; its row lock serialises code allocation."""

    day = models.DateField(unique=True)
    last = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = "bộ đếm mã phản ánh"

    def __str__(self) -> str:
        return f"{self.day:%y%m%d} {self.last}"


class ComplaintEvent(models.Model):
    """One line of a complaint's history: who did what, when, from which state to which, at which agency."""

    complaint = models.ForeignKey(Complaint, on_delete=models.CASCADE, related_name="events",
                                  verbose_name="phản ánh, kiến nghị")
    at = models.DateTimeField("thời điểm", default=timezone.now)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                              related_name="+", verbose_name="người thực hiện")
    actor_label = models.CharField("người thực hiện (lưu)", max_length=255, blank=True)
    action = models.CharField("thao tác", max_length=20)
    from_state = models.CharField("từ trạng thái", max_length=10, choices=ComplaintState.choices, blank=True)
    to_state = models.CharField("sang trạng thái", max_length=10, choices=ComplaintState.choices)
    agency = models.ForeignKey("directory.Agency", null=True, blank=True, on_delete=models.PROTECT,
                               related_name="+", verbose_name="cơ quan")
    note = models.TextField("ghi chú", blank=True)

    class Meta:
        verbose_name = "sự kiện phản ánh"
        verbose_name_plural = "lịch sử phản ánh"
        ordering = ["complaint", "at", "id"]

    def __str__(self) -> str:
        return f"{self.complaint_id} {self.action} {self.from_state}→{self.to_state}"
