"""Every change to the catalogue: drafts, publishing, new versions, and applying content from outside.

The versioning rule: a procedure has at most one draft and at most one published version. Publishing a
draft supersedes the published one (which stays readable: dossiers point at it); a published version is
never edited, a change is made on a new version copied from it (:func:`new_version_from`).

Content travels as a :class:`VersionContent` — what the Excel import and the demo build, and what
:func:`content_of` reads back from a version, so "has anything changed?" is one equality test.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field, replace
from typing import Literal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from tinhso.catalogue.models import (
    Field,
    OnlineLevel,
    Procedure,
    ProcedureFee,
    ProcedureVersion,
    RequiredDocument,
    RouteStep,
    Status,
    StepRole,
    TimeUnit,
    VersionFrozen,
    validate_procedure_code,
)
from tinhso.common.audit import record
from tinhso.directory.models import Agency


@dataclass(frozen=True)
class DocumentLine:
    name: str
    originals: int = 1
    copies: int = 0
    required: bool = True
    reusable: bool = False
    template: str = ""  # the stored file's name; a new version shares the file of the one it came from


@dataclass(frozen=True)
class FeeLine:
    description: str
    amount: int
    basis: str = "dossier"  # FeeBasis: per dossier, per copy, per copy beyond ``included_copies``
    included_copies: int = 0
    exemption: str = ""  # who is exempt, as the fee schedule names them


@dataclass(frozen=True)
class StepLine:
    role: str
    share: int
    agency: Agency | None = None
    partner: str = ""
    description: str = ""


@dataclass(frozen=True)
class VersionContent:
    name: str
    field: Field
    level: str
    time_limit: int
    result: str
    time_unit: str = TimeUnit.WORKING_DAYS
    legal_basis: str = ""
    online_level: str = OnlineLevel.PARTIAL
    online_limit_reason: str = ""
    eform_schema: dict | None = None
    result_handler: str = ""
    decision_number: str = ""
    decision_date: datetime.date | None = None
    effective_from: datetime.date | None = None
    agencies: tuple[Agency, ...] = ()
    documents: tuple[DocumentLine, ...] = ()
    fees: tuple[FeeLine, ...] = ()
    steps: tuple[StepLine, ...] = field(default=())

    def normalised(self) -> VersionContent:
        """Agencies in identifier order, an empty schema as none: two equal contents compare equal."""
        return replace(
            self, agencies=tuple(sorted(set(self.agencies), key=lambda agency: agency.identifier)),
            eform_schema=self.eform_schema or None,
        )


VERSION_FIELDS = (
    "name", "field", "level", "time_limit", "time_unit", "legal_basis", "result", "online_level",
    "online_limit_reason", "eform_schema", "decision_number", "decision_date", "effective_from", "result_handler",
)


def unit_label(time_unit: str) -> str:
    return str(TimeUnit(time_unit).label) if time_unit in TimeUnit.values else time_unit


def route_errors(steps: list[StepLine] | tuple[StepLine, ...], time_limit: int | None, time_unit: str) -> list[str]:
    """What is wrong with a route, in Vietnamese: start, end, and shares adding up to the time limit."""
    if not steps:
        return ["Quy trình phải có ít nhất bước tiếp nhận và bước trả kết quả."]
    errors = []
    # NĐ 61/2018 Art. 17, 20 (NĐ 118/2025): a dossier is received and its result returned at the one-stop desk.
    if steps[0].role != StepRole.RECEIVE:
        errors.append("Quy trình phải bắt đầu bằng bước tiếp nhận hồ sơ.")
    if steps[-1].role != StepRole.RETURN:
        errors.append("Quy trình phải kết thúc bằng bước trả kết quả.")
    for number, step in enumerate(steps, start=1):
        if step.role not in StepRole.values:
            errors.append(f"Bước {number}: vai trò “{step.role}” không hợp lệ.")
        if step.agency is not None and step.partner:
            errors.append(f"Bước {number}: chỉ chọn cơ quan trong danh bạ hoặc ghi cơ quan phối hợp, không cả hai.")
    total = sum(step.share for step in steps)
    if time_limit is not None and total != time_limit:
        unit = unit_label(time_unit)
        errors.append(
            f"Tổng thời gian các bước ({total} {unit}) phải bằng thời hạn giải quyết ({time_limit} {unit})."
        )
    return errors


def content_errors(content: VersionContent, *, for_publishing: bool) -> dict[str, list[str]]:
    """Every problem with ``content``, by field; a draft may still lack its route."""
    errors: dict[str, list[str]] = {}
    if not content.name.strip():
        errors["name"] = ["Tên thủ tục không được để trống."]
    if not content.result.strip():
        errors["result"] = ["Phải nêu kết quả thực hiện thủ tục."]
    probe = ProcedureVersion(
        **{name: getattr(content, name) for name in VERSION_FIELDS if name != "eform_schema"},
        eform_schema=content.eform_schema,
    )
    try:
        probe.clean()
    except ValidationError as exc:
        for name, messages in exc.message_dict.items():
            errors.setdefault(name, []).extend(messages)
    if content.level not in ProcedureVersion.Level.values:
        errors.setdefault("level", []).append("Cấp thực hiện phải là cấp tỉnh hoặc cấp xã.")
    if content.steps or for_publishing:
        problems = route_errors(content.steps, content.time_limit, content.time_unit)
        if problems:
            errors["steps"] = problems
    if content.time_limit < 0:
        errors.setdefault("time_limit", []).append("Thời hạn giải quyết không được âm.")
    return errors


def _check(content: VersionContent, *, for_publishing: bool = False) -> None:
    errors = content_errors(content, for_publishing=for_publishing)
    fee_problems = [f"Dòng phí “{line.description}”: cách tính “mỗi bản vượt số bản đã gồm” cần số bản đã gồm "
                    "(ít nhất 1)." for line in content.fees if line.basis == "beyond" and not line.included_copies]
    fee_problems += [f"Dòng phí “{line.description}”: cách tính “{line.basis}” không có."
                     for line in content.fees if line.basis not in ("dossier", "copy", "beyond")]
    if fee_problems:
        errors = {**errors, "fees": fee_problems}
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def create_draft(code: str, content: VersionContent) -> ProcedureVersion:
    """A new draft of procedure ``code`` (created on first use); refused if a draft already exists."""
    validate_procedure_code(code)
    _check(content)
    procedure, _ = Procedure.objects.get_or_create(code=code)
    procedure = Procedure.objects.select_for_update().get(pk=procedure.pk)
    if procedure.versions.filter(status=Status.DRAFT).exists():
        raise ValidationError(
            {"code": [f"Thủ tục {code} đã có một bản nháp; hãy sửa bản nháp đó."]}, code="draft_exists",
        )
    version = ProcedureVersion(procedure=procedure)
    _write(version, content.normalised())
    return version


@transaction.atomic
def update_draft(version: ProcedureVersion, content: VersionContent) -> ProcedureVersion:
    """Replace a draft's whole content (its fields, agencies, documents, fees and route)."""
    version = ProcedureVersion.objects.select_for_update().select_related("procedure").get(pk=version.pk)
    if version.is_frozen:
        raise VersionFrozen(version)
    _check(content)
    version.documents.all().delete()
    version.fees.all().delete()
    version.steps.all().delete()
    _write(version, content.normalised())
    return version


