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
        from django.db.models.signals import m2m_changed, post_delete, post_save

        from tinhso.common import navigation

        # A kept menu is worked out again after any change made in this process (see navigation.menu_for).
        for signal in (post_save, post_delete, m2m_changed):
            signal.connect(navigation.changed, weak=False, dispatch_uid=f"common-menus-{id(signal)}")
