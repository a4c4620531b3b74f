"""Digitisation is fixed on the dossier when it happens and counted; the agency-level rollups follow the fine
ones, serve the unfiltered numbers, and verify catches a difference at either level."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db.models import F

from tinhso.common.statements import original
from tinhso.directory.models import Role
from tinhso.directory.tests.factories import AgencyFactory
from tinhso.dossiers import services
from tinhso.dossiers.models import DocumentKind, State
from tinhso.dossiers.tests.factories import ProcedureWithRouteFactory, applicant, dossier_in_state, staff_for
from tinhso.ioc import rollups, selectors
from tinhso.ioc.indicators import seed_registry
from tinhso.ioc.models import AgencyMonth, AgencyProcessingDays, DossierMonth, Indicator, ProcessingDays
from tinhso.ioc.periods import Period

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\n%%EOF\n"


def pdf(name: str = "giay-to.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, PDF)


def required_papers(version) -> list[services.DocumentUpload]:
    return [services.DocumentUpload(pdf(), d) for d in version.documents.filter(required=True)]


@pytest.fixture
def desk(clock):
    agency = AgencyFactory()
    version = ProcedureWithRouteFactory(agency=agency)
    return agency, version, staff_for(agency)


def counter_dossier(desk, documents=()):
    agency, version, actors = desk
    return services.receive_at_counter(version=version, receiving_agency=agency, actor=actors[Role.RECEIVER],
                                       applicant=applicant(), documents=documents)


def test_a_dossier_is_digitised_only_with_every_required_component_held(desk):
    agency, version, actors = desk
    assert counter_dossier(desk, required_papers(version)).digitised
    # A file not linked to the required component does not stand for it.
    assert not counter_dossier(desk, [pdf()]).digitised
    assert not counter_dossier(desk).digitised
    optional = version.documents.get(required=False)
    assert not counter_dossier(desk, [services.DocumentUpload(pdf(), optional)]).digitised
    online = services.submit_online(version=version, receiving_agency=agency, applicant=applicant(),
                                    documents=required_papers(version))
    assert not online.digitised  # fixed at reception, not at submission
    online = services.receive(online, actor=actors[Role.RECEIVER], expected_version=online.version)
    assert online.digitised


def test_the_result_is_digitised_when_its_file_is_held_at_return(desk):
    _agency, version, actors = desk
    with_file = dossier_in_state(State.RESULT_READY, version=version, actors=actors)
    services.attach_document(with_file, actor=actors[Role.RECEIVER], upload=pdf("ket-qua.pdf"),
                             kind=DocumentKind.RESULT)
    with_file.refresh_from_db()
    with_file = services.return_result(with_file, actor=actors[Role.RETURNER], expected_version=with_file.version,
                                       method="desk")
    without = dossier_in_state(State.RETURNED, version=version, actors=actors)
    assert with_file.result_digitised and not without.result_digitised
    row = DossierMonth.objects.get()
    assert (row.returned, row.results_digitised) == (2, 1)


def test_digitisation_rates_in_the_overview(desk):
    seed_registry()
    _agency, version, _actors = desk
    counter_dossier(desk, required_papers(version))
    counter_dossier(desk, required_papers(version))
    counter_dossier(desk, required_papers(version))
    counter_dossier(desk)
    period = Period.parse("2026-03")
    indicators = list(Indicator.objects.filter(code__in=["ty-le-so-hoa-ho-so", "ty-le-so-hoa-ket-qua"]))
    values = {a.indicator.code: a.value for a in selectors.overview(selectors.Scope(True), period,
                                                                     indicators=indicators)}
    assert values["ty-le-so-hoa-ho-so"] == 75
    assert values["ty-le-so-hoa-ket-qua"] is None  # nothing returned yet: no rate, not 0 %


def test_the_agency_level_is_the_sum_of_the_fine_rows(desk):
    _agency, version, actors = desk
    other = AgencyFactory()
    other_version = ProcedureWithRouteFactory(agency=other)
    for state in (State.RETURNED, State.RETURNED, State.IN_PROGRESS, State.REFUSED, State.SUPPLEMENT_REQUESTED):
        dossier_in_state(state, version=version, actors=actors)
    dossier_in_state(State.RETURNED, version=other_version)
    counter_dossier(desk, required_papers(version))
    fine = rollups.stored()
    assert rollups.stored_by_agency() == rollups.by_agency(fine)
    assert AgencyMonth.objects.count() == 2
    assert sum(r.dossiers for r in AgencyProcessingDays.objects.all()) == \
        sum(r.dossiers for r in ProcessingDays.objects.all()) == 3
    assert rollups.verify().ok
    before = rollups.stored_by_agency()
    rollups.rebuild()
    assert rollups.stored_by_agency() == before and rollups.stored() == fine


def test_verify_catches_a_tampered_agency_row(desk):
    _agency, version, actors = desk
    dossier_in_state(State.RETURNED, version=version, actors=actors)
    AgencyMonth.objects.update(late=F("late") + 2)
    result = rollups.verify()
    assert not result.ok
    assert any("tổng hợp theo cơ quan" in line and "late" in line for line in result.differences)
    rollups.rebuild()
    assert rollups.verify().ok


def test_unfiltered_numbers_read_the_agency_level_and_filtered_ones_the_fine_rows(desk):
    agency, version, actors = desk
    for _ in range(3):
        dossier_in_state(State.RETURNED, version=version, actors=actors)
    period = Period.parse("2026")
    scope = selectors.Scope(True)
    assert selectors.totals(scope, period)["returned"] == 3
    # Prove which table answers: move the agency level only.
    AgencyMonth.objects.update(returned=F("returned") + 10)
    assert selectors.totals(scope, period)["returned"] == 13
    assert selectors.totals(scope, period, selectors.Filters(agency=agency.pk))["returned"] == 13
    by_field = selectors.Filters(field=version.field_id)
    assert selectors.totals(scope, period, by_field)["returned"] == 3
    assert [r["returned"] for r in selectors.breakdown(scope, period, "agency")] == [13]
    assert [r["returned"] for r in selectors.breakdown(scope, period, "procedure")] == [3]
    assert selectors.rollup_rows(scope, period, dimension="commune").model is DossierMonth


def test_full_online_share_counts_dossiers_of_fully_online_procedures(desk):
    seed_registry()
    agency, full, actors = desk
    assert full.online_level == "full"
    partial = ProcedureWithRouteFactory(agency=agency, online_level="partial",
                                        online_limit_reason="Cần đối chiếu bản chính.")
    dossier_in_state(State.RECEIVED, version=full, actors=actors)  # filed online
    services.receive_at_counter(version=full, receiving_agency=agency, actor=actors[Role.RECEIVER],
                                applicant=applicant())
    dossier_in_state(State.RECEIVED, version=partial, actors=actors)  # a partly online procedure: not counted
    totals = selectors.totals(selectors.Scope(True), Period.parse("2026-03"))
    assert (totals["received"], totals["received_full_service"], totals["received_full_online"]) == (3, 2, 1)
    indicator = Indicator.objects.get(code="ty-le-truc-tuyen-toan-trinh")
    [assessment] = selectors.overview(selectors.Scope(True), Period.parse("2026-03"), indicators=[indicator])
    assert assessment.value == 50
    assert rollups.verify().ok


def test_the_upgrade_counts_full_online_dossiers_already_held(desk):
    """Migration 0005 fills the two new counters for an existing database's dossiers."""
    import importlib

    from django.apps import apps

    agency, full, actors = desk
    dossier_in_state(State.RETURNED, version=full, actors=actors)
    services.receive_at_counter(version=full, receiving_agency=agency, actor=actors[Role.RECEIVER],
                                applicant=applicant())
    expected = rollups.stored(), rollups.stored_by_agency()
    for model in (DossierMonth, AgencyMonth):
        model.objects.update(received_full_service=0, received_full_online=0)
    assert not rollups.verify().ok
    importlib.import_module("tinhso.ioc.migrations.0005_full_online").count_existing(apps, None)
    assert (rollups.stored(), rollups.stored_by_agency()) == expected
    assert rollups.verify().ok