@transaction.atomic
def new_version_from(published: ProcedureVersion) -> ProcedureVersion:
    """A draft copying the published version and all its children; the published one stays as it is.

    The announcing decision is not copied: a new version is announced by a new decision, and a copied
    effective date would count the new version as published late in the publicity indicator.
    """
    published = ProcedureVersion.objects.select_related("procedure").get(pk=published.pk)
    if published.status != Status.PUBLISHED:
        raise ValidationError("Chỉ tạo phiên bản mới từ phiên bản đang áp dụng.", code="not_published")
    Procedure.objects.select_for_update().get(pk=published.procedure_id)
    if published.procedure.versions.filter(status=Status.DRAFT).exists():
        raise ValidationError(
            f"Thủ tục {published.procedure.code} đã có một bản nháp; hãy sửa bản nháp đó.", code="draft_exists",
        )
    draft = ProcedureVersion(procedure=published.procedure)
    _write(draft, replace(content_of(published), decision_number="", decision_date=None, effective_from=None))
    return draft


@transaction.atomic
def publish(version: ProcedureVersion) -> ProcedureVersion:
    """Put a draft in force: it freezes, and the version it replaces is superseded (still readable)."""
    procedure = Procedure.objects.select_for_update().get(pk=version.procedure_id)
    version = ProcedureVersion.objects.select_for_update().get(pk=version.pk)
    if version.status != Status.DRAFT:
        raise ValidationError("Chỉ công bố được bản nháp.", code="not_draft")
    _check(content_of(version), for_publishing=True)
    now = timezone.now()
    previous = procedure.versions.filter(status=Status.PUBLISHED).first()
    if previous is not None:
        previous.status = Status.SUPERSEDED
        previous.superseded_at = now
        previous.save(update_fields=["status", "superseded_at"])
    version.status = Status.PUBLISHED
    version.published_at = now
    version.save(update_fields=["status", "published_at"])
    procedure.current_version = version
    procedure.save(update_fields=["current_version"])
    record(
        "action", version, summary=f"Công bố thủ tục {procedure.code} phiên bản {version.number}",
        after={"status": version.status, "supersedes": previous.number if previous else None},
    )
    return version


