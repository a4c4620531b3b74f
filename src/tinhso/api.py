"""The JSON API root: every app contributes a ninja router from its ``api.py``.

The shared layer (errors, pagination, input types, the document) is ``tinhso.common.restapi``; mount a new
app's router here with ``api.add_router("/<prefix>", router)``: the fuzzing test
(``tinhso/tests/test_api_fuzz.py``) then covers its operations too.
"""

from django.http import HttpResponsePermanentRedirect, JsonResponse
from django.urls import Resolver404, resolve
from django.utils.translation import gettext, gettext_noop

from tinhso.broadcast.api import router as broadcast_router
from tinhso.catalogue.api import router as catalogue_router
from tinhso.common.api import router as common_router
from tinhso.common.notices.api import router as notices_router
from tinhso.common.restapi import PlatformAPI, error_body
from tinhso.directives.api import router as directives_router
from tinhso.directory.api import router as directory_router
from tinhso.documents.api import router as documents_router
from tinhso.dossiers.api import router as dossiers_router
from tinhso.dossiers.errors import DossierError
from tinhso.exchange.api import router as exchange_router
from tinhso.geo.api import router as geo_router
from tinhso.ioc.api import router as ioc_router
from tinhso.media.api import router as media_router
from tinhso.telecom.api import router as telecom_router

api = PlatformAPI(
    title="tinhso API",
    version="1",
    description=gettext_noop(
        "API của nền tảng tỉnh số: đơn vị hành chính, cơ quan, lịch làm việc, danh mục thủ tục, hồ sơ một cửa "
        "và trung tâm điều hành. Lỗi trả về {\"detail\": …} bằng tiếng Việt (tiếng Anh khi yêu cầu chọn "
        "Accept-Language: en); danh sách trả về {\"items\": […], \"count\": n} theo ?page= và ?page_size=."),
    urls_namespace="api",
)
api.add_router("/calendar", common_router)
api.add_router("/geo", geo_router)
api.add_router("/directory", directory_router)
api.add_router("/catalogue", catalogue_router)
api.add_router("/dossiers", dossiers_router)
api.add_router("/ioc", ioc_router)
api.add_router("/notices", notices_router)
api.add_router("/telecom", telecom_router)
api.add_router("/exchange", exchange_router)
api.add_router("/directives", directives_router)
api.add_router("/media", media_router)
api.add_router("/documents", documents_router)
api.add_router("/broadcast", broadcast_router)


@api.exception_handler(DossierError)
def _dossier_error(request, exc: DossierError):
    """The one-stop engine's refusals (409 stale version, 403 role, 400 input…) in the request's language."""
    return api.error(request, exc.status, exc.localized, field=exc.field)


def unknown_address(request, rest: str = ""):
    """Any other address under /api/: the API's own 404 body, not the site's HTML page (an address that
    only lacks its final slash is redirected, as Django's APPEND_SLASH would)."""
    if not request.path.endswith("/") and request.method in ("GET", "HEAD"):
        try:
            match = resolve(request.path + "/")
        except Resolver404:
            match = None
        if match is not None and match.func is not unknown_address:
            query = request.META.get("QUERY_STRING", "")
            return HttpResponsePermanentRedirect(request.path + "/" + (f"?{query}" if query else ""))
    return JsonResponse(error_body(gettext("Không có địa chỉ API này.")), status=404)
