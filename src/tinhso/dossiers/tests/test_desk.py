"""The officer desk through the browser's eyes (Django test client): queues, filters, the dossier page and
its actions, counter reception, and the scope line between agencies."""

from __future__ import annotations

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from tinhso.catalogue.tests.factories import ProcedureVersionFactory
from tinhso.common.statements import original
from tinhso.directory.models import Agency, Role
from tinhso.directory.tests.factories import (
    AgencyFactory,
    CommuneFactory,
    MembershipFactory,
    ProvinceFactory,
    UserFactory,
)
from tinhso.dossiers import services
from tinhso.dossiers.models import Channel, Dossier, Payment, State

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
DESK = "/mot-cua/"


# ------------------------------------------------------------------------------------------------ set-up

@pytest.fixture
def department(db) -> Agency:
    return AgencyFactory(identifier="000.00.20.H41", name="Sở Tư pháp tỉnh Nghệ An", province=ProvinceFactory())


@pytest.fixture
def other_department(department) -> Agency:
    return AgencyFactory(identifier="000.00.30.H41", name="Sở Xây dựng tỉnh Nghệ An", province=department.province)


@pytest.fixture
def version(department):
    return ProcedureVersionFactory(name="Cấp Phiếu lý lịch tư pháp", agencies=[department])


def officer(role: str, agency: Agency, username: str | None = None):
    user = UserFactory(username=username or f"{role}.{agency.identifier}")
    MembershipFactory(user=user, agency=agency, role=role)
    return user


@pytest.fixture
def receiver(department):
    return officer(Role.RECEIVER, department, "tiepnhan")


@pytest.fixture
def handler(department):
    return officer(Role.HANDLER, department, "chuyenvien")


@pytest.fixture
def approver(department):
    return officer(Role.APPROVER, department, "lanhdao")


@pytest.fixture
def returner(department):
    return officer(Role.RETURNER, department, "trakq")


@pytest.fixture
def outsider(other_department):
    """A receiver of another department: every role there, none here."""
    user = officer(Role.RECEIVER, other_department, "ngoai")
    for role in (Role.HANDLER, Role.APPROVER, Role.RETURNER):
        MembershipFactory(user=user, agency=other_department, role=role)
    return user


def submit(version, agency, name="Nguyễn Thị Hoa", id_number="040195000123", **applicant) -> Dossier:
    """An online dossier waiting at the desk, with one scanned paper."""
    return services.submit_online(
        version=version, receiving_agency=agency,
        applicant=services.Applicant(name=name, id_number=id_number, **applicant),
        documents=[SimpleUploadedFile("to-khai.pdf", PDF, content_type="application/pdf")],
    )


def advance(dossier: Dossier, *steps: tuple) -> Dossier:
    """Run services on ``dossier`` in order: (function, actor, extra kwargs)."""
    for function, actor, *extra in steps:
        dossier.refresh_from_db()
        function(dossier, actor=actor, expected_version=dossier.version, **(extra[0] if extra else {}))
    dossier.refresh_from_db()
    return dossier


def at_handling(version, agency, receiver, **applicant) -> Dossier:
    return advance(submit(version, agency, **applicant), (services.receive, receiver))


def at_approval(version, agency, receiver, handler) -> Dossier:
    return advance(at_handling(version, agency, receiver), (services.forward, handler))


def result_ready(version, agency, receiver, handler, approver) -> Dossier:
    return advance(at_approval(version, agency, receiver, handler), (services.approve, approver))


def page_of(client, dossier: Dossier):
    return client.get(reverse("dossiers:dossier", args=[dossier.code]))


def post_action(client, dossier: Dossier, action: str, data: dict | None = None, version: int | None = None):
    payload = {"expected_version": dossier.version if version is None else version, **(data or {})}
    return client.post(reverse("dossiers:action", args=[dossier.code, action]), payload)


# ------------------------------------------------------------------------------------------ who may enter

def test_an_anonymous_visitor_is_sent_to_sign_in(client):
    response = client.get(DESK)
    assert response.status_code == 302
    assert response["Location"].startswith("/dang-nhap/")


def test_a_citizen_without_an_officer_role_gets_403_on_every_desk_page(client, version, department):
    dossier = submit(version, department)
    citizen = UserFactory(username="congdan")
    client.force_login(citizen)
    assert client.get(DESK).status_code == 403
    assert page_of(client, dossier).status_code == 403
    assert client.get(reverse("dossiers:reception")).status_code == 403
    assert post_action(client, dossier, "receive").status_code == 403


