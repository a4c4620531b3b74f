from django.apps import AppConfig


class IocConfig(AppConfig):
    name = "tinhso.ioc"
    label = "ioc"
    verbose_name = "Trung tâm giám sát, điều hành"

    def ready(self):
        from django.db.models.signals import post_save

        from tinhso.common.audit import track
        from tinhso.dossiers.models import DossierEvent
        from tinhso.ioc import rollups
        from tinhso.ioc.models import Indicator, Plan, ReportedValue, ScoreWeight, Target

        # The rollups follow the dossiers inside each event's own transaction (see rollups.py): the
        # dossiers app never imports this one; it only saves its events.
        post_save.connect(rollups.on_dossier_event, sender=DossierEvent, weak=False,
                          dispatch_uid="ioc-rollup-dossier-event")
        for model in (Indicator, Plan, Target, ReportedValue, ScoreWeight):
            track(model)
