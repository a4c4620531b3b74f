from django.apps import AppConfig


class DocumentsConfig(AppConfig):
    name = "tinhso.documents"
    label = "documents"
    verbose_name = "Văn bản điện tử"

    def ready(self) -> None:
        from tinhso.common.audit import track
        from tinhso.documents import models, navigation  # noqa: F401

        for model in (models.DocumentType, models.RecordsOffice, models.OutgoingDocument, models.Recipient,
                      models.IncomingDocument, models.RetentionPeriod, models.ArchiveRecord,
                      models.DisposalList):
            track(model, exclude=("search_text",))
