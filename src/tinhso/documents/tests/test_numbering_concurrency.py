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


@pytest.mark.django_db(transaction=True)
def test_the_document_types_and_retention_schedule_are_there_after_a_flush():
    from django.core.management import call_command

    from tinhso.documents.models import DocumentType, RetentionPeriod

    call_command("flush", interactive=False, verbosity=0)
    assert DocumentType.objects.filter(code="thong-bao", abbreviation="TB").exists()
    assert DocumentType.objects.filter(normative=True).count() == 2
    assert RetentionPeriod.objects.filter(code="vinh-vien", years=None).exists()
