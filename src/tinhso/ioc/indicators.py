"""The indicator registry: the formulas of computed indicators (over the rollups only) and the seed of
every indicator the province tracks, with demo plans, targets and reported values for the demo province.

Computed formulas read summed ``DossierMonth`` counters; "overdue in progress" reads the running set at
the moment asked; the satisfaction and complaint indicators read the feedback app's selectors (ratings and
complaints are that app's records) and the publicity indicator the catalogue's (procedure versions with
their announcing decision), through a :class:`Reader`: one aggregate query for a value, one grouped query
for a breakdown. An indicator whose data the platform does not hold yet is registered with the formula
``no_data``: it appears with its definition and never with an invented number.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from tinhso.common import indicators as module_registry
from tinhso.common.indicators import Reader, ReadQuery, percent, ratio
from tinhso.ioc.models import (
    Direction,
    Granularity,
    Group,
    Indicator,
    Plan,
    ReportedValue,
    ReportStatus,
    Source,
    Target,
    ValueSource,
)

# The reader of an indicator computed outside the rollups, and its query, are the platform's one
# registration interface for module indicators (``tinhso.common.indicators``).
_pct = percent
_ratio = ratio


@dataclass(frozen=True)
class Formula:
    """How a computed indicator follows from the summed rollup counters ``c``.

    ``drill`` names the dossier list the number opens (see ``selectors.DOSSIER_LISTS``); ``live`` marks
    the time-dependent count read from the running set instead of the monthly counters.
    """

    compute: Callable[[Mapping[str, int]], Decimal | None]
    drill: str = ""
    live: bool = False
    no_data: bool = False
    # Read elsewhere than the rollups (ratings, complaints, the catalogue).
    reader: Reader | None = None

    @property
    def from_rollups(self) -> bool:
        return not self.no_data and self.reader is None


ONE_STOP_DIMENSIONS = ("field", "procedure", "commune", "month")


def _ratings(value: Callable[[Mapping], Decimal | None]) -> Reader:
    """A satisfaction indicator over the ratings of ``portal.feedback`` given in the period."""

    def counts(q: ReadQuery):
        from tinhso.portal.feedback import selectors as feedback

        return feedback.rating_counts(q.since, q.until, q.agency_ids, **q.filters)

    def counts_by(q: ReadQuery, dimension: str):
        from tinhso.portal.feedback import selectors as feedback

        return feedback.rating_counts_by(dimension, q.since, q.until, q.agency_ids, **q.filters)

    return Reader(counts, counts_by, value, ONE_STOP_DIMENSIONS,
                  (("ratings", _("Số đánh giá")), ("satisfied", _("Hài lòng, rất hài lòng"))))


def _complaints(value: Callable[[Mapping], Decimal | None]) -> Reader:
    """A complaint indicator over the complaints of ``portal.feedback`` filed in the period."""

    def counts(q: ReadQuery):
        from tinhso.portal.feedback import selectors as feedback

        return feedback.complaint_counts(q.since, q.until, q.agency_ids, q.at, **q.filters)

    def counts_by(q: ReadQuery, dimension: str):
        from tinhso.portal.feedback import selectors as feedback

        return feedback.complaint_counts_by(dimension, q.since, q.until, q.agency_ids, q.at, **q.filters)

    return Reader(counts, counts_by, value, ONE_STOP_DIMENSIONS,
                  (("received", _("Số phản ánh, kiến nghị")), ("decided", _("Đã trả lời hoặc đã quá hạn")),
                   ("on_time", _("Trả lời đúng hạn")), ("not_satisfied_or_late", _("Không hài lòng hoặc trễ hạn"))),
                  unknown=_("Không gắn với hồ sơ"),
                  note=_("Theo lĩnh vực, thủ tục hoặc xã, phường chỉ tính các phản ánh, kiến nghị gắn với một hồ sơ."))


def _publication(value: Callable[[Mapping], Decimal | None]) -> Reader:
    """The publicity indicator over the catalogue's procedure versions taking effect in the period."""

    def counts(q: ReadQuery):
        from tinhso.catalogue import selectors as catalogue

        return catalogue.publication_counts(q.start, q.end, q.agency_ids, today=timezone.localtime(q.at).date(),
                                            **q.filters)

    def counts_by(q: ReadQuery, dimension: str):
        from tinhso.catalogue import selectors as catalogue

        return catalogue.publication_counts_by(dimension, q.start, q.end, q.agency_ids,
                                               today=timezone.localtime(q.at).date(), **q.filters)

    # A procedure version has no commune: it is implemented by agencies, in a field.
    return Reader(counts, counts_by, value, ("field", "procedure", "month"),
                  (("versions", _("Thủ tục có hiệu lực trong kỳ")), ("on_time", _("Công bố đúng hạn"))),
                  unknown=_("Chưa gắn cơ quan thực hiện"))


