"""A demo procedure catalogue for the demo province: procedures across sectors at both levels.

Codes follow the national format; where the code used in the national procedures database is known it is
used, the others are placeholders of the same shape. Fees, limits and routes are realistic examples, not
the province's published catalogue: nothing here is official, and a deployment imports its real catalogue
(``tinhso catalogue import``).

Agencies come from the demo directory (``tinhso.directory.demo``), looked up by kind and name; when one is
missing the procedure is still loaded, without that link. Running the loader twice writes nothing new.

Each sector's procedures carry an announcing decision (sample numbers and dates in 2026, not the
province's decisions) and the demo dates their publication in the catalogue around the effective date —
most before it, a few sectors after — so that the QĐ 766 publicity indicator has a history to show. The
publication moment is only ever moved earlier, never past the moment the loader actually published.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.apps import apps
from django.db import transaction

from tinhso.catalogue.models import (
    FeeBasis,
    Field,
    Level,
    OnlineLevel,
    Procedure,
    ProcedureVersion,
    Status,
    StepRole,
    TimeUnit,
)
from tinhso.catalogue.services import DocumentLine, FeeLine, StepLine, VersionContent, apply_content
from tinhso.common.workdays import VIETNAM
from tinhso.directory.demo import VERTICAL_AGENCIES
from tinhso.directory.models import Agency

DAYS, HOURS = TimeUnit.WORKING_DAYS, TimeUnit.WORKING_HOURS
FULL, PARTIAL, NONE = OnlineLevel.FULL, OnlineLevel.PARTIAL, OnlineLevel.NONE
PROVINCE, COMMUNE = Level.PROVINCE, Level.COMMUNE

FIELDS = {
    "HT": "Hộ tịch",
    "CT": "Chứng thực",
    "LLTP": "Lý lịch tư pháp",
    "DD": "Đất đai",
    "XD": "Hoạt động xây dựng",
    "DKKD": "Thành lập và hoạt động của doanh nghiệp, hộ kinh doanh",
    "BC": "Bưu chính",
    "VT": "Viễn thông và Internet",
    "XB": "Xuất bản, in và phát hành",
    "BCH": "Báo chí",
    "YT": "Khám bệnh, chữa bệnh",
    "ATTP": "An toàn thực phẩm",
    "GD": "Giáo dục và Đào tạo",
}

# A sector's announcing decision: (number, date issued, date in effect, days the catalogue published its
# procedures before the effective date — negative: after it, late). Education carries none: its
# procedures came over from an older catalogue without their decision, and the indicator leaves them out.
Decision = tuple[str, datetime.date, datetime.date, int]
_JUSTICE_2026 = ("86/QĐ-UBND", datetime.date(2026, 1, 12), datetime.date(2026, 1, 20), 2)
_POST_TELECOM_2026 = ("1034/QĐ-UBND", datetime.date(2026, 6, 5), datetime.date(2026, 6, 15), 3)
_PRESS_2026 = ("1037/QĐ-UBND", datetime.date(2026, 6, 5), datetime.date(2026, 6, 15), -4)
DECISIONS: dict[str, Decision] = {
    "HT": _JUSTICE_2026,
    "CT": _JUSTICE_2026,
    "LLTP": _JUSTICE_2026,
    "DD": ("412/QĐ-UBND", datetime.date(2026, 3, 2), datetime.date(2026, 3, 10), -6),
    "XD": ("415/QĐ-UBND", datetime.date(2026, 3, 3), datetime.date(2026, 3, 15), 1),
    "DKKD": ("690/QĐ-UBND", datetime.date(2026, 4, 20), datetime.date(2026, 5, 1), 0),
    "BC": _POST_TELECOM_2026,
    "VT": _POST_TELECOM_2026,
    "XB": _PRESS_2026,
    "BCH": _PRESS_2026,
    "YT": ("1420/QĐ-UBND", datetime.date(2026, 8, 3), datetime.date(2026, 8, 10), 2),
    "ATTP": ("1421/QĐ-UBND", datetime.date(2026, 8, 3), datetime.date(2026, 8, 10), -9),
}

# Department names as the demo directory writes them.
JUSTICE = "Sở Tư pháp"
CONSTRUCTION = "Sở Xây dựng"
AGRICULTURE_ENVIRONMENT = "Sở Nông nghiệp và Môi trường"
FINANCE = "Sở Tài chính"
CULTURE = "Sở Văn hóa, Thể thao và Du lịch"
HEALTH = "Sở Y tế"
EDUCATION = "Sở Giáo dục và Đào tạo"
SCIENCE = "Sở Khoa học và Công nghệ"

# A route step: (role, share, where). ``where`` is None for the receiving agency, "dept" for the
# implementing department, the name of a directory agency of the demo (the provincial police, the social
# insurance: a liên thông step run at that agency), or the name of a body outside the directory (a partner,
# e.g. the tax office, to which the receiving agency hands the dossier over and from which it gets the answer).
Step = tuple[str, int, str | None]
R, H, A, T = StepRole.RECEIVE, StepRole.HANDLE, StepRole.APPROVE, StepRole.RETURN


@dataclass(frozen=True)
class DemoProcedure:
    code: str
    name: str
    field: str
    level: str
    time_limit: int
    result: str
    legal_basis: str
    documents: tuple[DocumentLine, ...]
    department: str | None = None  # the implementing department of a province-level procedure
    time_unit: str = DAYS
    online_level: str = FULL
    online_limit_reason: str = ""
    fees: tuple[FeeLine, ...] = ()
    route: tuple[Step, ...] | None = None  # None: receive → handle → approve → return
    eform_schema: dict | None = None


def doc(name: str, originals: int = 1, copies: int = 0, *, optional: bool = False, reusable: bool = False):
    return DocumentLine(name=name, originals=originals, copies=copies, required=not optional, reusable=reusable)


def fee(description: str, amount: int, basis: str = FeeBasis.DOSSIER, included_copies: int = 0,
        exemption: str = "") -> FeeLine:
    return FeeLine(description=description, amount=amount, basis=basis, included_copies=included_copies,
                   exemption=exemption)


# Thông tư 85/2019/TT-BTC, Art. 5: civil-status fees are waived for these applicants.
CIVIL_STATUS_EXEMPT = "Người thuộc gia đình có công với cách mạng; người thuộc hộ nghèo; người khuyết tật"
# Thông tư 244/2016/TT-BTC, Art. 5: no criminal-record fee for these applicants.
CRIMINAL_RECORD_EXEMPT = ("Trẻ em; người cao tuổi; người khuyết tật; người thuộc hộ nghèo; người cư trú tại xã "
                          "đặc biệt khó khăn, đồng bào dân tộc thiểu số ở vùng có điều kiện kinh tế - xã hội đặc "
                          "biệt khó khăn; thân nhân liệt sĩ; người có công với cách mạng")


def default_route(limit: int, unit: str) -> tuple[Step, ...]:
    """Receive and return at the desk; the handler gets the time the leader does not."""
    if unit == HOURS:
        return ((R, 1, None), (H, limit - 3, "dept"), (A, 1, "dept"), (T, 1, None))
    approve = 1 if limit <= 5 else 2
    return ((R, 0, None), (H, limit - approve, "dept"), (A, approve, "dept"), (T, 0, None))


PRESENCE = "Người yêu cầu phải có mặt để ký, đối chiếu bản chính khi nhận kết quả."
ID_CARD = doc("Giấy tờ tùy thân (CCCD) hoặc thông tin định danh điện tử VNeID", 0, 0, optional=True, reusable=True)

BIRTH_FORM = {
    "type": "object",
    "title": "Thông tin trẻ được khai sinh",
    "required": ["ho_ten", "ngay_sinh", "gioi_tinh"],
    "properties": {
        "ho_ten": {"type": "string", "title": "Họ, chữ đệm và tên", "maxLength": 100},
        "ngay_sinh": {"type": "string", "format": "date", "title": "Ngày sinh"},
        "gioi_tinh": {"type": "string", "title": "Giới tính", "enum": ["Nam", "Nữ"]},
        "noi_sinh": {"type": "string", "title": "Nơi sinh", "maxLength": 255},
        "dang_ky_thuong_tru": {"type": "boolean", "title": "Đăng ký thường trú cùng lúc"},
    },
}
HOUSEHOLD_BUSINESS_FORM = {
    "type": "object",
    "required": ["ten_ho_kinh_doanh", "von_kinh_doanh"],
    "properties": {
        "ten_ho_kinh_doanh": {"type": "string", "title": "Tên hộ kinh doanh", "maxLength": 200},
        "nganh_nghe": {"type": "string", "title": "Ngành, nghề kinh doanh", "maxLength": 500},
        "von_kinh_doanh": {"type": "integer", "title": "Vốn kinh doanh (đồng)", "minimum": 0},
        "so_lao_dong": {"type": "integer", "title": "Số lao động", "minimum": 0, "maximum": 10000},
    },
}
BUILDING_FORM = {
    "type": "object",
    "required": ["dien_tich_xay_dung", "so_tang"],
    "properties": {
        "dien_tich_xay_dung": {"type": "number", "title": "Diện tích xây dựng (m²)", "minimum": 1},
        "so_tang": {"type": "integer", "title": "Số tầng", "minimum": 1, "maximum": 7},
        "thua_dat": {"type": "string", "title": "Số thửa, tờ bản đồ", "maxLength": 100},
    },
}
CRIMINAL_RECORD_FORM = {
    "type": "object",
    "required": ["loai_phieu", "so_luong"],
    "properties": {
        "loai_phieu": {"type": "integer", "title": "Loại phiếu", "enum": [1, 2]},
        "so_luong": {"type": "integer", "title": "Số lượng phiếu", "minimum": 1, "maximum": 10},
        "muc_dich": {"type": "string", "title": "Mục đích sử dụng", "maxLength": 255},
    },
}

# Codes believed to match the national procedures database: 1.001193, 1.000894, 1.000656, 1.004859,
# 1.004873, 2.000815, 2.000505, 2.000575. Every other code is a placeholder of the same shape.
CIVIL_STATUS_LAW = "Luật Hộ tịch 2014; Nghị định 123/2015/NĐ-CP; Thông tư 04/2020/TT-BTP"

PROCEDURES: tuple[DemoProcedure, ...] = (
    # --- Hộ tịch (commune) ---
    DemoProcedure(
        "1.001193", "Thủ tục đăng ký khai sinh", "HT", COMMUNE, 8, "Giấy khai sinh (bản chính, bản điện tử)",
        CIVIL_STATUS_LAW,
        (doc("Tờ khai đăng ký khai sinh theo mẫu"), doc("Giấy chứng sinh hoặc giấy tờ thay giấy chứng sinh"),
         ID_CARD),
        time_unit=HOURS, eform_schema=BIRTH_FORM,
    ),
    DemoProcedure(
        "1.000894", "Thủ tục đăng ký kết hôn", "HT", COMMUNE, 8, "Giấy chứng nhận kết hôn", CIVIL_STATUS_LAW,
        (doc("Tờ khai đăng ký kết hôn theo mẫu"), doc("Giấy xác nhận tình trạng hôn nhân", optional=True),
         ID_CARD),
        time_unit=HOURS, online_level=PARTIAL,
        online_limit_reason="Hai bên nam, nữ phải cùng có mặt để ký Giấy chứng nhận kết hôn (Luật Hộ tịch, Điều 18).",
    ),
    DemoProcedure(
        "1.000656", "Thủ tục đăng ký khai tử", "HT", COMMUNE, 8, "Trích lục khai tử", CIVIL_STATUS_LAW,
        (doc("Tờ khai đăng ký khai tử theo mẫu"), doc("Giấy báo tử hoặc giấy tờ thay giấy báo tử")),
        time_unit=HOURS,
    ),
    DemoProcedure(
        "1.004859", "Thủ tục đăng ký thay đổi, cải chính, bổ sung thông tin hộ tịch", "HT", COMMUNE, 3,
        "Trích lục thay đổi, cải chính, bổ sung thông tin hộ tịch", CIVIL_STATUS_LAW,
        (doc("Tờ khai đăng ký thay đổi, cải chính, bổ sung thông tin hộ tịch"),
         doc("Giấy tờ làm căn cứ thay đổi, cải chính", 0, 1)),
        fees=(fee("Lệ phí thay đổi, cải chính, bổ sung thông tin hộ tịch", 15_000,
                  exemption=CIVIL_STATUS_EXEMPT),),
        online_level=PARTIAL, online_limit_reason=PRESENCE,
    ),
    DemoProcedure(
        "1.004873", "Thủ tục cấp Giấy xác nhận tình trạng hôn nhân", "HT", COMMUNE, 3,
        "Giấy xác nhận tình trạng hôn nhân", CIVIL_STATUS_LAW,
        (doc("Tờ khai cấp Giấy xác nhận tình trạng hôn nhân theo mẫu"), ID_CARD),
        fees=(fee("Lệ phí cấp Giấy xác nhận tình trạng hôn nhân", 15_000,
                  exemption=CIVIL_STATUS_EXEMPT),),
    ),
    DemoProcedure(
        "1.001022", "Thủ tục đăng ký nhận cha, mẹ, con", "HT", COMMUNE, 3, "Trích lục đăng ký nhận cha, mẹ, con",
        CIVIL_STATUS_LAW,
        (doc("Tờ khai đăng ký nhận cha, mẹ, con theo mẫu"), doc("Chứng cứ chứng minh quan hệ cha, mẹ, con")),
        fees=(fee("Lệ phí đăng ký nhận cha, mẹ, con", 15_000,
                  exemption=CIVIL_STATUS_EXEMPT),), online_level=PARTIAL,
        online_limit_reason="Các bên phải có mặt khi đăng ký (Luật Hộ tịch, Điều 25).",
    ),
    DemoProcedure(
        "1.004884", "Thủ tục đăng ký lại khai sinh", "HT", COMMUNE, 5, "Giấy khai sinh (đăng ký lại)",
        CIVIL_STATUS_LAW,
        (doc("Tờ khai đăng ký lại khai sinh theo mẫu"), doc("Bản sao Giấy khai sinh cũ", 0, 1, optional=True)),
    ),
    DemoProcedure(
        "1.013501", "Liên thông thủ tục hành chính: đăng ký khai sinh, đăng ký thường trú, cấp thẻ bảo hiểm y tế "
        "cho trẻ em dưới 6 tuổi", "HT", COMMUNE, 10,
        "Giấy khai sinh; thông tin cư trú được cập nhật; thẻ bảo hiểm y tế",
        f"{CIVIL_STATUS_LAW}; Luật Cư trú 2020; Luật Bảo hiểm y tế; Nghị định 63/2024/NĐ-CP",
        (doc("Tờ khai đăng ký khai sinh theo mẫu"), doc("Giấy chứng sinh"),
         doc("Tờ khai thay đổi thông tin cư trú"), doc("Tờ khai tham gia bảo hiểm y tế")),
        route=((R, 0, None), (H, 2, None), (A, 1, None), (H, 3, "Công an tỉnh"), (H, 4, "Bảo hiểm xã hội tỉnh"),
               (T, 0, None)),
        eform_schema=BIRTH_FORM,
    ),
    # --- Chứng thực (commune) ---
    DemoProcedure(
        "2.000815", "Thủ tục chứng thực bản sao từ bản chính giấy tờ, văn bản do cơ quan, tổ chức có thẩm quyền "
        "của Việt Nam cấp", "CT", COMMUNE, 4, "Bản sao được chứng thực", "Nghị định 23/2015/NĐ-CP",
        (doc("Bản chính giấy tờ, văn bản làm cơ sở chứng thực", 1), doc("Bản sao cần chứng thực", 0, 1)),
        time_unit=HOURS, fees=(fee("Phí chứng thực bản sao (mỗi trang)", 2_000, FeeBasis.COPY),), online_level=PARTIAL,
        online_limit_reason="Phải đối chiếu bản chính giấy tờ.",
    ),
    DemoProcedure(
        "2.000884", "Thủ tục chứng thực chữ ký trong các giấy tờ, văn bản", "CT", COMMUNE, 4,
        "Giấy tờ, văn bản được chứng thực chữ ký", "Nghị định 23/2015/NĐ-CP",
        (doc("Giấy tờ, văn bản cần chứng thực chữ ký"), ID_CARD),
        time_unit=HOURS, fees=(fee("Phí chứng thực chữ ký (mỗi trường hợp)", 10_000),), online_level=NONE,
        online_limit_reason="Người yêu cầu phải ký trước mặt người thực hiện chứng thực.",
    ),
    # --- Lý lịch tư pháp (province, Sở Tư pháp; verified with the provincial police) ---
    DemoProcedure(
        "2.000505", "Thủ tục cấp Phiếu lý lịch tư pháp cho công dân Việt Nam, người nước ngoài đang cư trú tại "
        "Việt Nam", "LLTP", PROVINCE, 10, "Phiếu lý lịch tư pháp số 1 hoặc số 2",
        "Luật Lý lịch tư pháp 2009; Thông tư 244/2016/TT-BTC",
        (doc("Tờ khai yêu cầu cấp Phiếu lý lịch tư pháp"), ID_CARD), department=JUSTICE,
        # TT 244/2016: 200 000 đồng a request, which includes two certificates; 5 000 đồng each from the third.
        fees=(fee("Phí cung cấp thông tin lý lịch tư pháp (gồm 02 phiếu)", 200_000,
                  exemption=CRIMINAL_RECORD_EXEMPT),
              fee("Phí từ phiếu thứ 3 trở đi (mỗi phiếu)", 5_000, FeeBasis.BEYOND, 2)),
        route=((R, 0, None), (H, 3, "dept"), (H, 5, "Công an tỉnh"), (A, 2, "dept"), (T, 0, None)),
        eform_schema=CRIMINAL_RECORD_FORM,
    ),
    DemoProcedure(
        "2.000488", "Thủ tục cấp Phiếu lý lịch tư pháp cho cơ quan tiến hành tố tụng", "LLTP", PROVINCE, 10,
        "Phiếu lý lịch tư pháp số 2", "Luật Lý lịch tư pháp 2009",
        (doc("Văn bản yêu cầu cấp Phiếu lý lịch tư pháp"),), department=JUSTICE, online_level=PARTIAL,
        online_limit_reason="Văn bản yêu cầu được gửi qua hệ thống quản lý văn bản của cơ quan tố tụng.",
        route=((R, 0, None), (H, 3, "dept"), (H, 5, "Công an tỉnh"), (A, 2, "dept"), (T, 0, None)),
    ),
    # --- Đất đai (land registration with the tax office: nghĩa vụ tài chính) ---
    DemoProcedure(
        "1.004227", "Thủ tục đăng ký biến động quyền sử dụng đất, quyền sở hữu tài sản gắn liền với đất do "
        "chuyển nhượng, tặng cho, thừa kế", "DD", PROVINCE, 10,
        "Giấy chứng nhận quyền sử dụng đất, quyền sở hữu tài sản gắn liền với đất",
        "Luật Đất đai 2024; Nghị định 101/2024/NĐ-CP",
        (doc("Đơn đăng ký biến động đất đai, tài sản gắn liền với đất"), doc("Giấy chứng nhận đã cấp"),
         doc("Hợp đồng, văn bản chuyển quyền đã công chứng, chứng thực"),
         doc("Tờ khai lệ phí trước bạ, tờ khai thuế thu nhập cá nhân")),
        department=AGRICULTURE_ENVIRONMENT, online_level=PARTIAL,
        online_limit_reason="Phải nộp bản gốc Giấy chứng nhận đã cấp.",
        fees=(fee("Lệ phí cấp Giấy chứng nhận (hộ gia đình, cá nhân)", 50_000),
              fee("Phí thẩm định hồ sơ", 300_000)),
        route=((R, 0, None), (H, 3, "dept"), (H, 3, "Thuế tỉnh"), (H, 2, "dept"), (A, 2, "dept"), (T, 0, None)),
    ),
    DemoProcedure(
        "1.012790", "Thủ tục đăng ký đất đai, tài sản gắn liền với đất, cấp Giấy chứng nhận lần đầu đối với hộ gia "
        "đình, cá nhân", "DD", COMMUNE, 20,
        "Giấy chứng nhận quyền sử dụng đất, quyền sở hữu tài sản gắn liền với đất",
        "Luật Đất đai 2024; Nghị định 101/2024/NĐ-CP; Nghị định 151/2025/NĐ-CP",
        (doc("Đơn đăng ký đất đai, tài sản gắn liền với đất"), doc("Giấy tờ về quyền sử dụng đất", 0, 1),
         doc("Sơ đồ nhà ở, công trình xây dựng", optional=True)),
        online_level=PARTIAL, online_limit_reason="Phải đo đạc, xác minh hiện trạng thửa đất.",
        fees=(fee("Lệ phí cấp Giấy chứng nhận", 100_000),),
        route=((R, 0, None), (H, 10, None), (H, 5, "Thuế tỉnh"), (A, 5, None), (T, 0, None)),
    ),
    DemoProcedure(
        "1.012801", "Thủ tục cấp đổi Giấy chứng nhận quyền sử dụng đất", "DD", PROVINCE, 7,
        "Giấy chứng nhận quyền sử dụng đất mới", "Luật Đất đai 2024",
        (doc("Đơn đề nghị cấp đổi Giấy chứng nhận"), doc("Giấy chứng nhận đã cấp")),
        department=AGRICULTURE_ENVIRONMENT, online_level=PARTIAL,
        online_limit_reason="Phải nộp bản gốc Giấy chứng nhận đã cấp.", fees=(fee("Lệ phí cấp đổi", 50_000),),
    ),
    DemoProcedure(
        "1.012811", "Thủ tục đính chính Giấy chứng nhận đã cấp", "DD", PROVINCE, 10,
        "Giấy chứng nhận đã được đính chính", "Luật Đất đai 2024",
        (doc("Đơn đề nghị đính chính"), doc("Giấy chứng nhận đã cấp")), department=AGRICULTURE_ENVIRONMENT,
        online_level=PARTIAL, online_limit_reason="Phải nộp bản gốc Giấy chứng nhận đã cấp.",
    ),
    # --- Xây dựng ---
    DemoProcedure(
        "1.009994", "Thủ tục cấp giấy phép xây dựng mới đối với nhà ở riêng lẻ", "XD", COMMUNE, 15,
        "Giấy phép xây dựng", "Luật Xây dựng 2014, sửa đổi 2020; Nghị định 175/2024/NĐ-CP",
        (doc("Đơn đề nghị cấp giấy phép xây dựng"), doc("Giấy tờ hợp pháp về đất đai", 0, 1),
         doc("Hai bộ bản vẽ thiết kế xây dựng", 2)),
        fees=(fee("Lệ phí cấp giấy phép xây dựng nhà ở riêng lẻ", 75_000),), eform_schema=BUILDING_FORM,
    ),
    DemoProcedure(
        "1.009995", "Thủ tục gia hạn giấy phép xây dựng", "XD", COMMUNE, 5, "Giấy phép xây dựng được gia hạn",
        "Luật Xây dựng 2014, sửa đổi 2020", (doc("Đơn đề nghị gia hạn"), doc("Bản chính giấy phép xây dựng")),
        fees=(fee("Lệ phí gia hạn giấy phép xây dựng", 15_000),),
    ),
    DemoProcedure(
        "1.009974", "Thủ tục cấp giấy phép xây dựng mới đối với công trình cấp III, cấp IV", "XD", PROVINCE, 20,
        "Giấy phép xây dựng", "Luật Xây dựng 2014, sửa đổi 2020; Nghị định 175/2024/NĐ-CP",
        (doc("Đơn đề nghị cấp giấy phép xây dựng"), doc("Quyết định phê duyệt dự án", 0, 1),
         doc("Hai bộ bản vẽ thiết kế xây dựng", 2)),
        department=CONSTRUCTION, fees=(fee("Lệ phí cấp giấy phép xây dựng công trình", 150_000),),
    ),
    # --- Đăng ký kinh doanh ---
    DemoProcedure(
        "2.000575", "Thủ tục đăng ký thành lập hộ kinh doanh", "DKKD", COMMUNE, 3,
        "Giấy chứng nhận đăng ký hộ kinh doanh", "Luật Doanh nghiệp 2020; Nghị định 168/2025/NĐ-CP",
        (doc("Giấy đề nghị đăng ký hộ kinh doanh"), ID_CARD),
        fees=(fee("Lệ phí đăng ký hộ kinh doanh", 100_000),), eform_schema=HOUSEHOLD_BUSINESS_FORM,
    ),
    DemoProcedure(
        "2.000720", "Thủ tục tạm ngừng hoặc tiếp tục kinh doanh trước thời hạn đã thông báo của hộ kinh doanh",
        "DKKD", COMMUNE, 3, "Giấy xác nhận về việc hộ kinh doanh tạm ngừng kinh doanh",
        "Nghị định 168/2025/NĐ-CP", (doc("Thông báo tạm ngừng kinh doanh"),),
    ),
    DemoProcedure(
        "1.010027", "Thủ tục đăng ký thành lập doanh nghiệp tư nhân", "DKKD", PROVINCE, 3,
        "Giấy chứng nhận đăng ký doanh nghiệp", "Luật Doanh nghiệp 2020; Nghị định 168/2025/NĐ-CP",
        (doc("Giấy đề nghị đăng ký doanh nghiệp"), ID_CARD), department=FINANCE,
        fees=(fee("Lệ phí đăng ký doanh nghiệp (nộp hồ sơ giấy)", 50_000),
              fee("Phí công bố nội dung đăng ký doanh nghiệp", 100_000)),
    ),
    DemoProcedure(
        "1.010028", "Thủ tục đăng ký thành lập công ty trách nhiệm hữu hạn một thành viên", "DKKD", PROVINCE, 3,
        "Giấy chứng nhận đăng ký doanh nghiệp", "Luật Doanh nghiệp 2020; Nghị định 168/2025/NĐ-CP",
        (doc("Giấy đề nghị đăng ký doanh nghiệp"), doc("Điều lệ công ty"), ID_CARD), department=FINANCE,
        fees=(fee("Phí công bố nội dung đăng ký doanh nghiệp", 100_000),),
    ),
    # --- Bưu chính, viễn thông (Sở Khoa học và Công nghệ since 2025) ---
    DemoProcedure(
        "1.003874", "Thủ tục cấp giấy phép bưu chính (phạm vi nội tỉnh)", "BC", PROVINCE, 20, "Giấy phép bưu chính",
        "Luật Bưu chính 2010; Nghị định 47/2011/NĐ-CP",
        (doc("Đơn đề nghị cấp giấy phép bưu chính"), doc("Giấy chứng nhận đăng ký doanh nghiệp", 0, 1),
         doc("Phương án kinh doanh"), doc("Mẫu hợp đồng cung ứng dịch vụ bưu chính")),
        department=SCIENCE, fees=(fee("Phí thẩm định điều kiện hoạt động bưu chính", 10_000_000),),
    ),
    DemoProcedure(
        "1.003880", "Thủ tục cấp văn bản xác nhận thông báo hoạt động bưu chính", "BC", PROVINCE, 7,
        "Văn bản xác nhận thông báo hoạt động bưu chính", "Luật Bưu chính 2010",
        (doc("Văn bản thông báo hoạt động bưu chính"), doc("Giấy chứng nhận đăng ký doanh nghiệp", 0, 1)),
        department=SCIENCE, fees=(fee("Phí thẩm định", 1_000_000),),
    ),
    DemoProcedure(
        "1.005450", "Thủ tục chấp thuận lắp đặt cáp viễn thông trong phạm vi bảo vệ kết cấu hạ tầng giao thông "
        "đường bộ", "VT", PROVINCE, 7, "Văn bản chấp thuận", "Luật Viễn thông 2023; Luật Đường bộ 2024",
        (doc("Đơn đề nghị chấp thuận"), doc("Hồ sơ thiết kế tuyến cáp", 1, 1)), department=CONSTRUCTION,
        online_level=PARTIAL, online_limit_reason="Phải khảo sát hiện trường tuyến cáp.",
        route=((R, 0, None), (H, 4, "dept"), (H, 2, None), (A, 1, "dept"), (T, 0, None)),
    ),
    # --- Báo chí, xuất bản (Sở Văn hóa, Thể thao và Du lịch since 2025) ---
    DemoProcedure(
        "1.004511", "Thủ tục cấp giấy phép xuất bản bản tin", "BCH", PROVINCE, 15, "Giấy phép xuất bản bản tin",
        "Luật Báo chí 2016; Nghị định 09/2017/NĐ-CP",
        (doc("Tờ khai đề nghị cấp giấy phép xuất bản bản tin"), doc("Mẫu trình bày tên gọi bản tin")),
        department=CULTURE,
    ),
    DemoProcedure(
        "1.004520", "Thủ tục cấp giấy phép hoạt động in", "XB", PROVINCE, 15, "Giấy phép hoạt động in",
        "Nghị định 60/2014/NĐ-CP; Nghị định 72/2022/NĐ-CP",
        (doc("Đơn đề nghị cấp giấy phép hoạt động in"), doc("Giấy tờ chứng minh thiết bị in", 0, 1)),
        department=CULTURE, online_level=PARTIAL, online_limit_reason="Phải kiểm tra thực tế cơ sở in.",
    ),
    DemoProcedure(
        "1.004530", "Thủ tục cấp giấy phép xuất bản tài liệu không kinh doanh", "XB", PROVINCE, 10,
        "Giấy phép xuất bản tài liệu không kinh doanh", "Luật Xuất bản 2012",
        (doc("Đơn đề nghị cấp giấy phép"), doc("Bản thảo tài liệu", 2)), department=CULTURE,
    ),
    # --- Y tế ---
    DemoProcedure(
        "1.012250", "Thủ tục cấp giấy phép hành nghề khám bệnh, chữa bệnh", "YT", PROVINCE, 20,
        "Giấy phép hành nghề khám bệnh, chữa bệnh", "Luật Khám bệnh, chữa bệnh 2023; Nghị định 96/2023/NĐ-CP",
        (doc("Đơn đề nghị cấp giấy phép hành nghề"), doc("Văn bằng chuyên môn", 0, 1),
         doc("Giấy chứng nhận đủ sức khỏe hành nghề")), department=HEALTH, online_level=PARTIAL,
        online_limit_reason="Phải đối chiếu văn bằng chuyên môn bản chính.",
        fees=(fee("Phí thẩm định cấp giấy phép hành nghề", 360_000),),
    ),
    DemoProcedure(
        "1.012260", "Thủ tục cấp Giấy chứng nhận cơ sở đủ điều kiện an toàn thực phẩm", "ATTP", PROVINCE, 20,
        "Giấy chứng nhận cơ sở đủ điều kiện an toàn thực phẩm", "Luật An toàn thực phẩm 2010",
        (doc("Đơn đề nghị cấp Giấy chứng nhận"), doc("Bản thuyết minh cơ sở vật chất")), department=HEALTH,
        online_level=PARTIAL, online_limit_reason="Đoàn thẩm định phải kiểm tra thực tế tại cơ sở.",
        fees=(fee("Phí thẩm định cơ sở sản xuất thực phẩm", 2_500_000),),
        route=((R, 0, None), (H, 15, "dept"), (A, 5, "dept"), (T, 0, None)),
    ),
    # --- Giáo dục ---
    DemoProcedure(
        "1.005092", "Thủ tục cấp bản sao văn bằng, chứng chỉ từ sổ gốc", "GD", PROVINCE, 16,
        "Bản sao văn bằng, chứng chỉ", "Thông tư 21/2019/TT-BGDĐT",
        (doc("Đơn đề nghị cấp bản sao"), ID_CARD), department=EDUCATION, time_unit=HOURS,
        fees=(fee("Phí cấp bản sao (mỗi bản)", 3_000, FeeBasis.COPY),),
    ),
    DemoProcedure(
        "1.005100", "Thủ tục chuyển trường đối với học sinh trung học phổ thông", "GD", PROVINCE, 3,
        "Văn bản đồng ý tiếp nhận học sinh", "Thông tư 50/2021/TT-BGDĐT",
        (doc("Đơn xin chuyển trường"), doc("Học bạ", 1), doc("Giấy giới thiệu chuyển trường")),
        department=EDUCATION,
    ),
)


def load_demo_catalogue(province_code: str) -> int:
    """Create or bring up to date the demo catalogue; returns how many of its procedures are in force."""
    places = _Places(province_code)
    with transaction.atomic():
        fields = {code: _field(code, name) for code, name in FIELDS.items()}
        for item in PROCEDURES:
            apply_content(item.code, _content(item, fields, places), publish_now=True)
        _date_publications()
    codes = [item.code for item in PROCEDURES]
    return Procedure.objects.filter(code__in=codes, versions__status=Status.PUBLISHED).count()


class _Places:
    """The demo directory's agencies, read once; lookups of an agency that is not there give None."""

    def __init__(self, province_code: str):
        Province = apps.get_model("geo", "Province")
        province = Province.objects.filter(code=province_code).first()
        agencies = list(Agency.objects.active_on().filter(province=province)) if province else []
        self.departments = {
            agency.name: agency for agency in agencies
            if agency.kind in (Agency.Kind.DEPARTMENT, Agency.Kind.SERVICE_CENTRE)
        }
        groups = {f"000.00.{group}.": name for group, name, _ in VERTICAL_AGENCIES}
        self.verticals = {groups[a.identifier[:10]]: a for a in agencies if a.identifier[:10] in groups}
        self.communes = tuple(
            sorted((a for a in agencies if a.kind == Agency.Kind.COMMUNE_PEOPLES_COMMITTEE),
                   key=lambda agency: agency.identifier)
        )

    def department(self, name: str | None) -> Agency | None:
        return self.departments.get(name) if name else None

    def vertical(self, name: str | None) -> Agency | None:
        """The demo directory's agency of a vertical branch by name (the police, the social insurance)."""
        return self.verticals.get(name) if name else None


