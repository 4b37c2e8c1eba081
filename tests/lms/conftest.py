"""Fixtures for the LMS tests."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.contrib.auth.hashers import PBKDF2PasswordHasher
from django.test import override_settings


class FastPBKDF2PasswordHasher(PBKDF2PasswordHasher):
    """PBKDF2 with few iterations. The default million takes about half a second per password on
    these machines, and the tests create hundreds of users. The iteration count is stored in each
    hash, so server or worker processes started by a test still verify these passwords."""

    iterations = 1_000


@pytest.fixture(autouse=True, scope="session")
def _fast_password_hashing() -> Iterator[None]:
    with override_settings(PASSWORD_HASHERS=["tests.lms.conftest.FastPBKDF2PasswordHasher"]):
        yield