def _count(name: str) -> Callable[[Mapping[str, int]], Decimal]:
    return lambda c: Decimal(c.get(name, 0))


FORMULAS: dict[str, Formula] = {
    "received": Formula(_count("received"), drill="received"),
    "received_online": Formula(_count("received_online"), drill="received"),
    "received_counter": Formula(lambda c: Decimal(c.get("received_counter", 0) + c.get("received_post", 0)),
                                drill="received"),
    "online_share": Formula(lambda c: _pct(c.get("received_online", 0), c.get("received", 0)), drill="received"),
    "returned": Formula(_count("returned"), drill="returned"),
    "on_time_rate": Formula(lambda c: _pct(c.get("early", 0) + c.get("on_time", 0), c.get("returned", 0)),
                            drill="returned"),
    "early": Formula(_count("early"), drill="returned"),
    "late": Formula(_count("late"), drill="late"),
    "overdue": Formula(_count("overdue"), drill="overdue", live=True),
    "avg_processing_days": Formula(lambda c: _ratio(c.get("processing_days", 0), c.get("returned", 0)),
                                   drill="returned"),
    "median_processing_days": Formula(lambda c: c.get("median_processing_days"), drill="returned"),
    "supplement_rate": Formula(lambda c: _pct(c.get("supplement_requests", 0), c.get("received", 0)),
                               drill="received"),
    "apologies": Formula(_count("apologies"), drill="apologies"),
    "electronic_result_rate": Formula(lambda c: _pct(c.get("electronic_results", 0), c.get("returned", 0)),
                                      drill="returned"),
    "full_online_share": Formula(lambda c: _pct(c.get("received_full_online", 0), c.get("received_full_service", 0)),
                                 drill="received"),
    "digitised_rate": Formula(lambda c: _pct(c.get("digitised", 0), c.get("received", 0)), drill="received"),
    "result_digitised_rate": Formula(lambda c: _pct(c.get("results_digitised", 0), c.get("returned", 0)),
                                     drill="returned"),
    "online_payment_share": Formula(lambda c: _pct(c.get("payments_online", 0), c.get("payments", 0))),
    "rating_satisfied_rate": Formula(lambda c: None, reader=_ratings(
        lambda c: _pct(c.get("satisfied", 0), c.get("ratings", 0)))),
    "average_rating": Formula(lambda c: None, reader=_ratings(
        lambda c: _ratio(c.get("score_total", 0), c.get("ratings", 0)))),
    "complaints_on_time_rate": Formula(lambda c: None, reader=_complaints(
        lambda c: _pct(c.get("on_time", 0), c.get("decided", 0)))),
    "complaint_satisfaction_rate": Formula(lambda c: None, reader=_complaints(
        lambda c: _pct(c.get("decided", 0) - c.get("not_satisfied_or_late", 0), c.get("decided", 0)))),
    "publication_on_time_rate": Formula(lambda c: None, reader=_publication(
        lambda c: _pct(c.get("on_time", 0), c.get("versions", 0)))),
    "no_data": Formula(lambda c: None, no_data=True),
}

__all__ = ["FORMULAS", "Formula", "ReadQuery", "Reader", "seed_registry"]


def sync_module_formulas() -> None:
    """Add the formulas of every module indicator registered (``tinhso.common.indicators``) to
    :data:`FORMULAS`, so the operations centre reads them like its own."""
    for indicator in module_registry.registered():
        FORMULAS[indicator.formula] = Formula(lambda c: None, live=indicator.live, reader=indicator.reader)

ONE_STOP = ["province", "agency", "commune", "field", "procedure"]
AGENCY_ONLY = ["province", "agency"]
LEGAL_766 = "QĐ 766/QĐ-TTg ngày 23/06/2022"
PERCENT = "%"

