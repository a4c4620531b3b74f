"""Read replicas: the router sends list, dashboard and public reads to a replica, everything else (and a browser's
pages right after it wrote) to the primary.

On PostgreSQL ``replica1`` is a real hot standby of the throwaway server, streaming from it; the tests marked
``streaming_replica`` pause its replay to make it lag and show which database answered. Elsewhere ``replica1``
is a second connection to the test database, enough to see which alias each query went to.
"""

from __future__ import annotations

import time

import pytest
from django.db import OperationalError, connections, transaction
from django.test import Client, override_settings
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tinhso.catalogue.tests.factories import AgencyFactory, ProcedureVersionFactory
from tinhso.common import replicas
from tinhso.directory.models import Role
from tinhso.directory.tests.factories import MembershipFactory, UserFactory
from tinhso.dossiers import services
from tinhso.dossiers.models import Dossier
from tinhso.testing.replicas import caught_up, is_standby, replay_paused

BOTH = ["default", "replica1"]
ROUTED = override_settings(TINHSO_READ_REPLICAS=["replica1"], TINHSO_REPLICA_PIN_SECONDS=10)


@pytest.fixture(autouse=True)
def fresh_health():
    replicas.forget_health()
    yield
    replicas.forget_health()


def _reads(client, url):
    """The response and how many statements each alias answered while serving it."""
    with CaptureQueriesContext(connections["default"]) as primary, \
            CaptureQueriesContext(connections["replica1"]) as replica:
        response = client.get(url)
    return response, len(primary), len(replica)


def _officer(role, agency, name):
    user = UserFactory(username=name)
    MembershipFactory(user=user, agency=agency, role=role)
    return user


def _submitted(version, agency) -> Dossier:
    return services.submit_online(version=version, receiving_agency=agency,
                                  applicant=services.Applicant(name="Trần Văn Lặp", id_number="040200012345"))


def test_writes_and_migrations_go_to_the_primary_only():
    router = replicas.ReplicaRouter()

    assert router.db_for_write(Dossier) == "default"
    assert router.db_for_read(Dossier) == "default"  # outside a replica view
    assert router.allow_migrate("default", "dossiers") is True
    assert router.allow_migrate("replica1", "dossiers") is False


@pytest.mark.django_db(transaction=True, databases=BOTH)
def test_the_catalogue_and_the_desk_queue_read_the_replica_and_the_dossier_page_the_primary():
    agency = AgencyFactory()
    version = ProcedureVersionFactory(name="Đăng ký khai sinh", agencies=[agency])
    dossier = _submitted(version, agency)
    officer = _officer(Role.RECEIVER, agency, "tiepnhan")
    caught_up()
    desk = Client()
    desk.force_login(officer)

    with ROUTED:
        search, on_primary, on_replica = _reads(Client(), "/thu-tuc/?q=khai+sinh")
        assert search.status_code == 200 and "Đăng ký khai sinh" in search.text
        assert on_replica > 0 and on_primary == 0
        queue, _, on_replica = _reads(desk, "/mot-cua/")
        assert queue.status_code == 200 and dossier.code in queue.text and on_replica > 0
        page, on_primary, on_replica = _reads(desk, reverse("dossiers:dossier", args=[dossier.code]))
        assert page.status_code == 200 and on_replica == 0 and on_primary > 0


@pytest.mark.django_db(transaction=True, databases=BOTH)
def test_a_browser_that_wrote_reads_the_primary_until_the_pin_expires():
    ProcedureVersionFactory(name="Đăng ký khai sinh", agencies=[AgencyFactory()])
    caught_up()
    browser = Client()

    with ROUTED:
        wrote = browser.post("/i18n/setlang/", {"language": "vi", "next": "/thu-tuc/"})
        assert "tinhso_primary" in wrote.cookies
        assert int(wrote.cookies["tinhso_primary"]["max-age"]) == 10
        _, on_primary, on_replica = _reads(browser, "/thu-tuc/?q=dang+ky")
        assert on_primary > 0 and on_replica == 0

        browser.cookies["tinhso_primary"] = str(int(time.time()) - 1)  # the pin has run out
        _, on_primary, on_replica = _reads(browser, "/thu-tuc/?q=dang+ky+khai")
        assert on_replica > 0 and on_primary == 0


