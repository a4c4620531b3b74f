"""The one-stop forms 01–06 as PDF (TT 01/2018/TT-VPCP Art. 9; form 01 is form 01 of TT 03/2025 Annex I).

01 receipt and appointment, 02 supplement request, 03 refusal, 04 apology and new appointment, 05 process
control sheet: A5 (148×210 mm); 06 dossier register: A4 landscape. Every form names the agency, carries
the dossier code and a QR code of the dossier's public tracking address (TT 01/2018 Art. 19).

One rendering path (:mod:`tinhso.common.rendering`): a Django template under ``dossiers/print/`` → HTML →
WeasyPrint. WeasyPrint fetches nothing from the network: the QR code is an inline ``data:`` URI, fonts are
the installed system fonts, and the URL fetcher serves only ``data:`` URIs and this app's own static files.
"""

from __future__ import annotations

import base64
import datetime
import functools
import io
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

import qrcode
from django.conf import settings
from django.db.models import QuerySet
from django.template.loader import render_to_string
from django.utils import timezone, translation
from qrcode.constants import ERROR_CORRECT_M

from tinhso.common import rendering
from tinhso.common.workdays import to_local
from tinhso.dossiers import deadlines
from tinhso.dossiers.errors import InvalidInput, InvalidTransition
from tinhso.dossiers.models import DocumentKind, Dossier, DossierEvent, State

STATIC_DIR = Path(__file__).resolve().parent / "static" / "dossiers"
STYLESHEET = STATIC_DIR / "print.css"

A5 = "A5"
A4_LANDSCAPE = "A4 landscape"

# States after reception: the dossier has a code, a due moment and a route.
_RECEIVED_STATES = frozenset({State.RECEIVED, State.IN_PROGRESS, State.RESULT_READY, State.RETURNED})

# Event actions written by tinhso.dossiers.services; a form reads its lists and reasons from the latest one.
RECEIVE_ACTIONS = ("receive", "receive_at_counter")
SUPPLEMENT_ACTIONS = ("request_supplement",)
REFUSE_ACTIONS = ("refuse",)
APOLOGY_ACTIONS = ("issue_apology",)


@dataclass(frozen=True)
class PrintForm:
    """One statutory form: its number, titles, template, page size and when it may be issued."""

    number: str
    title: str
    title_en: str
    template: str
    page_size: str
    states: frozenset[str]
    # A further condition on the dossier beyond its state (e.g. form 04 only after an apology was recorded).
    condition: Callable[[Dossier], bool] | None = None

    def is_available_for(self, dossier: Dossier) -> bool:
        if dossier.state not in self.states:
            return False
        return self.condition is None or self.condition(dossier)


def _was_received(dossier: Dossier) -> bool:
    return dossier.received_at is not None


def _was_rescheduled(dossier: Dossier) -> bool:
    return dossier.apology_issued_at is not None


FORMS: dict[str, PrintForm] = {
    form.number: form
    for form in (
        PrintForm(
            "01", "Giấy tiếp nhận hồ sơ và hẹn trả kết quả", "Receipt and appointment",
            "dossiers/print/form_01.html", A5, _RECEIVED_STATES,
        ),
        PrintForm(
            "02", "Phiếu yêu cầu bổ sung, hoàn thiện hồ sơ", "Supplement request",
            "dossiers/print/form_02.html", A5, frozenset({State.SUPPLEMENT_REQUESTED}),
        ),
        PrintForm(
            "03", "Phiếu từ chối tiếp nhận giải quyết hồ sơ", "Refusal",
            "dossiers/print/form_03.html", A5, frozenset({State.REFUSED}),
        ),
        PrintForm(
            "04", "Phiếu xin lỗi và hẹn lại ngày trả kết quả", "Apology and new appointment",
            "dossiers/print/form_04.html", A5, _RECEIVED_STATES, _was_rescheduled,
        ),
        PrintForm(
            "05", "Phiếu kiểm soát quá trình giải quyết hồ sơ", "Process control sheet",
            "dossiers/print/form_05.html", A5,
            _RECEIVED_STATES | {State.SUPPLEMENT_REQUESTED, State.REFUSED, State.STOPPED, State.WITHDRAWN},
            _was_received,
        ),
        # The register covers many dossiers of one agency: printed through render_register, never per dossier.
        PrintForm(
            "06", "Sổ theo dõi hồ sơ", "Dossier register", "dossiers/print/form_06.html", A4_LANDSCAPE,
            frozenset(),
        ),
    )
}
DOSSIER_FORM_NUMBERS = ("01", "02", "03", "04", "05")


