"""Licences of general information websites and social networks through the one-stop engine
(``dossiers.results``, key ``media.website_licence``).

The licensing procedure (NĐ 147/2024/NĐ-CP) carries the request in its e-form (:data:`LICENCE_FORM`): a new
licence, a renewal, an amendment or a revocation, the holder (an organisation and its tax code), the domain
and the licensed scope. Before the leader approves, the handler lists what would keep the result from
entering the registry; when the dossier is returned, the licence is created (or renewed, amended, revoked) in
the same transaction, with a :class:`~tinhso.media.models.LicenceRecord` naming the dossier: the registry and
the dossier always agree.
"""

from __future__ import annotations

import datetime
import re

from django.urls import reverse
from django.utils import timezone

from tinhso.common import counters
from tinhso.dossiers.results import ResultHandler, ResultRecord
from tinhso.dossiers.results import register as register_handler
from tinhso.media.models import LicenceAction, LicenceRecord, LicenceState, SiteKind, WebsiteLicence

KEY = "media.website_licence"
# NĐ 147/2024 does not fix one length for every licence; 5 years is the longest granted (unconfirmed default).
MAX_YEARS = 5
_DOMAIN = re.compile(r"^(?=.{1,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")
_TAX_CODE = re.compile(r"^\d{10}(-\d{3})?$")

REQUESTS = {"cap_moi": LicenceAction.GRANT, "gia_han": LicenceAction.RENEW, "sua_doi": LicenceAction.AMEND,
            "thu_hoi": LicenceAction.REVOKE}

LICENCE_FORM = {
    "type": "object",
    "title": "Đề nghị cấp, gia hạn, sửa đổi, thu hồi giấy phép trang thông tin điện tử tổng hợp, mạng xã hội",
    "required": ["loai_de_nghi", "ten_to_chuc", "ma_so_thue", "ten_mien"],
    "properties": {
        "loai_de_nghi": {"type": "string", "title": "Loại đề nghị", "enum": list(REQUESTS)},
        "loai_trang": {"type": "string", "title": "Loại trang", "enum": list(SiteKind.values)},
        "ten_to_chuc": {"type": "string", "title": "Tên tổ chức đề nghị", "maxLength": 255},
        "ma_so_thue": {"type": "string", "title": "Mã số thuế", "maxLength": 14},
        "ten_mien": {"type": "string", "title": "Tên miền", "maxLength": 253},
        "pham_vi": {"type": "string", "title": "Phạm vi, nội dung thông tin", "maxLength": 2000},
        "so_giay_phep": {"type": "string", "title": "Số giấy phép (khi gia hạn, sửa đổi, thu hồi)", "maxLength": 60},
        "thoi_han_nam": {"type": "integer", "title": "Thời hạn (năm)", "minimum": 1, "maximum": MAX_YEARS},
        "email": {"type": "string", "title": "Thư điện tử của tổ chức", "maxLength": 254},
        "dien_thoai": {"type": "string", "title": "Điện thoại của tổ chức", "maxLength": 50},
        "ly_do": {"type": "string", "title": "Lý do (khi thu hồi)", "maxLength": 2000},
    },
}


def _years(value) -> int:
    try:
        years = int(value)
    except (TypeError, ValueError):
        return MAX_YEARS
    return min(max(years, 1), MAX_YEARS)


def _add_years(day: datetime.date, years: int) -> datetime.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


