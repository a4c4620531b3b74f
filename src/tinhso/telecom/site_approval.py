"""Approval of a tower site through the one-stop engine (``dossiers.results``, key ``telecom.site_approval``).

The procedure (approval of the location of a telecom tower) carries the site in its e-form
(:data:`SITE_FORM`): position, height, kind of structure, the operator and its sharing plan. The handler's
page on the officer desk shows the planning checks with their distances (``planning.check_site``); the
leader cannot approve an application whose site cannot enter the registry (no such operator, a position
outside the province's box); when the dossier is returned, the station is created as approved, linked to
the dossier, in the same transaction. Building and commissioning are then reported by the operator.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from django.urls import reverse
from django.utils import timezone

from tinhso.dossiers.results import ResultHandler, ResultRecord
from tinhso.dossiers.results import register as register_handler
from tinhso.geo.models import LATITUDE_RANGE, LONGITUDE_RANGE, Commune
from tinhso.telecom import planning
from tinhso.telecom.models import Mounting, Operator, Ownership, Station, StationState, Structure

KEY = "telecom.site_approval"

# The application's e-form (the catalogue's JSON Schema subset).
SITE_FORM = {
    "type": "object",
    "title": "Thông tin vị trí trạm",
    "required": ["doanh_nghiep", "ma_tram", "vi_do", "kinh_do", "chieu_cao", "loai_cot", "vi_tri_lap_dat"],
    "properties": {
        "doanh_nghiep": {"type": "string", "title": "Mã doanh nghiệp viễn thông (viettel, vnpt, mobifone…)",
                         "maxLength": 30},
        "ma_tram": {"type": "string", "title": "Mã trạm của doanh nghiệp", "maxLength": 60},
        "ten_tram": {"type": "string", "title": "Tên trạm", "maxLength": 200},
        "vi_do": {"type": "number", "title": "Vĩ độ (WGS 84)", "minimum": 6, "maximum": 24},
        "kinh_do": {"type": "number", "title": "Kinh độ (WGS 84)", "minimum": 102, "maximum": 118},
        "ma_xa": {"type": "string", "title": "Mã xã, phường (danh mục 2025)", "maxLength": 5},
        "dia_chi": {"type": "string", "title": "Địa chỉ đặt trạm", "maxLength": 300},
        "chieu_cao": {"type": "number", "title": "Chiều cao cột (m)", "minimum": 0, "maximum": 300},
        "loai_cot": {"type": "string", "title": "Loại cột", "enum": [value for value, _ in Structure.choices]},
        "vi_tri_lap_dat": {"type": "string", "title": "Lắp đặt trên mặt đất hay công trình",
                           "enum": [value for value, _ in Mounting.choices]},
        "cong_nghe": {"type": "string", "title": "Công nghệ (ví dụ 4G,5G)", "maxLength": 20},
        "dung_chung": {"type": "string", "title": "Doanh nghiệp dùng chung (mã, cách nhau bởi dấu ;)",
                       "maxLength": 200},
        "so_huu": {"type": "string", "title": "Sở hữu hạ tầng", "enum": [value for value, _ in Ownership.choices]},
    },
}


def _number(value) -> Decimal | None:
    try:
        return Decimal(str(value))
    except (InvalidOperation, TypeError, ValueError):
        return None


class Site:
    """The site an application carries, read from the dossier's e-form, with what is wrong with it."""

    def __init__(self, dossier):
        data = dossier.eform_data or {}
        self.problems: list[str] = []
        self.operator = Operator.objects.filter(code=str(data.get("doanh_nghiep", "")).strip().lower()).first()
        if self.operator is None:
            self.problems.append(f"không có doanh nghiệp viễn thông mã “{data.get('doanh_nghiep', '')}”")
        elif (dossier.applicant_tax_code and self.operator.tax_code
              and dossier.applicant_tax_code != self.operator.tax_code):
            self.problems.append("mã số thuế người nộp khác mã số doanh nghiệp đã khai")
        self.code = str(data.get("ma_tram", "")).strip()
        if not self.code:
            self.problems.append("thiếu mã trạm")
        self.name = str(data.get("ten_tram", "")).strip()
        self.latitude, self.longitude = _number(data.get("vi_do")), _number(data.get("kinh_do"))
        if (self.latitude is None or self.longitude is None
                or not LATITUDE_RANGE[0] <= self.latitude <= LATITUDE_RANGE[1]
                or not LONGITUDE_RANGE[0] <= self.longitude <= LONGITUDE_RANGE[1]):
            self.problems.append("vị trí (vĩ độ, kinh độ) không hợp lệ")
            self.latitude = self.longitude = None
        self.height = _number(data.get("chieu_cao"))
        self.structure = data.get("loai_cot") if data.get("loai_cot") in Structure.values else Structure.TOWER
        self.mounting = data.get("vi_tri_lap_dat") if data.get("vi_tri_lap_dat") in Mounting.values else \
            Mounting.GROUND
        self.ownership = data.get("so_huu") if data.get("so_huu") in Ownership.values else Ownership.OWNED
        self.address = str(data.get("dia_chi", "")).strip()
        self.technologies = {t.strip().upper() for t in str(data.get("cong_nghe", "")).replace(";", ",").split(",")
                             if t.strip()}
        codes = [c.strip().lower() for c in str(data.get("dung_chung", "")).split(";") if c.strip()]
        self.tenants = list(Operator.objects.filter(code__in=codes))
        unknown = sorted(set(codes) - {t.code for t in self.tenants})
        if unknown:
            self.problems.append("doanh nghiệp dùng chung không có trong danh sách: " + ", ".join(unknown))
        self.commune = Commune.objects.filter(code=str(data.get("ma_xa", "")).strip()).first()
        if self.commune is None and self.latitude is not None:
            from tinhso.telecom.services import commune_of_point

            self.commune = commune_of_point(float(self.latitude), float(self.longitude))
        if self.operator is not None and self.code and Station.objects.filter(
                operator=self.operator, code=self.code).exclude(dossier=dossier).exists():
            self.problems.append(f"doanh nghiệp đã có trạm mã {self.code} trong sổ đăng ký")

    def proposal(self) -> planning.Proposal | None:
        if self.latitude is None or self.operator is None:
            return None
        operators = 1 + len([t for t in self.tenants if t.pk != self.operator.pk])
        return planning.Proposal(float(self.latitude), float(self.longitude), self.operator.pk,
                                 planning.area_of(self.commune), operators)