def available_forms(dossier: Dossier) -> list[PrintForm]:
    """The forms the desk may print for ``dossier`` in its current state, in form order."""
    return [FORMS[number] for number in DOSSIER_FORM_NUMBERS if FORMS[number].is_available_for(dossier)]


def tracking_url(dossier: Dossier) -> str:
    """The public tracking address printed as QR code on every form."""
    return f"{settings.TINHSO_PUBLIC_BASE_URL}/tra-cuu/{dossier.code}"


def qr_png(text: str) -> bytes:
    """A black-and-white QR code of ``text`` as PNG, large enough to print sharply at about 2 cm."""
    code = qrcode.QRCode(error_correction=ERROR_CORRECT_M, box_size=8, border=2)
    code.add_data(text)
    code.make(fit=True)
    buffer = io.BytesIO()
    code.make_image().save(buffer, format="PNG")
    return buffer.getvalue()


@functools.lru_cache(maxsize=512)
def qr_data_uri(text: str) -> str:
    """The QR code as an inline image; kept per address, since a dossier's forms are printed again and again
    at the counter and the code of its tracking address never changes."""
    return "data:image/png;base64," + base64.b64encode(qr_png(text)).decode("ascii")


# ---------------------------------------------------------------------------------------------- dates


def vn_date(moment: datetime.datetime | datetime.date | None) -> str:
    """dd/mm/yyyy in Vietnam time, or an empty string."""
    if moment is None:
        return ""
    if isinstance(moment, datetime.datetime):
        moment = to_local(moment)
    return f"{moment:%d/%m/%Y}"


def vn_datetime(moment: datetime.datetime | None) -> str:
    """HH:MM dd/mm/yyyy in Vietnam time, or an empty string."""
    if moment is None:
        return ""
    return f"{to_local(moment):%H:%M %d/%m/%Y}"


def vn_moment_in_words(moment: datetime.datetime | None) -> str:
    """The way the receipt writes a moment: "14 giờ 30 phút, ngày 22/11/2026"."""
    if moment is None:
        return ""
    local = to_local(moment)
    return f"{local:%H} giờ {local:%M} phút, ngày {local:%d/%m/%Y}"


def vn_amount(amount: int) -> str:
    """An amount in đồng with dots between thousands: 1.250.000."""
    return f"{amount:,}".replace(",", ".")


def place_and_date(place: str, day: datetime.datetime | datetime.date) -> str:
    """The heading line "Nghệ An, ngày 22 tháng 11 năm 2026" (NĐ 30/2020 Annex I: place and date)."""
    if isinstance(day, datetime.datetime):
        day = to_local(day).date()
    dots = "…"
    return f"{place or dots}, ngày {day:%d} tháng {day:%m} năm {day.year}"


# --------------------------------------------------------------------------------------------- context


def agency_place(agency) -> str:
    """The province an agency serves, as written in the place-and-date line ("Nghệ An")."""
    seen: set[int] = set()
    current = agency
    while current is not None and current.pk not in seen:
        seen.add(current.pk)
        province = current.province or (current.commune.province if current.commune_id else None)
        if province is not None:
            return province.name.removeprefix("Tỉnh ").removeprefix("Thành phố ")
        current = current.parent
    return ""


def agency_heading(agency) -> dict:
    """The left block of the heading: the body above (if any) and the issuing agency."""
    return {
        "agency": agency,
        "parent_name": agency.parent.name if agency.parent_id else "",
        "place": agency_place(agency),
    }