def test_the_menu_offers_the_desk_to_officers_only(client, receiver):
    client.force_login(receiver)
    home = client.get("/can-bo/").content.decode()
    assert 'href="/mot-cua/"' in home and "Hồ sơ một cửa" in home
    client.force_login(UserFactory(username="congdan"))
    assert 'href="/mot-cua/"' not in client.get("/can-bo/").content.decode()


# ------------------------------------------------------------------------------------------------ queues

def test_each_role_sees_its_own_queue(client, version, department, receiver, handler, approver, returner):
    waiting = submit(version, department, name="Người Chờ Tiếp Nhận")
    handling = at_handling(version, department, receiver, name="Người Đang Xử Lý")
    approving = at_approval(version, department, receiver, handler)
    ready = result_ready(version, department, receiver, handler, approver)

    expectations = [
        (receiver, "tiep-nhan", waiting, {handling, approving, ready}),
        (handler, "xu-ly", handling, {waiting, approving, ready}),
        (approver, "phe-duyet", approving, {waiting, handling, ready}),
        (returner, "tra-ket-qua", ready, {waiting, handling, approving}),
    ]
    for user, queue, shown, hidden in expectations:
        client.force_login(user)
        body = client.get(DESK, {"hang": queue}).content.decode()
        assert shown.code in body, queue
        for other in hidden:
            assert other.code not in body, (queue, other.state)
        # Only the queues of the roles held are offered.
        assert body.count('class="count"') == 1


def test_an_officer_with_several_roles_sees_a_count_for_each_queue(client, version, department, receiver):
    MembershipFactory(user=receiver, agency=department, role=Role.HANDLER)
    submit(version, department)
    submit(version, department)
    at_handling(version, department, receiver)
    client.force_login(receiver)
    response = client.get(DESK)
    tabs = [(q["label"], q["count"].value) for q in response.context["queues"]]
    assert tabs == [("Chờ tiếp nhận", 2), ("Chờ xử lý", 1)]


def test_the_queue_counts_are_kept_briefly_and_counted_again_after_a_transition(client, version, department,
                                                                               receiver, monkeypatch):
    """The queues' counts (the tabs and the heading) are not counted again on every page view (a
    million-dossier agency would pay a count per queue per view); the rows are always read, and a dossier
    moved in this process shows in the counts at once."""
    from tinhso.dossiers import selectors

    MembershipFactory(user=receiver, agency=department, role=Role.HANDLER)
    waiting = submit(version, department)
    client.force_login(receiver)
    assert [q["count"].value for q in client.get(DESK).context["queues"]] == [1, 0]
    counted = []
    real = selectors.count_up_to
    monkeypatch.setattr(selectors, "count_up_to", lambda *a, **k: counted.append(1) or real(*a, **k))
    again = client.get(DESK)
    assert [q["count"].value for q in again.context["queues"]] == [1, 0]
    assert not counted and [row["dossier"].code for row in again.context["rows"]] == [waiting.code]
    services.receive(waiting, actor=receiver, expected_version=waiting.version)
    after = client.get(DESK)
    assert [q["count"].value for q in after.context["queues"]] == [0, 1] and after.context["rows"] == []
    assert len(counted) == 2


def test_the_list_masks_the_citizen_id_and_shows_the_deadline_as_text(client, version, department, receiver,
                                                                          handler):
    dossier = at_handling(version, department, receiver, id_number="040195000123")
    client.force_login(handler)
    body = client.get(DESK).content.decode()
    assert dossier.code in body
    assert "040195000123" not in body
    assert "••••••••0123" in body
    assert 'class="deadline deadline-on_time">Trong hạn<' in body or "Sắp đến hạn" in body


def test_a_row_escapes_what_the_applicant_typed_and_links_the_dossier_page(client, version, department, receiver):
    dossier = submit(version, department, name='<b onclick="x()">Hoa & Co\'</b>', id_number="", tax_code="0101234567",
                     kind="organisation")
    client.force_login(receiver)
    body = client.get(DESK).content.decode()
    link = reverse("dossiers:dossier", args=[dossier.code])
    assert f'<th scope="row"><a href="{link}">{dossier.code}</a></th>' in body
    assert ("<td>&lt;b onclick=&quot;x()&quot;&gt;Hoa &amp; Co&#x27;&lt;/b&gt;<br><small>MST 0101234567</small></td>"
            in body)
    assert "<b onclick" not in body
    assert f"<td>{version.name}<br><small>{version.field.name}</small></td>" in body


