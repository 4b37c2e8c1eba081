from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from lms.accounts.models import User
from lms.assignments.models import Assignment, Choice, Level, Question
from lms.assignments.selectors import (
    assignments_for_course,
    attempts_left,
    effective_due_for,
    effective_lock_for,
)
from lms.assignments.services import (
    assignment_create,
    assignment_publish,
    assignment_update,
    category_create,
    extension_grant,
    question_create,
)
from lms.courses.models import Course, Enrollment
from lms.courses.services import course_update, skill_create
from tests.factories import CourseFactory, EnrollmentFactory, SkillFactory, UserFactory
from tests.lms.quiz import DUE, LOCK, Quiz

pytestmark = pytest.mark.django_db


def test_assignment_copies_the_course_late_policy(course: Course, teacher: User) -> None:
    course_update(
        actor=teacher,
        course=course,
        late_deduction_percent=Decimal(10),
        late_interval="hour",
        late_minimum_percent=Decimal(50),
        missing_deduction_enabled=True,
    )
    assignment = assignment_create(actor=teacher, course=course, title="Lab", late_interval="day")
    assert assignment.late_deduction_percent == Decimal(10)
    assert assignment.late_interval == "day"  # an explicit value overrides the default
    assert assignment.late_minimum_percent == Decimal(50)
    assert assignment.missing_deduction_enabled
    assert not assignment.is_published
    # A later change of the course default leaves the copy alone.
    course_update(actor=teacher, course=course, late_deduction_percent=Decimal(1))
    assignment.refresh_from_db()
    assert assignment.late_deduction_percent == Decimal(10)


def test_assignment_times_and_category_are_checked(course: Course, teacher: User) -> None:
    with pytest.raises(ValidationError, match="due time must come after"):
        assignment_create(
            actor=teacher, course=course, title="X", opens_at=DUE, due_at=DUE - timedelta(days=1)
        )
    foreign = category_create(
        actor=UserFactory(is_staff=True), course=CourseFactory(), name="Other", weight=10
    )
    with pytest.raises(ValidationError, match="another course"):
        assignment_create(actor=teacher, course=course, title="X", category=foreign)
    assert not Assignment.objects.filter(course=course).exists()


def test_only_teachers_author(course: Course, student: User) -> None:
    ta = UserFactory()
    EnrollmentFactory(user=ta, course=course, role=Enrollment.Role.TA)
    for actor in (student, ta):
        with pytest.raises(PermissionDenied):
            assignment_create(actor=actor, course=course, title="X")


def test_publishing_needs_a_question(course: Course, teacher: User) -> None:
    assignment = assignment_create(actor=teacher, course=course, title="Empty")
    with pytest.raises(ValidationError, match="at least one question"):
        assignment_publish(actor=teacher, assignment=assignment)


def test_update_and_unpublish(quiz: Quiz, teacher: User) -> None:
    assignment_update(actor=teacher, assignment=quiz.assignment, title="Quiz one", max_attempts=5)
    assignment_publish(actor=teacher, assignment=quiz.assignment, published=False)
    quiz.assignment.refresh_from_db()
    assert (quiz.assignment.title, quiz.assignment.max_attempts) == ("Quiz one", 5)
    course = quiz.assignment.course
    assert not assignments_for_course(course=course, include_unpublished=False).exists()
    assert list(assignments_for_course(course=course, include_unpublished=True)) == [
        quiz.assignment
    ]


def test_question_with_rubric_and_skills(course: Course, teacher: User) -> None:
    assignment = assignment_create(actor=teacher, course=course, title="Essay")
    skill = skill_create(actor=teacher, course=course, name="Argument")
    question = question_create(
        actor=teacher,
        assignment=assignment,
        kind=Question.Kind.ESSAY,
        prompt="Argue.",
        points=5,
        skills=[skill],
        criteria=[
            {
                "title": "Claim",
                "levels": [{"title": "Clear", "points": 2}, {"title": "No", "points": 0}],
            },
            {
                "title": "Evidence",
                "levels": [{"title": "Strong", "points": 3}, {"title": "Weak", "points": 1}],
            },
        ],
    )
    assert list(question.skills.all()) == [skill]
    assert [c.title for c in question.criteria.all()] == ["Claim", "Evidence"]
    assert Level.objects.filter(criterion__question=question).count() == 4
    second = question_create(actor=teacher, assignment=assignment, kind="essay", prompt="Again.")
    assert second.position == question.position + 1