# (code, name, name_en, unit, direction, group, source, formula, granularity, additive, definition, legal source)
COMPUTED = [
    ("ho-so-tiep-nhan", "Số hồ sơ tiếp nhận", "Dossiers received", "hồ sơ", Direction.HIGHER,
     Group.QD766_PROGRESS, "received", True,
     "Số hồ sơ được tiếp nhận trong kỳ (tại quầy, qua bưu chính và trực tuyến), theo thời điểm tiếp nhận.",
     "NĐ 61/2018/NĐ-CP; TT 01/2018/TT-VPCP"),
    ("ho-so-truc-tuyen", "Số hồ sơ tiếp nhận trực tuyến", "Dossiers received online", "hồ sơ",
     Direction.HIGHER, Group.QD766_ONLINE, "received_online", True,
     "Số hồ sơ nộp trực tuyến được tiếp nhận trong kỳ.", "NĐ 42/2022/NĐ-CP"),
    ("ho-so-truc-tiep", "Số hồ sơ tiếp nhận trực tiếp, qua bưu chính", "Dossiers received at the counter or by post",
     "hồ sơ", Direction.HIGHER, Group.QD766_ONLINE, "received_counter", True,
     "Số hồ sơ tiếp nhận tại Bộ phận Một cửa hoặc qua dịch vụ bưu chính trong kỳ.", "NĐ 61/2018/NĐ-CP"),
    ("ty-le-truc-tuyen", "Tỷ lệ hồ sơ trực tuyến", "Online share of dossiers", PERCENT, Direction.HIGHER,
     Group.QD766_ONLINE, "online_share", False,
     "Hồ sơ tiếp nhận trực tuyến ÷ tổng số hồ sơ tiếp nhận trong kỳ × 100%. Công thức chấm điểm chính thức "
     "chưa được xác nhận: hiển thị tỷ lệ, không quy đổi điểm.", LEGAL_766),
    ("ty-le-truc-tuyen-toan-trinh", "Tỷ lệ hồ sơ trực tuyến toàn trình", "Full-online share", PERCENT,
     Direction.HIGHER, Group.QD766_ONLINE, "full_online_share", False,
     "Hồ sơ nộp trực tuyến của các thủ tục cung cấp dịch vụ công trực tuyến toàn trình ÷ tổng số hồ sơ tiếp nhận "
     "của các thủ tục đó trong kỳ × 100% (mức độ trực tuyến theo phiên bản thủ tục của hồ sơ). Công thức chấm "
     "điểm chính thức chưa được xác nhận.", "NĐ 42/2022/NĐ-CP; " + LEGAL_766),
    ("ho-so-da-giai-quyet", "Số hồ sơ đã giải quyết, trả kết quả", "Dossiers settled", "hồ sơ",
     Direction.HIGHER, Group.QD766_PROGRESS, "returned", True,
     "Số hồ sơ đã trả kết quả trong kỳ, theo thời điểm trả.", "TT 01/2018/TT-VPCP"),
    ("ty-le-dung-han", "Tỷ lệ hồ sơ giải quyết đúng hạn", "On-time rate", PERCENT, Direction.HIGHER,
     Group.QD766_PROGRESS, "on_time_rate", False,
     "(Hồ sơ trả kết quả trước hạn + đúng hạn) ÷ hồ sơ đã trả kết quả trong kỳ × 100%; đúng hạn tính theo thời "
     "điểm có kết quả so với hạn trả (kể cả hạn đã hẹn lại theo mẫu 04). Công thức chấm điểm chính thức chưa "
     "được xác nhận.", LEGAL_766),
    ("ho-so-truoc-han", "Số hồ sơ giải quyết trước hạn", "Dossiers settled early", "hồ sơ", Direction.HIGHER,
     Group.QD766_PROGRESS, "early", True, "Hồ sơ có kết quả vào một ngày trước ngày hẹn trả.", "TT 01/2018/TT-VPCP"),
    ("ho-so-tre-han", "Số hồ sơ giải quyết trễ hạn", "Dossiers settled late", "hồ sơ", Direction.LOWER,
     Group.QD766_PROGRESS, "late", True, "Hồ sơ đã trả kết quả có kết quả sau hạn trả.", "TT 01/2018/TT-VPCP"),
    ("ho-so-qua-han", "Số hồ sơ đang giải quyết quá hạn", "Overdue dossiers in progress", "hồ sơ",
     Direction.LOWER, Group.QD766_PROGRESS, "overdue", False,
     "Hồ sơ đang tính thời hạn (đã tiếp nhận, đang xử lý hoặc có kết quả chờ trả) mà hạn trả đã qua, tại thời "
     "điểm xem.", "TT 01/2018/TT-VPCP"),
    ("thoi-gian-xu-ly-tb", "Thời gian giải quyết trung bình", "Average processing time", "ngày làm việc",
     Direction.LOWER, Group.QD766_PROGRESS, "avg_processing_days", False,
     "Tổng số ngày làm việc từ tiếp nhận đến khi có kết quả ÷ số hồ sơ đã trả kết quả trong kỳ.",
     "BLDS 2015 Điều 147–148 (cách tính ngày)"),
    ("thoi-gian-xu-ly-trung-vi", "Thời gian giải quyết trung vị", "Median processing time", "ngày làm việc",
     Direction.LOWER, Group.QD766_PROGRESS, "median_processing_days", False,
     "Số ngày làm việc từ tiếp nhận đến khi có kết quả mà một nửa số hồ sơ đã trả kết quả trong kỳ không vượt quá.",
     "BLDS 2015 Điều 147–148 (cách tính ngày)"),
    ("ty-le-yeu-cau-bo-sung", "Tỷ lệ yêu cầu bổ sung hồ sơ", "Supplement-request rate", PERCENT, Direction.LOWER,
     Group.QD766_PROGRESS, "supplement_rate", False,
     "Số lần yêu cầu bổ sung, hoàn thiện (mẫu 02) trong kỳ ÷ số hồ sơ tiếp nhận trong kỳ × 100%.",
     "NĐ 61/2018/NĐ-CP Điều 15, 19"),
    ("so-lan-xin-loi", "Số hồ sơ xin lỗi, hẹn lại ngày trả", "Apologies issued", "hồ sơ", Direction.LOWER,
     Group.QD766_PROGRESS, "apologies", True, "Số phiếu xin lỗi và hẹn lại ngày trả kết quả (mẫu 04) trong kỳ.",
     "NĐ 61/2018/NĐ-CP Điều 19.9"),
    ("ty-le-ket-qua-dien-tu", "Tỷ lệ trả kết quả điện tử", "Electronic results share", PERCENT, Direction.HIGHER,
     Group.QD766_DIGITISATION, "electronic_result_rate", False,
     "Hồ sơ trả kết quả điện tử ÷ hồ sơ đã trả kết quả trong kỳ × 100%. Công thức chấm điểm chính thức chưa "
     "được xác nhận.", LEGAL_766),
    ("ty-le-so-hoa-ho-so", "Tỷ lệ hồ sơ được số hóa khi tiếp nhận", "Dossiers digitised at reception", PERCENT,
     Direction.HIGHER, Group.QD766_DIGITISATION, "digitised_rate", False,
     "Hồ sơ có đủ các thành phần bắt buộc dưới dạng tệp điện tử tại thời điểm tiếp nhận (nộp trực tuyến, hoặc "
     "giấy tờ được quét khi tiếp nhận tại quầy) ÷ hồ sơ tiếp nhận trong kỳ × 100%. Công thức chấm điểm chính "
     "thức chưa được xác nhận.", LEGAL_766),
    ("ty-le-so-hoa-ket-qua", "Tỷ lệ kết quả giải quyết được số hóa", "Results digitised", PERCENT,
     Direction.HIGHER, Group.QD766_DIGITISATION, "result_digitised_rate", False,
     "Hồ sơ có kết quả giải quyết lưu dưới dạng tệp điện tử khi trả kết quả ÷ hồ sơ đã trả kết quả trong kỳ "
     "× 100%. Công thức chấm điểm chính thức chưa được xác nhận.", LEGAL_766),
    ("ty-le-thanh-toan-truc-tuyen", "Tỷ lệ thanh toán trực tuyến", "Online payment share", PERCENT,
     Direction.HIGHER, Group.QD766_ONLINE, "online_payment_share", False,
     "Số lượt thanh toán phí, lệ phí trực tuyến ÷ tổng số lượt thanh toán ghi nhận trong kỳ × 100%.", LEGAL_766),
    ("hai-long-giai-quyet-tthc", "Mức độ hài lòng trong giải quyết TTHC", "Satisfaction with procedure handling",
     PERCENT, Direction.HIGHER, Group.QD766_SATISFACTION, "rating_satisfied_rate", False,
     "Số đánh giá “hài lòng” hoặc “rất hài lòng” (4–5 điểm) ÷ tổng số đánh giá trong kỳ × 100%. Đây là tỷ lệ "
     "theo định nghĩa này, không phải điểm chính thức: QĐ 766 dành tối đa 6/18 điểm nhóm hài lòng cho chỉ số "
     "này nhưng công thức chấm chưa được xác nhận.", LEGAL_766 + " (tối đa 6/18 điểm)"),
    ("diem-danh-gia-tb", "Điểm đánh giá trung bình của người dân, doanh nghiệp", "Average rating", "điểm (1–5)",
     Direction.HIGHER, Group.QD766_SATISFACTION, "average_rating", False,
     "Trung bình điểm đánh giá chung (1–5) của các đánh giá trong kỳ.", LEGAL_766),
    ("phan-anh-dung-han", "Tỷ lệ xử lý phản ánh, kiến nghị đúng hạn", "Complaints handled on time", PERCENT,
     Direction.HIGHER, Group.QD766_SATISFACTION, "complaints_on_time_rate", False,
     "(Số phản ánh, kiến nghị xử lý đúng hoặc trước hạn ÷ số phản ánh, kiến nghị thuộc thẩm quyền) × 100%, theo "
     "kỳ gửi phản ánh; phản ánh chưa đến hạn chưa được tính.", LEGAL_766 + " (công thức chính thức)"),
    ("hai-long-xu-ly-phan-anh", "Mức độ hài lòng trong xử lý phản ánh, kiến nghị",
     "Satisfaction in complaint handling", PERCENT, Direction.HIGHER, Group.QD766_SATISFACTION,
     "complaint_satisfaction_rate", False,
     "(Số phản ánh, kiến nghị − số bị đánh giá “không hài lòng” hoặc xử lý trễ hạn) ÷ số phản ánh, kiến nghị "
     "× 100%.", LEGAL_766 + " (công thức chính thức)"),
    ("tthc-cong-khai-dung-han", "Tỷ lệ thủ tục hành chính được công bố, công khai đúng hạn",
     "Procedures published on time", PERCENT, Direction.HIGHER, Group.QD766_PUBLICITY,
     "publication_on_time_rate", False,
     "Số phiên bản thủ tục hành chính có hiệu lực trong kỳ (theo ngày có hiệu lực ghi trong quyết định công "
     "bố) được công bố trên Bộ thủ tục hành chính của hệ thống chậm nhất vào ngày có hiệu lực (ngày công bố "
     "tính theo giờ Việt Nam) ÷ tổng số phiên bản có hiệu lực trong kỳ × 100%. Phiên bản chưa ghi ngày có "
     "hiệu lực không được tính; phiên bản đã qua ngày có hiệu lực mà chưa công bố tính là không đúng hạn, "
     "chưa đến ngày có hiệu lực thì chưa tính. Theo cơ quan: cơ quan thực hiện thủ tục. Đây là tỷ lệ theo "
     "định nghĩa này, không phải điểm chính thức: QĐ 766 dành 4/18 điểm nhóm công khai, minh bạch cho việc "
     "cập nhật, công khai thủ tục đúng hạn nhưng công thức chấm điểm chính thức chưa được xác nhận.",
     LEGAL_766 + " (tối đa 4/18 điểm nhóm công khai, minh bạch)"),
]