def test_a_row_link_quotes_a_code_as_reverse_does():
    from tinhso.dossiers.templatetags import desk

    for code in ("000.00.20.H41-261204-0001", "A Bç?#&'~:@", "x%y"):
        made = desk.reverse("dossiers:dossier", args=[desk._CODE]).replace(
            desk._CODE, desk.quote(code, safe=desk._SAFE_IN_PATH), 1)
        assert made == reverse("dossiers:dossier", args=[code])


def test_a_queue_is_paginated_by_25(client, version, department, receiver):
    for n in range(27):
        submit(version, department, name=f"Người nộp {n:02d}")
    client.force_login(receiver)
    first = client.get(DESK)
    assert first.context["page"].count.value == 27 and first.context["page"].count.exact
    assert len(first.context["rows"]) == 25
    assert "trang=2" in first.content.decode()
    second = client.get(DESK, {"trang": 2})
    assert len(second.context["rows"]) == 2


def test_later_pages_continue_after_the_last_row_shown_and_lead_back(client, version, department, receiver):
    submitted = [submit(version, department, name=f"Người nộp {n:02d}") for n in range(30)]
    client.force_login(receiver)
    first = client.get(DESK).context["page"]
    assert [d.code for d in first.rows] == [d.code for d in submitted[:25]]

    second = client.get(DESK, {"sau": first.next_cursor, "trang": 2})
    page = second.context["page"]
    assert page.number == 2 and [d.code for d in page.rows] == [d.code for d in submitted[25:]]
    assert not page.has_next and "Trang 2/2" in second.text
    back = client.get(DESK, {"truoc": page.previous_cursor, "trang": 1}).context["page"]
    assert [d.code for d in back.rows] == [d.code for d in submitted[:25]] and back.number == 1
    # A made-up cursor is ignored: the first page.
    assert client.get(DESK, {"sau": "abc"}).context["page"].rows == first.rows


def test_a_queue_past_the_exact_count_shows_an_estimate(client, version, department, receiver, monkeypatch):
    from tinhso.dossiers import selectors

    monkeypatch.setattr(selectors, "COUNT_EXACT_UP_TO", 5)
    for n in range(8):
        submit(version, department, name=f"Người nộp {n}")
    client.force_login(receiver)

    response = client.get(DESK)

    count = response.context["page"].count
    assert not count.exact and count.value >= 6
    assert "khoảng" in response.text and "Trang 1/" not in response.text
    assert len(response.context["rows"]) == 8


def test_search_finds_a_dossier_by_code_or_applicant_name(client, version, department, receiver):
    hoa = submit(version, department, name="Nguyễn Thị Hoa")
    lan = submit(version, department, name="Trần Văn Lân", id_number="040090000456")
    client.force_login(receiver)
    by_name = client.get(DESK, {"q": "Văn Lân"}).content.decode()
    assert lan.code in by_name and hoa.code not in by_name
    by_code = client.get(DESK, {"q": hoa.code}).content.decode()
    assert hoa.code in by_code and lan.code not in by_code
    nothing = client.get(DESK, {"q": "không ai cả"}).content.decode()
    assert "khớp với bộ lọc" in nothing


def test_filters_narrow_the_queue_by_procedure_state_channel_and_dates(client, department, receiver, handler):
    first = ProcedureVersionFactory(agencies=[department])
    second = ProcedureVersionFactory(agencies=[department])
    MembershipFactory(user=receiver, agency=department, role=Role.HANDLER)
    a = at_handling(first, department, receiver)
    b = at_handling(second, department, receiver)
    client.force_login(receiver)

    only_first = client.get(DESK, {"hang": "xu-ly", "procedure": first.procedure.code}).content.decode()
    assert a.code in only_first and b.code not in only_first
    only_field = client.get(DESK, {"hang": "xu-ly", "field": second.field.code}).content.decode()
    assert b.code in only_field and a.code not in only_field
    counter = client.get(DESK, {"hang": "xu-ly", "channel": Channel.COUNTER}).content.decode()
    assert a.code not in counter and b.code not in counter
    received = client.get(DESK, {"hang": "xu-ly", "state": State.RECEIVED}).content.decode()
    assert a.code in received and b.code in received
    today = timezone.localdate()
    past = client.get(DESK, {"hang": "xu-ly", "date_to": (today - datetime.timedelta(days=3)).isoformat()})
    assert a.code not in past.content.decode()
    window = client.get(DESK, {"hang": "xu-ly", "date_from": today.isoformat(), "date_to": today.isoformat()})
    assert a.code in window.content.decode()