def _write(version: ProcedureVersion, content: VersionContent) -> None:
    for name in VERSION_FIELDS:
        setattr(version, name, getattr(content, name))
    version.save()
    version.agencies.set(content.agencies)
    RequiredDocument.objects.bulk_create(
        RequiredDocument(
            version=version, order=order, name=line.name, originals=line.originals, copies=line.copies,
            template=line.template, required=line.required, reusable=line.reusable,
        )
        for order, line in enumerate(content.documents, start=1)
    )
    ProcedureFee.objects.bulk_create(
        ProcedureFee(version=version, order=order, description=line.description, amount=line.amount,
                     basis=line.basis, included_copies=line.included_copies, exemption=line.exemption)
        for order, line in enumerate(content.fees, start=1)
    )
    RouteStep.objects.bulk_create(
        RouteStep(
            version=version, order=order, role=line.role, agency=line.agency, partner=line.partner,
            share=line.share, description=line.description,
        )
        for order, line in enumerate(content.steps, start=1)
    )


def content_of(version: ProcedureVersion) -> VersionContent:
    """A version's whole content, comparable with what an import or the demo would write."""
    return VersionContent(
        **{name: getattr(version, name) for name in VERSION_FIELDS},
        agencies=tuple(version.agencies.all()),
        documents=tuple(
            DocumentLine(
                name=doc.name, originals=doc.originals, copies=doc.copies, required=doc.required,
                reusable=doc.reusable, template=doc.template.name or "",
            )
            for doc in version.documents.all()
        ),
        fees=tuple(FeeLine(description=fee.description, amount=fee.amount, basis=fee.basis,
                           included_copies=fee.included_copies, exemption=fee.exemption)
                   for fee in version.fees.all()),
        steps=tuple(
            StepLine(
                role=step.role, share=step.share, agency=step.agency, partner=step.partner,
                description=step.description,
            )
            for step in version.steps.all()
        ),
    ).normalised()


Outcome = Literal["created", "new_version", "draft_updated", "unchanged"]


@transaction.atomic
def apply_content(code: str, content: VersionContent, *, publish_now: bool = False) -> Outcome:
    """Bring procedure ``code`` to ``content``: update its draft, or make a new version if anything differs.

    With ``publish_now`` the resulting draft is published at once (the demo does this; an import does it
    when asked to).
    """
    content = content.normalised()
    procedure = Procedure.objects.filter(code=code).first()
    draft = procedure.versions.filter(status=Status.DRAFT).first() if procedure else None
    current = procedure.versions.filter(status=Status.PUBLISHED).first() if procedure else None
    if draft is not None:
        outcome: Outcome = "unchanged"
        if content_of(draft) != content:
            draft = update_draft(draft, content)
            outcome = "draft_updated"
        if publish_now:
            publish(draft)
            outcome = "draft_updated"
        return outcome
    if current is not None and content_of(current) == content:
        return "unchanged"
    draft = create_draft(code, content)
    if publish_now:
        publish(draft)
    return "new_version" if current is not None else "created"
