"""The one counter mechanism: consecutive numbers per series and period, no gap after a rollback, never
reused, and exactly one number per caller when many take numbers at once."""

from __future__ import annotations

import pytest
from django.db import transaction

from tinhso.common import counters
from tinhso.testing.concurrency import THREADS, run_together


@pytest.mark.django_db
def test_numbers_run_from_one_per_series_and_period():
    with transaction.atomic():
        taken = [counters.allocate("document-out:1", "2026") for _ in range(3)]
        other_series = counters.allocate("document-out:2", "2026")
        next_year = counters.allocate("document-out:1", "2027")
    assert taken == [1, 2, 3]
    assert other_series == 1 and next_year == 1
    assert counters.last_allocated("document-out:1", "2026") == 3
    assert counters.last_allocated("document-out:9", "2026") == 0


@pytest.mark.django_db
def test_a_rolled_back_allocation_leaves_no_gap():
    with transaction.atomic():
        assert counters.allocate("arrival:1", "2026") == 1
    with pytest.raises(RuntimeError), transaction.atomic():
        assert counters.allocate("arrival:1", "2026") == 2
        raise RuntimeError("the record could not be stored")
    with transaction.atomic():
        assert counters.allocate("arrival:1", "2026") == 2


@pytest.mark.django_db(transaction=True)
def test_allocation_outside_a_transaction_is_refused():
    with pytest.raises(RuntimeError, match="inside the transaction"):
        counters.allocate("arrival:1", "2026")


@pytest.mark.django_db
def test_a_series_taken_over_from_a_paper_register_continues_after_its_last_number():
    counters.set_last("document-out:1", "2026", 124)
    with transaction.atomic():
        assert counters.allocate("document-out:1", "2026") == 125


@pytest.mark.django_db(transaction=True)
def test_concurrent_callers_get_distinct_consecutive_numbers():
    def take(i: int) -> int:
        with transaction.atomic():
            return counters.allocate("case:1", "2026")

    results = run_together(take)
    assert sorted(results) == list(range(1, THREADS + 1)), results