def check(dossier) -> list[str]:
    return Site(dossier).problems


def panel_context(dossier, user) -> dict:
    site = Site(dossier)
    proposal = site.proposal()
    checks = planning.check_site(proposal) if proposal is not None else []
    station = Station.objects.filter(dossier=dossier).first()
    return {"site": site, "checks": checks, "station": station,
            "station_url": reverse("telecom:station", args=[station.pk]) if station else ""}


def record(dossier, actor) -> ResultRecord:
    """The station, created as approved and linked to the dossier (the engine calls this when it returns the
    result, inside the same transaction)."""
    from tinhso.telecom.services import save_station

    site = Site(dossier)
    if site.problems:
        from tinhso.dossiers.errors import InvalidTransition

        raise InvalidTransition("Kết quả chưa thể ghi vào sổ trạm: " + "; ".join(site.problems),
                                "The site cannot be recorded: " + "; ".join(site.problems))
    station = Station.objects.filter(dossier=dossier).first() or Station(dossier=dossier)
    station.operator = site.operator
    station.code, station.name = site.code, site.name
    station.latitude, station.longitude = site.latitude, site.longitude
    station.commune = site.commune
    station.address = site.address
    station.structure, station.mounting, station.ownership = site.structure, site.mounting, site.ownership
    station.height_m = site.height
    station.terrain = "urban" if site.commune is not None and site.commune.kind == "phuong" else "rural"
    for tech, name in (("2G", "has_2g"), ("3G", "has_3g"), ("4G", "has_4g"), ("5G", "has_5g")):
        setattr(station, name, tech in site.technologies)
    station.state = StationState.APPROVED
    station.approval_reference = f"Hồ sơ {dossier.code}"
    station.approved_on = timezone.localdate()
    station.source = "approval"
    save_station(station, tenants=site.tenants)
    return ResultRecord(summary=f"Trạm {station.code} ({station.operator}) đã chấp thuận",
                        url=reverse("telecom:station", args=[station.pk]), object_id=station.pk)


def register() -> None:
    register_handler(ResultHandler(
        key=KEY, label="Sổ đăng ký trạm viễn thông", record=record, check=check,
        panel_template="telecom/_site_checks.html", panel_context=panel_context))
