"""The department's registries edited on its pages: press agencies (create, edit) and the inspections of a
licensed website with the violation found and the decision that settled it.

Like every change of the module, one transactional function per action with its audit entry; a refusal is a
:class:`~tinhso.media.services.MediaError` in Vietnamese and English naming the field, and writes nothing.
"""

from __future__ import annotations

import datetime

from django.db import transaction

from tinhso.media.licensing import _DOMAIN as DOMAIN
from tinhso.media.models import ChannelKind, Inspection, PressAgency, PressChannel, WebsiteLicence
from tinhso.media.services import MediaError, _audit

PRESS_AGENCY_FIELDS = ("name", "kind", "level", "parent_name", "licence_number", "licence_date", "head_name",
                       "head_title", "address", "phone", "email", "valid_from", "valid_to")


def _period(valid_from: datetime.date | None, valid_to: datetime.date | None, field: str = "valid_to") -> None:
    if valid_from and valid_to and valid_to < valid_from:
        raise MediaError("“Đến ngày” không được trước “từ ngày”.", "“To” cannot be before “from”.", field=field)


@transaction.atomic
def save_press_agency(press_agency: PressAgency | None, *, actor=None, **values) -> PressAgency:
    """A press agency entered on the department's page, or its record corrected; every field is audited."""
    unknown = set(values) - set(PRESS_AGENCY_FIELDS)
    if unknown:
        raise TypeError(f"unknown fields: {sorted(unknown)}")
    if not (values.get("name") or "").strip():
        raise MediaError("Nhập tên cơ quan báo chí.", "Enter the press agency's name.", field="name")
    _period(values.get("valid_from"), values.get("valid_to"))
    created = press_agency is None
    if created:
        press_agency = PressAgency(**values)
    else:
        press_agency = PressAgency.objects.select_for_update().get(pk=press_agency.pk)
        for name, value in values.items():
            setattr(press_agency, name, value)
    press_agency.save()
    _audit("media.press_agency.create" if created else "media.press_agency.edit", press_agency, actor=actor,
           after={"fields": sorted(values)})
    return press_agency


@transaction.atomic
def add_inspection(licence: WebsiteLicence, *, inspected_on: datetime.date, findings: str, violation: bool = False,
                   decision: str = "", decision_on: datetime.date | None = None, penalty: str = "",
                   actor=None) -> Inspection:
    """An inspection of a licensed website; a violation is recorded with the decision that settled it
    (NĐ 147/2024 and the sanctioning decree: the decision's number and date, the penalty)."""
    findings = (findings or "").strip()
    if not findings:
        raise MediaError("Nhập kết quả kiểm tra.", "Enter the inspection's findings.", field="findings")
    if inspected_on < licence.issued_on:
        raise MediaError("Ngày kiểm tra không được trước ngày cấp giấy phép.",
                         "The inspection cannot be before the licence was issued.", field="inspected_on")
    decision, penalty = (decision or "").strip(), (penalty or "").strip()
    if violation:
        if not decision:
            raise MediaError("Vi phạm phải có quyết định xử lý.", "A violation needs the decision that settled it.",
                             field="decision")
        if decision_on is None:
            raise MediaError("Nhập ngày của quyết định xử lý.", "Enter the date of the decision.", field="decision_on")
        if decision_on < inspected_on:
            raise MediaError("Ngày quyết định không được trước ngày kiểm tra.",
                             "The decision cannot be before the inspection.", field="decision_on")
    elif decision or decision_on or penalty:
        raise MediaError("Chỉ ghi quyết định xử lý khi có vi phạm.", "A decision is recorded only for a violation.",
                         field="violation")
    inspection = Inspection.objects.create(licence=licence, inspected_on=inspected_on, findings=findings,
                                           violation=violation, decision=decision, decision_on=decision_on,
                                           penalty=penalty)
    _audit("media.licence.inspect", inspection, actor=actor,
           after={"licence": licence.licence_number, "violation": violation, "decision": decision})
    return inspection


@transaction.atomic
def add_channel(press_agency: PressAgency, *, kind: str, name: str, domain: str = "", actor=None) -> PressChannel:
    """A channel the press agency runs: print, broadcast, or online with its domain (the domain is required
    there, as the online newspaper is known by it)."""
    name, domain = (name or "").strip(), (domain or "").strip().lower().rstrip(".")
    if kind not in ChannelKind.values:
        raise MediaError("Loại kênh không hợp lệ.", "Unknown channel type.", field="kind")
    if not name:
        raise MediaError("Nhập tên kênh, ấn phẩm.", "Enter the channel's name.", field="name")
    if kind == ChannelKind.ONLINE and not domain:
        raise MediaError("Báo điện tử phải có tên miền.", "An online newspaper needs its domain.", field="domain")
    if domain and not DOMAIN.match(domain):
        raise MediaError(f"Tên miền “{domain}” không hợp lệ.", f"The domain “{domain}” is not valid.",
                         field="domain")
    if press_agency.channels.filter(kind=kind, name__iexact=name).exists():
        raise MediaError("Cơ quan báo chí đã có kênh này.", "The press agency already has this channel.",
                         field="name")
    channel = PressChannel.objects.create(press_agency=press_agency, kind=kind, name=name, domain=domain)
    _audit("media.press_agency.channel_add", channel, actor=actor,
           after={"press_agency": press_agency.pk, "kind": kind, "domain": domain})
    return channel


@transaction.atomic
def remove_channel(channel: PressChannel, *, actor=None) -> None:
    """A channel the press agency no longer runs leaves its record (the audit chain keeps what it was)."""
    _audit("media.press_agency.channel_remove", channel, actor=actor,
           after={"press_agency": channel.press_agency_id, "kind": channel.kind, "name": channel.name,
                  "domain": channel.domain})
    channel.delete()
