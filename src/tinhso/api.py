"""The JSON API root: every app contributes a ninja router from its ``api.py``."""

from ninja import NinjaAPI
from ninja.errors import ValidationError

from tinhso.catalogue.api import router as catalogue_router
from tinhso.common.api import router as common_router
from tinhso.directory.api import router as directory_router
from tinhso.dossiers.api import router as dossiers_router
from tinhso.exchange.api import router as exchange_router
from tinhso.geo.api import router as geo_router
from tinhso.ioc.api import router as ioc_router

api = NinjaAPI(
    title="tinhso API",
    version="1",
    description="API của nền tảng tỉnh số: đơn vị hành chính, cơ quan, lịch làm việc, danh mục thủ tục.",
    urls_namespace="api",
)
api.add_router("/calendar", common_router)
api.add_router("/geo", geo_router)
api.add_router("/directory", directory_router)
api.add_router("/catalogue", catalogue_router)
api.add_router("/dossiers", dossiers_router)
api.add_router("/ioc", ioc_router)
api.add_router("/exchange", exchange_router)


@api.exception_handler(ValidationError)
def _invalid_request(request, exc: ValidationError):
    """Parameters ninja itself rejects get the same Vietnamese answer shape as the apps' own checks."""
    fields = []
    for error in exc.errors:
        location = [str(part) for part in error.get("loc", ()) if part not in ("query", "body", "path")]
        fields.append({"field": ".".join(location), "message": error.get("msg", "")})
    names = ", ".join(f["field"] for f in fields if f["field"]) or "yêu cầu"
    return api.create_response(
        request,
        {"detail": f"Tham số không hợp lệ: {names}. Vui lòng kiểm tra lại giá trị đã gửi.", "errors": fields},
        status=422,
    )
