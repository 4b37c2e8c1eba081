"""Shared fixtures: the three named users of every permission test (healthchecks style).

`teacher` owns `course`, `student` is enrolled in it, `outsider` is a student of another course and
must be refused everything in `course`.

Django models are imported inside the fixtures, so that the engine's tests (which never touch
Django) also run with `pytest -p no:django`.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, NoReturn

import psycopg
import pytest
import redis
from django.conf import settings

if TYPE_CHECKING:
    from lms.accounts.models import User
    from lms.courses.models import Course


@pytest.fixture
def course(db: None) -> Course:
    from tests.factories import CourseFactory

    return CourseFactory(code="BIO-101", title="Biology")


@pytest.fixture
def teacher(course: Course) -> User:
    from lms.courses.models import Enrollment
    from tests.factories import EnrollmentFactory, UserFactory

    user = UserFactory(email="teacher@example.com", display_name="Tess Teacher")
    EnrollmentFactory(user=user, course=course, role=Enrollment.Role.TEACHER)
    return user


@pytest.fixture
def student(course: Course) -> User:
    from lms.courses.models import Enrollment
    from tests.factories import EnrollmentFactory, UserFactory

    user = UserFactory(email="student@example.com", display_name="Sam Student")
    EnrollmentFactory(user=user, course=course, role=Enrollment.Role.STUDENT)
    return user


@pytest.fixture
def outsider(db: None) -> User:
    from lms.courses.models import Enrollment
    from tests.factories import EnrollmentFactory, UserFactory

    user = UserFactory(email="outsider@example.com", display_name="Otto Outsider")
    EnrollmentFactory(user=user, role=Enrollment.Role.STUDENT)
    return user


@pytest.fixture
def admin_user(db: None) -> User:
    from lms.accounts.models import User

    return User.objects.create_superuser("admin@example.com", "admin-password-123")


# --- Services: PostgreSQL, Redis, and a test database that worker processes can open -------------
# Tests that need a real service ask for `postgres` or `redis_url`. Without the service (a laptop)
# they are skipped with the reason; under CI (CI=true) a missing service is an error, because
# running them against the real services is what CI is for.


def missing_service(reason: str) -> NoReturn:
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"{reason} (CI=true: services-dependent tests must run)", pytrace=False)
    pytest.skip(reason)


@pytest.fixture(scope="session")
def redis_url() -> str:
    """The URL of a Redis that answers: REDIS_URL, as the settings read it."""
    url: str = settings.REDIS_URL
    if not url:
        missing_service("needs Redis: REDIS_URL is not set")
    try:
        redis.Redis.from_url(url, socket_connect_timeout=3, socket_timeout=3).ping()
    except redis.RedisError as exc:
        missing_service(f"needs Redis: {url} does not answer ({exc})")
    return url


@pytest.fixture(scope="session")
def postgres() -> str:
    """The DATABASE_URL of the PostgreSQL server that holds the test database, once it answers."""
    db = settings.DATABASES["default"]
    if db["ENGINE"] != "django.db.backends.postgresql":
        missing_service("needs PostgreSQL: DATABASE_URL is not set to a postgres:// URL")
    try:
        # The maintenance database, as Django uses to create the test database.
        psycopg.connect(
            host=db["HOST"] or None,
            port=db["PORT"] or None,
            user=db["USER"] or None,
            password=db["PASSWORD"] or None,
            dbname="postgres",
            connect_timeout=3,
        ).close()
    except psycopg.Error as exc:
        missing_service(f"needs PostgreSQL: {db['HOST']}:{db['PORT']} does not answer ({exc})")
    return os.environ.get("DATABASE_URL", "")


@pytest.fixture(scope="session")
def django_db_modify_db_settings(
    django_db_modify_db_settings_parallel_suffix: None,
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    """Keep the SQLite test database in a file, so that worker processes can open it too.

    In memory it would be private to this process. AULA_TEST_DB_FILE picks the file; otherwise it
    goes to this session's temporary directory (one per xdist process, so they never share it).
    """
    db = settings.DATABASES["default"]
    if db["ENGINE"] == "django.db.backends.sqlite3" and not db.get("TEST", {}).get("NAME"):
        db.setdefault("TEST", {})["NAME"] = str(tmp_path_factory.mktemp("db") / "test.sqlite3")
