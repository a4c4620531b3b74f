"""Every list page and API list of the registers is paginated, and its number of queries does not grow with
the number of documents it lists."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tinhso.documents import services
from tinhso.documents.tests.factories import incoming_input, issued, records_office

pytestmark = pytest.mark.django_db

PAGES = ["/van-ban/", "/van-ban/di/", "/van-ban/den/", "/api/documents/outgoing", "/api/documents/incoming"]


def add(sender, receiver, start: int, count: int) -> None:
    for i in range(start, start + count):
        issued(sender, recipients=[receiver.agency], subject=f"Văn bản số {i}")
        document = services.register_incoming(receiver.agency, incoming_input(code_number=str(1000 + i)),
                                              by=receiver.clerk)
        services.assign(document, handler_id=receiver.handler.pk, days=3, by=receiver.clerk)


def counts(client) -> dict[str, int]:
    found = {}
    for page in PAGES:
        with CaptureQueriesContext(connection) as queries:
            answer = client.get(page)
        assert answer.status_code == 200, page
        found[page] = len(queries)
    return found


def test_list_queries_do_not_grow_with_the_documents(client):
    sender = records_office("SKHCN")
    receiver = records_office("SYT")
    client.force_login(receiver.clerk)
    add(sender, receiver, 0, 2)
    few = counts(client)
    add(sender, receiver, 2, 8)
    many = counts(client)
    assert many == few, {page: (few[page], many[page]) for page in PAGES}
