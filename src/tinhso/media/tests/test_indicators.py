"""The module's indicators in the operations centre: registered with their formulas, computed from the
records, broken down by agency and month, scoped to the department or to each agency's own tasks."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from tinhso.common.indicators import ReadQuery, by_formula
from tinhso.ioc.models import Indicator
from tinhso.media import services
from tinhso.media.models import PressAgency
from tinhso.media.tests.factories import agency_with_officer, department, licence

pytestmark = pytest.mark.django_db


def query(agencies=None, days=30):
    today = timezone.localdate()
    return ReadQuery(today - datetime.timedelta(days=days), today + datetime.timedelta(days=days + 400),
                     agencies, timezone.now())


def test_the_indicators_are_seeded_into_the_operations_centre():
    codes = set(Indicator.objects.filter(formula__startswith="media.").values_list("code", flat=True))
    assert {"co-quan-bao-chi", "trang-ttdt-duoc-cap-phep", "giay-phep-sap-het-han", "canh-bao-giam-sat-trang-ttdt",
            "tin-bao-tin-gia", "tin-bao-xu-ly-dung-han", "vu-viec-tin-gia-sai-su-that", "xac-minh-dung-han",
            "cung-cap-thong-tin-giao-ban-dung-han", "tra-loi-bao-chi-dung-han"} <= codes


def test_registries_count_for_the_department_and_nobody_else():
    office, _officer = department()
    other, _person = agency_with_officer()
    PressAgency.objects.create(name="Báo Nghệ An", kind="newspaper")
    PressAgency.objects.create(name="Tạp chí cũ", kind="magazine", valid_to=datetime.date(2020, 1, 1))
    licence(expires_in_days=20)
    licence(domain="b.example", number="02/2025/GP-TTĐT", expires_in_days=300)
    reader = by_formula("media.press_agencies").reader
    assert reader.read(query()) == 1 and reader.read(query((office.pk,))) == 1
    assert reader.read(query((other.pk,))) == 0
    assert by_formula("media.licences_in_force").reader.read(query()) == 2
    assert by_formula("media.licences_expiring").reader.read(query()) == 1
    assert by_formula("media.press_agencies").reader.counts_by(query(), "agency") == {office.pk: {"agencies": 1}}


def test_verification_on_time_is_computed_per_agency():
    _office, officer = department()
    health, nurse = agency_with_officer("Sở Y tế")
    police, _cop = agency_with_officer("Công an tỉnh")
    case = services.open_case(title="A", claim="A", topic="epidemic", severity="low", agencies=[health, police],
                              actor=officer)
    services.answer_verification(case.verifications.get(agency=health), facts="Đúng hạn", actor=nurse)
    reader = by_formula("media.verifications_on_time").reader
    assert reader.read(query()) == 50
    assert reader.read(query((health.pk,))) == 100 and reader.read(query((police.pk,))) == 0
    rows = reader.counts_by(query(), "agency")
    assert rows[health.pk] == {"due": 1, "on_time": 1} and rows[police.pk] == {"due": 1, "on_time": 0}
    months = reader.counts_by(query(), "month")
    assert sum(row["due"] for row in months.values()) == 2
    decided = services.decide(case, verdict="false", note="x", actor=officer)
    assert decided.verdict == "false"
    assert by_formula("media.cases_false").reader.read(query()) == 1