class Request:
    """What the dossier asks, read from its e-form, with what is wrong with it."""

    def __init__(self, dossier):
        data = dossier.eform_data or {}
        self.problems: list[str] = []
        self.action = REQUESTS.get(str(data.get("loai_de_nghi", "")).strip())
        if self.action is None:
            self.problems.append("loại đề nghị không hợp lệ")
        self.kind = data.get("loai_trang") if data.get("loai_trang") in SiteKind.values else SiteKind.GENERAL_WEBSITE
        self.holder = str(data.get("ten_to_chuc", "")).strip()[:255]
        self.tax_code = str(data.get("ma_so_thue", "")).strip()
        self.domain = str(data.get("ten_mien", "")).strip().lower().removeprefix("https://").removeprefix(
            "http://").rstrip("/")
        self.scope = str(data.get("pham_vi", "")).strip()
        self.years = _years(data.get("thoi_han_nam"))
        self.email = str(data.get("email", "")).strip()[:254]
        self.phone = str(data.get("dien_thoai", "")).strip()[:50]
        self.reason = str(data.get("ly_do", "")).strip()
        number = str(data.get("so_giay_phep", "")).strip()
        if not self.holder:
            self.problems.append("thiếu tên tổ chức")
        if not _TAX_CODE.match(self.tax_code):
            self.problems.append("mã số thuế không hợp lệ (10 chữ số, hoặc 10 chữ số-3 chữ số)")
        if not _DOMAIN.match(self.domain):
            self.problems.append(f"tên miền “{self.domain}” không hợp lệ")
        self.licence = None
        if self.action == LicenceAction.GRANT:
            taken = WebsiteLicence.objects.filter(domain=self.domain, state=LicenceState.IN_FORCE,
                                                  expires_on__gte=timezone.localdate())
            if taken.exclude(records__dossier=dossier).exists():
                self.problems.append(f"tên miền {self.domain} đã có giấy phép còn hiệu lực")
        elif self.action is not None:
            self.licence = WebsiteLicence.objects.filter(licence_number=number).first()
            if self.licence is None:
                self.problems.append(f"không có giấy phép số “{number}” trong sổ")
            elif self.licence.holder_tax_code != self.tax_code:
                self.problems.append("mã số thuế không phải của tổ chức được cấp giấy phép")
            elif self.licence.state == LicenceState.REVOKED:
                self.problems.append("giấy phép đã bị thu hồi")
            if self.action == LicenceAction.REVOKE and not self.reason:
                self.problems.append("thiếu lý do thu hồi")


def check(dossier) -> list[str]:
    return Request(dossier).problems


def panel_context(dossier, user) -> dict:
    request = Request(dossier)
    record = LicenceRecord.objects.filter(dossier=dossier).select_related("licence").first()
    return {"licence_request": request, "licence_record": record}


def _number(today: datetime.date) -> str:
    return f"{counters.allocate('media-licence', str(today.year)):02d}/{today.year}/GP-TTĐT"


def record(dossier, actor) -> ResultRecord:
    """Write the licence the returned dossier decided (inside the engine's transaction)."""
    request = Request(dossier)
    if request.problems:
        from tinhso.dossiers.errors import InvalidTransition

        raise InvalidTransition("Kết quả chưa thể ghi vào sổ giấy phép: " + "; ".join(request.problems),
                                "The licence cannot be recorded: " + "; ".join(request.problems))
    existing = LicenceRecord.objects.filter(dossier=dossier).select_related("licence").first()
    if existing is not None:  # returned twice: the registry already agrees
        licence = existing.licence
    else:
        today = timezone.localdate()
        licence = request.licence
        if request.action == LicenceAction.GRANT:
            licence = WebsiteLicence(licence_number=_number(today), issued_on=today)
            licence.expires_on = _add_years(today, request.years)
        elif request.action == LicenceAction.RENEW:
            licence.expires_on = _add_years(max(licence.expires_on, today), request.years)
        elif request.action == LicenceAction.REVOKE:
            licence.state, licence.revoked_on, licence.revocation_reason = LicenceState.REVOKED, today, request.reason
        if request.action in (LicenceAction.GRANT, LicenceAction.AMEND):
            licence.holder_name, licence.holder_tax_code, licence.kind = request.holder, request.tax_code, request.kind
            licence.domain = request.domain
            licence.scope = request.scope or licence.scope
        if request.email:
            licence.holder_email = request.email
        if request.phone:
            licence.holder_phone = request.phone
        licence.save()
        LicenceRecord.objects.create(licence=licence, action=request.action, dossier=dossier, on=today,
                                     note=request.reason)
    action = LicenceAction(request.action).label
    return ResultRecord(summary=f"Giấy phép {licence.licence_number} ({licence.domain}): {action}",
                        url=reverse("media:licence", args=[licence.pk]), object_id=licence.pk)


def register() -> None:
    register_handler(ResultHandler(
        key=KEY, label="Sổ giấy phép trang thông tin điện tử, mạng xã hội", record=record, check=check,
        panel_template="media/_licence_panel.html", panel_context=panel_context))
