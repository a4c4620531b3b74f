from django.apps import AppConfig
from django.core import checks


class GeoConfig(AppConfig):
    name = "tinhso.geo"
    label = "geo"
    verbose_name = "Đơn vị hành chính"

    def ready(self) -> None:
        checks.register(check_served_province)


def check_served_province(app_configs=None, **kwargs) -> list[checks.CheckMessage]:
    """TINHSO_PROVINCE_CODE must be one of the 34 codes of 2025, or every province-scoped page is empty."""
    from django.conf import settings

    from tinhso.geo.sources import is_province_code

    code = str(settings.TINHSO_PROVINCE_CODE).strip()
    if code.isdigit() and is_province_code(code):
        return []
    return [
        checks.Error(
            f"PROVINCE_CODE (TINHSO_PROVINCE_CODE) = {code!r} không phải mã tỉnh, thành phố "
            "trong danh mục 2025 (34 đơn vị).",
            hint="Ví dụ 40 là Nghệ An; xem `tinhso geo load` rồi /api/geo/provinces.",
            id="geo.E001",
        )
    ]