def person_name(user) -> str:
    if user is None:
        return ""
    return user.get_full_name().strip() or user.get_username()


def latest_event(dossier: Dossier, actions: Iterable[str]) -> DossierEvent | None:
    return (
        DossierEvent.objects.filter(dossier=dossier, action__in=list(actions))
        .select_related("actor", "agency").order_by("-at", "-id").first()
    )


def event_actor(event: DossierEvent | None) -> str:
    if event is None:
        return ""
    return person_name(event.actor) or event.actor_label


def received_documents(dossier: Dossier) -> list[dict]:
    """The papers received with the dossier, one line per required paper (name, originals, copies).

    Files uploaded against the same required paper make one line; a file without one is its own line. A
    counter dossier with no scanned file lists the papers the procedure requires.
    """
    lines: dict[object, dict] = {}
    files = dossier.documents.filter(kind__in=[DocumentKind.APPLICANT, DocumentKind.SUPPLEMENT]).select_related(
        "required_document"
    )
    for document in files:
        paper = document.required_document
        if paper is not None:
            lines.setdefault(("paper", paper.pk), {
                "name": paper.name, "originals": paper.originals, "copies": paper.copies, "order": paper.order,
            })
        else:
            lines[("file", document.pk)] = {"name": document.original_name, "originals": "", "copies": "",
                                            "order": 10_000}
    if not lines:
        for paper in dossier.procedure_version.documents.filter(required=True):
            lines[("paper", paper.pk)] = {"name": paper.name, "originals": paper.originals, "copies": paper.copies,
                                          "order": paper.order}
    return sorted(lines.values(), key=lambda line: line["order"])


def supplement_items(event: DossierEvent | None) -> list[dict]:
    """Everything the applicant must still supply, with the reason for each (NĐ 61/2018 Art. 15.3: once,
    completely), from the supplement request event."""
    if event is None:
        return []
    return normalise_items(event.data.get("missing") or event.data.get("items") or [])


def normalise_items(raw: Iterable) -> list[dict]:
    """Missing items as ``{"name", "reason"}``, whether given as plain names or as mappings."""
    items = []
    for entry in raw:
        if isinstance(entry, str):
            items.append({"name": entry, "reason": ""})
        else:
            items.append({
                "name": entry.get("name") or entry.get("document") or entry.get("title") or "",
                "reason": entry.get("reason") or entry.get("note") or "",
            })
    return items


def event_reasons(event: DossierEvent | None) -> list[str]:
    """The reasons recorded on a refusal or apology: a list in the event's data, else its note's lines."""
    if event is None:
        return []
    reasons = event.data.get("reasons") or event.data.get("reason") or event.note
    if isinstance(reasons, list):
        return [str(reason).strip() for reason in reasons if str(reason).strip()]
    return [line.strip() for line in str(reasons).splitlines() if line.strip()]


def step_lines(dossier: Dossier, at: datetime.datetime) -> list[dict]:
    """Each step of the route with its agency, handover, due and finish moments and its deadline status."""
    lines = []
    for step in dossier.steps.select_related("agency", "assignee").order_by("order", "id"):
        status = deadlines.step_status(step, at)
        place = step.place or dossier.receiving_agency.name
        if step.partner:  # a partner outside the directory: who hands over and takes the answer, and when
            via = step.agency.name if step.agency_id else dossier.receiving_agency.name
            place = f"{step.partner} (phối hợp; {via} chuyển hồ sơ"
            place += f" lúc {vn_datetime(step.started_at)}" if step.started_at else ""
            place += f", nhận kết quả lúc {vn_datetime(step.finished_at)})" if step.finished_at else ")"
        lines.append({
            "order": step.order,
            "role": step.get_role_display(),
            "description": step.description,
            "place": place,
            "assignee": person_name(step.assignee),
            "started_at": vn_datetime(step.started_at),
            "due_at": vn_datetime(step.due_at),
            "finished_at": vn_datetime(step.finished_at),
            "state": step.get_state_display(),
            "status": status.label if status.kind != deadlines.NONE else "",
            "is_problem": status.is_problem,
        })
    return lines


