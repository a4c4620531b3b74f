"""Taking the procedure catalogue from the national database of procedures, through the portal adapter.

Each procedure comes as (this platform's payload, see ``portal.py``)::

    {"code": "1.001193", "name": "Đăng ký khai sinh",
     "field": {"code": "H41-HT", "name": "Hộ tịch"}, "level": "commune",        # province | commune
     "time_limit": 1, "time_unit": "working_days",                            # | working_hours
     "legal_basis": "Luật Hộ tịch 2014", "result": "Giấy khai sinh",
     "online_level": "full", "online_limit_reason": "",                      # full | partial | none
     "decision_number": "125/QĐ-UBND", "decision_date": "2026-01-05", "effective_from": "2026-01-15",
     "agencies": ["000.00.10.H41"],                                           # implementing agencies
     "documents": [{"name": "Tờ khai", "originals": 1, "copies": 0, "required": true, "reusable": false}],
     "fees": [{"description": "Lệ phí", "amount": 8000}]}

A procedure not in the catalogue is created; one whose national content differs gets a new version (or
its draft brought up to date); one that is the same is left alone. What the national database does not hold
stays local: the route of steps and their shares, the e-form and the blank forms attached to documents are
carried over from the version in hand (the draft if there is one, else the published one). New versions are
drafts for an administrator to check and publish — unless ``publish`` is asked and the route is complete.
Every procedure is applied in its own transaction; one the platform cannot take is refused with the reasons
and the others go on. The report says, per procedure, what happened and which fields changed.
"""

from __future__ import annotations

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from tinhso.exchange.models import CatalogueSync
from tinhso.exchange.portal import NationalPortal, PortalUnavailable, configured_portal

MAX_PAGES = 1000

FIELD_LABELS = {
    "name": "tên thủ tục", "field": "lĩnh vực", "level": "cấp thực hiện", "time_limit": "thời hạn",
    "time_unit": "đơn vị thời hạn", "legal_basis": "căn cứ pháp lý", "result": "kết quả",
    "online_level": "mức độ trực tuyến", "online_limit_reason": "lý do chưa toàn trình",
    "decision_number": "số quyết định công bố", "decision_date": "ngày quyết định", "effective_from": "ngày hiệu lực",
    "agencies": "cơ quan thực hiện", "documents": "thành phần hồ sơ", "fees": "phí, lệ phí",
}


class RecordError(ValueError):
    def __init__(self, messages: list[str]):
        super().__init__("; ".join(messages))
        self.messages = messages


def _text(item: dict, key: str, errors: list[str], *, required: bool = False, limit: int = 100_000) -> str:
    value = item.get(key, "")
    if value is None:
        value = ""
    if not isinstance(value, str):
        errors.append(f"“{key}” phải là chuỗi ký tự.")
        return ""
    value = value.strip()
    if required and not value:
        errors.append(f"Thiếu “{key}”.")
    if len(value) > limit:
        errors.append(f"“{key}” dài quá {limit} ký tự.")
    return value


def _whole(value, key: str, errors: list[str], *, minimum: int = 0) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        errors.append(f"“{key}” phải là số nguyên không nhỏ hơn {minimum}.")
        return minimum
    return value


def _date(item: dict, key: str, errors: list[str]) -> datetime.date | None:
    value = item.get(key)
    if value in (None, ""):
        return None
    try:
        return datetime.date.fromisoformat(str(value))
    except ValueError:
        errors.append(f"“{key}” phải là ngày dạng YYYY-MM-DD.")
        return None


def _choice(item: dict, key: str, choices, errors: list[str], default: str | None = None) -> str:
    value = item.get(key) or default
    if value not in choices:
        errors.append(f"“{key}” phải là một trong: {', '.join(choices)}.")
        return default or next(iter(choices))
    return value


