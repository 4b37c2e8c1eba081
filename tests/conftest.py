"""Shared fixtures: the three named users of every permission test (healthchecks style).

`teacher` owns `course`, `student` is enrolled in it, `outsider` is a student of another course and
must be refused everything in `course`.
"""

from __future__ import annotations

import pytest

from lms.accounts.models import User
from lms.courses.models import Course, Enrollment
from tests.factories import CourseFactory, EnrollmentFactory, UserFactory


@pytest.fixture
def course(db: None) -> Course:
    return CourseFactory(code="BIO-101", title="Biology")


@pytest.fixture
def teacher(course: Course) -> User:
    user = UserFactory(email="teacher@example.com", display_name="Tess Teacher")
    EnrollmentFactory(user=user, course=course, role=Enrollment.Role.TEACHER)
    return user


@pytest.fixture
def student(course: Course) -> User:
    user = UserFactory(email="student@example.com", display_name="Sam Student")
    EnrollmentFactory(user=user, course=course, role=Enrollment.Role.STUDENT)
    return user


@pytest.fixture
def outsider(db: None) -> User:
    user = UserFactory(email="outsider@example.com", display_name="Otto Outsider")
    EnrollmentFactory(user=user, role=Enrollment.Role.STUDENT)
    return user


@pytest.fixture
def admin_user(db: None) -> User:
    return User.objects.create_superuser("admin@example.com", "admin-password-123")
