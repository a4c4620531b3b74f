"""Every operation of the published OpenAPI document, fuzzed with Schemathesis, on each database of the suite.

The schema is read from the mounted API (``/api/openapi.json``), so an app's router is covered as soon as it
is mounted in ``tinhso/api.py``. Each operation gets ``EXAMPLES`` generated requests (valid and invalid
parameters and bodies, plus Schemathesis's coverage cases) sent through the WSGI application with an agency
token; half of the path parameters and bodies are steered to records that exist, so that requests reach
past the 404s. Every answer must be no 5xx, a status the document lists for the operation, the content type
it lists and a body that matches its schema. Each example runs inside a savepoint that is rolled back, so
all see the same seeded records and one example's database error cannot spill into the next.

The figures of a run (operations, examples, answers by class) are printed at the end of the session.
"""

from __future__ import annotations

import collections

import pytest
import schemathesis
from django.core import signals
from django.db import close_old_connections, transaction
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tinhso.conf.wsgi import application

EXAMPLES = 50
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
# What the run saw, printed by tinhso/tests/conftest.py: (operation, status) → count.
FIGURES: collections.Counter = collections.Counter()
# Records that exist, filled by the ``seeded`` fixture and read by the hooks below.
KNOWN: dict[str, list] = {}

schema = schemathesis.openapi.from_wsgi("/api/openapi.json", application)
OPERATIONS = sum(1 for methods in schema.raw_schema["paths"].values() for method in methods
                 if method in {"get", "put", "post", "delete", "patch", "head", "options", "trace"})


def _steered(original: dict, replacements: dict[str, list]) -> st.SearchStrategy:
    """The generated values, or (as often) the same with some keys set to records that exist."""
    if not isinstance(original, dict):
        return st.just(original)
    options = {key: values for key, values in replacements.items() if key in original and values}
    if not options:
        return st.just(original)
    known = st.fixed_dictionaries({key: st.sampled_from(values) for key, values in options.items()})
    return st.one_of(st.just(original), known.map(lambda chosen: {**original, **chosen}))


@schema.hook
def flatmap_path_parameters(context, path_parameters):
    path = context.operation.path if context.operation else ""
    replacements = {"action": KNOWN.get("actions", [])}
    if path.startswith("/api/dossiers"):
        replacements.update(code=KNOWN.get("dossier_codes", []), document_id=KNOWN.get("document_ids", []))
    elif path.startswith("/api/geo/provinces"):
        replacements["code"] = KNOWN.get("province_codes", [])
    elif path.startswith("/api/geo/communes"):
        replacements["code"] = KNOWN.get("commune_codes", [])
    elif path.startswith("/api/catalogue/procedures"):
        replacements["code"] = KNOWN.get("procedure_codes", [])
    elif path.startswith("/api/directory/agencies"):
        replacements["identifier"] = KNOWN.get("agency_identifiers", [])
    return _steered(path_parameters, replacements)


@schema.hook
def flatmap_body(context, body):
    if not isinstance(body, dict):
        return st.just(body)
    return _steered(body, {"procedure": KNOWN.get("procedure_codes", []),
                           "receiving_agency": KNOWN.get("agency_identifiers", []),
                           "indicator": KNOWN.get("indicator_codes", []),
                           "period": ["2026", "2026-Q1", "2026-03"]})


@pytest.fixture(scope="module")
def seeded(django_db_setup, django_db_blocker):
    """One province-sized slice of records for the whole module, rolled back at its end."""
    from tinhso.directory.models import Role
    from tinhso.directory.tests.factories import AgencyFactory
    from tinhso.dossiers import services
    from tinhso.dossiers.models import DossierDocument, State
    from tinhso.dossiers.tests.factories import ProcedureWithRouteFactory, api_token, dossier_in_state, officer
    from tinhso.geo.models import Province
    from tinhso.geo.tests.factories import CommuneFactory, ProvinceFactory, VillageFactory
    from tinhso.ioc.models import Indicator, Source

    # Requests go straight to the WSGI application: keep the test's connection (and its transaction) open,
    # as Django's own test client does.
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    with django_db_blocker.unblock(), transaction.atomic():
        ProvinceFactory(code="01", name="Hà Nội", kind=Province.Kind.CITY, codename="ha_noi", phone_code=24)
        commune = CommuneFactory()
        VillageFactory(commune=commune)
        agency = AgencyFactory()
        version = ProcedureWithRouteFactory(agency=agency)
        dossiers = [dossier_in_state(state, version=version, agency=agency)
                    for state in (State.SUBMITTED, State.RECEIVED, State.IN_PROGRESS, State.RETURNED)]
        officer(Role.APPROVER, agency)
        _token, secret = api_token(agency)
        KNOWN.update(
            dossier_codes=[d.code for d in dossiers],
            document_ids=list(DossierDocument.objects.filter(dossier__in=dossiers).values_list("pk", flat=True)),
            actions=["receive", "request_supplement", "assign", "forward", "approve", "issue_apology",
                     "return_result", "refuse", "withdraw"],
            province_codes=["40", "01"], commune_codes=[commune.code], procedure_codes=[version.procedure.code],
            agency_identifiers=[agency.identifier],
            indicator_codes=list(Indicator.objects.filter(source=Source.REPORTED).values_list("code", flat=True)[:5]),
        )
        assert services  # the factories above went through the services
        yield {"token": secret}
        transaction.set_rollback(True)
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@pytest.mark.django_db
@schema.parametrize()
@settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
          suppress_health_check=list(HealthCheck))
def test_every_operation_answers_as_documented(case, seeded):
    savepoint = transaction.savepoint()
    try:
        response = case.call(headers={"Authorization": f"Bearer {seeded['token']}"})
        FIGURES[(f"{case.method} {case.path}", response.status_code)] += 1
        case.validate_response(response, checks=CHECKS)
    finally:
        transaction.savepoint_rollback(savepoint)
