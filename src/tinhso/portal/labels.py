"""Showing stored Vietnamese names in the visitor's language.

Choice labels the portal's pages show (its own models' and other apps') are marked here so that the portal's
catalog carries their English names, while the models keep plain Vietnamese labels: what is saved (event
notes, audit lines, notices) stays Vietnamese whatever language the person acting uses. A template shows a
label with ``{% translate value %}``, a form with ``choice_labels``. ``error_message`` picks the text of an
engine error (which carries both) for the active language."""

from __future__ import annotations

from django.utils.translation import get_language, gettext_lazy, gettext_noop

MARKED = (
    # catalogue.OnlineLevel (NĐ 42/2022: online service, full / partial)
    gettext_noop("Toàn trình"),
    gettext_noop("Một phần"),
    gettext_noop("Không cung cấp trực tuyến"),
    # catalogue.StepRole
    gettext_noop("Tiếp nhận"),
    gettext_noop("Xử lý"),
    gettext_noop("Phê duyệt"),
    gettext_noop("Trả kết quả"),
    # dossiers.State
    gettext_noop("Mới nộp trực tuyến, chờ tiếp nhận"),
    gettext_noop("Yêu cầu bổ sung, hoàn thiện hồ sơ"),
    gettext_noop("Đã tiếp nhận"),
    gettext_noop("Đang giải quyết"),
    gettext_noop("Có kết quả, chờ trả"),
    gettext_noop("Đã trả kết quả"),
    gettext_noop("Từ chối tiếp nhận, giải quyết"),
    gettext_noop("Dừng giải quyết"),
    gettext_noop("Công dân rút hồ sơ"),
    # dossiers.ApplicantKind
    gettext_noop("Cá nhân"),
    gettext_noop("Tổ chức, doanh nghiệp"),
    # dossiers.ReturnMethod
    gettext_noop("Trả trực tiếp tại Bộ phận Một cửa"),
    gettext_noop("Trả qua dịch vụ bưu chính"),
    gettext_noop("Trả kết quả điện tử"),
    # dossiers.DocumentKind
    gettext_noop("Giấy tờ người nộp"),
    gettext_noop("Giấy tờ bổ sung"),
    gettext_noop("Kết quả giải quyết"),
    gettext_noop("Biểu mẫu do hệ thống lập"),
    # dossiers.deadlines
    gettext_noop("Trong hạn"),
    gettext_noop("Sắp đến hạn"),
    gettext_noop("Quá hạn"),
    gettext_noop("Hoàn thành trước hạn"),
    gettext_noop("Hoàn thành trễ hạn"),
    gettext_noop("Tạm dừng tính thời hạn (chờ bổ sung)"),
    gettext_noop("Không tính thời hạn"),
    gettext_noop("Hoàn thành đúng hạn"),
    # feedback.Score
    gettext_noop("Rất không hài lòng"),
    gettext_noop("Không hài lòng"),
    gettext_noop("Bình thường"),
    gettext_noop("Hài lòng"),
    gettext_noop("Rất hài lòng"),
    # feedback.CRITERIA
    gettext_noop("Tiếp cận dịch vụ (nơi nộp, cổng trực tuyến, thông tin hướng dẫn)"),
    gettext_noop("Thủ tục hành chính (giấy tờ, phí, thời hạn được công khai và đúng quy định)"),
    gettext_noop("Công chức trực tiếp giải quyết (thái độ, hướng dẫn, tuân thủ quy định)"),
    gettext_noop("Kết quả giải quyết (đúng hạn, chính xác, đầy đủ)"),
    # feedback.ComplaintKind, ComplaintState (Verdict's labels are among the scores')
    gettext_noop("Phản ánh"),
    gettext_noop("Kiến nghị"),
    gettext_noop("Đã gửi, chờ cơ quan tiếp nhận"),
    gettext_noop("Đang xử lý"),
    gettext_noop("Đã trả lời"),
    gettext_noop("Đã kết thúc"),
    gettext_noop("Không thuộc thẩm quyền, từ chối xử lý"),
)


def choice_labels(choices) -> list[tuple]:
    """``choices`` with each label looked up in the active language when shown."""
    return [(value, gettext_lazy(label)) for value, label in choices]


def error_message(error) -> str:
    """A one-stop engine error (``DossierError``) in the active language: it carries both texts."""
    language = get_language() or ""
    if language.startswith("en") and getattr(error, "message_en", ""):
        return error.message_en
    return error.message