def test_the_overdue_and_due_soon_filters(client, version, department, receiver, handler):
    late = at_handling(version, department, receiver, name="Hồ Sơ Quá Hạn")
    fresh = at_handling(version, department, receiver, name="Hồ Sơ Còn Hạn")
    Dossier.objects.filter(pk=late.pk).update(due_at=timezone.now() - datetime.timedelta(days=3))
    Dossier.objects.filter(pk=fresh.pk).update(due_at=timezone.now() + datetime.timedelta(days=30))
    client.force_login(handler)
    overdue = client.get(DESK, {"overdue": "on"}).content.decode()
    assert late.code in overdue and fresh.code not in overdue
    assert "Quá hạn" in overdue
    soon = client.get(DESK, {"due_soon": "on"}).content.decode()
    assert late.code not in soon and fresh.code not in soon


def test_an_htmx_filter_change_gets_only_the_list_fragment(client, version, department, receiver):
    dossier = submit(version, department)
    client.force_login(receiver)
    response = client.get(DESK, {"q": dossier.code}, headers={"HX-Request": "true"})
    body = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in body and dossier.code in body
    assert "HX-Request" in response["Vary"]
    full = client.get(DESK, {"q": dossier.code}).content.decode()
    assert "<html" in full and 'hx-get="/mot-cua/"' in full and 'hx-push-url="true"' in full


def test_the_filter_bar_shows_each_officers_own_choices_and_values(client, version, department, other_department,
                                                                   receiver, outsider):
    other = ProcedureVersionFactory(name="Cấp giấy phép xây dựng", agencies=[other_department])
    client.force_login(receiver)
    plain = client.get(DESK).content.decode()
    assert version.name in plain and other.name not in plain
    assert '<option value="received" selected>' not in plain
    chosen = client.get(DESK, {"state": "received", "q": "<Hoa>"}).content.decode()
    assert '<option value="received" selected>' in chosen and 'value="&lt;Hoa&gt;"' in chosen
    assert '<option value="received" selected>' not in client.get(DESK).content.decode()
    client.force_login(outsider)
    theirs = client.get(DESK).content.decode()
    assert other.name in theirs and version.name not in theirs
    client.post("/i18n/setlang/", {"language": "en", "next": DESK})
    assert "All procedures" in client.get(DESK).content.decode()


def test_an_invalid_filter_value_is_explained_not_fatal(client, version, department, receiver):
    submit(version, department)
    client.force_login(receiver)
    response = client.get(DESK, {"date_from": "không-phải-ngày", "state": "bogus"})
    assert response.status_code == 200
    assert "Ngày không hợp lệ." in response.content.decode()
    assert response.context["page"].count.value == 1


def test_the_queue_list_does_not_grow_queries_with_its_rows(client, version, department, receiver,
                                                             django_assert_max_num_queries):
    for _ in range(3):
        submit(version, department)
    client.force_login(receiver)
    client.get(DESK)  # warm the calendar cache
    with django_assert_max_num_queries(16) as few:
        client.get(DESK)
    few = len(few.captured_queries)  # read now: the next request starts the connection's log again
    for _ in range(22):
        submit(version, department)
    client.get(DESK)  # the counts changed: counted once again, then kept as before
    with django_assert_max_num_queries(few):
        response = client.get(DESK)
    assert len(response.context["rows"]) == 25


def test_a_step_queue_page_reads_its_rows_and_their_cursors_in_two_statements(client, version, department,
                                                                               receiver, handler):
    for _ in range(26):
        at_handling(version, department, receiver)
    client.force_login(handler)
    client.get(DESK, {"hang": "xu-ly"})  # counts and calendar kept
    with CaptureQueriesContext(connection) as seen:
        response = client.get(DESK, {"hang": "xu-ly"})
    page = response.context["page"]
    assert len(response.context["rows"]) == 25 and page.has_next and page.next_cursor
    sent = [original(q["sql"]) for q in seen.captured_queries]  # a prepared statement as the text it runs
    dossier_reads = [sql for sql in sent if '"dossiers_dossier' in sql]
    assert len(dossier_reads) == 2, dossier_reads  # the page's keys, then its rows with the step that orders them


