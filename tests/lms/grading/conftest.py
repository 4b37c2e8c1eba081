from __future__ import annotations

import pytest

from lms.accounts.models import User
from lms.assignments.models import Answer, Submission
from lms.assignments.services import submission_submit
from lms.courses.models import Course, Enrollment
from tests.factories import EnrollmentFactory, UserFactory
from tests.lms.quiz import ON_TIME, Quiz, make_quiz


@pytest.fixture
def quiz(teacher: User, course: Course) -> Quiz:
    return make_quiz(teacher, course)


@pytest.fixture
def ta(course: Course) -> User:
    user = UserFactory(email="ta@example.com")
    EnrollmentFactory(user=user, course=course, role=Enrollment.Role.TA)
    return user


@pytest.fixture
def submitted(quiz: Quiz, student: User) -> Submission:
    """The student's first attempt, every answer right, on time."""
    return submission_submit(
        student=student, assignment=quiz.assignment, answers=quiz.right_answers(), now=ON_TIME
    )


@pytest.fixture
def essay_answer(submitted: Submission, quiz: Quiz) -> Answer:
    return submitted.answers.get(question=quiz.essay)
