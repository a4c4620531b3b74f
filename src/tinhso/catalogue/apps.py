from django.apps import AppConfig


class CatalogueConfig(AppConfig):
    name = "tinhso.catalogue"
    label = "catalogue"
    verbose_name = "Danh mục thủ tục hành chính"

    def ready(self):
        from django.db.models.signals import m2m_changed

        from tinhso.catalogue.models import Field, Procedure, ProcedureVersion, guard_agency_links
        from tinhso.common.audit import track

        # A dossier is received under a published version: who changed the catalogue, and when, is kept.
        track(Field)
        track(Procedure)
        track(ProcedureVersion, exclude=("search_text",))
        m2m_changed.connect(
            guard_agency_links, sender=ProcedureVersion.agencies.through, dispatch_uid="catalogue-agency-links",
        )
