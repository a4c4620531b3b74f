from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NoticesConfig(AppConfig):
    name = "tinhso.common.notices"
    label = "notices"
    verbose_name = _("Thông báo")

    def ready(self):
        from tinhso.common.notices import checks, navigation

        checks.register()
        navigation.register_entries()
