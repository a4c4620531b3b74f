from django.apps import AppConfig


class IocConfig(AppConfig):
    name = "tinhso.ioc"
    label = "ioc"
    verbose_name = "Trung tâm giám sát, điều hành"

    def ready(self):
        from django.db.models.signals import post_delete, post_migrate, post_save
        from django.utils.module_loading import autodiscover_modules

        from tinhso.common.audit import track
        from tinhso.common.events import room_event
        from tinhso.dossiers.models import DossierEvent
        from tinhso.ioc import alerts, freshness, rollups
        from tinhso.ioc.models import (
            Alert,
            AlertRule,
            Indicator,
            IndicatorReading,
            Plan,
            ReportedValue,
            ScoreWeight,
            Target,
            WallDevice,
            WallLayout,
        )

        # The rollups follow the dossiers inside each event's own transaction (see rollups.py): the
        # dossiers app never imports this one; it only saves its events.
        post_save.connect(rollups.on_dossier_event, sender=DossierEvent, weak=False,
                          dispatch_uid="ioc-rollup-dossier-event")
        for model in (Indicator, Plan, Target, ReportedValue, ScoreWeight, AlertRule, WallLayout):
            track(model)
        track(WallDevice, exclude=("token_hash",))
        # The room's event rules hear the events modules publish (tinhso.common.events).
        room_event.connect(alerts.on_event, weak=False, dispatch_uid="ioc-room-event")
        # Every change the wall's numbers depend on moves the wall's data version (see freshness.py).
        for model in (Indicator, Plan, Target, ReportedValue, ScoreWeight, AlertRule, Alert, IndicatorReading,
                      WallLayout):
            for signal in (post_save, post_delete):
                signal.connect(freshness.on_change, sender=model, weak=False,
                               dispatch_uid=f"ioc-wall-freshness-{model._meta.label_lower}")
        # A dossier event is written with its audit entry, which moves the shared version itself.
        post_save.connect(freshness.on_audited_change, sender=DossierEvent, weak=False,
                          dispatch_uid="ioc-wall-freshness-dossiers.dossierevent")
        room_event.connect(freshness.on_room_event, weak=False, dispatch_uid="ioc-wall-freshness-event")
        from tinhso.common.maps import register_layer
        from tinhso.ioc import room

        register_layer("ioc-overdue", room.overdue_layer)
        register_layer("ioc-complaints", room.complaints_layer)
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
    from tinhso.ioc.models import AlertRule

    if AlertRule._meta.db_table not in connections[using].introspection.table_names():
        return
    # The room's default alert rules and wall layout (once; officers' edits are kept).
    from tinhso.ioc.alerts import seed_default_rules
    from tinhso.ioc.wall import seed_default_layout

    seed_default_rules()
    seed_default_layout()
