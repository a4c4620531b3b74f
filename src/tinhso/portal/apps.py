from django.apps import AppConfig


class PortalConfig(AppConfig):
    name = "tinhso.portal"
    label = "portal"
    verbose_name = "Cổng dịch vụ công"

    def ready(self):
        from tinhso.portal.find import signals

        signals.connect()
