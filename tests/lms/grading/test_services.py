from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from lms.accounts.models import User
from lms.assignments.models import Answer, Level, Submission
from lms.assignments.services import (
    assignment_update,
    question_create,
    submission_save_draft,
    submission_submit,
)
from lms.courses.services import enrollment_create
from lms.grading.models import ALLOWED_TRANSITIONS, Grade, GradeEvent, GradeSource, GradeState
from lms.grading.services import (
    assignment_grades_release,
    grade_accept,
    grade_apply_rule,
    grade_release,
    grade_retract,
    grade_set,
    grade_suggest,
)
from tests.factories import UserFactory
from tests.lms.dbstate import db_state
from tests.lms.quiz import ON_TIME, Quiz

pytestmark = pytest.mark.django_db

SUGGESTED, DRAFT, RELEASED = GradeState.SUGGESTED, GradeState.DRAFT, GradeState.RELEASED


def last_event(grade: Grade) -> GradeEvent:
    event = grade.events.order_by("id").last()
    assert event is not None
    return event


def test_the_full_life_of_a_grade_one_event_per_move(
    essay_answer: Answer, teacher: User, ta: User
) -> None:
    grade = grade_suggest(answer=essay_answer, points=Decimal("2.5"), comment="AI: misses ATP")
    assert grade is not None
    assert (grade.state, grade.source, grade.graded_by) == (SUGGESTED, GradeSource.MODEL, None)
    grade = grade_accept(actor=ta, grade=grade)
    assert (grade.state, grade.points, grade.source, grade.graded_by) == (
        DRAFT,
        Decimal("2.50"),
        GradeSource.TEACHER,
        ta,
    )
    grade = grade_release(actor=teacher, grade=grade)
    assert grade.state == RELEASED
    assert grade.released_at is not None
    assert grade.graded_by == ta  # releasing does not make the releaser the grader
    grade = grade_retract(actor=teacher, grade=grade, reason="typo in comment")
    assert (grade.state, grade.released_at) == (DRAFT, None)
    grade = grade_set(actor=teacher, answer=essay_answer, points=Decimal(3), comment="Good")
    moves = list(
        grade.events.order_by("id").values_list("from_state", "to_state", "actor", "source")
    )
    assert moves == [
        ("", SUGGESTED, None, GradeSource.MODEL),
        (SUGGESTED, DRAFT, ta.pk, GradeSource.TEACHER),
        (DRAFT, RELEASED, teacher.pk, GradeSource.TEACHER),
        (RELEASED, DRAFT, teacher.pk, GradeSource.TEACHER),
        (DRAFT, DRAFT, teacher.pk, GradeSource.TEACHER),
    ]
    event = last_event(grade)
    assert (event.from_points, event.to_points) == (Decimal("2.50"), Decimal("3.00"))
    assert all(
        (e.from_state or None, e.to_state) in ALLOWED_TRANSITIONS for e in grade.events.all()
    )


def test_refused_moves_write_nothing(
    essay_answer: Answer, submitted: Submission, teacher: User
) -> None:
    suggestion = grade_suggest(answer=essay_answer, points=Decimal(1))
    assert suggestion is not None
    rule_draft = Grade.objects.filter(answer__submission=submitted, state=DRAFT).first()
    assert rule_draft is not None
    before = db_state()
    with pytest.raises(ValidationError, match="from suggested to released"):
        grade_release(actor=teacher, grade=suggestion)  # never skip the teacher
    with pytest.raises(ValidationError, match="Only a released grade"):
        grade_retract(actor=teacher, grade=suggestion)
    with pytest.raises(ValidationError, match="Only a suggestion"):
        grade_accept(actor=teacher, grade=rule_draft)
    released = grade_release(actor=teacher, grade=rule_draft)
    mid = db_state()
    with pytest.raises(ValidationError, match="from released to released"):
        grade_release(actor=teacher, grade=released)
    assert db_state() == mid
    assert len(mid["GradeEvent"]) == len(before["GradeEvent"]) + 1


def test_students_and_outsiders_never_grade(
    essay_answer: Answer, student: User, outsider: User
) -> None:
    before = db_state()
    for actor in (student, outsider):
        with pytest.raises(PermissionDenied):
            grade_set(actor=actor, answer=essay_answer, points=Decimal(4))
        with pytest.raises(PermissionDenied):
            assignment_grades_release(actor=actor, assignment=essay_answer.question.assignment)
    assert db_state() == before


def test_points_are_bounded_by_the_question(essay_answer: Answer, teacher: User) -> None:
    for points in (Decimal("4.01"), Decimal(-1)):
        with pytest.raises(ValidationError, match="between 0 and the question's 4"):
            grade_set(actor=teacher, answer=essay_answer, points=points)
        with pytest.raises(ValidationError, match="between 0"):
            grade_suggest(answer=essay_answer, points=points)
    assert not Grade.objects.filter(answer=essay_answer).exists()


def test_suggestions_never_overwrite_a_decision(essay_answer: Answer, teacher: User) -> None:
    first = grade_suggest(answer=essay_answer, points=Decimal(1))
    second = grade_suggest(answer=essay_answer, points=Decimal(2), reason="retrained model")
    assert first is not None
    assert second is not None
    assert second.points == Decimal(2)  # a newer suggestion replaces an older one
    grade_set(actor=teacher, answer=essay_answer, points=Decimal(3))
    before = db_state()
    assert grade_suggest(answer=essay_answer, points=Decimal(4)) is None
    assert db_state() == before
    released = grade_release(actor=teacher, grade=Grade.objects.get(answer=essay_answer))
    assert grade_suggest(answer=essay_answer, points=Decimal(0)) is None
    released.refresh_from_db()
    assert (released.state, released.points) == (RELEASED, Decimal("3.00"))


