from django.apps import AppConfig


class BroadcastConfig(AppConfig):
    name = "tinhso.broadcast"
    label = "broadcast"
    verbose_name = "Truyền thanh cơ sở"

    def ready(self) -> None:
        from tinhso.broadcast import models, navigation, selectors  # noqa: F401
        from tinhso.common.audit import track

        for model in (models.Station, models.Device, models.BroadcastMembership, models.Bulletin,
                      models.Schedule, models.EmergencyBroadcast, models.LiveBroadcast, models.CapAlert,
                      models.AlertSource):
            track(model, exclude=("secret", "search_text", "last_status"))
        selectors.register_commune_scope()
