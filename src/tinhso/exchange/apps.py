from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ExchangeConfig(AppConfig):
    name = "tinhso.exchange"
    label = "exchange"
    verbose_name = _("Kết nối, chia sẻ dữ liệu")

    def ready(self):
        from django.db.models.signals import post_delete, post_migrate, post_save
        from django.utils.module_loading import autodiscover_modules

        from tinhso.common.audit import track
        from tinhso.exchange import outbox, state
        from tinhso.exchange.models import AccessRight, CertificateAuthority, Member, MemberCertificate, Service

        # Every change to who may call what, and with which certificate, is on the audit chain.
        track(Member)
        track(MemberCertificate)
        track(CertificateAuthority, exclude=("crl_der",))
        track(Service)
        track(AccessRight)
        for model in (Member, MemberCertificate, CertificateAuthority, Service, AccessRight):
            post_save.connect(state.invalidate, sender=model, weak=False,
                              dispatch_uid=f"exchange-state-{model.__name__}")
            post_delete.connect(state.invalidate, sender=model, weak=False,
                                dispatch_uid=f"exchange-state-del-{model.__name__}")
        # Each module offers its services in its own ``gateway.py`` (tinhso.exchange.registry).
        autodiscover_modules("gateway")
        # The dossiers app sits above this one and is never imported here: its events are followed by the
        # model's label and read by their attributes (outbox.on_dossier_event), in the event's transaction.
        post_save.connect(outbox.on_dossier_event, sender="dossiers.DossierEvent", weak=False,
                          dispatch_uid="exchange-outbox-dossier-event")
        post_migrate.connect(_sync_services, sender=self, weak=False, dispatch_uid="exchange-sync-services")


def _sync_services(sender, using="default", **kwargs):
    """After migrate (and after a test database is flushed), every offered service has its row."""
    from django.db import connections

    from tinhso.exchange.models import Service

    if Service._meta.db_table not in connections[using].introspection.table_names():
        return
    from tinhso.exchange.services import sync_services

    sync_services()