def _date_publications() -> None:
    """Move each demo version's publication to its planned moment (09:00 local, the planned number of days
    from the effective date), when that is earlier than when it was actually published."""
    planned_by_code = {}
    for item in PROCEDURES:
        if item.field in DECISIONS:
            _, _, effective, days_before = DECISIONS[item.field]
            day = effective - datetime.timedelta(days=days_before)
            planned_by_code[item.code] = (effective, datetime.datetime.combine(day, datetime.time(9), tzinfo=VIETNAM))
    versions = ProcedureVersion.objects.filter(procedure__code__in=list(planned_by_code), status=Status.PUBLISHED)
    for pk, code, effective, published_at in versions.values_list("pk", "procedure__code", "effective_from",
                                                                  "published_at"):
        planned_effective, planned = planned_by_code[code]
        if effective == planned_effective and published_at is not None and planned < published_at:
            # A lifecycle field: the frozen content is untouched.
            ProcedureVersion.objects.filter(pk=pk).update(published_at=planned)


def _field(code: str, name: str) -> Field:
    found, created = Field.objects.get_or_create(code=code, defaults={"name": name})
    if not created and found.name != name:
        found.name = name
        found.save(update_fields=["name"])
    return found


def _content(item: DemoProcedure, fields: dict[str, Field], places: _Places) -> VersionContent:
    department = places.department(item.department)
    agencies = places.communes if item.level == COMMUNE else tuple(filter(None, [department]))
    steps = []
    for role, share, where in item.route or default_route(item.time_limit, item.time_unit):
        if where == "dept":
            steps.append(StepLine(role=role, share=share, agency=department))
        elif places.vertical(where) is not None:
            steps.append(StepLine(role=role, share=share, agency=places.vertical(where)))
        else:
            steps.append(StepLine(role=role, share=share, partner=where or ""))
    number, issued, effective, _ = DECISIONS.get(item.field, ("", None, None, 0))
    return VersionContent(
        decision_number=number, decision_date=issued, effective_from=effective,
        name=item.name, field=fields[item.field], level=item.level, time_limit=item.time_limit,
        time_unit=item.time_unit, legal_basis=item.legal_basis, result=item.result,
        online_level=item.online_level, online_limit_reason=item.online_limit_reason,
        eform_schema=item.eform_schema, agencies=tuple(agencies), documents=item.documents, fees=item.fees,
        steps=tuple(steps),
    )
