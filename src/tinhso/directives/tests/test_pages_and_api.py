"""The register's pages, exports, import, monthly report and API: scope everywhere, 409 on a stale form,
Vietnamese messages for bad input with nothing written, a bounded number of queries per page."""

from __future__ import annotations

import datetime
import io

import openpyxl
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tinhso.common import tabular
from tinhso.common.workdays import to_local
from tinhso.directives import imports
from tinhso.directives.models import Directive, Task, TaskState
from tinhso.directives.tests.factories import assigned_task, department, office_with_officer
from tinhso.directory.tests.factories import UserFactory
from tinhso.dossiers.models import ApiToken

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(clock):
    clock.set(2026, 2, 13, 9, 0)
    committee, _office, officer = office_with_officer()
    lead, handler, leader = department("Sở Khoa học và Công nghệ", parent=committee)
    other, other_handler, _ = department("Sở Y tế", parent=committee)
    mine = assigned_task(officer, committee, lead, due_on=datetime.date(2026, 3, 31),
                         text="Rà soát hạ tầng công nghệ thông tin của các cơ quan")
    theirs = assigned_task(officer, committee, other, due_on=datetime.date(2026, 3, 31),
                           text="Báo cáo kế hoạch trung tâm dữ liệu y tế")
    return {"committee": committee, "officer": officer, "lead": lead, "handler": handler, "leader": leader,
            "other": other, "other_handler": other_handler, "mine": mine, "theirs": theirs, "clock": clock}


def _client(client, user):
    client.force_login(user)
    return client


def test_the_register_shows_an_agency_its_own_tasks_only_in_the_page_and_the_export(client, world):
    page = _client(client, world["handler"]).get(reverse("directives:register"))
    assert page.status_code == 200
    text = page.content.decode()
    assert "Rà soát hạ tầng công nghệ thông tin" in text and "trung tâm dữ liệu y tế" not in text
    export = client.get(reverse("directives:register") + "?xuat=xlsx")
    table = tabular.read_table(io.BytesIO(export.content), "xlsx")
    assert [cells["noi_dung_nhiem_vu"] for _row, cells in table.rows] == [world["mine"].text]
    assert client.get(reverse("directives:task", args=[world["theirs"].pk])).status_code == 404


def test_the_office_sees_every_task_and_filters_them(client, world):
    _client(client, world["officer"])
    text = client.get(reverse("directives:register")).content.decode()
    assert "Rà soát hạ tầng" in text and "trung tâm dữ liệu y tế" in text
    filtered = client.get(reverse("directives:register"), {"co-quan": world["other"].pk}).content.decode()
    assert "Rà soát hạ tầng" not in filtered and "trung tâm dữ liệu y tế" in filtered
    world["clock"].set(2026, 4, 2, 9, 0)
    _client(client, world["officer"])  # a new session at the new moment
    overdue = client.get(reverse("directives:register"), {"han": "overdue", "q": "trung tâm"}).content.decode()
    assert "trung tâm dữ liệu y tế" in overdue and "Rà soát hạ tầng" not in overdue


def test_citizens_and_anonymous_visitors_see_nothing(client, world):
    assert client.get(reverse("directives:register")).status_code == 302
    _client(client, UserFactory())
    assert client.get(reverse("directives:register")).status_code == 403
    assert client.get(reverse("directives:task", args=[world["mine"].pk])).status_code == 403


def test_the_register_page_needs_a_fixed_number_of_queries(client, world):
    _client(client, world["officer"])
    client.get(reverse("directives:register"))
    with CaptureQueriesContext(connection) as few:
        client.get(reverse("directives:register"))
    for n in range(10):
        assigned_task(world["officer"], world["committee"], world["lead"], due_on=datetime.date(2026, 3, 20),
                      text=f"Nhiệm vụ {n}")
    with CaptureQueriesContext(connection) as many:
        client.get(reverse("directives:register"))
    assert len(many) == len(few)