BAD_QUESTIONS: list[tuple[dict[str, Any], str]] = [
    ({"kind": "drawing"}, "not a question kind"),
    ({"kind": "single_choice", "choices": [{"text": "A"}, {"text": "B"}]}, "exactly one correct"),
    (
        {"kind": "single_choice", "choices": [{"text": "A", "is_correct": True}] * 2},
        "exactly one correct",
    ),
    ({"kind": "multiple_choice", "choices": [{"text": "A"}, {"text": "B"}]}, "at least one"),
    ({"kind": "single_choice", "choices": [{"text": "A", "is_correct": True}]}, "two choices"),
    ({"kind": "numeric"}, "needs its answer"),
    ({"kind": "essay", "accepted_answers": ["x"]}, "Only short text"),
    ({"kind": "essay", "choices": [{"text": "A"}, {"text": "B"}]}, "Only choice questions"),
    (
        {
            "kind": "essay",
            "points": 1,
            "criteria": [{"title": "C", "levels": [{"title": "L", "points": 2}]}],
        },
        "more than the question",
    ),
    ({"kind": "essay", "criteria": [{"title": "C", "levels": []}]}, "needs levels"),
]


@pytest.mark.parametrize(("spec", "message"), BAD_QUESTIONS)
def test_question_validation_by_kind(
    course: Course, teacher: User, spec: dict[str, Any], message: str
) -> None:
    assignment = assignment_create(actor=teacher, course=course, title="Q")
    with pytest.raises(ValidationError, match=message):
        question_create(actor=teacher, assignment=assignment, prompt="?", **spec)
    assert not Question.objects.filter(assignment=assignment).exists()
    assert not Choice.objects.exists()


def test_question_skills_must_be_of_the_same_course(course: Course, teacher: User) -> None:
    assignment = assignment_create(actor=teacher, course=course, title="Q")
    with pytest.raises(ValidationError, match="own course"):
        question_create(
            actor=teacher, assignment=assignment, kind="essay", prompt="?", skills=[SkillFactory()]
        )


def test_extension_moves_due_lock_and_attempts(quiz: Quiz, teacher: User, student: User) -> None:
    assignment = quiz.assignment
    assert attempts_left(assignment, student) == 2
    later_due, later_lock = DUE + timedelta(days=3), LOCK + timedelta(days=3)
    extension_grant(
        actor=teacher,
        assignment=assignment,
        student=student,
        due_at=later_due,
        lock_at=later_lock,
        extra_attempts=1,
    )
    assert effective_due_for(assignment, student) == later_due
    assert effective_lock_for(assignment, student) == later_lock
    assert attempts_left(assignment, student) == 3
    # Granting again replaces the extension rather than adding a second one.
    extension_grant(actor=teacher, assignment=assignment, student=student, extra_attempts=2)
    assert effective_due_for(assignment, student) == DUE
    assert attempts_left(assignment, student) == 4


def test_extension_only_for_students_of_the_course(
    quiz: Quiz, teacher: User, outsider: User, student: User
) -> None:
    with pytest.raises(ValidationError, match="not an active student"):
        extension_grant(actor=teacher, assignment=quiz.assignment, student=outsider)
    with pytest.raises(ValidationError, match="before the closing time"):
        extension_grant(
            actor=teacher, assignment=quiz.assignment, student=student, due_at=LOCK + timedelta(1)
        )
    with pytest.raises(PermissionDenied):
        extension_grant(actor=student, assignment=quiz.assignment, student=student)
