"""Clerks issuing at the same moment get distinct consecutive numbers (run on PostgreSQL as on SQLite)."""

from __future__ import annotations

import datetime

import pytest
from django.db import connection

from tinhso.documents import services
from tinhso.documents.tests.factories import incoming_input, outgoing_input, records_office
from tinhso.testing.concurrency import THREADS, run_together


@pytest.mark.django_db(transaction=True)
def test_concurrent_issues_and_registrations_get_consecutive_numbers():
    office = records_office("SKHCN")

    def issue(i: int):
        try:
            return services.issue_outgoing(office.agency, outgoing_input(subject=f"Văn bản {i}"), by=office.clerk,
                                           on=datetime.date(2026, 6, 1)).number
        finally:
            connection.close()

    def register(i: int):
        try:
            return services.register_incoming(office.agency, incoming_input(code_number=str(200 + i)),
                                              by=office.clerk).arrival_number
        finally:
            connection.close()

    numbers = run_together(issue)
    assert sorted(numbers) == list(range(1, THREADS + 1)), numbers
    arrivals = run_together(register)
    assert sorted(arrivals) == list(range(1, THREADS + 1)), arrivals