# ------------------------------------------------------------------------------------------- the dossier

def test_the_dossier_page_shows_summary_steps_documents_fees_and_timeline(client, version, department, receiver,
                                                                          handler):
    dossier = at_handling(version, department, receiver, id_number="040195000123")
    client.force_login(handler)
    response = page_of(client, dossier)
    body = response.content.decode()
    assert response.status_code == 200
    assert dossier.code in body and version.name in body
    assert "040195000123" not in body and "0123" in body
    assert "Đã tiếp nhận" in body
    assert "Tình trạng thời hạn" in body and 'class="deadline deadline-' in body
    assert "to-khai.pdf" in body
    assert "Lệ phí" in body and "50.000" in body
    assert "nộp hồ sơ trực tuyến" in body and "tiếp nhận hồ sơ" in body
    assert "Quy trình xử lý" in body and "Xử lý" in body
    assert f'href="/mot-cua/ho-so/{dossier.code}/mau-01.pdf"' in body


def test_the_page_offers_only_the_actions_the_role_allows(client, version, department, receiver, handler,
                                                          approver):
    waiting = submit(version, department)
    client.force_login(receiver)
    keys = {a["key"] for a in page_of(client, waiting).context["actions"]}
    assert {"receive", "request-supplement", "refuse"} <= keys
    assert not {"approve", "forward", "return"} & keys

    handling = at_handling(version, department, receiver)
    client.force_login(handler)
    keys = {a["key"] for a in page_of(client, handling).context["actions"]}
    assert {"assign", "forward"} <= keys and "receive" not in keys and "approve" not in keys
    client.force_login(approver)
    keys = {a["key"] for a in page_of(client, handling).context["actions"]}
    assert "approve" not in keys and "forward" not in keys


def test_the_dossier_page_has_a_bounded_number_of_queries(client, version, department, receiver, handler,
                                                          django_assert_max_num_queries, steady_calendar):
    dossier = at_handling(version, department, receiver)
    for n in range(5):
        services.attach_document(dossier, actor=receiver,
                                 upload=SimpleUploadedFile(f"giay-{n}.pdf", PDF))
    client.force_login(handler)
    page_of(client, dossier)
    with django_assert_max_num_queries(24) as queries:
        page_of(client, dossier)
    for n in range(5):
        services.attach_document(dossier, actor=receiver, upload=SimpleUploadedFile(f"them-{n}.pdf", PDF))
    with django_assert_max_num_queries(len(queries.captured_queries)):
        response = page_of(client, dossier)
    assert len(response.context["documents"]) == 11


