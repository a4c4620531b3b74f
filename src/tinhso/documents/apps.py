from importlib import import_module

from django.apps import AppConfig


class DocumentsConfig(AppConfig):
    name = "tinhso.documents"
    label = "documents"
    verbose_name = "Văn bản điện tử"

    def ready(self) -> None:
        from django.db.models.signals import post_migrate

        from tinhso.common.audit import track
        from tinhso.documents import models, navigation  # noqa: F401
        from tinhso.dossiers.signals import result_returned

        for model in (models.DocumentType, models.RecordsOffice, models.OutgoingDocument, models.Recipient,
                      models.IncomingDocument, models.RetentionPeriod, models.ArchiveRecord,
                      models.DisposalList):
            track(model, exclude=("search_text",))
        post_migrate.connect(_seed_defaults, sender=self, weak=False, dispatch_uid="documents-seed-defaults")
        result_returned.connect(_archive_result, weak=False, dispatch_uid="documents-archive-dossier-result")


def _archive_result(sender, dossier_id: int, **kwargs) -> None:
    """A returned dossier's result goes to the archive from the task queue (``tinhso worker``), queued in the
    transaction that returns it."""
    from tinhso.common.workers import enqueue_in_transaction
    from tinhso.documents.tasks import archive_dossier_result

    enqueue_in_transaction(archive_dossier_result, dossier_id)


def _seed_defaults(sender, using="default", **kwargs):
    """The NĐ 30 document types and the retention schedule's usual lines (with the one dossier results are kept
    under), as their data migrations write them, are there again after a database is flushed (a test's, or
    `flush` before loading a province). Lines an administrator edited are kept; only missing codes are added."""
    from django.db import connections

    from tinhso.documents.models import DocumentType, RetentionPeriod

    tables = connections[using].introspection.table_names()
    if DocumentType._meta.db_table in tables:
        types = import_module("tinhso.documents.migrations.0002_document_types").TYPES
        have = set(DocumentType.objects.using(using).values_list("code", flat=True))
        DocumentType.objects.using(using).bulk_create([
            DocumentType(code=code, name=name, abbreviation=abbreviation, normative=normative, order=i)
            for i, (code, name, abbreviation, normative) in enumerate(types, start=1) if code not in have])
    if RetentionPeriod._meta.db_table in tables:
        schedule = import_module("tinhso.documents.migrations.0005_retention_schedule")
        have = set(RetentionPeriod.objects.using(using).values_list("code", flat=True))
        results = import_module("tinhso.documents.migrations.0007_dossier_results").DOSSIER_RESULTS
        flagged = RetentionPeriod.objects.using(using).filter(dossier_results=True).exists()
        RetentionPeriod.objects.using(using).bulk_create([
            RetentionPeriod(code=code, name=name, years=years, legal_source=schedule.SOURCE,
                            dossier_results=not flagged and code == results)
            for code, name, years in schedule.LINES if code not in have])