def test_an_agency_reports_completion_on_the_task_page_and_a_stale_form_gets_409(client, world):
    _client(client, world["handler"])
    url = reverse("directives:task-action", args=[world["mine"].pk, "hoan-thanh"])
    answer = client.post(url, {"version": 1, "text": "Đã rà soát xong", "evidence": "Báo cáo 55/BC-SKHCN"})
    assert answer.status_code == 302
    task = Task.objects.get(pk=world["mine"].pk)
    assert task.state == TaskState.REPORTED
    stale = client.post(url, {"version": 1, "text": "Lần nữa", "evidence": "x"})
    assert stale.status_code == 409
    assert "tải lại trang" in stale.content.decode()
    missing = client.post(reverse("directives:task-action", args=[world["mine"].pk, "tien-do"]),
                          {"version": task.version, "text": ""})
    assert missing.status_code in (400, 409)


def test_the_office_confirms_on_the_task_page(client, world):
    _client(client, world["handler"]).post(
        reverse("directives:task-action", args=[world["mine"].pk, "hoan-thanh"]),
        {"version": 1, "text": "Xong", "evidence": "55/BC"})
    _client(client, world["officer"])
    page = client.get(reverse("directives:task", args=[world["mine"].pk])).content.decode()
    assert "Xác nhận hoàn thành" in page
    client.post(reverse("directives:task-action", args=[world["mine"].pk, "xac-nhan"]), {"version": 2})
    assert Task.objects.get(pk=world["mine"].pk).state == TaskState.DONE


def test_an_extension_is_asked_and_decided_on_the_pages(client, world):
    _client(client, world["handler"])
    answer = client.post(reverse("directives:task-action", args=[world["mine"].pk, "gia-han"]),
                         {"version": 1, "new_due_on": "30/04/2026", "reason": "Chờ số liệu các xã"})
    assert answer.status_code == 302
    extension = world["mine"].extensions.get()
    _client(client, world["officer"])
    client.post(reverse("directives:decide-extension", args=[extension.pk, "dong-y"]), {"version": 2})
    task = Task.objects.get(pk=world["mine"].pk)
    # 30/4 and 1/5 are public holidays, 2–3/5 a weekend: the approved date falls due on Monday 4/5.
    assert f"{to_local(task.due_at):%d/%m/%Y %H:%M}" == "04/05/2026 17:00"
    assert f"{to_local(task.original_due_at):%d/%m/%Y}" == "31/03/2026"


def _workbook(rows) -> io.BytesIO:
    content = tabular.write_xlsx(imports.COLUMNS, rows)
    upload = io.BytesIO(content)
    upload.name = "nhiem-vu.xlsx"
    return upload


def _row(world, number="130/TB-UBND", lead=None, due="31/03/2026", **changes):
    values = {
        "so_ky_hieu": number, "loai_van_ban": "Thông báo kết luận", "ngay_ban_hanh": "10/02/2026",
        "co_quan_ban_hanh": world["committee"].identifier, "nguoi_ky": "Lê Văn A", "chuc_vu_nguoi_ky": "Chủ tịch",
        "trich_yeu": "Kết luận về chuyển đổi số", "ngay_hop": "", "chu_tri_cuoc_hop": "",
        "noi_dung_nhiem_vu": "Xóa thôn không có sóng di động", "co_quan_chu_tri": (lead or world["lead"]).identifier,
        "co_quan_phoi_hop": world["other"].identifier, "han_hoan_thanh": due, "so_ngay_lam_viec": "",
        "bao_cao_dinh_ky": "", "muc_do": "Khẩn", "lanh_dao_giao": "",
    }
    values.update(changes)
    return [values[name] for name in imports.COLUMNS]


