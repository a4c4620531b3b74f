"""The gateway's pages under /trao-doi/ (Kết nối, chia sẻ dữ liệu), for platform administrators."""

from django.urls import path

from tinhso.exchange import navigation, views

navigation.register_entries()

app_name = "exchange"

urlpatterns = [
    path("", views.overview, name="overview"),
    path("nhat-ky/", views.log, name="log"),
    path("nhat-ky/<int:pk>/", views.log_record, name="log-record"),
    path("nhat-ky/trich-xuat/", views.log_export, name="log-export"),
    path("cong-quoc-gia/", views.portal, name="portal"),
    path("cong-quoc-gia/gui-lai/", views.portal_retry, name="portal-retry"),
    path("cong-quoc-gia/gui-ngay/", views.portal_deliver, name="portal-deliver"),
    path("cong-quoc-gia/lay-danh-muc/", views.portal_pull, name="portal-pull"),
    path("cong-quoc-gia/danh-muc/<int:pk>/", views.catalogue_sync, name="catalogue-sync"),
]
