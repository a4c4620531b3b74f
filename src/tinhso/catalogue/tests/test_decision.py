"""The announcing decision of a version (số quyết định công bố, ngày ban hành, ngày có hiệu lực): checked,
carried by the Excel workbook both ways, edited in the admin while a draft, not copied into a new version,
and given to the demo catalogue with publication moments around the effective dates."""

from __future__ import annotations

import datetime
import io

import pytest
from django.utils import timezone
from openpyxl import load_workbook

from tinhso.catalogue import services
from tinhso.catalogue.demo import DECISIONS, PROCEDURES, load_demo_catalogue
from tinhso.catalogue.excel import PROCEDURES as SHEET
from tinhso.catalogue.excel import export_catalogue, import_catalogue
from tinhso.catalogue.models import ProcedureVersion
from tinhso.catalogue.selectors import current_version, versions_for_export
from tinhso.catalogue.services import content_of
from tinhso.catalogue.tests.factories import AgencyFactory, FieldFactory, ProcedureVersionFactory, content
from tinhso.catalogue.tests.test_excel import _workbook
from tinhso.directory.tests.factories import UserFactory
from tinhso.dossiers.tests.conftest import clock  # noqa: F401 — the shared fixture

pytestmark = pytest.mark.django_db
ISSUED, EFFECTIVE = datetime.date(2026, 3, 2), datetime.date(2026, 3, 10)


def _row(*decision, code="1.001193", agency=""):
    return [code, "Đăng ký khai sinh", "HT", "Hộ tịch", "Cấp xã", agency, 1, "ngày làm việc", "Luật Hộ tịch 2014",
            "Giấy khai sinh", "Toàn trình", None, None, *decision]


def _steps(code="1.001193"):
    return [[code, "Tiếp nhận", None, None, 0, None], [code, "Xử lý", None, None, 1, None],
            [code, "Trả kết quả", None, None, 0, None]]


def test_the_effective_date_may_not_precede_the_decision():
    errors = services.content_errors(content(decision_date=EFFECTIVE, effective_from=ISSUED), for_publishing=False)
    assert errors["effective_from"] == ["Ngày có hiệu lực không được trước ngày ban hành quyết định công bố."]
    assert "effective_from" not in services.content_errors(
        content(decision_date=ISSUED, effective_from=ISSUED), for_publishing=False)


def test_the_workbook_reads_dates_written_the_vietnamese_way_and_reports_bad_ones():
    report = import_catalogue(_workbook([_row("125/QĐ-UBND", "02/03/2026", "10/03/2026")], steps=_steps()),
                              publish=True)
    assert report.ok, report.lines()
    version = current_version("1.001193")
    assert (version.decision_number, version.decision_date, version.effective_from) == ("125/QĐ-UBND", ISSUED,
                                                                                          EFFECTIVE)
    bad = import_catalogue(_workbook([_row("126/QĐ-UBND", "ngày mai", "01/03/2026", code="1.000894")],
                                     steps=_steps("1.000894")))
    found = {(error.row, error.column) for error in bad.errors}
    assert (2, "Ngày ban hành quyết định") in found
    early = import_catalogue(_workbook([_row("127/QĐ-UBND", "10/03/2026", "02/03/2026", code="1.000894")],
                                       steps=_steps("1.000894")))
    assert {(error.row, error.column) for error in early.errors} == {(2, "Ngày có hiệu lực")}


def test_the_decision_round_trips_through_export_and_import():
    ProcedureVersionFactory(decision_number="88/QĐ-UBND", decision_date=ISSUED, effective_from=EFFECTIVE,
                            agencies=[AgencyFactory()])
    ProcedureVersionFactory()  # without a decision
    before = {v.procedure.code: content_of(v) for v in versions_for_export()}
    exported = export_catalogue(versions_for_export())
    sheet = load_workbook(io.BytesIO(exported))[SHEET]
    header = [cell.value for cell in sheet[1]]
    start = header.index("Số quyết định công bố")
    assert header[start:start + 3] == ["Số quyết định công bố", "Ngày ban hành quyết định", "Ngày có hiệu lực"]
    written = {row[0]: row[start:start + 3] for row in sheet.iter_rows(min_row=2, values_only=True)}
    assert sorted(written.values(), key=str) == sorted(
        [("88/QĐ-UBND", datetime.datetime(2026, 3, 2), datetime.datetime(2026, 3, 10)), (None, None, None)], key=str)
    report = import_catalogue(io.BytesIO(exported), publish=True)
    assert report.ok, report.lines()
    assert sorted(report.outcomes["unchanged"]) == sorted(before)
    # a new decision for the same content is a new version
    code = next(code for code, value in before.items() if value.decision_number)
    changed = import_catalogue(_workbook([_row("90/QĐ-UBND", None, None, code=code)], steps=_steps(code)),
                               publish=True)
    assert changed.outcomes["new_version"] == [code], changed.lines()
    assert current_version(code).decision_number == "90/QĐ-UBND"