# (code, name, name_en, unit, direction, group, granularity, additive, definition, legal source)
REPORTED = [
    ("thon-ban-bang-rong-di-dong", "Số thôn, bản có sóng băng rộng di động", "Villages with mobile broadband",
     "thôn, bản", Direction.HIGHER, Group.TELECOM, Granularity.YEAR, False,
     "Số thôn, bản, tổ dân phố được phủ sóng băng rộng di động (3G/4G/5G) tại thời điểm cuối kỳ.",
     "Chương trình cung cấp dịch vụ viễn thông công ích"),
    ("xa-cap-quang", "Tỷ lệ xã có hạ tầng băng rộng cáp quang", "Communes with fibre", PERCENT, Direction.HIGHER,
     Group.TELECOM, Granularity.YEAR, False, "Số xã, phường, đặc khu có cáp quang đến trung tâm ÷ tổng số × 100%.",
     "Kế hoạch chuyển đổi số của tỉnh"),
    ("xa-4g", "Tỷ lệ xã phủ sóng 4G", "Communes with 4G", PERCENT, Direction.HIGHER, Group.TELECOM,
     Granularity.YEAR, False, "Số xã, phường, đặc khu được phủ sóng 4G ÷ tổng số × 100%.",
     "Kế hoạch chuyển đổi số của tỉnh"),
    ("doanh-thu-vien-thong", "Doanh thu lĩnh vực viễn thông", "Telecom revenue", "tỷ đồng", Direction.HIGHER,
     Group.TELECOM, Granularity.QUARTER, True, "Tổng doanh thu dịch vụ viễn thông trên địa bàn trong kỳ.",
     "Báo cáo thống kê ngành viễn thông"),
    ("thue-bao-dien-thoai", "Số thuê bao điện thoại", "Telephone subscribers", "thuê bao", Direction.HIGHER,
     Group.TELECOM, Granularity.YEAR, False, "Tổng số thuê bao điện thoại (cố định và di động) cuối kỳ.",
     "Báo cáo thống kê ngành viễn thông"),
    ("thue-bao-bang-rong-di-dong", "Số thuê bao băng rộng di động", "Mobile broadband subscribers", "thuê bao",
     Direction.HIGHER, Group.TELECOM, Granularity.YEAR, False, "Số thuê bao băng rộng di động cuối kỳ.",
     "Báo cáo thống kê ngành viễn thông"),
    ("thue-bao-bang-rong-co-dinh", "Số thuê bao băng rộng cố định", "Fixed broadband subscribers", "thuê bao",
     Direction.HIGHER, Group.TELECOM, Granularity.YEAR, False, "Số thuê bao Internet băng rộng cố định cuối kỳ.",
     "Báo cáo thống kê ngành viễn thông"),
    ("diem-dich-vu-vien-thong", "Số điểm cung cấp dịch vụ viễn thông công cộng",
     "Public telecom service points", "điểm", Direction.HIGHER, Group.TELECOM, Granularity.YEAR, False,
     "Số điểm cung cấp dịch vụ viễn thông công cộng có người phục vụ cuối kỳ.",
     "Nghị quyết 60/2016/NQ-HĐND (hạ tầng viễn thông thụ động)"),
    ("ty-le-ngam-hoa-cap", "Tỷ lệ ngầm hóa mạng cáp ngoại vi viễn thông", "Underground share of telecom cable",
     PERCENT, Direction.HIGHER, Group.TELECOM, Granularity.YEAR, False,
     "Chiều dài cáp viễn thông đi ngầm ÷ tổng chiều dài cáp ngoại vi tại khu vực quy hoạch × 100%.",
     "Nghị quyết 60/2016/NQ-HĐND"),
    ("giay-phep-bts", "Số trạm BTS được cấp phép xây dựng", "BTS construction permits issued", "trạm",
     Direction.HIGHER, Group.TELECOM, Granularity.YEAR, True, "Số trạm thu phát sóng được cấp phép trong kỳ.",
     "Nghị quyết 60/2016/NQ-HĐND"),
    ("van-ban-dien-tu", "Tỷ lệ văn bản trao đổi dưới dạng điện tử", "Documents exchanged electronically",
     PERCENT, Direction.HIGHER, Group.DTI_GOVERNMENT, Granularity.YEAR, False,
     "Văn bản đi, đến giữa các cơ quan nhà nước dưới dạng điện tử ÷ tổng số văn bản × 100%.",
     "NĐ 30/2020/NĐ-CP; QĐ 922/QĐ-BTTTT"),
    ("dti-diem", "Điểm chỉ số chuyển đổi số cấp tỉnh (DTI)", "DTI score", "điểm (0–1)", Direction.HIGHER,
     Group.DTI_OVERALL, Granularity.YEAR, False, "Điểm DTI tổng hợp do Bộ công bố.", "QĐ 922/QĐ-BTTTT"),
    ("dti-xep-hang", "Xếp hạng DTI cấp tỉnh", "DTI rank", "hạng", Direction.LOWER, Group.DTI_OVERALL,
     Granularity.YEAR, False, "Thứ hạng DTI của tỉnh trong 34 tỉnh, thành phố.", "QĐ 922/QĐ-BTTTT"),
    ("par-index", "Chỉ số cải cách hành chính (PAR Index)", "PAR Index", PERCENT, Direction.HIGHER,
     Group.ADMIN_REFORM, Granularity.YEAR, False, "Chỉ số cải cách hành chính của tỉnh do Bộ Nội vụ công bố.",
     "Bộ Nội vụ"),
    ("pci-minh-bach", "Chỉ số thành phần tính minh bạch (PCI)", "PCI transparency", "điểm", Direction.HIGHER,
     Group.ADMIN_REFORM, Granularity.YEAR, False, "Điểm chỉ số thành phần “Tính minh bạch” trong PCI.", "VCCI"),
    ("ddci", "Chỉ số năng lực cạnh tranh cấp sở, ngành, địa phương (DDCI)", "DDCI", "điểm", Direction.HIGHER,
     Group.ADMIN_REFORM, Granularity.YEAR, False, "Điểm DDCI của cơ quan do tỉnh đánh giá.", "UBND tỉnh"),
    ("dai-truyen-thanh-cntt", "Số đài truyền thanh cơ sở ứng dụng CNTT-VT", "IT-based commune radio stations",
     "đài", Direction.HIGHER, Group.PRESS, Granularity.YEAR, False,
     "Số đài truyền thanh cấp xã ứng dụng công nghệ thông tin – viễn thông đang hoạt động cuối kỳ.",
     "TT 39/2020/TT-BTTTT"),
    ("dau-thu-ho-ngheo", "Số đầu thu truyền hình số hỗ trợ hộ nghèo, cận nghèo",
     "Digital TV receivers delivered to poor households", "đầu thu", Direction.HIGHER, Group.PRESS,
     Granularity.YEAR, False, "Số đầu thu truyền hình số mặt đất đã hỗ trợ lắp đặt (lũy kế).",
     "Đề án số hóa truyền dẫn, phát sóng truyền hình mặt đất"),
]



