"""Every write of the citizen's side: drafts, submission, answering a supplement request.

Dossiers change only through ``tinhso.dossiers.services`` (``submit_online``, ``provide_supplement``);
what is kept here are the portal's own records. Uploaded files are checked by content, size and name
(``common.uploads.validate_upload``) before anything is written, so a refused file stores nothing.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from django.core.files.base import ContentFile
from django.db import transaction

from tinhso.catalogue.models import ProcedureVersion, RequiredDocument
from tinhso.common.uploads import UploadRejected, validate_upload
from tinhso.dossiers import errors
from tinhso.dossiers import services as engine
from tinhso.dossiers.errors import InvalidInput
from tinhso.dossiers.models import ApplicantKind, DocumentKind, Dossier
from tinhso.portal.filing.selectors import accepts_online
from tinhso.portal.models import Draft, DraftFile

APPLICANT_KEYS = ("kind", "name", "id_number", "tax_code", "phone", "email", "address", "commune_id")


def _require_online(version: ProcedureVersion) -> None:
    if not accepts_online(version):
        raise InvalidInput("Thủ tục này không nhận hồ sơ trực tuyến; vui lòng nộp trực tiếp tại cơ quan tiếp nhận.",
                           "This procedure cannot be filed online.", field="procedure")


def _applicant_values(applicant: dict) -> dict:
    return {key: applicant.get(key) for key in APPLICANT_KEYS if applicant.get(key) not in (None, "")}


def save_applicant(*, user, version: ProcedureVersion, applicant: dict, receiving_agency_id: int,
                   draft: Draft | None = None) -> Draft:
    """Step 1 — who applies and where: creates the draft on first save."""
    _require_online(version)
    if draft is None:
        draft = Draft(user=user, procedure_version=version, data={})
    draft.data = {**draft.data, "applicant": _applicant_values(applicant), "receiving_agency": receiving_agency_id}
    draft.save()
    return draft


def add_files(draft: Draft, uploads: Iterable[tuple[RequiredDocument | None, object]]) -> list[DraftFile]:
    """Step 2 — papers: every file is checked first; if one is refused, none is stored.

    The error names the slot (``doc-<required document id>``) the refused file was given in.
    """
    checked = []
    for required_document, upload in uploads:
        try:
            checked.append((required_document, validate_upload(upload)))
        except UploadRejected as error:  # answered as the dossier's own error, on the slot the file was given in
            raise errors.UploadRejected(error.message, error.message_en, field=f"doc-{required_document.pk}"
                                        if required_document is not None else "doc-other") from None
    stored = []
    with transaction.atomic():
        for required_document, upload in checked:
            stored.append(DraftFile.objects.create(
                draft=draft, required_document=required_document,
                file=ContentFile(upload.content, name="upload"), original_name=upload.display_name,
                content_type=upload.content_type, size=upload.size, checksum=upload.checksum,
            ))
        draft.save(update_fields=["updated_at"])
    return stored


def remove_file(draft: Draft, file_id: int) -> None:
    """Take one paper out of the draft (and its stored file, once the deletion is committed)."""
    draft_file = DraftFile.objects.filter(draft=draft, pk=file_id).first()
    if draft_file is None:
        return
    name = draft_file.file.name
    storage = draft_file.file.storage
    with transaction.atomic():
        draft_file.delete()
        draft.save(update_fields=["updated_at"])
        transaction.on_commit(lambda: storage.delete(name))


def missing_documents(draft: Draft) -> list[RequiredDocument]:
    """The required papers (thành phần bắt buộc) of the procedure that have no file in the draft yet."""
    have = {f.required_document_id for f in draft.files.all()}
    return [doc for doc in draft.procedure_version.documents.all() if doc.required and doc.pk not in have]


def save_step(draft: Draft, step: str, **values) -> Draft:
    """Remember the furthest step reached and any values of that step (e.g. ``eform``)."""
    draft.data = {**draft.data, **values, "step": step}
    draft.save()
    return draft


def _delete_stored_files(names: Sequence[tuple[object, str]]) -> None:
    for storage, name in names:
        storage.delete(name)


def delete_draft(draft: Draft) -> None:
    files = [(f.file.storage, f.file.name) for f in draft.files.all()]
    with transaction.atomic():
        draft.delete()
        transaction.on_commit(lambda: _delete_stored_files(files))


def submit_draft(draft: Draft, *, actor) -> Dossier:
    """The review's "Nộp hồ sơ": the engine's ``submit_online`` with the draft's data and papers; the
    draft is deleted in the same transaction (its files once that commits)."""
    version = draft.procedure_version
    _require_online(version)
    missing = missing_documents(draft)
    if missing:
        raise InvalidInput("Còn thiếu giấy tờ bắt buộc: " + "; ".join(doc.name for doc in missing) + ".",
                           "Required papers are missing.", field="documents")
    data = draft.data
    applicant_data = data.get("applicant") or {}
    agency = version.agencies.filter(pk=data.get("receiving_agency")).first()
    if agency is None:
        raise InvalidInput("Vui lòng chọn cơ quan tiếp nhận hồ sơ.", "Choose the receiving agency.",
                           field="receiving_agency")
    kind = applicant_data.get("kind") or ApplicantKind.PERSON
    applicant = engine.Applicant(
        name=applicant_data.get("name", ""), kind=kind,
        id_number=applicant_data.get("id_number", "") if kind == ApplicantKind.PERSON else "",
        tax_code=applicant_data.get("tax_code", "") if kind == ApplicantKind.ORGANISATION else "",
        phone=applicant_data.get("phone", ""), email=applicant_data.get("email", ""),
        address=applicant_data.get("address", ""), commune_id=applicant_data.get("commune_id"), user=actor,
    )
    files = list(draft.files.all())
    documents = []
    for draft_file in files:
        with draft_file.file.open("rb") as handle:
            content = handle.read()
        documents.append(engine.DocumentUpload(ContentFile(content, name=draft_file.original_name),
                                               required_document=draft_file.required_document))
    with transaction.atomic():
        dossier = engine.submit_online(
            version=version, receiving_agency=agency, applicant=applicant, actor=actor,
            documents=documents, eform_data=data.get("eform") or {},
            copies=applicant_data.get("copies") or 1, requested_return_method=applicant_data.get("return_method") or "",
        )
        delete_draft(draft)
    return dossier


def answer_supplement(dossier: Dossier, *, actor, expected_version: int | None, files: Sequence,
                      note: str = "") -> Dossier:
    """The applicant sends the missing papers online; the engine resumes the dossier and, once it had been
    received, restarts the clock from zero (NĐ 61/2018 Art. 19)."""
    if not files:
        raise InvalidInput("Vui lòng tải lên giấy tờ bổ sung theo yêu cầu.", "Upload the requested papers.",
                           field="files")
    documents = [engine.DocumentUpload(upload, kind=DocumentKind.SUPPLEMENT) for upload in files]
    return engine.provide_supplement(dossier, actor=actor, expected_version=expected_version,
                                     documents=documents, note=note.strip())
