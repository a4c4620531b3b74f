"""Rating a returned dossier: its applicant only, after the return, once (changes within 7 days)."""

from __future__ import annotations

import pytest

from tinhso.common.audit import AuditEntry
from tinhso.dossiers.models import State
from tinhso.dossiers.tests.factories import citizen, dossier_in_state
from tinhso.portal.feedback import services
from tinhso.portal.feedback.models import Rating

pytestmark = pytest.mark.django_db

SCORES = {"overall_score": "5", "access_score": "4", "procedure_score": "4", "officer_score": "5",
          "result_score": "3", "comment": "Cán bộ hướng dẫn tận tình."}


def url(dossier) -> str:
    return f"/phan-anh/danh-gia/{dossier.code}/"


@pytest.fixture
def owner():
    return citizen()


@pytest.fixture
def returned(owner, clock):
    return dossier_in_state(State.RETURNED, user=owner)


def test_the_applicant_rates_a_returned_dossier(client, owner, returned):
    client.force_login(owner)
    page = client.get(url(returned))
    assert page.status_code == 200
    assert "Mức độ hài lòng chung" in page.content.decode()
    response = client.post(url(returned), SCORES)
    assert response.status_code == 302
    rating = Rating.objects.get(dossier=returned)
    assert (rating.overall_score, rating.result_score, rating.user, rating.agency) == (
        5, 3, owner, returned.receiving_agency)
    assert rating.comment == "Cán bộ hướng dẫn tận tình."
    assert AuditEntry.objects.filter(object_type="feedback.rating", object_id=str(rating.pk)).exists()
    assert "5/5" in client.get(url(returned)).content.decode()


def test_the_rating_page_answers_by_the_url_name_the_portal_links_to(returned):
    from django.urls import reverse

    assert reverse("feedback:rate", args=[returned.code]) == url(returned)


def test_a_dossier_cannot_be_rated_before_its_result_is_returned(client, owner, clock):
    dossier = dossier_in_state(State.RESULT_READY, user=owner)
    client.force_login(owner)
    page = client.get(url(dossier)).content.decode()
    assert "chưa trả kết quả" in page
    response = client.post(url(dossier), SCORES)
    assert response.status_code == 409
    assert "sau khi hồ sơ đã trả kết quả" in response.content.decode()
    assert not Rating.objects.exists()


def test_someone_elses_dossier_answers_404_like_a_missing_one(client, returned):
    client.force_login(citizen())
    assert client.get(url(returned)).status_code == 404
    assert client.post(url(returned), SCORES).status_code == 404
    assert client.get("/phan-anh/danh-gia/H41.999-260302-9999/").status_code == 404
    assert not Rating.objects.exists()


def test_signing_in_is_required(client, returned):
    response = client.get(url(returned))
    assert response.status_code == 302
    assert "/dang-nhap/" in response["Location"]


def test_a_rating_can_be_changed_for_seven_days_then_it_is_final(client, owner, returned, clock):
    client.force_login(owner)
    client.post(url(returned), SCORES)
    clock.advance(days=6)
    assert client.post(url(returned), {**SCORES, "overall_score": "2"}).status_code == 302
    assert Rating.objects.get().overall_score == 2
    clock.advance(days=2)
    response = client.post(url(returned), {**SCORES, "overall_score": "4"})
    assert response.status_code == 409
    assert Rating.objects.get().overall_score == 2
    assert Rating.objects.count() == 1
    assert "Gửi đánh giá</button>" not in client.get(url(returned)).content.decode()


def test_a_missing_score_is_refused_with_a_vietnamese_message(client, owner, returned):
    client.force_login(owner)
    response = client.post(url(returned), {**SCORES, "officer_score": ""})
    assert response.status_code == 400
    assert "Vui lòng chọn một mức đánh giá" in response.content.decode()
    assert not Rating.objects.exists()


def test_the_service_refuses_scores_outside_one_to_five(owner, returned):
    from tinhso.dossiers.errors import InvalidInput

    with pytest.raises(InvalidInput) as error:
        services.rate_dossier(dossier=returned, user=owner, scores={**SCORES, "access_score": 6})
    assert error.value.field == "access_score"
