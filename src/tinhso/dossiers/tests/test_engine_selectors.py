"""Who sees which dossiers, the desk queues and filters, and the detail page's query count."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tinhso.directory.models import Role
from tinhso.directory.tests.factories import AgencyFactory, MembershipFactory, UserFactory
from tinhso.dossiers import selectors, services
from tinhso.dossiers.models import ApiToken, State
from tinhso.dossiers.tests.factories import (
    ProcedureWithRouteFactory,
    citizen,
    dossier_in_state,
    officer,
    received_dossier,
    submitted_dossier,
)

pytestmark = pytest.mark.django_db


def codes(queryset) -> set[str]:
    return set(queryset.values_list("code", flat=True))


def test_officers_see_their_agencys_dossiers_and_those_routed_through_it():
    home, partner, elsewhere = AgencyFactory(), AgencyFactory(name="Sở Tài chính"), AgencyFactory()
    version = ProcedureWithRouteFactory(agency=home, liaison_agency=partner)
    routed = received_dossier(version, home)
    waiting = submitted_dossier(version, home)
    foreign = submitted_dossier(ProcedureWithRouteFactory(agency=elsewhere), elsewhere)
    assert codes(selectors.dossiers_visible_to(officer(Role.HANDLER, home))) == {routed.code, waiting.code}
    assert codes(selectors.dossiers_visible_to(officer(Role.HANDLER, partner))) == {routed.code}
    assert codes(selectors.dossiers_visible_to(officer(Role.HANDLER, elsewhere))) == {foreign.code}


def test_a_parent_agency_sees_its_units_and_an_expired_membership_sees_nothing():
    parent = AgencyFactory()
    unit = AgencyFactory(parent=parent)
    dossier = submitted_dossier(ProcedureWithRouteFactory(agency=unit), unit)
    assert codes(selectors.dossiers_visible_to(officer(Role.APPROVER, parent))) == {dossier.code}
    former = UserFactory()
    MembershipFactory(user=former, agency=unit, expired=True)
    assert not selectors.dossiers_visible_to(former).exists()


def test_citizens_see_only_their_own_and_anonymous_users_nothing():
    from django.contrib.auth.models import AnonymousUser

    owner = citizen()
    mine = submitted_dossier(user=owner)
    submitted_dossier(user=citizen())
    assert codes(selectors.dossiers_visible_to(owner)) == {mine.code}
    assert not selectors.dossiers_visible_to(AnonymousUser()).exists()
    assert not selectors.dossiers_visible_to(None).exists()


def test_an_api_client_sees_its_agency_tree():
    agency = AgencyFactory()
    dossier = submitted_dossier(ProcedureWithRouteFactory(agency=agency), agency)
    submitted_dossier()
    token, _ = ApiToken.issue(agency, "Cổng")
    client = services.AgencyClient(agency=agency, label="API", token_id=token.pk)
    assert codes(selectors.dossiers_visible_to(client)) == {dossier.code}


def test_desk_queues_follow_the_active_step():
    agency = AgencyFactory()
    version = ProcedureWithRouteFactory(agency=agency)
    staff = {role: officer(role, agency) for role in (Role.RECEIVER, Role.HANDLER, Role.APPROVER, Role.RETURNER)}
    waiting = submitted_dossier(version, agency)
    handling = dossier_in_state(State.RECEIVED, version, agency, actors=staff)
    approving = dossier_in_state(State.IN_PROGRESS, version, agency, actors=staff)
    ready = dossier_in_state(State.RESULT_READY, version, agency, actors=staff)
    dossier_in_state(State.RETURNED, version, agency, actors=staff)
    assert codes(selectors.queue_for(staff[Role.RECEIVER], "receive")) == {waiting.code}
    assert codes(selectors.queue_for(staff[Role.HANDLER], "handle")) == {handling.code}
    assert codes(selectors.queue_for(staff[Role.APPROVER], "approver")) == {approving.code}
    assert codes(selectors.queue_for(staff[Role.RETURNER], "return")) == {ready.code}
    assert not selectors.queue_for(staff[Role.HANDLER], "receive").exists()  # not a receiver
    assert not selectors.queue_for(officer(Role.HANDLER, AgencyFactory()), "handle").exists()


def test_filters_by_state_search_overdue_and_due_soon(clock):
    agency = AgencyFactory()
    version = ProcedureWithRouteFactory(agency=agency)
    fresh = received_dossier(version, agency, name="Phạm Thị Hoa")  # due Fri 6/3 17:00
    waiting = submitted_dossier(version, agency)
    everything = selectors.dossiers_visible_to(officer(Role.HANDLER, agency))
    assert codes(selectors.filter_dossiers(everything, {"state": "received"})) == {fresh.code}
    assert codes(selectors.filter_dossiers(everything, {"q": "Hoa"})) == {fresh.code}
    assert codes(selectors.filter_dossiers(everything, {"q": waiting.code})) == {waiting.code}
    assert codes(selectors.filter_dossiers(everything, {"channel": "online", "procedure": version.procedure.code,
                                                        "field": version.field.code})) == {fresh.code, waiting.code}
    assert not selectors.filter_dossiers(everything, {"due_soon": "1"}).exists()
    clock.set(2026, 3, 5, 10)
    assert codes(selectors.filter_dossiers(everything, {"due_soon": "1"})) == {fresh.code}
    clock.set(2026, 3, 9, 10)
    assert codes(selectors.filter_dossiers(everything, {"overdue": "true"})) == {fresh.code}
    assert codes(selectors.filter_dossiers(everything, {"date_from": "2026-03-02", "date_to": "02/03/2026"})) == {
        fresh.code, waiting.code}
    assert not selectors.filter_dossiers(everything, {"date_from": "2026-03-03"}).exists()


def test_the_detail_loads_in_a_constant_number_of_queries(steady_calendar):
    agency = AgencyFactory()
    version = ProcedureWithRouteFactory(agency=agency)
    handler = officer(Role.HANDLER, agency)
    small = received_dossier(version, agency)
    big = dossier_in_state(State.RETURNED, version, agency)

    def load(dossier):
        viewer = type(handler).objects.get(pk=handler.pk)  # a request's user: its roles not yet read
        with CaptureQueriesContext(connection) as queries:
            found = selectors.dossier_detail(viewer, dossier.code)
            [(s.agency, s.assignee) for s in found.steps.all()]
            [(e.actor, e.step) for e in found.events.all()]
            list(found.documents.all()), list(found.fees.all()), list(found.payments.all())
        return len(queries)

    assert load(small) == load(big)
    assert selectors.dossier_detail(officer(Role.HANDLER, AgencyFactory()), small.code) is None
