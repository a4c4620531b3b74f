"""The leader's review of reported values: four eyes, returning a value with a reason, correcting it, the
review queue on the page, and reading values back through the API."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction

from tinhso.common import audit
from tinhso.common.audit import AuditEntry
from tinhso.directory.models import Role
from tinhso.directory.tests.factories import AgencyFactory, UserFactory
from tinhso.dossiers.tests.factories import api_token, officer
from tinhso.ioc import selectors, services
from tinhso.ioc.indicators import seed_registry
from tinhso.ioc.models import REVIEW_NOTE_MAX, ReportedValue, ReportStatus
from tinhso.ioc.periods import Period

pytestmark = pytest.mark.django_db
WHOLE = selectors.Scope(True)
BTS = "giay-phep-bts"  # reported yearly, additive


@pytest.fixture
def agency(clock):
    seed_registry()
    return AgencyFactory()


def enter(agency, user, value="120", indicator=BTS, period="2026", **more):
    return services.enter_value(agency=agency, indicator_code=indicator, period=period, value=value, user=user,
                                **more)


def counted(code=BTS, period="2026"):
    return next(a for a in selectors.overview(WHOLE, Period.parse(period)) if a.indicator.code == code).value


def decisions(reported):
    return AuditEntry.objects.filter(object_type="ioc.reportedvalue", object_id=str(reported.pk), action="action")


# -- four eyes ---------------------------------------------------------------------------------------------

def test_a_leader_cannot_approve_a_value_they_entered(client, agency):
    leader, other = officer(Role.APPROVER, agency), officer(Role.APPROVER, agency)
    reported = enter(agency, leader)
    with pytest.raises(services.ReportError) as refused:
        services.approve_value(reported, user=leader)
    assert refused.value.status == 403 and "không thể tự xét duyệt" in refused.value.message
    with pytest.raises(services.ReportError) as refused:
        services.reject_value(reported, user=leader, note="Sai số")
    assert refused.value.status == 403

    client.force_login(leader)
    response = client.post(f"/dieu-hanh/so-lieu/{reported.pk}/duyet/")
    assert response.status_code == 403
    assert client.post(f"/dieu-hanh/so-lieu/{reported.pk}/tra-lai/", {"review_note": "x"}).status_code == 403
    page = client.get("/dieu-hanh/so-lieu/").content.decode()
    assert "một lãnh đạo khác sẽ xét duyệt" in page and f"/so-lieu/{reported.pk}/duyet/" not in page
    reported.refresh_from_db()
    assert reported.status == ReportStatus.SUBMITTED and reported.approved_by is None
    assert not decisions(reported).exists()

    services.approve_value(reported, user=other)
    reported.refresh_from_db()
    assert reported.status == ReportStatus.APPROVED and reported.approved_by == other


def test_superusers_are_held_to_four_eyes_too(agency):
    root = UserFactory(superuser=True)
    reported = enter(agency, root)
    with pytest.raises(services.ReportError) as refused:
        services.approve_value(reported, user=root)
    assert refused.value.status == 403
    assert services.approve_value(reported, user=officer(Role.APPROVER, agency)).status == ReportStatus.APPROVED


def test_a_value_posted_with_a_token_is_reviewed_by_any_leader_of_the_agency(client, agency):
    _, raw = api_token(agency)
    posted = client.post("/api/ioc/reported-values", {"indicator": BTS, "period": "2026", "value": 7},
                         content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert posted.status_code == 201
    reported = ReportedValue.objects.get()
    assert reported.entered_by is None
    leader = officer(Role.APPROVER, agency)
    client.force_login(leader)
    queue = client.get("/dieu-hanh/so-lieu/")
    assert [r.for_me for r in queue.context["page_obj"]] == [True]
    assert f'action="/dieu-hanh/so-lieu/{reported.pk}/duyet/"' in queue.content.decode()
    assert client.post(f"/dieu-hanh/so-lieu/{reported.pk}/duyet/").status_code == 302
    reported.refresh_from_db()
    assert reported.status == ReportStatus.APPROVED and reported.approved_by == leader


def test_re_entering_under_review_makes_the_new_enterer_unable_to_approve(agency):
    clerk, leader = officer(Role.HANDLER, agency), officer(Role.APPROVER, agency)
    stale = enter(agency, clerk)
    enter(agency, leader, value="130")  # the leader corrects the figure before deciding
    with pytest.raises(services.ReportError) as refused:
        services.approve_value(stale, user=leader)
    assert refused.value.status == 403
    assert ReportedValue.objects.get().status == ReportStatus.SUBMITTED


# -- returning a value -------------------------------------------------------------------------------------

def test_returning_needs_a_reason_and_writes_nothing_without_one(client, agency):
    clerk, leader = officer(Role.HANDLER, agency), officer(Role.APPROVER, agency)
    reported = enter(agency, clerk)
    entries = AuditEntry.objects.count()
    for note in ("", "   "):
        with pytest.raises(services.ReportError) as invalid:
            services.reject_value(reported, user=leader, note=note)
        assert invalid.value.status == 400 and invalid.value.field == "review_note"
    client.force_login(leader)
    response = client.post(f"/dieu-hanh/so-lieu/{reported.pk}/tra-lai/", {"review_note": "  "})
    assert response.status_code == 400
    page = response.content.decode()
    assert "Ghi rõ lý do trả lại" in page and 'aria-invalid="true"' in page
    too_long = client.post(f"/dieu-hanh/so-lieu/{reported.pk}/tra-lai/", {"review_note": "x" * (REVIEW_NOTE_MAX + 1)})
    assert too_long.status_code == 400 and f"dài quá {REVIEW_NOTE_MAX} ký tự" in too_long.content.decode()
    reported.refresh_from_db()
    assert reported.status == ReportStatus.SUBMITTED and reported.rejected_at is None and reported.review_note == ""
    assert AuditEntry.objects.count() == entries


def test_only_a_leader_of_the_agency_returns_a_value(client, agency):
    clerk, handler = officer(Role.HANDLER, agency), officer(Role.HANDLER, agency)
    outsider = officer(Role.APPROVER, AgencyFactory())
    reported = enter(agency, clerk)
    with pytest.raises(services.ReportError) as refused:
        services.reject_value(reported, user=handler, note="Sai số")
    assert refused.value.status == 403
    with pytest.raises(services.ReportError) as refused:
        services.reject_value(reported, user=outsider, note="Sai số")
    assert refused.value.status == 403
    client.force_login(handler)
    assert client.post(f"/dieu-hanh/so-lieu/{reported.pk}/tra-lai/", {"review_note": "Sai số"}).status_code == 403
    client.force_login(outsider)  # not one of their agencies' values at all
    assert client.post(f"/dieu-hanh/so-lieu/{reported.pk}/tra-lai/", {"review_note": "Sai số"}).status_code == 404
    client.force_login(clerk)
    assert client.get(f"/dieu-hanh/so-lieu/{reported.pk}/tra-lai/").status_code == 405
    reported.refresh_from_db()
    assert reported.status == ReportStatus.SUBMITTED and reported.rejected_by is None


def test_return_correct_and_approve_by_another_leader_counts_only_when_approved(client, agency):
    clerk = officer(Role.HANDLER, agency)
    first, second = officer(Role.APPROVER, agency), officer(Role.APPROVER, agency)
    reported = enter(agency, clerk, value="120")
    assert counted() is None

    client.force_login(first)
    response = client.post(f"/dieu-hanh/so-lieu/{reported.pk}/tra-lai/",
                           {"review_note": "Số trạm cấp phép năm 2026 là 112, không phải 120."})
    assert response.status_code == 302
    reported.refresh_from_db()
    assert reported.status == ReportStatus.REJECTED and reported.rejected_by == first and reported.rejected_at
    assert reported.review_note == "Số trạm cấp phép năm 2026 là 112, không phải 120."
    assert counted() is None  # a returned value does not count
    # neither decision applies twice, nor to a returned value
    for path in ("duyet", "tra-lai"):
        again = client.post(f"/dieu-hanh/so-lieu/{reported.pk}/{path}/", {"review_note": "Lại"})
        assert again.status_code == 409 and "đang chờ duyệt" in again.content.decode()

    client.force_login(clerk)
    page = client.get("/dieu-hanh/so-lieu/?trang-thai=rejected").content.decode()
    assert "Bị trả lại" in page and "không phải 120" in page and first.get_username() in page
    enter(agency, clerk, value="112")
    reported.refresh_from_db()
    assert reported.status == ReportStatus.SUBMITTED and reported.value == Decimal("112")
    assert (reported.rejected_by, reported.rejected_at, reported.review_note) == (None, None, "")

    services.approve_value(reported, user=second)
    reported.refresh_from_db()
    assert reported.status == ReportStatus.APPROVED and reported.approved_by == second
    assert counted() == Decimal("112")

    # correcting an approved value sends it back for review, and it stops counting until approved again
    enter(agency, clerk, value="115")
    reported.refresh_from_db()
    assert reported.status == ReportStatus.SUBMITTED and reported.approved_by is None and reported.approved_at is None
    assert counted() is None


def test_decisions_are_on_the_audit_chain_with_the_leader_named(agency):
    clerk, leader = officer(Role.HANDLER, agency), officer(Role.APPROVER, agency)
    reported = enter(agency, clerk)
    services.reject_value(reported, user=leader, note="Thiếu số liệu quý 4")
    enter(agency, clerk, value="125")
    services.approve_value(reported, user=leader)
    entries = list(decisions(reported).order_by("id"))
    assert [e.summary.split(" ")[0] for e in entries] == ["Trả", "Duyệt"]
    assert all(e.actor == leader for e in entries)
    assert entries[0].after["review_note"] == "Thiếu số liệu quý 4" and entries[1].after["status"] == "approved"
    updates = AuditEntry.objects.filter(object_type="ioc.reportedvalue", object_id=str(reported.pk), action="update")
    assert {e.after["status"] for e in updates} >= {"rejected", "submitted", "approved"}
    assert audit.verify().ok


def test_a_returned_row_always_carries_its_reason(agency):
    reported = enter(agency, officer(Role.HANDLER, agency))
    with pytest.raises(IntegrityError), transaction.atomic():
        ReportedValue.objects.filter(pk=reported.pk).update(status=ReportStatus.REJECTED)


# -- the leader's queue ------------------------------------------------------------------------------------

def test_the_values_waiting_for_this_leader_come_first_and_filters_by_status(client, agency, clock):
    clerk, leader = officer(Role.HANDLER, agency), officer(Role.APPROVER, agency)
    other_agency = AgencyFactory()
    waiting = enter(agency, clerk, indicator="thue-bao-dien-thoai", value="3985000")
    clock.advance(minutes=5)
    own = enter(agency, leader, indicator="diem-dich-vu-vien-thong", value="760")
    clock.advance(minutes=5)
    settled = enter(agency, clerk)
    services.approve_value(settled, user=leader)
    elsewhere = enter(other_agency, officer(Role.HANDLER, other_agency))

    client.force_login(leader)
    response = client.get("/dieu-hanh/so-lieu/")
    assert response.status_code == 200
    rows = list(response.context["page_obj"])
    assert rows[0] == waiting and rows[0].for_me
    assert {r.pk for r in rows} == {waiting.pk, own.pk, settled.pk} and elsewhere not in rows
    assert not next(r for r in rows if r == own).for_me
    page = response.content.decode()
    assert "Có 1 số liệu chờ bạn duyệt" in page and page.count("Chờ bạn duyệt</span>") == 1
    assert 'for="review-note-' in page and f'action="/dieu-hanh/so-lieu/{waiting.pk}/tra-lai/"' in page
    assert f'action="/dieu-hanh/so-lieu/{own.pk}/duyet/"' not in page

    approved = client.get("/dieu-hanh/so-lieu/?trang-thai=approved")
    assert [r.pk for r in approved.context["page_obj"]] == [settled.pk]
    submitted = client.get("/dieu-hanh/so-lieu/?trang-thai=submitted")
    assert {r.pk for r in submitted.context["page_obj"]} == {waiting.pk, own.pk}
    assert list(client.get("/dieu-hanh/so-lieu/?trang-thai=draft").context["page_obj"]) == []
    assert client.get("/dieu-hanh/so-lieu/?trang-thai=lung-tung").status_code == 400

    client.force_login(clerk)  # a clerk has no queue
    page = client.get("/dieu-hanh/so-lieu/").content.decode()
    assert "chờ bạn duyệt" not in page and "/tra-lai/" not in page


# -- the API -----------------------------------------------------------------------------------------------

def test_a_token_reads_back_its_own_agency_values_only(client, agency):
    _, raw = api_token(agency)
    other = AgencyFactory()
    clerk, leader = officer(Role.HANDLER, agency), officer(Role.APPROVER, agency)
    returned = enter(agency, clerk)
    services.reject_value(returned, user=leader, note="Kiểm tra lại số trạm")
    enter(agency, clerk, indicator="thue-bao-dien-thoai", value="3985000")
    enter(other, officer(Role.HANDLER, other), value="999")
    auth = {"HTTP_AUTHORIZATION": f"Bearer {raw}"}

    listed = client.get("/api/ioc/reported-values", **auth)
    assert listed.status_code == 200, listed.content
    body = listed.json()
    assert body["count"] == 2 and {item["agency"] for item in body["items"]} == {agency.identifier}
    item = next(i for i in body["items"] if i["indicator"] == BTS)
    assert item["status"] == "rejected" and item["status_label"] == "Bị trả lại"
    assert item["review_note"] == "Kiểm tra lại số trạm" and item["entered_at"] and item["approved_at"] is None
    assert item["rejected_at"] and item["entered_by"] == clerk.get_username()

    rejected = client.get("/api/ioc/reported-values?status=rejected", **auth).json()
    assert [i["id"] for i in rejected["items"]] == [returned.pk]
    by_indicator = client.get(f"/api/ioc/reported-values?indicator={BTS}&period=2026", **auth).json()
    assert by_indicator["count"] == 1
    assert client.get("/api/ioc/reported-values?period=2025", **auth).json()["count"] == 0
    assert client.get(f"/api/ioc/reported-values?agency={other.identifier}", **auth).status_code == 403
    assert client.get("/api/ioc/reported-values?period=2026-13", **auth).status_code == 422
    assert client.get("/api/ioc/reported-values?status=deleted", **auth).status_code == 422
    assert client.get("/api/ioc/reported-values?page=2", **auth).json() == {"items": [], "count": 2}


def test_a_signed_in_officer_reads_the_agencies_they_report_for(client, agency):
    other = AgencyFactory()
    clerk = officer(Role.HANDLER, agency)
    mine = enter(agency, clerk)
    enter(other, officer(Role.HANDLER, other))
    client.force_login(clerk)
    body = client.get("/api/ioc/reported-values").json()
    assert [i["id"] for i in body["items"]] == [mine.pk] and body["items"][0]["status"] == "submitted"
    assert client.get(f"/api/ioc/reported-values?agency={other.identifier}").status_code == 403
    assert client.get(f"/api/ioc/reported-values?agency={agency.identifier}").json()["count"] == 1
    assert client.get("/api/ioc/reported-values?period=hom-qua").status_code == 422

    client.force_login(officer(Role.OPERATIONS_VIEWER, agency))  # views the centre, reports for no agency
    assert client.get("/api/ioc/reported-values").status_code == 403
    client.logout()
    assert client.get("/api/ioc/reported-values").status_code == 401