def test_rule_never_overwrites_a_teacher(submitted: Submission, quiz: Quiz, teacher: User) -> None:
    answer = submitted.answers.get(question=quiz.numeric)
    grade_set(actor=teacher, answer=answer, points=Decimal(1), comment="Units missing")
    assert grade_apply_rule(answer=answer) is None
    assert Grade.objects.get(answer=answer).points == Decimal("1.00")


def test_rubric_levels_set_the_points(
    course: object, teacher: User, student: User, quiz: Quiz
) -> None:
    question = question_create(
        actor=teacher,
        assignment=quiz.assignment,
        kind="essay",
        prompt="Rubric question",
        points=5,
        criteria=[
            {
                "title": "Claim",
                "levels": [{"title": "Clear", "points": 2}, {"title": "None", "points": 0}],
            },
            {
                "title": "Evidence",
                "levels": [{"title": "Strong", "points": 3}, {"title": "Weak", "points": 1}],
            },
        ],
    )
    submission = submission_submit(
        student=student,
        assignment=quiz.assignment,
        answers={question.id: {"text": "Because."}, quiz.essay.id: {"text": "Light."}},
        now=ON_TIME,
    )
    answer = submission.answers.get(question=question)
    clear, weak = Level.objects.get(title="Clear"), Level.objects.get(title="Weak")
    grade = grade_set(actor=teacher, answer=answer, levels=[clear, weak], comment="More evidence")
    assert grade.points == Decimal("3.00")
    assert set(grade.levels.all()) == {clear, weak}
    strong = Level.objects.get(title="Strong")
    with pytest.raises(ValidationError, match="one level per rubric criterion"):
        grade_set(actor=teacher, answer=answer, levels=[weak, strong])
    with pytest.raises(ValidationError, match="belong to another question"):
        grade_set(actor=teacher, answer=submission.answers.get(question=quiz.essay), levels=[clear])
    with pytest.raises(ValidationError, match="Give points or choose"):
        grade_set(actor=teacher, answer=answer)
    grade = grade_set(actor=teacher, answer=answer, points=Decimal(4))
    assert set(grade.levels.all()) == {clear, weak}  # levels=None keeps them
    assert grade.comment == "More evidence"  # comment=None keeps it


def test_drafts_are_not_graded(quiz: Quiz, student: User, teacher: User) -> None:
    draft = submission_save_draft(
        student=student,
        assignment=quiz.assignment,
        answers={quiz.essay.id: {"text": "WIP"}},
        now=ON_TIME,
    )
    answer = draft.answers.get()
    with pytest.raises(ValidationError, match="Only submitted work"):
        grade_set(actor=teacher, answer=answer, points=Decimal(1))
    with pytest.raises(ValidationError, match="Only submitted work"):
        grade_suggest(answer=answer, points=Decimal(1))


def test_assignment_release_releases_drafts_only(
    submitted: Submission, essay_answer: Answer, quiz: Quiz, teacher: User, student: User
) -> None:
    grade_suggest(answer=essay_answer, points=Decimal(2))
    other = UserFactory()
    assert Grade.objects.filter(state=DRAFT).count() == 4  # the four rule grades
    events_before = GradeEvent.objects.count()
    released = assignment_grades_release(actor=teacher, assignment=quiz.assignment)
    assert released == 4
    assert GradeEvent.objects.count() == events_before + 4
    assert Grade.objects.get(answer=essay_answer).state == SUGGESTED  # a teacher decides first
    assert not Grade.objects.filter(state=RELEASED, released_at__isnull=True).exists()
    assert assignment_grades_release(actor=teacher, assignment=quiz.assignment) == 0
    assert assignment_grades_release(actor=teacher, assignment=quiz.assignment, student=other) == 0
    event = GradeEvent.objects.order_by("id").last()
    assert event is not None
    assert (event.from_state, event.to_state, event.actor) == (DRAFT, RELEASED, teacher)


def test_assignment_release_for_one_student(
    quiz: Quiz, teacher: User, student: User, submitted: Submission
) -> None:
    classmate = UserFactory()
    enrollment_create(actor=teacher, course=quiz.assignment.course, user=classmate, role="student")
    submission_submit(
        student=classmate, assignment=quiz.assignment, answers=quiz.right_answers(), now=ON_TIME
    )
    assert (
        assignment_grades_release(actor=teacher, assignment=quiz.assignment, student=student) == 4
    )
    assert not Grade.objects.filter(answer__submission__student=classmate, state=RELEASED).exists()


def test_automatic_release_after_a_teacher_grade(
    essay_answer: Answer, quiz: Quiz, teacher: User
) -> None:
    assignment_update(actor=teacher, assignment=quiz.assignment, release_policy="automatic")
    grade = grade_set(actor=teacher, answer=essay_answer, points=Decimal(4))
    assert grade.state == RELEASED
    assert list(grade.events.values_list("from_state", "to_state")) == [
        ("", DRAFT),
        (DRAFT, RELEASED),
    ]
    assert grade_suggest(answer=essay_answer, points=Decimal(1)) is None