def content_from(item: dict, local):
    """The :class:`~tinhso.catalogue.services.VersionContent` a national record describes, with the local
    parts of ``local`` (the version in hand, or None); :class:`RecordError` lists every problem."""
    from tinhso.catalogue.models import Field, OnlineLevel, ProcedureVersion, TimeUnit
    from tinhso.catalogue.services import DocumentLine, FeeLine, VersionContent
    from tinhso.directory.models import Agency

    errors: list[str] = []
    name = _text(item, "name", errors, required=True, limit=1000)
    field_data = item.get("field") if isinstance(item.get("field"), dict) else {}
    field_code = _text(field_data, "code", errors, required=True, limit=50)
    field_name = _text(field_data, "name", errors, limit=255)
    field = Field.objects.filter(code=field_code).first() if field_code else None
    if field is None and field_code:
        if not field_name:
            errors.append(f"Lĩnh vực {field_code} chưa có trong danh mục: phải có tên lĩnh vực.")
        else:
            field = Field(code=field_code, name=field_name)
            try:
                field.full_clean()
            except ValidationError as error:
                errors += [f"Lĩnh vực: {m}" for m in error.messages]
    codes = item.get("agencies") or []
    agencies = list(Agency.objects.filter(identifier__in=[str(c).upper() for c in codes])) if isinstance(
        codes, list) else []
    missing = sorted({str(c).upper() for c in codes} - {a.identifier for a in agencies}) if isinstance(codes, list) \
        else ["?"]
    if missing:
        errors.append(f"Cơ quan thực hiện không có trong danh bạ: {', '.join(missing)}.")
    documents, fees = [], []
    templates = {doc.name: doc.template for doc in local.documents} if local is not None else {}
    for number, doc in enumerate(item.get("documents") or [], start=1):
        if not isinstance(doc, dict):
            errors.append(f"Thành phần hồ sơ {number} không đúng định dạng.")
            continue
        doc_errors: list[str] = []
        doc_name = _text(doc, "name", doc_errors, required=True, limit=500)
        documents.append(DocumentLine(
            name=doc_name, originals=_whole(doc.get("originals", 1), "originals", doc_errors),
            copies=_whole(doc.get("copies", 0), "copies", doc_errors), required=bool(doc.get("required", True)),
            reusable=bool(doc.get("reusable", False)), template=templates.get(doc_name, ""),
        ))
        errors += [f"Thành phần hồ sơ {number}: {m}" for m in doc_errors]
    for number, fee in enumerate(item.get("fees") or [], start=1):
        if not isinstance(fee, dict):
            errors.append(f"Phí, lệ phí {number} không đúng định dạng.")
            continue
        fee_errors: list[str] = []
        fees.append(FeeLine(description=_text(fee, "description", fee_errors, required=True, limit=500),
                            amount=_whole(fee.get("amount"), "amount", fee_errors)))
        errors += [f"Phí, lệ phí {number}: {m}" for m in fee_errors]
    content = VersionContent(
        name=name, field=field, level=_choice(item, "level", ProcedureVersion.Level.values, errors),
        time_limit=_whole(item.get("time_limit"), "time_limit", errors),
        time_unit=_choice(item, "time_unit", TimeUnit.values, errors, TimeUnit.WORKING_DAYS),
        legal_basis=_text(item, "legal_basis", errors), result=_text(item, "result", errors, required=True),
        online_level=_choice(item, "online_level", OnlineLevel.values, errors, OnlineLevel.PARTIAL),
        online_limit_reason=_text(item, "online_limit_reason", errors),
        decision_number=_text(item, "decision_number", errors, limit=100),
        decision_date=_date(item, "decision_date", errors), effective_from=_date(item, "effective_from", errors),
        agencies=tuple(agencies), documents=tuple(documents), fees=tuple(fees),
        eform_schema=local.eform_schema if local is not None else None,
        steps=local.steps if local is not None else (),
    )
    if errors:
        raise RecordError(errors)
    return content


def changed_fields(before, after) -> list[str]:
    """The national fields that differ between two contents, named in Vietnamese."""
    if before is None:
        return []
    changed = []
    for name in FIELD_LABELS:
        old, new = getattr(before, name), getattr(after, name)
        if name == "field":
            old, new = old.code if old else None, new.code if new else None
        elif name == "agencies":
            old, new = sorted(a.identifier for a in old), sorted(a.identifier for a in new)
        elif name == "documents":
            old = [(d.name, d.originals, d.copies, d.required, d.reusable) for d in old]
            new = [(d.name, d.originals, d.copies, d.required, d.reusable) for d in new]
        if old != new:
            changed.append(FIELD_LABELS[name])
    return changed


