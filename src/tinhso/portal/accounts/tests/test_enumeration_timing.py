"""No account enumeration by timing: registration, sign-in and reset do the same work on every path.

Two kinds of test, neither flaky. The first counts the work that dominates the time — password hashes (the
hasher is replaced by one that counts) and mails sent or queued in the request — on each path and requires
the counts to be equal. The second measures the time of each path with a hasher made slow on purpose
(40 ms of sleep, so that the hash is what a real PBKDF2 hash is: most of the request) and compares medians
of interleaved samples: with the work equal the ratio is near 1; before the fix the path that skipped the
hash took about a tenth of the other. A margin of ×2 either way is far from both, so scheduling noise on a
shared machine cannot flip it.
"""

from __future__ import annotations

import itertools
import statistics
import time

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import MD5PasswordHasher
from django.core import mail
from django.test import Client
from django.urls import reverse

from tinhso.portal.accounts.tests.factories import PASSWORD, CitizenFactory

pytestmark = pytest.mark.django_db

COUNTS = {"hashes": 0}


class CountingHasher(MD5PasswordHasher):
    algorithm = "counted_md5"

    def encode(self, password, salt):
        COUNTS["hashes"] += 1
        return super().encode(password, salt)


class SlowHasher(CountingHasher):
    algorithm = "slow_md5"

    def encode(self, password, salt):
        time.sleep(0.04)
        return super().encode(password, salt)


@pytest.fixture
def counted(settings):
    settings.PASSWORD_HASHERS = [f"{__name__}.CountingHasher"]
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    COUNTS["hashes"] = 0
    return COUNTS


def _work(action) -> tuple[int, int, int]:
    """(hashes, mails sent in the request, tasks queued) while ``action`` runs."""
    from django_tasks import default_task_backend

    COUNTS["hashes"] = 0
    mails_before = len(mail.outbox)
    tasks_before = len(default_task_backend.results)
    action()
    return COUNTS["hashes"], len(mail.outbox) - mails_before, len(default_task_backend.results) - tasks_before


_addresses = itertools.count(1)


def _register(email: str, phone: str = ""):
    """One registration from an address of its own (the per-address limit must not answer instead)."""
    response = Client().post(reverse("citizens:register"), {
        "full_name": "Nguyễn Văn Thử", "email": email, "phone": phone, "password1": "Mat-khau-rat-dai-2026",
        "password2": "Mat-khau-rat-dai-2026"}, REMOTE_ADDR=f"10.77.0.{next(_addresses)}")
    assert response.status_code == 302, response.status_code
    return response


def test_registration_does_the_same_work_for_a_new_and_a_taken_address(counted):
    CitizenFactory(user__email="da-co@example.vn", phone="0911111111")
    new = _work(lambda: _register("moi@example.vn"))
    taken = _work(lambda: _register("da-co@example.vn"))
    assert new == taken == (1, 1, 0), (new, taken)


def test_sign_in_hashes_once_on_every_path(counted):
    CitizenFactory(user__email="lan@example.vn")
    CitizenFactory(user__email="chua@example.vn", user__is_active=False, email_verified=False)

    def sign_in(identifier, password):
        return lambda: Client().post(reverse("login"), {"username": identifier, "password": password})

    paths = {
        "unknown": _work(sign_in("khong-co@example.vn", "sai")),
        "wrong password": _work(sign_in("lan@example.vn", "sai")),
        "not yet verified": _work(sign_in("chua@example.vn", PASSWORD)),
        "right": _work(sign_in("lan@example.vn", PASSWORD)),
    }
    assert set(paths.values()) == {(1, 0, 0)}, paths


def test_reset_queues_the_same_task_for_a_known_and_an_unknown_address(counted):
    CitizenFactory(user__email="lan@example.vn")

    def reset(email):
        return lambda: Client().post(reverse("citizens:password-reset"), {"email": email})

    known, unknown = _work(reset("lan@example.vn")), _work(reset("khong-co@example.vn"))
    assert known == unknown == (0, 0, 1), (known, unknown)


def test_the_reset_task_mails_only_the_accounts_of_the_address(settings):
    from tinhso.portal.accounts.tasks import send_password_reset

    CitizenFactory(user__email="lan@example.vn")
    assert send_password_reset.call("khong-co@example.vn") == 0 and mail.outbox == []
    assert send_password_reset.call("lan@example.vn") == 1
    assert "/tai-khoan/dat-lai-mat-khau/" in mail.outbox[0].body


def _median_seconds(action, samples: list[float]) -> None:
    start = time.perf_counter()
    action()
    samples.append(time.perf_counter() - start)


def test_registration_times_match_for_a_new_and_a_taken_address(settings):
    settings.PASSWORD_HASHERS = [f"{__name__}.SlowHasher"]
    CitizenFactory(user__email="da-co@example.vn")
    get_user_model()  # warm the auth machinery before measuring
    _register("khoi-dong@example.vn")
    new, taken = [], []
    for number in range(7):
        _median_seconds(lambda number=number: _register(f"moi{number}@example.vn"), new)
        _median_seconds(lambda: _register("da-co@example.vn"), taken)
    ratio = statistics.median(taken) / statistics.median(new)
    assert 0.5 < ratio < 2, (ratio, new, taken)