def test_the_key_taken_from_the_locked_dossier_names_the_applicants_commune(desk):
    from tinhso.geo.tests.factories import CommuneFactory

    commune = CommuneFactory()
    _agency, version, actors = desk
    dossier_in_state(State.RETURNED, version=version, actors=actors, commune_id=commune.pk)
    assert set(DossierMonth.objects.values_list("commune_code", flat=True)) == {commune.code}
    assert rollups.verify().ok


def test_a_transition_that_keeps_the_due_moment_leaves_the_running_set_alone(desk):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from tinhso.ioc.models import RunningDossier

    _agency, version, actors = desk
    dossier = dossier_in_state(State.RECEIVED, version=version, actors=actors)
    with CaptureQueriesContext(connection) as forwarded:
        dossier = services.forward(dossier, actor=actors[Role.HANDLER], expected_version=dossier.version)
    assert not [q for q in forwarded.captured_queries if "ioc_runningdossier" in original(q["sql"])]
    assert RunningDossier.objects.get(dossier=dossier).due_at == dossier.due_at
    later = dossier.due_at.date().replace(day=dossier.due_at.day + 3)
    dossier = services.issue_apology(dossier, actor=actors[Role.HANDLER], expected_version=dossier.version,
                                     reason="Cần xác minh thêm", new_due_at=later)
    assert RunningDossier.objects.get(dossier=dossier).due_at == dossier.due_at
    assert rollups.verify().ok