def test_import_writes_nothing_when_a_row_is_wrong_and_reports_it_by_row(world):
    before = Directive.objects.count()
    report = imports.import_directives(_workbook([
        _row(world), _row(world, due="31/02/2026"), _row(world, number="131/TB-UBND", co_quan_chu_tri="H41.999.999"),
    ]), actor=world["officer"])
    assert not report.ok
    assert {(e.row, e.column) for e in report.errors} == {(3, "han_hoan_thanh"), (4, "co_quan_chu_tri")}
    assert Directive.objects.count() == before


def test_import_registers_directives_with_their_tasks_and_the_export_imports_back_unchanged(client, world):
    report = imports.import_directives(_workbook([
        _row(world), _row(world, noi_dung_nhiem_vu="Báo cáo phương án đài truyền thanh xã", han_hoan_thanh="",
                          so_ngay_lam_viec=10),
        _row(world, number="131/TB-UBND", han_hoan_thanh="", bao_cao_dinh_ky="Hằng quý"),
    ]), actor=world["officer"])
    assert report.ok, report.lines()
    directive = Directive.objects.get(number="130/TB-UBND")
    assert directive.tasks.count() == 2
    assert directive.tasks.get(position=1).coordinating.get() == world["other"]
    _client(client, world["officer"])
    exported = client.get(reverse("directives:register") + "?xuat=xlsx")
    upload = io.BytesIO(exported.content)
    upload.name = "lai.xlsx"
    again = imports.import_directives(upload, actor=world["officer"])
    assert again.ok and not again.created and len(again.unchanged) == 4


def test_only_the_office_imports(client, world):
    _client(client, world["handler"])
    assert client.get(reverse("directives:import")).status_code == 403
    _client(client, world["officer"])
    answer = client.post(reverse("directives:import"), {"file": _workbook([_row(world, due="xx")])})
    assert answer.status_code == 400
    assert "dd/mm/yyyy" in answer.content.decode()


def test_the_monthly_report_counts_by_agency_in_page_xlsx_and_pdf(client, world):
    world["clock"].set(2026, 4, 2, 9, 0)
    _client(client, world["officer"])
    page = client.get(reverse("directives:monthly-report"), {"thang": "2026-03"})
    assert page.status_code == 200
    report = page.context["report"]
    assert {row.agency: row.overdue for row in report.rows} == {"Sở Khoa học và Công nghệ": 1, "Sở Y tế": 1}
    book = openpyxl.load_workbook(io.BytesIO(client.get(reverse("directives:monthly-report"),
                                                        {"thang": "2026-03", "dinh-dang": "xlsx"}).content))
    assert book.sheetnames == ["Theo co quan", "Nhiem vu qua han"]
    pdf = client.get(reverse("directives:monthly-report"), {"thang": "2026-03", "dinh-dang": "pdf"})
    assert pdf["Content-Type"] == "application/pdf" and pdf.content.startswith(b"%PDF-")
    # An agency's report holds its own tasks only.
    _client(client, world["handler"])
    mine = client.get(reverse("directives:monthly-report"), {"thang": "2026-03"}).context["report"]
    assert [row.agency for row in mine.rows] == ["Sở Khoa học và Công nghệ"]


# -- API ------------------------------------------------------------------------------------------------------


def _token(agency) -> dict:
    _token_row, raw = ApiToken.issue(agency, "Phần mềm quản lý văn bản")
    return {"HTTP_AUTHORIZATION": f"Bearer {raw}"}


def test_an_agency_token_lists_its_tasks_only(client, world):
    headers = _token(world["lead"])
    answer = client.get("/api/directives/tasks", **headers)
    assert answer.status_code == 200
    body = answer.json()
    assert body["count"] == 1 and body["items"][0]["id"] == world["mine"].pk
    assert body["items"][0]["deadline_status"] == "on_time"
    assert client.get(f"/api/directives/tasks/{world['theirs'].pk}", **headers).status_code == 404
    detail = client.get(f"/api/directives/tasks/{world['mine'].pk}", **headers).json()
    assert detail["coordinating"] == [] and detail["events"][0]["action"] == "assign"


