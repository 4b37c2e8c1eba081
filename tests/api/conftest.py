"""Fixtures for the API tests: the matrix world and clients signed in as each of its roles."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.test import override_settings
from rest_framework.test import APIClient

from lms.accounts.models import User
from lms.courses.models import Course
from tests.api.world import World, build_world

ROLES = ("student", "peer", "ta", "teacher", "other_teacher", "anonymous")

Client = Callable[[str], APIClient]


@pytest.fixture(autouse=True, scope="session")
def _fast_password_hashing() -> Iterator[None]:
    # As in tests/lms: the default PBKDF2 costs about half a second per user here.
    with override_settings(PASSWORD_HASHERS=["tests.lms.conftest.FastPBKDF2PasswordHasher"]):
        yield


@pytest.fixture(autouse=True)
def _private_cache(settings: Any) -> None:
    # Throttle counters live in the cache: each test starts with its own, empty one.
    # Local-memory caches with one LOCATION share their store, so each test names its own.
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": f"api-test-{uuid.uuid4().hex}",
        }
    }


@pytest.fixture
def world(course: Course, teacher: User, student: User) -> World:
    return build_world(course, teacher, student)


@pytest.fixture
def client_as(world: World) -> Client:
    """A client signed in (session-less, as DRF's `force_authenticate`) as a role of the world."""

    def make(role: str) -> APIClient:
        client = APIClient()
        user = world.user(role)
        if user is not None:
            client.force_authenticate(user)
        return client

    return make
