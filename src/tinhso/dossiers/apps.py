from django.apps import AppConfig


class DossiersConfig(AppConfig):
    name = "tinhso.dossiers"
    label = "dossiers"
    verbose_name = "Hồ sơ một cửa"

    def ready(self):
        from tinhso.common.audit import track
        from tinhso.dossiers.models import ApiToken, Payment

        # Dossier state changes reach the chain through the services (one entry per action);
        # payments and API tokens are plain records.
        track(Payment)
        track(ApiToken, exclude=("token_hash",))
        from django.db.models.signals import post_save

        from tinhso.dossiers.models import DossierEvent
        from tinhso.dossiers.selectors import queues_changed

        post_save.connect(queues_changed, sender=DossierEvent, dispatch_uid="dossiers-queues-changed")