@pytest.mark.django_db(transaction=True, databases=BOTH)
def test_reads_inside_a_transaction_stay_on_the_primary():
    router = replicas.ReplicaRouter()
    token = replicas._reading_from.set("replica1")
    try:
        assert router.db_for_read(Dossier) == "replica1"
        with transaction.atomic():
            assert router.db_for_read(Dossier) == "default"
    finally:
        replicas._reading_from.reset(token)


@pytest.mark.django_db(transaction=True, databases=BOTH)
@pytest.mark.parametrize("trouble", ["unreachable", "far behind"])
def test_a_replica_that_cannot_serve_is_left_out_and_the_primary_answers(monkeypatch, trouble):
    ProcedureVersionFactory(name="Đăng ký khai sinh", agencies=[AgencyFactory()])

    def lag(alias):
        if trouble == "unreachable":
            raise OperationalError("connection refused")
        return 3600.0

    monkeypatch.setattr(replicas, "_lag_seconds", lag)
    with ROUTED:
        response, on_primary, on_replica = _reads(Client(), "/thu-tuc/?q=khai+sinh")

    assert response.status_code == 200 and "Đăng ký khai sinh" in response.text
    assert on_replica == 0 and on_primary > 0


# -- against the real standby ------------------------------------------------------------------------------

@pytest.mark.streaming_replica
@pytest.mark.django_db(transaction=True, databases=BOTH)
def test_the_replica_is_a_streaming_standby_of_the_test_database():
    assert is_standby("replica1")
    with connections["replica1"].cursor() as cursor:
        cursor.execute("SELECT current_database(), status FROM pg_stat_wal_receiver")
        database, status = cursor.fetchone()
    assert database == connections["default"].settings_dict["NAME"]
    assert status == "streaming"


@pytest.mark.streaming_replica
@pytest.mark.django_db(transaction=True, databases=BOTH)
def test_an_officer_sees_their_own_reception_at_once_while_the_replica_lags():
    agency = AgencyFactory()
    version = ProcedureVersionFactory(name="Đăng ký khai sinh", agencies=[agency])
    dossier = _submitted(version, agency)
    acting, watching = Client(), Client()
    acting.force_login(_officer(Role.RECEIVER, agency, "tiepnhan1"))
    watching.force_login(_officer(Role.RECEIVER, agency, "tiepnhan2"))
    caught_up()

    with ROUTED, replay_paused():
        received = acting.post(reverse("dossiers:action", args=[dossier.code, "receive"]),
                               {"expected_version": dossier.version})
        assert received.status_code == 302
        assert Dossier.objects.get(pk=dossier.pk).state == "received"

        own, on_primary, _ = _reads(acting, "/mot-cua/")
        stale, _, on_replica = _reads(watching, "/mot-cua/")

        # The officer who received it no longer has it waiting (the primary answered) …
        assert dossier.code not in own.text and on_primary > 0
        # … while a colleague's list, read from the lagging replica, still shows it waiting.
        assert dossier.code in stale.text and on_replica > 0

    caught_up()
    with ROUTED:
        fresh, _, on_replica = _reads(watching, "/mot-cua/")
    assert dossier.code not in fresh.text and on_replica > 0


@pytest.mark.streaming_replica
@pytest.mark.django_db(transaction=True, databases=BOTH)
def test_a_replica_further_behind_than_allowed_serves_no_reads():
    ProcedureVersionFactory(name="Đăng ký khai sinh", agencies=[AgencyFactory()])
    caught_up()

    with replay_paused(), override_settings(TINHSO_READ_REPLICAS=["replica1"], TINHSO_REPLICA_MAX_LAG_SECONDS=0.5):
        ProcedureVersionFactory(name="Cấp giấy phép xây dựng", agencies=[AgencyFactory()])
        deadline = time.monotonic() + 10
        while replicas._lag_seconds("replica1") <= 0.5:
            assert time.monotonic() < deadline, "the paused standby never reported a lag"
            time.sleep(0.2)
        response, on_primary, on_replica = _reads(Client(), "/thu-tuc/?q=giay+phep")

    assert "Cấp giấy phép xây dựng" in response.text
    assert on_replica == 1 and on_primary > 0  # the replica answered only the lag check
