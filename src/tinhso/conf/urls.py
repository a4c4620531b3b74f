from django.conf import settings
from django.contrib import admin
from django.urls import include, path, re_path

from tinhso.api import api, unknown_address
from tinhso.exchange.server import gateway

admin.site.site_header = "tinhso — quản trị"
admin.site.site_title = "tinhso"

urlpatterns = [
    path("api/", api.urls),
    # The data-sharing gateway: the X-Road message protocol for REST, /r1/{serviceId}[/path].
    re_path(r"^r1/(?P<rest>.*)$", gateway, name="exchange-gateway"),
    path("api/<path:rest>", unknown_address),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("mot-cua/", include("tinhso.dossiers.urls")),
    path("tai-khoan/", include("tinhso.portal.accounts.urls")),
    path("phan-anh/", include("tinhso.portal.feedback.urls")),
    path("dieu-hanh/", include("tinhso.ioc.urls")),
    path("vien-thong/", include("tinhso.telecom.urls")),
    path("chi-dao/", include("tinhso.directives.urls")),
    path("bao-chi/", include("tinhso.media.urls")),
    path("van-ban/", include("tinhso.documents.urls")),
    path("truyen-thanh/", include("tinhso.broadcast.urls")),
    path("ban-do/", include("tinhso.geo.urls")),
    path("trao-doi/", include("tinhso.exchange.urls")),
    path("", include("tinhso.common.urls")),
    path("", include("tinhso.common.notices.urls")),
    path("", include("tinhso.portal.urls")),
]

if settings.DEBUG:
    from django.conf.urls.static import static

    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
