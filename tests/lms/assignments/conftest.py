from __future__ import annotations

import pytest

from lms.accounts.models import User
from lms.courses.models import Course
from tests.lms.quiz import Quiz, make_quiz


@pytest.fixture
def quiz(teacher: User, course: Course) -> Quiz:
    return make_quiz(teacher, course)