def test_an_agency_reports_progress_and_completion_through_the_api(client, world):
    headers = _token(world["lead"])
    url = f"/api/directives/tasks/{world['mine'].pk}"
    answer = client.post(f"{url}/progress", {"version": 1, "text": "Đã rà soát 30 cơ quan"},
                         content_type="application/json", **headers)
    assert answer.status_code == 200 and answer.json()["state"] == "in_progress"
    stale = client.post(f"{url}/completion", {"version": 1, "text": "Xong", "evidence": "55/BC"},
                        content_type="application/json", **headers)
    assert stale.status_code == 409
    done = client.post(f"{url}/completion", {"version": 2, "text": "Xong", "evidence": "55/BC"},
                       content_type="application/json", **headers)
    assert done.status_code == 200 and done.json()["state"] == "reported"
    other = _token(world["other"])
    assert client.post(f"{url}/progress", {"version": 3, "text": "x"}, content_type="application/json",
                       **other).status_code == 404


def test_the_api_refuses_a_late_extension_with_a_vietnamese_message(client, world):
    world["clock"].set(2026, 4, 1, 9, 0)
    answer = client.post(f"/api/directives/tasks/{world['mine'].pk}/extension",
                         {"version": 1, "new_due_on": "2026-04-30", "reason": "Chờ"},
                         content_type="application/json", **_token(world["lead"]))
    assert answer.status_code == 400
    assert "trước thời hạn" in answer.json()["detail"]
    assert not world["mine"].extensions.exists()


def test_the_office_registers_a_directive_by_hand_and_bad_input_writes_nothing(client, world):
    _client(client, world["officer"])
    form = {"kind": "conclusion", "number": "140/TB-UBND", "issued_on": "12/02/2026",
            "issuer": world["committee"].pk, "signer_name": "Lê Văn A", "subject": "Kết luận về đài truyền thanh xã",
            "task_text": "Chuyển đổi đài truyền thanh xã", "lead_agency": world["lead"].pk,
            "coordinating": [world["other"].pk], "due_kind": "working_days", "due_working_days": "10",
            "report_every": "", "priority": "normal"}
    before = Directive.objects.count()
    refused = client.post(reverse("directives:new-directive"), {**form, "subject": ""})
    assert refused.status_code == 400 and "Vui lòng nhập trích yếu." in refused.content.decode()
    assert Directive.objects.count() == before
    answer = client.post(reverse("directives:new-directive"), form)
    assert answer.status_code == 302
    task = Directive.objects.get(number="140/TB-UBND").tasks.get()
    # 10 working days from Thu 12/2/2026 across Tết (off 14–22/2): Fri 13/2, then 23/2 … Thu 5/3.
    assert f"{to_local(task.due_at):%d/%m/%Y}" == "05/03/2026"
    _client(client, world["handler"])
    assert client.get(reverse("directives:new-directive")).status_code == 403


def test_the_admin_lists_the_register_read_only(client, world):
    client.force_login(UserFactory(superuser=True))
    for model in ("directive", "task", "extension", "progressreport", "directivesoffice"):
        assert client.get(f"/admin/directives/{model}/").status_code == 200, model
    assert client.get(f"/admin/directives/task/{world['mine'].pk}/change/").status_code == 200
    assert client.get("/admin/directives/task/add/").status_code == 403


def test_the_api_list_needs_a_fixed_number_of_queries(client, world):
    headers = _token(world["lead"])
    client.get("/api/directives/tasks", **headers)
    with CaptureQueriesContext(connection) as few:
        client.get("/api/directives/tasks", **headers)
    for n in range(10):
        assigned_task(world["officer"], world["committee"], world["lead"], due_on=datetime.date(2026, 3, 20),
                      text=f"Nhiệm vụ {n}")
    with CaptureQueriesContext(connection) as many:
        answer = client.get("/api/directives/tasks", **headers)
    assert answer.json()["count"] == 11
    assert len(many) == len(few)