# Indices a central body computes and publishes (the ministry, VCCI): imported from the publication by the
# platform's administrators, never entered or approved by an agency of the province.
PUBLISHED = frozenset({"dti-diem", "dti-xep-hang", "par-index", "pci-minh-bach"})


@transaction.atomic
def seed_registry(indicator_model=Indicator) -> int:
    """Create or update every indicator of the registry; returns how many were created.

    The model may be given so that the data migration seeds through its historical model.
    """
    created = 0
    for order, row in enumerate(COMPUTED, start=1):
        code, name, name_en, unit, direction, group, formula, additive, definition, legal = row
        reader = FORMULAS[formula].reader
        dimensions = ONE_STOP if reader is None else [
            dimension for dimension in ONE_STOP if dimension in ("province", "agency", *reader.dimensions)]
        _, was_created = indicator_model.objects.update_or_create(code=code, defaults={
            "name": name, "name_en": name_en, "unit": unit, "direction": direction, "group": group,
            "source": Source.COMPUTED, "formula": formula, "granularity": Granularity.MONTH, "additive": additive,
            "definition": definition, "legal_source": legal, "dimensions": dimensions, "order": order,
            "decimals": 0 if additive else 2})
        created += was_created
    computed_by_modules = {indicator.code for indicator in module_registry.registered()}
    for order, row in enumerate(REPORTED, start=100):
        code, name, name_en, unit, direction, group, granularity, additive, definition, legal = row
        if code in computed_by_modules:
            continue
        _, was_created = indicator_model.objects.update_or_create(code=code, defaults={
            "name": name, "name_en": name_en, "unit": unit, "direction": direction, "group": group,
            "source": Source.IMPORTED if code in PUBLISHED else Source.REPORTED, "formula": "",
            "granularity": granularity, "additive": additive,
            "definition": definition, "legal_source": legal, "dimensions": AGENCY_ONLY, "order": order,
            "decimals": 4 if code == "dti-diem" else 0 if unit != PERCENT else 1})
        created += was_created
    created += seed_module_indicators(indicator_model)
    # No point weights are seeded: how a rate converts into QĐ 766 points is not published for most
    # indicators (standards §5), so an administrator sets each weight deliberately.
    return created


