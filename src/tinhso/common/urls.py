from django.contrib.auth import views as auth_views
from django.urls import path

from tinhso.common import views
from tinhso.portal.accounts.views import SignInView

urlpatterns = [
    path("healthz", views.healthz, name="healthz"),
    path("dang-nhap/", SignInView.as_view(), name="login"),
    path("dang-xuat/", auth_views.LogoutView.as_view(), name="logout"),
    path("mat-khau/", auth_views.PasswordChangeView.as_view(template_name="common/password_change.html"),
         name="password_change"),
    path("mat-khau/xong/", auth_views.PasswordChangeDoneView.as_view(
        template_name="common/password_change_done.html"), name="password_change_done"),
    path("can-bo/", views.staff_home, name="staff-home"),
]
