"""Dossier codes: <agency identifier>-YYMMDD-XXXX, consecutive per agency per Vietnamese day, no gaps."""

from __future__ import annotations

import datetime

import pytest
from django.db import transaction

from tinhso.common import counters
from tinhso.directory.models import Role
from tinhso.directory.tests.factories import AgencyFactory
from tinhso.dossiers import services
from tinhso.dossiers.codes import format_code, sequence_of, series_of
from tinhso.dossiers.models import Dossier
from tinhso.dossiers.tests.factories import ProcedureWithRouteFactory, applicant, officer, submitted_dossier

pytestmark = pytest.mark.django_db


def test_codes_are_consecutive_per_agency_and_day(clock):
    agency = AgencyFactory(identifier="000.00.12.H41")
    other = AgencyFactory(identifier="H41.07")
    version = ProcedureWithRouteFactory(agency=agency, also_at=[other])
    codes = [submitted_dossier(version, agency).code for _ in range(3)]
    assert codes == ["000.00.12.H41-260302-0001", "000.00.12.H41-260302-0002", "000.00.12.H41-260302-0003"]
    assert submitted_dossier(version, other).code == "H41.07-260302-0001"
    clock.set(2026, 3, 3, 8)
    assert submitted_dossier(version, agency).code == "000.00.12.H41-260303-0001"


def test_the_day_is_the_vietnamese_date(clock):
    agency = AgencyFactory(identifier="H41.08")
    clock.set(datetime.datetime(2026, 3, 2, 17, 30, tzinfo=datetime.UTC))  # 00:30 on 3/3 in Vietnam
    version = ProcedureWithRouteFactory(agency=agency)
    assert submitted_dossier(version, agency).code == "H41.08-260303-0001"


def test_a_rolled_back_reception_leaves_no_gap(clock):
    agency = AgencyFactory(identifier="H41.09")
    version = ProcedureWithRouteFactory(agency=agency)
    receiver = officer(Role.RECEIVER, agency)
    assert submitted_dossier(version, agency).code.endswith("-0001")
    with pytest.raises(RuntimeError), transaction.atomic():
        services.receive_at_counter(version=version, receiving_agency=agency, applicant=applicant(), actor=receiver)
        raise RuntimeError("printer jammed")
    assert submitted_dossier(version, agency).code.endswith("-0002")
    assert Dossier.objects.count() == 2


def test_after_9999_in_one_day_the_sequence_widens_to_five_digits(clock):
    agency = AgencyFactory(identifier="H41.10")
    version = ProcedureWithRouteFactory(agency=agency)
    counters.set_last(series_of(agency.pk), "2026-03-02", 9998)
    codes = [submitted_dossier(version, agency).code for _ in range(3)]
    assert codes == ["H41.10-260302-9999", "H41.10-260302-10000", "H41.10-260302-10001"]
    assert [sequence_of(code) for code in codes] == [9999, 10000, 10001]
    assert sorted(codes, key=lambda c: (len(c), c)) == codes


def test_format_keeps_four_digits_below_ten_thousand():
    assert format_code("000.00.00.H41", datetime.date(2026, 11, 22), 1) == "000.00.00.H41-261122-0001"
