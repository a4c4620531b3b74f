from django.apps import AppConfig


class DirectivesConfig(AppConfig):
    name = "tinhso.directives"
    label = "directives"
    verbose_name = "Theo dõi nhiệm vụ được giao"

    def ready(self) -> None:
        from tinhso.common.audit import track
        from tinhso.directives import models, navigation  # noqa: F401

        # Directives are put on the chain by the service that registers them (with their tasks).
        track(models.DirectivesOffice)