def test_a_new_version_does_not_inherit_the_old_decision():
    published = ProcedureVersionFactory(decision_number="88/QĐ-UBND", decision_date=ISSUED, effective_from=EFFECTIVE)
    draft = services.new_version_from(published)
    assert (draft.decision_number, draft.decision_date, draft.effective_from) == ("", None, None)
    assert ProcedureVersion.objects.get(pk=published.pk).effective_from == EFFECTIVE


def test_the_admin_edits_the_decision_of_a_draft_and_shows_it_read_only_once_published(client):
    client.force_login(UserFactory(superuser=True))
    draft = ProcedureVersionFactory(published=False, field=FieldFactory())
    url = f"/admin/catalogue/procedureversion/{draft.pk}/change/"
    form = client.get(url).content.decode()
    for label in ("Số quyết định công bố", "Ngày ban hành quyết định công bố", "Ngày có hiệu lực"):
        assert label in form
    assert 'name="effective_from"' in form
    data = {
        "name": draft.name, "field": draft.field_id, "level": draft.level, "time_limit": draft.time_limit,
        "time_unit": draft.time_unit, "result": draft.result, "online_level": draft.online_level,
        "legal_basis": "", "online_limit_reason": "", "eform_schema": "null",
        "decision_number": "130/QĐ-UBND", "decision_date": "2026-03-02", "effective_from": "2026-03-10",
    }
    for prefix, children in (("documents", draft.documents.all()), ("fees", draft.fees.all()),
                             ("steps", draft.steps.all())):
        data.update({f"{prefix}-TOTAL_FORMS": len(children), f"{prefix}-INITIAL_FORMS": len(children)})
        for index, child in enumerate(children):
            data[f"{prefix}-{index}-id"] = child.pk
            data[f"{prefix}-{index}-version"] = draft.pk
            if prefix == "documents":
                data.update({f"{prefix}-{index}-order": child.order, f"{prefix}-{index}-name": child.name,
                             f"{prefix}-{index}-originals": child.originals, f"{prefix}-{index}-copies": child.copies,
                             f"{prefix}-{index}-required": "on"})
            elif prefix == "fees":
                data.update({f"{prefix}-{index}-order": child.order,
                             f"{prefix}-{index}-description": child.description,
                             f"{prefix}-{index}-amount": child.amount, f"{prefix}-{index}-basis": child.basis,
                             f"{prefix}-{index}-included_copies": child.included_copies})
            else:
                data.update({f"{prefix}-{index}-order": child.order, f"{prefix}-{index}-role": child.role,
                             f"{prefix}-{index}-share": child.share})
    response = client.post(url, data)
    assert response.status_code == 302, response.content.decode()[:3000]
    draft.refresh_from_db()
    assert (draft.decision_number, draft.decision_date, draft.effective_from) == ("130/QĐ-UBND", ISSUED, EFFECTIVE)
    services.publish(draft)
    frozen = client.get(url).content.decode()
    assert "130/QĐ-UBND" in frozen and 'name="decision_number"' not in frozen


def test_the_demo_catalogue_carries_decisions_and_dates_its_publications(clock):  # noqa: F811
    clock.set(2026, 11, 20, 9)
    load_demo_catalogue("99")
    justice = next(item for item in PROCEDURES if item.field == "HT")
    number, issued, effective, days_before = DECISIONS["HT"]
    version = current_version(justice.code)
    assert (version.decision_number, version.decision_date, version.effective_from) == (number, issued, effective)
    assert timezone.localtime(version.published_at).date() == effective - datetime.timedelta(days=days_before)
    late_field = next(code for code, decision in DECISIONS.items() if decision[3] < 0)
    late = current_version(next(item.code for item in PROCEDURES if item.field == late_field))
    assert timezone.localtime(late.published_at).date() > late.effective_from
    undated = current_version(next(item.code for item in PROCEDURES if item.field not in DECISIONS))
    assert undated.effective_from is None and undated.published_at == clock()


def test_the_demo_never_moves_a_publication_later(clock):  # noqa: F811
    clock.set(2026, 1, 5, 9)  # before every planned publication
    load_demo_catalogue("99")
    assert set(ProcedureVersion.objects.values_list("published_at", flat=True)) == {clock()}
