import pytest

from tinhso.dossiers.tests.conftest import Clock, clock, steady_calendar  # noqa: F401 — shared fixtures


@pytest.fixture(autouse=True)
def _centre_without_module_indicators(request):
    """The centre's own tests describe it as it stands without the modules' indicators: the reported codes a
    module takes over (telecom's `giay-phep-bts`, `thue-bao-*`…) stay reported here, with their demo values.
    Each module tests its own indicators, and `test_module_indicators` the path between them."""
    from tinhso.common import indicators as registry

    saved = dict(registry._REGISTRY)
    registry._REGISTRY.clear()
    if request.node.get_closest_marker("django_db") is not None:
        request.getfixturevalue("transactional_db" if request.node.get_closest_marker("django_db").kwargs.get(
            "transaction") else "db")
        from tinhso.ioc.indicators import REPORTED, seed_registry
        from tinhso.ioc.models import Indicator

        seed_registry()
        reported = {row[0] for row in REPORTED}
        Indicator.objects.filter(code__in=[code for code in saved if code not in reported]).update(active=False)
    try:
        yield
    finally:
        registry._REGISTRY.clear()
        registry._REGISTRY.update(saved)
