import pytest

from tinhso.geo import selectors
from tinhso.geo.models import Province
from tinhso.geo.tests.factories import CommuneFactory, ProvinceFactory

pytestmark = pytest.mark.django_db


def test_the_served_province_before_loading_says_which_command_to_run(settings):
    settings.TINHSO_PROVINCE_CODE = "40"
    with pytest.raises(Province.DoesNotExist, match="tinhso geo load"):
        selectors.served_province()
    assert not selectors.communes_of_served_province().exists()


def test_only_the_served_provinces_communes_are_its_communes(settings):
    settings.TINHSO_PROVINCE_CODE = "40"
    ours = CommuneFactory()
    CommuneFactory(province=ProvinceFactory(code="42", name="Hà Tĩnh", codename="ha_tinh", phone_code=239))
    assert selectors.served_province() == ours.province
    assert list(selectors.communes_of_served_province()) == [ours]