def apply_record(item: dict, *, publish: bool = False) -> dict:
    """Bring one national procedure into the catalogue; the report line for it."""
    from tinhso.catalogue.models import Procedure, Status, validate_procedure_code
    from tinhso.catalogue.services import apply_content, content_errors, content_of

    code = str(item.get("code", "")).strip() if isinstance(item, dict) else ""
    line = {"code": code, "name": str(item.get("name", ""))[:300] if isinstance(item, dict) else "",
            "outcome": "refused", "changes": [], "errors": []}
    if not isinstance(item, dict):
        line["errors"] = ["Bản ghi thủ tục không đúng định dạng."]
        return line
    try:
        validate_procedure_code(code)
    except ValidationError as error:
        line["errors"] = [f"Mã thủ tục “{code}”: {error.messages[0]}"]
        return line
    try:
        with transaction.atomic():
            procedure = Procedure.objects.filter(code=code).first()
            local_version = None
            if procedure is not None:
                local_version = (procedure.versions.filter(status=Status.DRAFT).first()
                                 or procedure.versions.filter(status=Status.PUBLISHED).first())
            local = content_of(local_version) if local_version is not None else None
            content = content_from(item, local)
            if content.field.pk is None:
                content.field.save()
            ready = publish and not content_errors(content, for_publishing=True)
            outcome = apply_content(code, content, publish_now=ready)
            line["changes"] = changed_fields(local, content) if outcome != "created" else []
            line["outcome"] = {"created": "created", "new_version": "versioned", "draft_updated": "versioned",
                               "unchanged": "unchanged"}[outcome]
            line["published"] = bool(ready and outcome != "unchanged")
    except RecordError as error:
        line["errors"] = error.messages
    except ValidationError as error:
        line["errors"] = [m for messages in error.message_dict.values() for m in messages] if hasattr(
            error, "error_dict") else error.messages
    return line


def pull(*, portal: NationalPortal | None = None, publish: bool = False, by=None) -> CatalogueSync:
    """Pull the whole national catalogue (every page); the run and its report are kept."""
    sync = CatalogueSync.objects.create(started_by=by if getattr(by, "pk", None) else None)
    report: list[dict] = []
    try:
        portal = portal or configured_portal()
        page: int | None = 1
        pages = 0
        while page is not None and pages < MAX_PAGES:
            items, page = portal.fetch_procedures(page)
            pages += 1
            report += [apply_record(item, publish=publish) for item in items]
        sync.ok = True
    except PortalUnavailable as error:
        sync.error = error.message[:500]
    sync.report = report
    sync.created = sum(line["outcome"] == "created" for line in report)
    sync.versioned = sum(line["outcome"] == "versioned" for line in report)
    sync.unchanged = sum(line["outcome"] == "unchanged" for line in report)
    sync.refused = sum(line["outcome"] == "refused" for line in report)
    sync.finished_at = timezone.now()
    sync.save()
    from tinhso.common.audit import record

    record("action", sync, summary=f"Lấy danh mục thủ tục quốc gia: {sync.created} mới, {sync.versioned} phiên bản "
                                   f"mới, {sync.unchanged} không đổi, {sync.refused} không nhận",
           after={"ok": sync.ok, "error": sync.error}, actor=by)
    return sync


def summary(sync: CatalogueSync) -> str:
    text = (f"{sync.created} thủ tục mới, {sync.versioned} phiên bản mới, {sync.unchanged} không đổi, "
            f"{sync.refused} không nhận")
    return text + (f"; lỗi: {sync.error}" if sync.error else "")



def as_national(version) -> dict:
    """A published version written as the national database's record of it (the payload above): what a
    stand-in portal serves, and what a record read back into the catalogue leaves unchanged."""
    return {
        "code": version.procedure.code, "name": version.name,
        "field": {"code": version.field.code, "name": version.field.name}, "level": version.level,
        "time_limit": version.time_limit, "time_unit": version.time_unit, "legal_basis": version.legal_basis,
        "result": version.result, "online_level": version.online_level,
        "online_limit_reason": version.online_limit_reason, "decision_number": version.decision_number,
        "decision_date": version.decision_date.isoformat() if version.decision_date else None,
        "effective_from": version.effective_from.isoformat() if version.effective_from else None,
        "agencies": sorted(a.identifier for a in version.agencies.all()),
        "documents": [{"name": d.name, "originals": d.originals, "copies": d.copies, "required": d.required,
                       "reusable": d.reusable} for d in version.documents.all()],
        "fees": [{"description": f.description, "amount": f.amount} for f in version.fees.all()],
    }
