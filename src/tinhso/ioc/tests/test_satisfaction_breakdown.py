"""Satisfaction and complaint indicators under the one-stop filters and broken down on the indicator page.

A small known set in March 2026 — two agencies, two fields, three procedures, two communes, seven ratings
and three complaints — whose counts are worked out by hand in the comments.
"""

from __future__ import annotations

import io
from decimal import Decimal

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from openpyxl import load_workbook

from tinhso.catalogue.tests.factories import FieldFactory
from tinhso.directory.models import Role
from tinhso.directory.tests.factories import AgencyFactory
from tinhso.dossiers.models import Dossier, State
from tinhso.dossiers.tests.factories import ProcedureWithRouteFactory, citizen, dossier_in_state, officer, staff_for
from tinhso.geo.tests.factories import CommuneFactory
from tinhso.ioc import selectors
from tinhso.ioc.indicators import seed_registry
from tinhso.ioc.periods import Period
from tinhso.portal.feedback import services as feedback_services
from tinhso.portal.feedback.models import Rating

pytestmark = pytest.mark.django_db
WHOLE = selectors.Scope(True)
MARCH = Period.parse("2026-03")
SATISFIED, AVERAGE = "hai-long-giai-quyet-tthc", "diem-danh-gia-tb"


def value(scope, code, **filters):
    return next(a.value for a in selectors.overview(scope, MARCH, filters=selectors.Filters(**filters))
                if a.indicator.code == code)


@pytest.fixture
def ratings(clock):
    """Ratings (agency, procedure, commune → overall scores):

    A, p1 (field f1), c1 → 5, 4      A, p1, c2 → 2
    A, p2 (field f2), c2 → 3, 5
    B, p3 (field f1), c1 → 1, 4
    """
    seed_registry()
    a, b = AgencyFactory(name="Sở Thử nghiệm A"), AgencyFactory(name="Sở Thử nghiệm B")
    f1, f2 = FieldFactory(name="Lĩnh vực Một"), FieldFactory(name="Lĩnh vực Hai")
    c1, c2 = CommuneFactory(name="Xã Một"), CommuneFactory(name="Xã Hai")
    p1 = ProcedureWithRouteFactory(agency=a, field=f1)
    p2 = ProcedureWithRouteFactory(agency=a, field=f2)
    p3 = ProcedureWithRouteFactory(agency=b, field=f1)
    actors = {a.pk: staff_for(a), b.pk: staff_for(b)}
    dossiers = []
    for agency, version, commune, scores in ((a, p1, c1, (5, 4)), (a, p1, c2, (2,)), (a, p2, c2, (3, 5)),
                                             (b, p3, c1, (1, 4))):
        for score in scores:
            dossier = dossier_in_state(State.RETURNED, version=version, agency=agency, actors=actors[agency.pk])
            Dossier.objects.filter(pk=dossier.pk).update(applicant_commune=commune)
            Rating.objects.create(dossier=dossier, agency=agency, overall_score=score, access_score=score,
                                  procedure_score=score, officer_score=score, result_score=score,
                                  created_at=clock())
            dossiers.append(dossier)
    return {"a": a, "b": b, "f1": f1, "f2": f2, "c1": c1, "c2": c2, "p1": p1, "p2": p2, "p3": p3,
            "dossiers": dossiers}


def test_rating_indicators_honour_field_procedure_and_commune(ratings):
    r = ratings
    # everything: 7 ratings, 4 of them 4–5; scores add up to 24
    assert value(WHOLE, SATISFIED) == Decimal("57.14")
    assert value(WHOLE, AVERAGE) == Decimal("3.43")
    # field f1: 5, 4, 2, 1, 4 → 3 satisfied of 5; mean 16 ÷ 5
    assert value(WHOLE, SATISFIED, field=r["f1"].pk) == Decimal("60.00")
    assert value(WHOLE, AVERAGE, field=r["f1"].pk) == Decimal("3.20")
    # procedure p2: 3, 5 → 1 of 2; mean 4
    assert value(WHOLE, SATISFIED, procedure=r["p2"].procedure_id) == Decimal("50.00")
    assert value(WHOLE, AVERAGE, procedure=r["p2"].procedure_id) == Decimal("4.00")
    # commune c2: 2, 3, 5 → 1 of 3; mean 10 ÷ 3
    assert value(WHOLE, SATISFIED, commune=r["c2"].code) == Decimal("33.33")
    assert value(WHOLE, AVERAGE, commune=r["c2"].code) == Decimal("3.33")
    # agency B and field f1 together: 1, 4
    assert value(WHOLE, SATISFIED, agency=r["b"].pk, field=r["f1"].pk) == Decimal("50.00")
    # a field with no rating: no value, not 0
    assert value(WHOLE, SATISFIED, field=FieldFactory().pk) is None


