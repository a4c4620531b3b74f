"""The public catalogue pages keep what they render (``tinhso.common.pagecache``); an edit of the catalogue or of
an agency starts a new generation, so the process that saved it shows the change at once (the others when
their copies expire)."""

from __future__ import annotations

from django.db.models.signals import m2m_changed, post_delete, post_save

from tinhso.common import pagecache

CATALOGUE = "catalogue"


def _changed(**kwargs) -> None:
    pagecache.bump(CATALOGUE)


def connect() -> None:
    from tinhso.catalogue.models import Field, Procedure, ProcedureFee, ProcedureVersion, RequiredDocument, RouteStep
    from tinhso.directory.models import Agency

    for model in (Field, Procedure, ProcedureVersion, RequiredDocument, ProcedureFee, RouteStep, Agency):
        post_save.connect(_changed, sender=model, dispatch_uid=f"portal-pages-{model._meta.label_lower}-save")
        post_delete.connect(_changed, sender=model, dispatch_uid=f"portal-pages-{model._meta.label_lower}-delete")
    m2m_changed.connect(_changed, sender=ProcedureVersion.agencies.through, dispatch_uid="portal-pages-agencies")