def seed_module_indicators(indicator_model=Indicator) -> int:
    """Create or update the indicators modules compute (see ``tinhso.common.indicators``); one that
    replaces a reported indicator takes over its row (its reported values stay as history)."""
    created = 0
    reported_order = {row[0]: order for order, row in enumerate(REPORTED, start=100)}
    for order, indicator in enumerate(module_registry.registered(), start=200):
        dimensions = ["province", "agency", *[d for d in indicator.reader.dimensions if d in ("commune", "field",
                                                                                               "procedure")]]
        _, was_created = indicator_model.objects.update_or_create(code=indicator.code, defaults={
            "name": str(indicator.name), "name_en": str(indicator.name_en), "unit": str(indicator.unit),
            "direction": indicator.direction, "group": indicator.group, "source": Source.COMPUTED,
            "formula": indicator.formula, "granularity": Granularity.MONTH, "additive": indicator.additive,
            "definition": str(indicator.definition), "legal_source": str(indicator.legal_source),
            "dimensions": dimensions, "order": reported_order.get(indicator.code, order),
            "decimals": indicator.decimals})
        created += was_created
    return created


# -- the demo province ----------------------------------------------------------------------------------

DEMO_PLANS = [
    ("Nghị quyết 60/2016/NQ-HĐND", "60/2016/NQ-HĐND", "Hội đồng nhân dân tỉnh", datetime.date(2016, 12, 13),
     "Quy hoạch hạ tầng kỹ thuật viễn thông thụ động giai đoạn 2016–2020, định hướng đến năm 2025."),
    ("Kế hoạch chuyển đổi số năm 2026", "", "Ủy ban nhân dân tỉnh", datetime.date(2026, 1, 15),
     "Các chỉ tiêu chuyển đổi số, chính quyền số và phục vụ người dân, doanh nghiệp năm 2026."),
]
# (plan index, indicator, period, value)
DEMO_TARGETS = [
    (0, "diem-dich-vu-vien-thong", "2025", "700"),
    (0, "ty-le-ngam-hoa-cap", "2025", "50"),
    (0, "giay-phep-bts", "2025", "250"),
    (1, "ty-le-truc-tuyen", "2026", "60"),
    (1, "xac-minh-dung-han", "2026", "95"),
    (1, "tin-bao-xu-ly-dung-han", "2026", "95"),
    (1, "cung-cap-thong-tin-giao-ban-dung-han", "2026", "90"),
    (1, "ty-le-truc-tuyen-toan-trinh", "2026", "80"),
    (1, "ty-le-dung-han", "2026", "98"),
    (1, "ho-so-qua-han", "2026", "0"),
    (1, "thoi-gian-xu-ly-tb", "2026", "5"),
    (1, "ty-le-ket-qua-dien-tu", "2026", "50"),
    (1, "ty-le-so-hoa-ho-so", "2026", "80"),
    (1, "ty-le-so-hoa-ket-qua", "2026", "70"),
    (1, "ty-le-thanh-toan-truc-tuyen", "2026", "45"),
    (1, "hai-long-giai-quyet-tthc", "2026", "90"),
    (1, "thon-ban-bang-rong-di-dong", "2026", "4480"),
    (1, "xa-cap-quang", "2026", "100"),
    (1, "xa-4g", "2026", "100"),
    (1, "doanh-thu-vien-thong", "2026", "5200"),
    (1, "thue-bao-dien-thoai", "2026", "4100000"),
    (1, "thue-bao-bang-rong-di-dong", "2026", "3300000"),
    (1, "thue-bao-bang-rong-co-dinh", "2026", "700000"),
    (1, "diem-dich-vu-vien-thong", "2026", "760"),
    (1, "ty-le-ngam-hoa-cap", "2026", "60"),
    (1, "giay-phep-bts", "2026", "300"),
    (1, "van-ban-dien-tu", "2026", "99"),
    (1, "dti-diem", "2026", "0.56"),
    (1, "dti-xep-hang", "2026", "15"),
    (1, "par-index", "2026", "90"),
    (1, "pci-minh-bach", "2026", "7"),
    (1, "ddci", "2026", "80"),
    (1, "dai-truyen-thanh-cntt", "2026", "460"),
    (1, "dau-thu-ho-ngheo", "2026", "45000"),
]
# (indicator, period, value, note) — reported by the Department of Science and Technology.
DEMO_VALUES = [
    ("diem-dich-vu-vien-thong", "2025", "712", "Vượt chỉ tiêu Nghị quyết 60."),
    ("ty-le-ngam-hoa-cap", "2025", "50", "Thành phố, khu công nghiệp."),
    ("giay-phep-bts", "2025", "231", ""),
    ("thon-ban-bang-rong-di-dong", "2025", "4396", "Còn 84 thôn, bản lõm sóng."),
    ("thon-ban-bang-rong-di-dong", "2026", "4452", "Còn 28 thôn, bản lõm sóng; doanh nghiệp đang lắp trạm."),
    ("xa-cap-quang", "2026", "100", ""),
    ("xa-4g", "2026", "100", ""),
    ("doanh-thu-vien-thong", "2026-Q1", "1210", ""),
    ("doanh-thu-vien-thong", "2026-Q2", "1248", ""),
    ("doanh-thu-vien-thong", "2026-Q3", "1283", ""),
    ("thue-bao-dien-thoai", "2026", "3985000", "Ước tính đến hết tháng 10."),
    ("thue-bao-bang-rong-di-dong", "2026", "3154000", ""),
    ("thue-bao-bang-rong-co-dinh", "2026", "668000", ""),
    ("diem-dich-vu-vien-thong", "2026", "731", ""),
    ("ty-le-ngam-hoa-cap", "2026", "55", "Chậm do vướng thu gom, hạ ngầm đường dây điện."),
    ("giay-phep-bts", "2026", "262", ""),
    ("van-ban-dien-tu", "2026", "98.6", "Gần 100% văn bản trao đổi dưới dạng điện tử."),
    ("dti-diem", "2025", "0.5412", "DTI 2024 công bố ngày 21/10/2025."),
    ("dti-xep-hang", "2025", "18", ""),
    ("par-index", "2025", "88.52", ""),
    ("pci-minh-bach", "2025", "6.85", ""),
    ("ddci", "2025", "78.2", ""),
    ("dai-truyen-thanh-cntt", "2026", "428", "Còn khoảng 40 đài hữu tuyến xuống cấp cần chuyển đổi."),
    ("dau-thu-ho-ngheo", "2026", "43150", ""),
]


