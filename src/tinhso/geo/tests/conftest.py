import pytest
from django.db import transaction

from tinhso.geo.services import load_units


@pytest.fixture(scope="module")
def loaded_units(django_db_setup, django_db_blocker):
    """The full code lists, loaded once for a test module and rolled back after it.

    Each test still runs in its own savepoint (the ``db`` fixture), so what a test writes is undone
    while the loaded units stay for the next test. Modules using this must not use ``transactional_db``.
    """
    with django_db_blocker.unblock(), transaction.atomic():
        yield load_units()
        transaction.set_rollback(True)