def test_breakdowns_equal_hand_counts(ratings):
    r = ratings

    def table(dimension, scope=WHOLE, **filters):
        rows = selectors.reader_breakdown(scope, MARCH, dimension, formula="rating_satisfied_rate",
                                          filters=selectors.Filters(**filters))
        return {row.key: (row["ratings"], row["satisfied"], row.value) for row in rows}

    assert table("agency") == {r["a"].pk: (5, 3, Decimal("60.00")), r["b"].pk: (2, 1, Decimal("50.00"))}
    assert table("field") == {r["f1"].pk: (5, 3, Decimal("60.00")), r["f2"].pk: (2, 1, Decimal("50.00"))}
    assert table("procedure") == {r["p1"].procedure_id: (3, 2, Decimal("66.67")),
                                  r["p2"].procedure_id: (2, 1, Decimal("50.00")),
                                  r["p3"].procedure_id: (2, 1, Decimal("50.00"))}
    assert table("commune") == {r["c1"].code: (4, 3, Decimal("75.00")), r["c2"].code: (3, 1, Decimal("33.33"))}
    assert table("month") == {MARCH.start: (7, 4, Decimal("57.14"))}
    assert table("commune", field=r["f1"].pk) == {r["c1"].code: (4, 3, Decimal("75.00")),
                                                  r["c2"].code: (1, 0, Decimal("0.00"))}
    averages = selectors.reader_breakdown(WHOLE, MARCH, "field", formula="average_rating")
    assert {row.key: row.value for row in averages} == {r["f1"].pk: Decimal("3.20"), r["f2"].pk: Decimal("4.00")}
    labels = [row.label for row in selectors.reader_breakdown(WHOLE, MARCH, "commune",
                                                              formula="rating_satisfied_rate")]
    assert labels == ["Xã Hai", "Xã Một"]
    # a scoped leader of A: only A's ratings, in every dimension
    scope_a = selectors.Scope(False, frozenset({r["a"].pk}))
    assert table("agency", scope_a) == {r["a"].pk: (5, 3, Decimal("60.00"))}
    assert table("field", scope_a) == {r["f1"].pk: (3, 2, Decimal("66.67")), r["f2"].pk: (2, 1, Decimal("50.00"))}


def test_a_breakdown_is_one_query_whatever_the_number_of_rows(ratings, clock):
    def queries():
        with CaptureQueriesContext(connection) as captured:
            selectors.reader_breakdown(WHOLE, MARCH, "procedure", formula="rating_satisfied_rate")
        return len(captured)

    before = queries()
    agency = AgencyFactory()
    for _ in range(3):
        version = ProcedureWithRouteFactory(agency=agency)
        dossier = dossier_in_state(State.RETURNED, version=version, agency=agency)
        Rating.objects.create(dossier=dossier, agency=agency, overall_score=4, access_score=4, procedure_score=4,
                              officer_score=4, result_score=4, created_at=clock())
    assert len(selectors.reader_breakdown(WHOLE, MARCH, "procedure", formula="rating_satisfied_rate")) == 6
    # the grouped counts and the labels of the rows: no query per row
    assert queries() == before == 2