def test_a_document_downloads_through_its_dossier(client, version, department, receiver):
    dossier = submit(version, department)
    document = dossier.documents.get()
    client.force_login(receiver)
    response = client.get(reverse("dossiers:document", args=[dossier.code, document.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert "to-khai.pdf" in response["Content-Disposition"]
    assert b"".join(response.streaming_content) == PDF


def test_the_receipt_prints_as_a_pdf_named_after_the_code(client, version, department, receiver):
    dossier = at_handling(version, department, receiver)
    client.force_login(receiver)
    response = client.get(reverse("dossiers:print", args=[dossier.code, "01"]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert dossier.code in response["Content-Disposition"]
    assert response.content.startswith(b"%PDF")


def test_a_form_the_state_does_not_allow_is_refused_with_the_reason(client, version, department, receiver):
    dossier = submit(version, department)
    client.force_login(receiver)
    response = client.get(reverse("dossiers:print", args=[dossier.code, "03"]))
    assert response.status_code == 409
    assert "Không lập được mẫu 03" in response.content.decode()


# ---------------------------------------------------------------------------------------- the scope line

def test_a_dossier_of_another_agency_is_404_like_a_missing_code(client, version, department, outsider):
    dossier = submit(version, department)
    client.force_login(outsider)
    assert page_of(client, dossier).status_code == 404
    assert client.get(reverse("dossiers:dossier", args=["000.00.20.H41-000000-9999"])).status_code == 404
    document = dossier.documents.get()
    assert client.get(reverse("dossiers:document", args=[dossier.code, document.pk])).status_code == 404
    assert client.get(reverse("dossiers:print", args=[dossier.code, "01"])).status_code == 404
    assert client.get(DESK, {"q": dossier.code}).context["page"].count.value == 0


def test_an_action_posted_on_another_agencys_dossier_is_404_and_changes_nothing(client, version, department,
                                                                                  outsider):
    dossier = submit(version, department)
    client.force_login(outsider)
    assert post_action(client, dossier, "receive").status_code == 404
    assert post_action(client, dossier, "refuse", {"reasons": "Không thuộc thẩm quyền"}).status_code == 404
    dossier.refresh_from_db()
    assert dossier.state == State.SUBMITTED and dossier.events.count() == 1


def test_a_document_id_of_another_dossier_is_404(client, version, department, other_department, receiver):
    mine = submit(version, department)
    other_version = ProcedureVersionFactory(agencies=[other_department])
    theirs = submit(other_version, other_department)
    client.force_login(receiver)
    foreign = theirs.documents.get()
    assert client.get(reverse("dossiers:document", args=[mine.code, foreign.pk])).status_code == 404


def test_an_inter_agency_step_lets_the_next_agency_see_the_dossier(client, department, other_department,
                                                                    receiver, outsider):
    version = ProcedureVersionFactory(agencies=[department])
    dossier = at_handling(version, department, receiver)
    dossier.steps.filter(role="approve").update(agency=other_department)
    client.force_login(outsider)
    response = page_of(client, dossier)
    assert response.status_code == 200
    # Seeing is not acting: nothing is offered before the dossier reaches that agency's step.
    assert response.context["actions"] == []


# -------------------------------------------------------------------------------------- actions through UI

def test_a_receiver_receives_an_online_dossier(client, version, department, receiver):
    dossier = submit(version, department)
    client.force_login(receiver)
    response = post_action(client, dossier, "receive", {"note": "Đủ giấy tờ"})
    assert response.status_code == 302
    assert response["Location"] == reverse("dossiers:dossier", args=[dossier.code])
    dossier.refresh_from_db()
    assert dossier.state == State.RECEIVED and dossier.due_at is not None
    page = client.get(response["Location"]).content.decode()
    assert "Đã tiếp nhận hồ sơ." in page


def test_a_handler_assigns_a_colleague_and_forwards(client, version, department, receiver, handler):
    colleague = officer(Role.HANDLER, department, "chuyenvien2")
    dossier = at_handling(version, department, receiver)
    client.force_login(handler)
    form = page_of(client, dossier).context["actions"]
    assign = next(a["form"] for a in form if a["key"] == "assign")
    assert colleague in assign.fields["assignee"].queryset
    assert post_action(client, dossier, "assign", {"assignee": colleague.pk}).status_code == 302
    dossier.refresh_from_db()
    assert dossier.state == State.IN_PROGRESS and dossier.current_step.assignee == colleague

    client.force_login(colleague)
    assert post_action(client, dossier, "forward", {"note": "Đã thẩm định"}).status_code == 302
    dossier.refresh_from_db()
    assert dossier.current_step.role == "approve"


def test_assigning_someone_who_is_not_a_handler_here_is_a_field_error(client, version, department, receiver,
                                                                       handler, outsider):
    dossier = at_handling(version, department, receiver)
    client.force_login(handler)
    response = post_action(client, dossier, "assign", {"assignee": outsider.pk})
    assert response.status_code == 400
    assert response.context["action_error"]["kind"] == "invalid"


def test_an_approver_approves_and_a_returner_returns_the_result(client, version, department, receiver, handler,
                                                               approver, returner):
    dossier = at_approval(version, department, receiver, handler)
    client.force_login(approver)
    assert post_action(client, dossier, "approve").status_code == 302
    dossier.refresh_from_db()
    assert dossier.state == State.RESULT_READY

    client.force_login(returner)
    assert post_action(client, dossier, "return", {"method": "desk"}).status_code == 302
    dossier.refresh_from_db()
    assert dossier.state == State.RETURNED and dossier.return_method == "desk"
    assert page_of(client, dossier).context["actions"] == []


def test_an_approver_sends_back_with_a_reason(client, version, department, receiver, handler, approver):
    dossier = at_approval(version, department, receiver, handler)
    client.force_login(approver)
    assert post_action(client, dossier, "send-back", {"reason": ""}).status_code == 400
    assert post_action(client, dossier, "send-back", {"reason": "Thiếu ý kiến thẩm định"}).status_code == 302
    dossier.refresh_from_db()
    assert dossier.current_step.role == "handle"


def test_a_supplement_request_lists_every_missing_item(client, version, department, receiver):
    dossier = submit(version, department)
    client.force_login(receiver)
    response = post_action(client, dossier, "request-supplement",
                           {"missing": "Bản sao giấy khai sinh\n- Ảnh 4x6\n\n"})
    assert response.status_code == 302
    dossier.refresh_from_db()
    assert dossier.state == State.SUPPLEMENT_REQUESTED
    assert dossier.events.latest("at").data["missing"] == ["Bản sao giấy khai sinh", "Ảnh 4x6"]


def test_refusing_without_reasons_is_a_400_with_the_field_error(client, version, department, receiver):
    dossier = submit(version, department)
    client.force_login(receiver)
    response = post_action(client, dossier, "refuse", {"reasons": "   "})
    assert response.status_code == 400
    assert "Vui lòng nhập lý do từ chối." in response.content.decode()
    dossier.refresh_from_db()
    assert dossier.state == State.SUBMITTED


def test_a_stale_form_is_refused_with_409_and_nothing_applies(client, version, department, receiver):
    dossier = submit(version, department)
    seen = dossier.version
    advance(dossier, (services.request_supplement, receiver, {"missing": ["Ảnh 4x6"]}))
    client.force_login(receiver)
    response = post_action(client, dossier, "refuse", {"reasons": "Sai thủ tục"}, version=seen)
    assert response.status_code == 409
    assert "Hồ sơ đã được người khác thay đổi" in response.content.decode()
    dossier.refresh_from_db()
    assert dossier.state == State.SUPPLEMENT_REQUESTED


def test_an_invalid_transition_shows_the_services_reason_with_409(client, version, department, receiver,
                                                                  approver):
    dossier = at_handling(version, department, receiver)
    client.force_login(approver)
    response = post_action(client, dossier, "approve")
    assert response.status_code == 409
    assert "Không thể phê duyệt" in response.content.decode()


def test_recording_a_payment_and_uploading_a_document(client, version, department, receiver):
    dossier = at_handling(version, department, receiver)
    client.force_login(receiver)
    assert post_action(client, dossier, "payment", {"amount": "50000", "channel": "cash",
                                                    "receipt_number": "BL-0001"}).status_code == 302
    assert Payment.objects.get(dossier=dossier).receipt_number == "BL-0001"
    dossier.refresh_from_db()
    upload = SimpleUploadedFile("ban-sao.pdf", PDF, content_type="application/pdf")
    response = post_action(client, dossier, "document", {"upload": upload, "kind": "applicant"})
    assert response.status_code == 302
    assert dossier.documents.filter(original_name="ban-sao.pdf").exists()


def test_an_upload_of_a_disallowed_type_is_a_field_error(client, version, department, receiver):
    dossier = at_handling(version, department, receiver)
    client.force_login(receiver)
    fake = SimpleUploadedFile("virus.pdf", b"MZ\x90\x00 not a pdf", content_type="application/pdf")
    response = post_action(client, dossier, "document", {"upload": fake, "kind": "applicant"})
    assert response.status_code == 400
    assert "không phải định dạng được chấp nhận" in response.content.decode()
    assert dossier.documents.count() == 1


# ---------------------------------------------------------------------------------------- counter reception

def test_counter_reception_creates_a_received_dossier_with_code_and_due_date(client, version, department,
                                                                            receiver):
    client.force_login(receiver)
    chosen = client.get(reverse("dossiers:reception"), {"procedure": version.pk})
    assert chosen.status_code == 200
    paper = version.documents.get()
    body = chosen.content.decode()
    assert paper.name in body and "Lệ phí" in body
    response = client.post(reverse("dossiers:reception"), {
        "procedure": version.pk, "channel": "counter", "applicant_kind": "person", "applicant_name": "Lê Văn Tám",
        "applicant_id_number": "040088001234", "applicant_phone": "0912 345 678",
        "documents_received": [paper.pk],
        "files": [SimpleUploadedFile("don.pdf", PDF, content_type="application/pdf")],
        "payment_amount": "50000", "payment_channel": "cash", "payment_receipt_number": "BL-9",
    })
    assert response.status_code == 302, response.content.decode()[:2000]
    dossier = Dossier.objects.get(applicant_name="Lê Văn Tám")
    assert response["Location"] == reverse("dossiers:dossier", args=[dossier.code])
    assert dossier.state == State.RECEIVED and dossier.channel == Channel.COUNTER
    assert dossier.code.startswith(f"{department.identifier}-") and dossier.due_at is not None
    assert dossier.documents.get().required_document == paper
    assert dossier.payments.get().amount == 50_000
    page = client.get(response["Location"]).content.decode()
    assert "In giấy tiếp nhận và hẹn trả kết quả (mẫu 01)" in page
    assert f"/mot-cua/ho-so/{dossier.code}/mau-01.pdf" in page


def test_counter_reception_validates_the_citizen_id_and_the_required_papers(client, version, receiver):
    client.force_login(receiver)
    response = client.post(reverse("dossiers:reception"), {
        "procedure": version.pk, "applicant_kind": "person", "applicant_name": "Lê Văn Tám",
        "applicant_id_number": "12345",
    })
    assert response.status_code == 400
    body = response.content.decode()
    assert "Số định danh cá nhân phải gồm đúng 12 chữ số." in body
    assert "Hồ sơ chưa đủ thành phần bắt buộc" in body
    assert not Dossier.objects.exists()


def test_an_organisation_needs_a_tax_code_and_may_send_by_post(client, version, receiver):
    client.force_login(receiver)
    data = {"procedure": version.pk, "channel": "post", "applicant_kind": "organisation",
            "applicant_name": "Công ty TNHH Sen Vàng", "documents_received": [version.documents.get().pk],
            "applicant_tax_code": "29"}
    response = client.post(reverse("dossiers:reception"), data)
    assert response.status_code == 400
    assert "Mã số thuế gồm 10 chữ số" in response.content.decode()
    response = client.post(reverse("dossiers:reception"), {**data, "applicant_tax_code": "2901234567"})
    assert response.status_code == 302
    dossier = Dossier.objects.get()
    assert dossier.channel == Channel.POST and dossier.applicant_tax_code == "2901234567"


def test_counter_reception_offers_only_procedures_of_the_officers_agency(client, version, other_department,
                                                                        receiver):
    foreign = ProcedureVersionFactory(name="Thủ tục của sở khác", agencies=[other_department])
    client.force_login(receiver)
    body = client.get(reverse("dossiers:reception")).content.decode()
    assert version.name in body and foreign.name not in body
    response = client.post(reverse("dossiers:reception"), {"procedure": foreign.pk})
    assert response.status_code == 400
    assert not Dossier.objects.exists()


def test_only_receivers_may_open_counter_reception(client, handler):
    client.force_login(handler)
    assert client.get(reverse("dossiers:reception")).status_code == 403


def test_the_commune_select_narrows_by_a_search_without_diacritics(client, department, receiver):
    CommuneFactory(name="Phường Vinh Phú", province=department.province)
    CommuneFactory(name="Xã Nghi Lộc", province=department.province)
    client.force_login(receiver)
    response = client.get(reverse("dossiers:communes"), {"tim_xa": "vinh phu"})
    body = response.content.decode()
    assert response.status_code == 200
    assert "Phường Vinh Phú" in body and "Nghi Lộc" not in body


def test_a_field_in_error_is_marked_and_linked_to_its_message(client, version, department, receiver):
    dossier = submit(version, department)
    client.force_login(receiver)
    body = post_action(client, dossier, "refuse", {"reasons": ""}).content.decode()
    assert 'aria-invalid="true"' in body
    assert 'aria-describedby="refuse_reasons_error"' in body and 'id="refuse_reasons_error"' in body


def test_an_apology_date_must_be_in_the_future(client, version, department, receiver, handler):
    dossier = at_handling(version, department, receiver)
    client.force_login(handler)
    yesterday = timezone.localdate() - datetime.timedelta(days=1)
    response = post_action(client, dossier, "apology", {"new_due_at": yesterday.isoformat(),
                                                        "reason": "Chờ ý kiến phối hợp"})
    assert response.status_code == 400
    assert "Ngày hẹn trả mới phải sau ngày hôm nay." in response.content.decode()
    dossier.refresh_from_db()
    assert dossier.apology_issued_at is None


def test_a_superuser_sees_every_queue(client, version, department):
    submit(version, department)
    client.force_login(UserFactory(username="quantri", superuser=True))
    response = client.get(DESK)
    assert [q["label"] for q in response.context["queues"]] == [
        "Chờ tiếp nhận", "Chờ xử lý", "Chờ phê duyệt", "Chờ trả kết quả"]
    assert response.context["queues"][0]["count"].value == 1
