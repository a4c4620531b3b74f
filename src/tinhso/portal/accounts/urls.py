from django.urls import path

from tinhso.portal.accounts import oidc, views

app_name = "citizens"

urlpatterns = [
    path("dang-ky/", views.register, name="register"),
    path("dang-ky/da-gui/", views.registration_sent, name="registration-sent"),
    path("xac-minh-email/<str:token>/", views.verify_email, name="verify-email"),
    path("xac-minh-so-dien-thoai/", views.verify_phone, name="verify-phone"),
    path("ho-so/", views.profile, name="profile"),
    path("ho-so/xa-phuong/", views.commune_options, name="commune-options"),
    path("quen-mat-khau/", views.PasswordResetView.as_view(), name="password-reset"),
    path("quen-mat-khau/da-gui/", views.PasswordResetDoneView.as_view(), name="password-reset-done"),
    path("dat-lai-mat-khau/<uidb64>/<token>/", views.PasswordResetConfirmView.as_view(),
         name="password-reset-confirm"),
    path("dat-lai-mat-khau/xong/", views.PasswordResetCompleteView.as_view(), name="password-reset-complete"),
    path("vneid/", oidc.VneidSignInView.as_view(), name="vneid"),
    path("vneid/callback/", oidc.VneidCallbackView.as_view(), name="vneid-callback"),
]
