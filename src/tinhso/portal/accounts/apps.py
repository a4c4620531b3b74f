from django.apps import AppConfig


class CitizenAccountsConfig(AppConfig):
    name = "tinhso.portal.accounts"
    label = "citizens"
    verbose_name = "Tài khoản công dân"
