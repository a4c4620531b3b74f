import os

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.urls import reverse

from tinhso.catalogue.models import Procedure
from tinhso.common import audit
from tinhso.common.audit import AuditEntry
from tinhso.demo.services import DEMO_PASSWORD
from tinhso.directory.models import Agency, Membership, Role
from tinhso.dossiers.models import Dossier
from tinhso.geo.models import Commune, Province, Village

pytestmark = pytest.mark.django_db


def _counts() -> dict[str, int]:
    models = [Province, Commune, Village, Agency, Membership, get_user_model(), Procedure, Dossier]
    counts = {model._meta.label: model.objects.count() for model in models}
    # A load run is itself recorded as an action; the records it writes must not change the second time.
    counts["record changes"] = AuditEntry.objects.exclude(action=AuditEntry.Action.ACTION).count()
    return counts


def test_loading_the_demo_twice_duplicates_nothing(capsys):
    call_command("demo", "load", "--days", "20")
    first = _counts()
    assert first["geo.Province"] == 34
    assert first["geo.Commune"] == 3321
    assert first["geo.Village"] > 0
    assert first["catalogue.Procedure"] >= 30
    assert first["dossiers.Dossier"] > 0
    call_command("demo", "load", "--days", "20")
    assert _counts() == first
    assert audit.verify().ok


def test_every_printed_demo_login_signs_in_and_sees_its_agency_and_role(client):
    from tinhso.demo.services import load_demo

    summary = load_demo(dossier_days=10)
    printed = {role for role, _, _ in summary.logins}
    roles = {label for _, label in Role.choices}
    # Every role has a login; the records clerk's login is printed as what the clerk does, not as a role.
    assert roles <= printed
    assert printed - roles == {"Văn thư (sổ văn bản đi, đến)"}
    for role_label, username, agency_name in summary.logins:
        client.logout()
        response = client.post(reverse("login"), {"username": username, "password": DEMO_PASSWORD})
        assert response.status_code == 302, username
        home = client.get(reverse("staff-home")).content.decode()
        assert agency_name in home
        if role_label in roles:
            assert role_label in home
        else:
            assert reverse("documents:home") in home, username


def test_the_printed_desk_logins_find_a_dossier_in_each_of_their_queues():
    from tinhso.demo.services import load_demo
    from tinhso.dossiers.selectors import queue_for

    load_demo(dossier_days=10)
    users = get_user_model().objects
    for username, queue in [("tiepnhan", "receive"), ("xuly", "handle"), ("lanhdao", "approve"),
                            ("trakq", "return")]:
        assert queue_for(users.get(username=username), queue).exists(), (username, queue)


def test_the_demo_has_a_month_of_notices_some_failed_and_a_welcome_in_each_login():
    from tinhso.common.notices.models import Delivery, Notice
    from tinhso.demo.services import load_demo

    summary = load_demo(dossier_days=40)
    counts = (Notice.objects.count(), Delivery.objects.count())
    assert Delivery.objects.filter(status="sent").count() > 50
    assert Delivery.objects.filter(status="failed").exists()
    for _role, username, _agency in summary.logins:
        assert Notice.objects.filter(user__username=username, in_app=True, kind="demo.welcome").count() == 1
    load_demo(dossier_days=40)
    assert (Notice.objects.count(), Delivery.objects.count()) == counts


def test_the_demo_gateway_has_members_rights_calls_and_dead_letters_to_retry():
    from tinhso.demo.services import load_demo
    from tinhso.exchange import seals
    from tinhso.exchange.models import AccessRight, Member, MessageRecord, OutboxEntry, OutboxStatus

    load_demo(dossier_days=10)
    portal = Member.objects.get(member_code="000.00.00.G22", subsystem_code="dvcqg")
    assert portal.agency.identifier == "000.00.00.H41" and portal.certificates.count() == 1
    assert set(AccessRight.objects.filter(client=portal).values_list("service__code", flat=True)) == {
        "dossier-status", "procedures"}
    served = MessageRecord.objects.filter(direction="served", kind="response")
    assert served.filter(status=200).count() >= 3 and served.filter(error_type="Client.AccessDenied").count() == 1
    assert OutboxEntry.objects.filter(status=OutboxStatus.DEAD).count() == 2
    seals.chain(settle=0)
    assert seals.verify(check_timestamps=False).ok
    records = MessageRecord.objects.count()
    load_demo(dossier_days=10)
    assert MessageRecord.objects.count() == records and Member.objects.count() == 5  # 2 members, 3 subsystems


def test_serving_on_another_port_makes_the_links_in_notices_name_it(monkeypatch, settings):
    from tinhso.demo.management.commands import demo as command

    served = {}
    monkeypatch.delenv("PUBLIC_BASE_URL", raising=False)
    monkeypatch.setattr(command, "load_demo", lambda **kwargs: type("Summary", (), {"logins": []})())
    monkeypatch.setattr(command.Command, "_serve", lambda self, host, port, logins, password: served.update(
        host=host, port=port, env=os.environ.get("PUBLIC_BASE_URL")))
    call_command("demo", "serve", "--port", "8765")
    assert served == {"host": "127.0.0.1", "port": "8765", "env": "http://127.0.0.1:8765"}
    assert settings.TINHSO_PUBLIC_BASE_URL == "http://127.0.0.1:8765"
    # A configured address is kept.
    monkeypatch.setenv("PUBLIC_BASE_URL", "https://dichvucong.example.vn")
    settings.TINHSO_PUBLIC_BASE_URL = "https://dichvucong.example.vn"
    call_command("demo", "serve", "--port", "8766")
    assert served["env"] == "https://dichvucong.example.vn"
    assert settings.TINHSO_PUBLIC_BASE_URL == "https://dichvucong.example.vn"


def test_the_demo_radio_has_a_week_of_programmes_for_the_units_and_a_poster_for_the_boards():
    from tinhso.broadcast import programme
    from tinhso.broadcast.models import Device
    from tinhso.demo.services import load_demo

    load_demo(dossier_days=5)
    board = Device.objects.filter(kind=Device.Kind.DISPLAY).first()
    unit = Device.objects.filter(kind=Device.Kind.RECEIVER).first()
    shown = programme.device_programme(board)["items"]
    played = programme.device_programme(unit)["items"]
    assert len(shown) >= 6 and all(item["kind"] == "display" and item["url"] and item["sha256"] for item in shown)
    assert played and all("kind" not in item and item["url"].endswith(".mp3") for item in played)
