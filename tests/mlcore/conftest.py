"""Fixtures for the mlcore tests that use Django (the engine's own tests under `engine/` do not)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.conf import settings
from django.test import override_settings


@pytest.fixture(autouse=True, scope="session")
def _fast_password_hashing() -> Iterator[None]:
    # The users of `tests/conftest.py` get real password hashes; the default PBKDF2 costs about
    # half a second each here. Engine tests run without Django settings: leave them alone.
    if not settings.configured:
        yield
        return
    with override_settings(PASSWORD_HASHERS=["tests.lms.conftest.FastPBKDF2PasswordHasher"]):
        yield
