from django.apps import AppConfig


class CommonConfig(AppConfig):
    name = "tinhso.common"
    label = "common"
    verbose_name = "Dùng chung"

    def ready(self):
        from django.contrib.auth import get_user_model

        from tinhso.common.audit import track

        # Staff accounts are core records; the password hash and the login time are not history.
        track(get_user_model(), exclude=("password", "last_login"))