@transaction.atomic
def load_demo_ioc(province_code: str) -> int:
    """Seed the registry and the demo plans, targets and approved reported values; idempotent."""
    from tinhso.directory.identifiers import province_level1_code
    from tinhso.directory.models import Agency

    seed_registry()
    plans = []
    for name, number, issuer, issued_on, note in DEMO_PLANS:
        plan, _ = Plan.objects.get_or_create(name=name, defaults={"number": number, "issuer": issuer,
                                                                   "issued_on": issued_on, "note": note})
        plans.append(plan)
    indicators = {i.code: i for i in Indicator.objects.all()}
    for plan_index, code, period, value in DEMO_TARGETS:
        indicator = indicators[code]
        Target.objects.get_or_create(plan=plans[plan_index], indicator=indicator, period=period,
                                     defaults={"value": Decimal(value), "unit": indicator.unit})
    reporter = Agency.objects.filter(identifier=f"000.00.02.{province_level1_code(province_code)}").first()
    if reporter is None:
        return 0
    created = 0
    now = timezone.now()
    for code, period, value, note in DEMO_VALUES:
        _, was_created = ReportedValue.objects.get_or_create(
            indicator=indicators[code], agency=reporter, period=period,
            defaults={"value": Decimal(value), "note": note, "source": ValueSource.DEMO,
                      "status": ReportStatus.APPROVED, "entered_label": "Dữ liệu mẫu", "entered_at": now,
                      "approved_at": now},
        )
        created += was_created
    return created
