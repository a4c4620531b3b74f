"""The notice service's numbers in the operations centre (group ``platform``): sent, failed, delivery rate and
the oldest pending delivery, scoped by the sending agency, broken down by agency and month, and each number
linked to the deliveries behind it."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest

from tinhso.common import indicators as registry
from tinhso.common.indicators import VIETNAM, ReadQuery
from tinhso.common.notices.models import Delivery, Notice
from tinhso.common.notices.services import recount
from tinhso.directory.models import Role
from tinhso.directory.tests.factories import AgencyFactory
from tinhso.dossiers.tests.factories import officer

pytestmark = pytest.mark.django_db


def _at(month, day, hour=9):
    return datetime.datetime(2026, month, day, hour, tzinfo=VIETNAM)


def _delivery(agency, status, at, channel="email"):
    notice = Notice.objects.create(subject="x", agency_id=agency.pk if agency else None, created_at=at)
    moment = {"sent": {"sent_at": at}, "failed": {"failed_at": at}, "pending": {}}[status]
    return Delivery.objects.create(notice=notice, channel=channel, destination="a@b.vn", status=status,
                                   agency_id=notice.agency_id, created_at=at, **moment)


def _query(agency_ids=None, at=None, start=datetime.date(2026, 1, 1), end=datetime.date(2027, 1, 1)):
    return ReadQuery(start=start, end=end, agency_ids=agency_ids, at=at or _at(12, 31, 23))


@pytest.fixture
def records():
    ward, department = AgencyFactory(name="UBND phường Vinh Phú"), AgencyFactory(name="Sở Tư pháp")
    for day in (3, 4, 5):
        _delivery(ward, "sent", _at(2, day))
    _delivery(ward, "failed", _at(3, 1))
    _delivery(department, "sent", _at(3, 2), channel="sms")
    _delivery(None, "sent", _at(3, 3))  # an account's verification: no agency
    _delivery(None, "failed", _at(3, 4))
    _delivery(ward, "sent", _at(1, 1) - datetime.timedelta(days=1))  # last year
    recount()  # written here without the services: the monthly counts from the rows
    return ward, department


def test_the_four_numbers_are_registered_in_the_platform_group():
    codes = {i.formula: i for i in registry.registered() if i.formula.startswith("notices.")}
    assert set(codes) == {"notices.sent", "notices.failed", "notices.delivery_rate", "notices.oldest_pending"}
    assert {i.group for i in codes.values()} == {"platform"}
    assert codes["notices.oldest_pending"].live and codes["notices.sent"].additive


def test_sent_failed_and_rate_for_the_province_and_for_one_agency(records):
    ward, _department = records
    sent, failed, rate = (registry.by_formula(f) for f in ("notices.sent", "notices.failed", "notices.delivery_rate"))
    assert sent.reader.read(_query()) == Decimal(5) and failed.reader.read(_query()) == Decimal(2)
    assert rate.reader.read(_query()) == Decimal("71.43")
    only_ward = _query(agency_ids=(ward.pk,))
    assert (sent.reader.read(only_ward), failed.reader.read(only_ward), rate.reader.read(only_ward)) == (
        Decimal(3), Decimal(1), Decimal("75.00"))
    assert rate.reader.read(_query(start=datetime.date(2025, 1, 1), end=datetime.date(2025, 2, 1))) is None


def test_a_period_that_is_not_whole_months_counts_its_part_months_from_the_deliveries(records):
    ward, _department = records
    sent, failed = registry.by_formula("notices.sent").reader, registry.by_formula("notices.failed").reader
    # 4 February up to 2 March: the ward's deliveries sent on 4 and 5 February and its failure of 1 March.
    part = _query(start=datetime.date(2026, 2, 4), end=datetime.date(2026, 3, 2))
    assert (sent.read(part), failed.read(part)) == (Decimal(2), Decimal(1))
    # A whole month with a part month after it: January–February whole, then 1–3 March.
    mixed = _query(start=datetime.date(2026, 1, 1), end=datetime.date(2026, 3, 4))
    assert (sent.read(mixed), failed.read(mixed)) == (Decimal(5), Decimal(1))
    by_month = sent.counts_by(mixed, "month")
    assert by_month == {datetime.date(2026, 2, 1): {"sent": 3, "failed": 0},
                        datetime.date(2026, 3, 1): {"sent": 2, "failed": 1}}
    assert sent.counts_by(part, "agency") == {ward.pk: {"sent": 2, "failed": 1}}


def test_the_breakdowns_by_agency_and_by_month_add_up(records):
    ward, department = records
    rate = registry.by_formula("notices.delivery_rate").reader
    by_agency = rate.counts_by(_query(), "agency")
    assert by_agency == {ward.pk: {"sent": 3, "failed": 1}, department.pk: {"sent": 1, "failed": 0},
                         None: {"sent": 1, "failed": 1}}
    by_month = rate.counts_by(_query(), "month")
    assert by_month == {datetime.date(2026, 2, 1): {"sent": 3, "failed": 0},
                        datetime.date(2026, 3, 1): {"sent": 2, "failed": 2}}


def test_the_monthly_counts_follow_every_outcome_and_agree_with_a_recount(committed, flaky, settings):
    from tinhso.common.notices import Recipient, notify, resend
    from tinhso.common.notices.models import DeliveryMonth

    agency = AgencyFactory()
    flaky.failures = 100
    with committed():
        for n in range(3):
            notify(Recipient(phone=f"091234567{n}"), subject="x", text="", agency_id=agency.pk)
    assert DeliveryMonth.objects.get().failed == 3
    flaky.failures = 0
    with committed():
        resend(Delivery.objects.filter(status="failed").first(), actor=None)
    month = DeliveryMonth.objects.get()
    assert (month.sent, month.failed, month.agency_key) == (1, 2, agency.pk)
    assert recount() == (1, False)  # what was kept agrees with the deliveries
    DeliveryMonth.objects.update(sent=99)
    assert recount() == (1, True) and DeliveryMonth.objects.get().sent == 1


def test_the_oldest_pending_delivery_is_counted_in_minutes_at_the_moment_asked(records):
    ward, _department = records
    oldest = registry.by_formula("notices.oldest_pending").reader
    assert oldest.read(_query(at=_at(3, 10))) == Decimal(0)  # nothing waiting
    _delivery(ward, "pending", _at(3, 10, 8))
    _delivery(None, "pending", _at(3, 10, 8) + datetime.timedelta(minutes=30))
    assert oldest.read(_query(at=_at(3, 10, 9))) == Decimal(60)
    assert oldest.read(_query(agency_ids=(ward.pk,), at=_at(3, 10, 9))) == Decimal(60)
    assert oldest.counts_by(_query(at=_at(3, 10, 9)), "agency") == {
        ward.pk: {"pending": 1, "minutes": 60}, None: {"pending": 1, "minutes": 30}}


def test_every_number_drills_down_to_the_deliveries_behind_it(records, client):
    ward, _department = records
    failed = registry.by_formula("notices.failed").reader
    url = failed.records(_query(), None, None)
    assert url == "/thong-bao/gui/?trang-thai=that-bai&tu=01%2F01%2F2026&den=31%2F12%2F2026"
    assert failed.records(_query(), "agency", ward.pk).endswith(f"&co-quan={ward.pk}")
    assert failed.records(_query(), "agency", None).endswith("&co-quan=khong")
    assert "tu=01%2F03%2F2026&den=31%2F03%2F2026" in failed.records(_query(), "month", datetime.date(2026, 3, 1))
    client.force_login(officer(Role.OPERATIONS_VIEWER, ward))
    page = client.get(failed.records(_query(), "agency", ward.pk)).content.decode()
    assert page.count('<tr id="delivery-') == 1
    assert registry.by_formula("notices.oldest_pending").reader.records(_query(), None, None) == \
        "/thong-bao/gui/?trang-thai=dang-cho"


def test_the_operations_centre_shows_the_numbers_and_links_them(records, client):
    from tinhso.ioc.indicators import seed_registry
    from tinhso.ioc.models import Indicator

    seed_registry()
    indicator = Indicator.objects.get(code="thong-bao-gui-loi")
    assert indicator.group == "platform" and indicator.formula == "notices.failed"
    ward, _department = records
    client.force_login(officer(Role.OPERATIONS_VIEWER, ward))
    page = client.get("/dieu-hanh/chi-so/thong-bao-gui-loi/?ky=2026").content.decode()
    assert "/thong-bao/gui/?trang-thai=that-bai&amp;tu=01%2F01%2F2026&amp;den=31%2F12%2F2026" in page
    assert f"co-quan={ward.pk}" in page
