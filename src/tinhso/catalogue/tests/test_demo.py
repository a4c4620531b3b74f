import pytest

from tinhso.catalogue.demo import PROCEDURES, default_route, load_demo_catalogue
from tinhso.catalogue.models import Procedure, ProcedureVersion, RouteStep, Status
from tinhso.catalogue.selectors import current_version
from tinhso.catalogue.services import StepLine, route_errors
from tinhso.common.audit import AuditEntry
from tinhso.directory.demo import load_demo_directory
from tinhso.directory.tests.factories import CommuneFactory, ProvinceFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo_directory():
    province = ProvinceFactory(code="40")
    CommuneFactory.create_batch(3, province=province)
    load_demo_directory("40", "mat-khau-thu")
    return province


def test_every_demo_route_starts_with_receive_ends_with_return_and_adds_up():
    for item in PROCEDURES:
        route = item.route or default_route(item.time_limit, item.time_unit)
        steps = [StepLine(role, share) for role, share, _ in route]
        assert route_errors(steps, item.time_limit, item.time_unit) == [], item.code


def test_the_demo_catalogue_has_at_least_30_procedures_and_loading_twice_duplicates_nothing(demo_directory):
    assert load_demo_catalogue("40") >= 30
    versions = ProcedureVersion.objects.count()
    audit_entries = AuditEntry.objects.count()
    assert load_demo_catalogue("40") == Procedure.objects.count() >= 30
    assert ProcedureVersion.objects.count() == versions
    assert AuditEntry.objects.count() == audit_entries
    assert not ProcedureVersion.objects.exclude(status=Status.PUBLISHED).exists()


def test_demo_procedures_link_the_demo_agencies_and_mix_levels_and_online_levels(demo_directory):
    load_demo_catalogue("40")
    birth = current_version("1.001193")
    assert birth.agencies.count() == 3  # every commune's People's Committee
    assert birth.eform_schema is not None
    record = current_version("2.000505")
    assert [a.name for a in record.agencies.all()] == ["Sở Tư pháp"]
    # Liên thông between directory agencies: the criminal-record check runs at the provincial police, the birth
    # registration group at the police (permanent residence) and the social insurance (health card).
    police = RouteStep.objects.get(version=record, role="handle", agency__name="Công an tỉnh")
    assert police.partner == "" and police.agency.identifier.startswith("000.00.12.")
    group = current_version("1.013501")
    assert [s.agency.name for s in group.steps.filter(agency__isnull=False).order_by("order")][-2:] == [
        "Công an tỉnh", "Bảo hiểm xã hội tỉnh"]
    # A body outside the directory stays a partner of the route (the tax office, for land registration).
    assert RouteStep.objects.filter(version=current_version("1.004227"), partner="Thuế tỉnh", agency=None).exists()
    published = ProcedureVersion.objects.filter(status=Status.PUBLISHED)
    assert set(published.values_list("level", flat=True)) == {"province", "commune"}
    assert set(published.values_list("online_level", flat=True)) == {"full", "partial", "none"}
    assert published.filter(fees__isnull=True).exists() and published.filter(fees__isnull=False).exists()


def test_without_the_demo_directory_the_catalogue_loads_without_agency_links():
    assert load_demo_catalogue("99") >= 30
    assert not ProcedureVersion.agencies.through.objects.exists()
    # The police step then names the police as a partner outside the directory.
    assert RouteStep.objects.filter(version=current_version("2.000505"), partner="Công an tỉnh").exists()
