from django.apps import AppConfig


class IocConfig(AppConfig):
    name = "tinhso.ioc"
    label = "ioc"
    verbose_name = "Trung tâm giám sát, điều hành"

    def ready(self):
        from django.db.models.signals import post_migrate, post_save
        from django.utils.module_loading import autodiscover_modules

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
        # Each module registers the indicators it computes in its ``indicators.py`` (tinhso.common.indicators);
        # their formulas join the registry's, and their rows are seeded after every migrate.
        autodiscover_modules("indicators")
        from tinhso.ioc.indicators import sync_module_formulas

        sync_module_formulas()
        post_migrate.connect(_seed_module_indicators, sender=self, weak=False,
                             dispatch_uid="ioc-seed-module-indicators")


def _seed_module_indicators(sender, using="default", plan=None, **kwargs):
    """After migrate (and after a test database is flushed), the module indicators are in the registry."""
    from django.db import connections

    from tinhso.common.indicators import registered
    from tinhso.ioc.models import Indicator

    if not registered() or Indicator._meta.db_table not in connections[using].introspection.table_names():
        return
    from tinhso.ioc.indicators import seed_module_indicators

    seed_module_indicators()
