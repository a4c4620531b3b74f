"""The demo province's press and information work: a spokesperson for every agency, a year of briefings,
licences on .example domains, cases in every state; loading twice duplicates nothing."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.utils import timezone

from tinhso.directory.demo import load_demo_directory
from tinhso.directory.models import Agency
from tinhso.media.demo import load_demo_media
from tinhso.media.models import Briefing, Case, FakeNewsReport, PressAgency, WebsiteLicence
from tinhso.media.selectors import spokesperson_gaps

pytestmark = pytest.mark.django_db


def test_the_demo_has_every_state_and_loads_once(client):
    code = settings.TINHSO_PROVINCE_CODE
    load_demo_directory(code, "mat-khau-demo-1")
    summary = load_demo_media(code, "mat-khau-demo-1")
    assert summary["press_agencies"] == PressAgency.objects.count() > 5
    assert not spokesperson_gaps().exists() and Agency.objects.active_on(timezone.localdate()).exists()
    assert Briefing.objects.count() >= 12
    assert all(w.domain.endswith(".example") for w in WebsiteLicence.objects.all())
    assert set(Case.objects.values_list("state", flat=True)) == {"verification", "decision", "response", "closed"}
    assert set(FakeNewsReport.objects.values_list("state", flat=True)) == {"received", "case", "duplicate",
                                                                            "out_of_scope"}
    assert Case.objects.filter(published_at__isnull=False).exists()
    # Licence requests went through the one-stop engine; the returned ones are in the registry.
    assert summary["dossiers"] == 4
    granted = WebsiteLicence.objects.get(domain="lamhong.example")
    assert granted.records.get().dossier is not None
    assert WebsiteLicence.objects.filter(records__action="renew").count() == 1
    assert load_demo_media(code, "mat-khau-demo-1") == {}
    # The operations centre's demo plan sets targets for the module's indicators.
    from tinhso.ioc.indicators import load_demo_ioc
    from tinhso.ioc.models import Target

    load_demo_ioc(code)
    assert Target.objects.filter(indicator__code="xac-minh-dung-han", value=95).exists()
    assert client.login(username="baochi", password="mat-khau-demo-1")
    assert "Tin báo chờ phân loại" in client.get("/bao-chi/").content.decode()