def test_complaints_narrow_through_their_dossier(ratings, clock):
    r = ratings
    tied = r["dossiers"][0]  # agency A, procedure p1, field f1, commune c1
    user = citizen()
    Dossier.objects.filter(pk=tied.pk).update(applicant_user=user)
    tied.refresh_from_db()
    handler = officer(Role.HANDLER, r["a"])
    about_dossier = feedback_services.file_complaint(user=user, kind="feedback", subject="Hồ sơ chậm",
                                                     content="…", name="Bình", dossier=tied)
    feedback_services.file_complaint(user=user, kind="feedback", subject="Chung", content="…", name="Bình",
                                     agency=r["a"])
    feedback_services.answer_complaint(about_dossier, actor=handler, answer="Đã xử lý.")
    clock.set(2026, 3, 31, 12)  # the unanswered one is past due by now
    on_time = "phan-anh-dung-han"
    # both decided: the answered one on time, the other overdue → 50%; in field f1 only the answered one
    assert value(WHOLE, on_time) == Decimal("50.00")
    assert value(WHOLE, on_time, field=r["f1"].pk) == Decimal("100.00")
    assert value(WHOLE, on_time, procedure=r["p1"].procedure_id) == Decimal("100.00")
    assert value(WHOLE, on_time, commune=r["c1"].code) == Decimal("100.00")
    assert value(WHOLE, on_time, field=r["f2"].pk) is None
    rows = selectors.reader_breakdown(WHOLE, MARCH, "field", formula="complaints_on_time_rate")
    assert {(row.label, row["received"], row["on_time"]) for row in rows} == {
        ("Lĩnh vực Một", 1, 1), ("Không gắn với hồ sơ", 1, 0)}
    client = Client()
    client.force_login(officer(Role.OPERATIONS_VIEWER, AgencyFactory()))
    page = client.get(f"/dieu-hanh/chi-so/{on_time}/?ky=2026-03&theo=field").content.decode()
    assert "Không gắn với hồ sơ" in page and "Trả lời đúng hạn" in page
    filtered = client.get(f"/dieu-hanh/chi-so/{on_time}/?ky=2026-03&linh-vuc={r['f1'].pk}").content.decode()
    assert "chỉ tính các phản ánh, kiến nghị gắn với một hồ sơ" in filtered


def test_the_indicator_page_breaks_down_and_exports(client, ratings):
    r = ratings
    client.force_login(officer(Role.OPERATIONS_VIEWER, AgencyFactory()))
    page = client.get(f"/dieu-hanh/chi-so/{SATISFIED}/?ky=2026-03&theo=field").content.decode()
    assert "Lĩnh vực Một" in page and "Số đánh giá" in page and "Hài lòng, rất hài lòng" in page
    assert f"linh-vuc={r['f1'].pk}" in page and "theo=procedure" in page  # the drill link to the next level
    assert "Theo xã, phường" in page and "Hồ sơ trễ hạn" not in page
    drilled = client.get(f"/dieu-hanh/chi-so/{SATISFIED}/?ky=2026-03&linh-vuc={r['f1'].pk}&theo=commune")
    assert "Xã Một" in drilled.content.decode()
    response = client.get(f"/dieu-hanh/chi-so/{SATISFIED}/?ky=2026-03&theo=commune&xuat=xlsx")
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).active
    values = [row for row in sheet.iter_rows(values_only=True) if any(row)]
    assert values[1] == ("Xã, phường", "Số đánh giá", "Hài lòng, rất hài lòng",
                         "Mức độ hài lòng trong giải quyết TTHC")
    body = {row[0]: row[1:] for row in values[2:]}
    assert body == {"Xã Một": (4, 3, 75.0), "Xã Hai": (3, 1, 33.33)}


def test_a_scoped_leader_sees_only_their_agencies(client, ratings):
    r = ratings
    client.force_login(officer(Role.APPROVER, r["a"]))
    page = client.get(f"/dieu-hanh/chi-so/{SATISFIED}/?ky=2026-03&theo=agency").content.decode()
    assert r["a"].name in page and r["b"].name not in page
    by_field = client.get(f"/dieu-hanh/chi-so/{SATISFIED}/?ky=2026-03&theo=field&xuat=xlsx")
    rows = list(load_workbook(io.BytesIO(by_field.content)).active.iter_rows(values_only=True))
    field_one = next(row for row in rows if row[0] == "Lĩnh vực Một")
    assert list(field_one[1:3]) == [3, 2]  # B's two ratings in that field are not counted
    assert client.get(f"/dieu-hanh/chi-so/{SATISFIED}/?ky=2026-03&co-quan={r['b'].pk}").status_code == 403


def test_the_rollup_breakdown_table_shows_labels_counts_and_drill_links(client, ratings):
    """The dossier-based table shares the template: its rows show their agency, counts and link."""
    r = ratings
    client.force_login(officer(Role.OPERATIONS_VIEWER, AgencyFactory()))
    page = client.get("/dieu-hanh/chi-so/ho-so-da-giai-quyet/?ky=2026-03&theo=agency").content.decode()
    assert r["a"].name in page and f"co-quan={r['a'].pk}" in page
    table = page[page.index("<table"):]  # past the unit picker, which names the agency too
    row = table[table.index(r["a"].name):]
    assert '<td class="num">5</td>' in row[:row.index("</tr>")]  # A settled five dossiers in March