def _form_context(form: PrintForm, dossier: Dossier, now: datetime.datetime) -> dict:
    version = dossier.procedure_version
    agency = dossier.receiving_agency
    context = {
        **agency_heading(agency),
        "form": form,
        "dossier": dossier,
        "procedure_name": version.name,
        "procedure_code": version.procedure_code,
        "applicant_name": dossier.applicant_name,
        "applicant_address": dossier.applicant_address,
        "applicant_phone": dossier.applicant_phone,
        "applicant_email": dossier.applicant_email,
        "received_at": vn_moment_in_words(dossier.received_at),
        "due_at": vn_moment_in_words(dossier.due_at),
        "issued_on": now,
    }
    if form.number == "01":
        receive = latest_event(dossier, RECEIVE_ACTIONS)
        context.update({
            "documents": received_documents(dossier),
            "time_limit": f"{version.time_limit} {version.get_time_unit_display()}",
            "fees": [{"description": fee.description, "amount": vn_amount(fee.amount),
                      "times": f" ({vn_amount(fee.unit_amount)} × {fee.quantity})" if fee.quantity != 1 else ""}
                     for fee in dossier.fees.all()],
            "fees_total": vn_amount(sum(fee.amount for fee in dossier.fees.all())),
            "copies": dossier.copies,
            "officer": event_actor(receive),
            # What the applicant registered at filing; the way it was in the end once returned.
            "return_method": (dossier.get_return_method_display() or dossier.get_requested_return_method_display()),
            "issued_on": dossier.received_at or now,
        })
    elif form.number == "02":
        event = latest_event(dossier, SUPPLEMENT_ACTIONS)
        context.update({
            "items": supplement_items(event),
            "note": event.note if event else "",
            "officer": event_actor(event),
            "issued_on": event.at if event else now,
        })
        if event is not None and event.agency_id:
            context.update(agency_heading(event.agency))
    elif form.number == "03":
        event = latest_event(dossier, REFUSE_ACTIONS)
        context.update({
            "reasons": event_reasons(event),
            "officer": event_actor(event),
            "issued_on": event.at if event else now,
        })
        if event is not None and event.agency_id:
            context.update(agency_heading(event.agency))
    elif form.number == "04":
        event = latest_event(dossier, APOLOGY_ACTIONS)
        context.update({
            "reasons": event_reasons(event),
            "old_due_at": vn_moment_in_words(dossier.original_due_at),
            "new_due_at": vn_moment_in_words(dossier.due_at),
            "issued_on": dossier.apology_issued_at or now,
        })
        # NĐ 61/2018 Art. 19.9: the agency that is late apologises.
        if event is not None and event.agency_id:
            context.update(agency_heading(event.agency))
    elif form.number == "05":
        status = deadlines.dossier_status(dossier, now)
        context.update({
            "steps": step_lines(dossier, now),
            "received_at": vn_datetime(dossier.received_at),
            "due_at": vn_datetime(dossier.due_at),
            "original_due_at": vn_datetime(dossier.original_due_at),
            "finished_at": vn_datetime(deadlines.dossier_finished_at(dossier)),
            "returned_at": vn_datetime(dossier.finished_at if dossier.state == State.RETURNED else None),
            "dossier_status": status.label if status.kind != deadlines.NONE else "",
            "state_label": dossier.get_state_display(),
        })
    return context


# -------------------------------------------------------------------------------------------- render


def html_to_pdf(html: str) -> bytes:
    """The single HTML → PDF step every form goes through (the platform's one rendering path)."""
    return rendering.html_to_pdf(html, [STYLESHEET], STATIC_DIR)


def get_form(number: str) -> PrintForm:
    try:
        return FORMS[str(number).zfill(2)]
    except KeyError:
        raise InvalidInput(
            f"Không có mẫu số {number}; các mẫu là 01–06.", f"There is no form {number}; forms are 01–06.",
            field="number",
        ) from None


def render_form(dossier: Dossier, number: str, **context) -> bytes:
    """Form ``number`` (01–05) of ``dossier`` as PDF bytes.

    Keyword arguments override what the form would take from the dossier, e.g. ``items=[{"name": …,
    "reason": …}]`` for form 02, ``reasons=[…]`` for 03 and 04, ``officer="…"``, ``issued_on=<date>``.
    """
    # The forms are official Vietnamese documents whatever language the page around them is in.
    with translation.override("vi"):
        return _render_form(dossier, number, context)


def _render_form(dossier: Dossier, number: str, context: dict) -> bytes:
    form = get_form(number)
    if form.number not in DOSSIER_FORM_NUMBERS:
        raise InvalidInput(
            "Sổ theo dõi hồ sơ (mẫu 06) được in theo cơ quan và khoảng thời gian, không theo từng hồ sơ.",
            "The dossier register (form 06) is printed per agency and period, not per dossier.",
            field="number",
        )
    if not form.is_available_for(dossier):
        raise InvalidTransition(
            f"Không lập được mẫu {form.number} ({form.title.lower()}) khi hồ sơ ở trạng thái "
            f"“{dossier.get_state_display()}”.",
            f"Form {form.number} ({form.title_en.lower()}) cannot be issued in the dossier's current state.",
        )
    now = timezone.now()
    values = _form_context(form, dossier, now)
    values.update(context)
    if "items" in values:
        values["items"] = normalise_items(values["items"])
        values["has_reasons"] = any(item["reason"] for item in values["items"])
    values.update({
        "title": form.title,
        "page_size": form.page_size,
        "qr_code": qr_data_uri(tracking_url(dossier)),
        "tracking_url": tracking_url(dossier),
        "place_date": place_and_date(values["place"], values["issued_on"]),
    })
    return html_to_pdf(render_to_string(form.template, values))


def register_lines(dossiers: Iterable[Dossier], at: datetime.datetime) -> list[dict]:
    if isinstance(dossiers, QuerySet):
        dossiers = dossiers.select_related("procedure_version").order_by("received_at", "submitted_at", "id")
    lines = []
    for index, dossier in enumerate(dossiers, start=1):
        status = deadlines.dossier_status(dossier, at)
        returned = dossier.finished_at if dossier.state == State.RETURNED else None
        lines.append({
            "index": index,
            "code": dossier.code,
            "procedure": dossier.procedure_version.name,
            "applicant": dossier.applicant_name,
            "contact": ", ".join(part for part in (dossier.applicant_address, dossier.applicant_phone) if part),
            "received_at": vn_datetime(dossier.received_at),
            "due_at": vn_datetime(dossier.due_at),
            "result_ready_at": vn_datetime(dossier.result_ready_at),
            "returned_at": vn_datetime(returned),
            "state": dossier.get_state_display(),
            "status": status.label if status.kind != deadlines.NONE else "",
            "is_problem": status.is_problem,
        })
    return lines


def render_register(agency, dossiers: Iterable[Dossier], period_from: datetime.date,
                    period_to: datetime.date) -> bytes:
    """Form 06, the dossier register of ``agency`` for a period, as an A4 landscape PDF.

    ``dossiers`` is what the caller selected (a queryset is ordered by reception); the register prints
    each one's code, applicant, procedure, reception, appointment, result and return moments and status.
    """
    form = FORMS["06"]
    now = timezone.now()
    with translation.override("vi"):
        values = {
            **agency_heading(agency),
            "form": form,
            "title": form.title,
            "page_size": form.page_size,
            "period_from": vn_date(period_from),
            "period_to": vn_date(period_to),
            "lines": register_lines(dossiers, now),
            "printed_at": vn_datetime(now),
        }
        values["place_date"] = place_and_date(values["place"], now)
        return html_to_pdf(render_to_string(form.template, values))
