"""The gradebook on a hand-computed example (weights, late penalty, missing work, extension,
attempt scoring), and its query count at two class sizes."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest

from lms.accounts.models import User
from lms.assignments.models import Answer, Assignment, Category, Question, Submission
from lms.assignments.services import (
    assignment_create,
    assignment_publish,
    category_create,
    extension_grant,
    question_create,
    submission_submit,
)
from lms.courses.models import Course, Enrollment
from lms.grading.export import gradebook_csv
from lms.grading.models import Grade, GradeSource, GradeState
from lms.grading.selectors import gradebook_for_course, submission_total
from lms.grading.services import assignment_grades_release, grade_set
from tests.factories import CourseFactory, EnrollmentFactory, UserFactory

pytestmark = pytest.mark.django_db

D = Decimal
T0 = datetime(2026, 9, 1, 9, 0, tzinfo=UTC)
HW1_DUE = T0 + timedelta(days=7)
HW2_DUE = T0 + timedelta(days=14)
EXAM_DUE = T0 + timedelta(days=40)
NOW = T0 + timedelta(days=30)  # after both homeworks are due, before the exam is


@dataclass
class Term:
    course: Course
    homework: Category
    exams: Category
    hw1: Assignment
    hw2: Assignment
    exam: Assignment
    a: User
    b: User
    c: User


def _assignment(teacher: User, course: Course, title: str, category: Category, **fields: object):
    assignment = assignment_create(
        actor=teacher, course=course, title=title, category=category, **fields
    )
    if title == "Exam":
        question_create(actor=teacher, assignment=assignment, kind="essay", prompt="?", points=20)
    else:
        question_create(
            actor=teacher,
            assignment=assignment,
            kind="numeric",
            prompt="2+3?",
            points=10,
            numeric_answer=D(5),
        )
    assignment_publish(actor=teacher, assignment=assignment)
    return assignment


def _essay(teacher: User, student: User, exam: Assignment, points: int, when: datetime) -> None:
    submission = submission_submit(
        student=student,
        assignment=exam,
        answers={exam.questions.get().id: {"text": "..."}},
        now=when,
    )
    grade_set(actor=teacher, answer=submission.answers.get(), points=D(points))


@pytest.fixture
def term(teacher: User, course: Course, student: User) -> Term:
    policy = {
        "late_deduction_percent": D(10),
        "late_interval": "day",
        "late_minimum_percent": D(50),
    }
    homework = category_create(actor=teacher, course=course, name="Homework", weight=40)
    exams = category_create(actor=teacher, course=course, name="Exams", weight=60, position=1)
    hw1 = _assignment(teacher, course, "HW1", homework, due_at=HW1_DUE, max_attempts=3, **policy)
    hw2 = _assignment(
        teacher,
        course,
        "HW2",
        homework,
        due_at=HW2_DUE,
        missing_deduction_enabled=True,
        missing_deduction_percent=D(30),
        **policy,
    )
    exam = _assignment(
        teacher, course, "Exam", exams, due_at=EXAM_DUE, max_attempts=2, attempt_scoring="highest"
    )
    a, b, c = (UserFactory(email=f"{n}@example.com", display_name=n.upper()) for n in "abc")
    for user in (a, b, c):
        EnrollmentFactory(user=user, course=course, role=Enrollment.Role.STUDENT)
    right = {hw1.questions.get().id: {"number": 5}}
    wrong = {hw1.questions.get().id: {"number": 4}}
    right2 = {hw2.questions.get().id: {"number": "5"}}
    # A: HW1 on time 10; HW2 25 h late = 2 days x 10% of 10 = -2 -> 8; exam attempts 12 and 16.
    submission_submit(student=a, assignment=hw1, answers=right, now=HW1_DUE - timedelta(hours=1))
    submission_submit(student=a, assignment=hw2, answers=right2, now=HW2_DUE + timedelta(hours=25))
    _essay(teacher, a, exam, 16, T0 + timedelta(days=20))
    _essay(teacher, a, exam, 12, T0 + timedelta(days=21))
    # B: HW1 10 days late: 10 - 10 x 1 floored at 50% -> 5; HW2 missing: 10 - 30% -> 7; no exam.
    submission_submit(student=b, assignment=hw1, answers=right, now=HW1_DUE + timedelta(days=10))
    # C: HW1 right then wrong (latest counts -> 0); HW2 extended past NOW; exam not graded yet.
    submission_submit(student=c, assignment=hw1, answers=right, now=T0 + timedelta(days=1))
    submission_submit(student=c, assignment=hw1, answers=wrong, now=T0 + timedelta(days=2))
    extension_grant(actor=teacher, assignment=hw2, student=c, due_at=NOW + timedelta(days=1))
    submission_submit(
        student=c, assignment=exam, answers={exam.questions.get().id: {"text": "?"}}, now=NOW
    )
    return Term(course, homework, exams, hw1, hw2, exam, a, b, c)


def rows_by_email(term: Term, **kwargs: object) -> dict[str, object]:
    book = gradebook_for_course(course=term.course, now=NOW, **kwargs)
    return {row.email: row for row in book.rows}


def test_weighted_gradebook_by_hand(term: Term) -> None:
    book = gradebook_for_course(course=term.course, now=NOW)
    assert book.weighted
    assert [a.title for a in book.assignments] == ["HW1", "HW2", "Exam"]
    assert [a.points_possible for a in book.assignments] == [D(10), D(10), D(20)]
    rows = {row.email: row for row in book.rows}
    hw1, hw2, exam = term.hw1.id, term.hw2.id, term.exam.id
    homework, exams = term.homework.id, term.exams.id

    a = rows["a@example.com"]
    assert a.scores == {hw1: D(10), hw2: D(8), exam: D(16)}
    assert a.category_percents == {homework: D(90), exams: D(80)}
    assert a.total_percent == D("84.00")  # (40 x 90 + 60 x 80) / 100

    b = rows["b@example.com"]
    assert b.scores == {hw1: D(5), hw2: D(7), exam: None}
    assert b.category_percents == {homework: D(60), exams: None}
    assert b.total_percent == D("60.00")  # weights renormalised over Homework alone

    c = rows["c@example.com"]
    assert c.scores == {hw1: D(0), hw2: None, exam: None}
    assert c.total_percent == D("0.00")
    assert "student@example.com" in rows  # enrolled, nothing submitted, nothing due yet counts
    assert rows["student@example.com"].scores[hw2] == D(7)  # ...but HW2 is missing
    assert rows["student@example.com"].scores[hw1] is None  # HW1 has no missing policy


def test_total_by_points_when_every_weight_is_zero(term: Term) -> None:
    Category.objects.filter(course=term.course).update(weight=0)
    rows = rows_by_email(term)
    assert rows["a@example.com"].total_percent == D("85.00")  # (10 + 8 + 16) / 40
    assert rows["b@example.com"].total_percent == D("60.00")  # (5 + 7) / 20


def test_released_only_counts_what_students_see(term: Term, teacher: User) -> None:
    assignment_grades_release(actor=teacher, assignment=term.hw1, student=term.a)
    a = rows_by_email(term, released_only=True)["a@example.com"]
    assert a.scores == {term.hw1.id: D(10), term.hw2.id: None, term.exam.id: None}
    assert a.total_percent == D("100.00")


def test_submission_total_applies_the_late_penalty(term: Term) -> None:
    late = Submission.objects.get(student=term.a, assignment=term.hw2)
    total = submission_total(late, released_only=False)
    assert (total.points_possible, total.raw, total.late_penalty, total.final) == (
        D(10),
        D(10),
        D(2),
        D(8),
    )
    assert (total.graded_answers, total.ungraded_answers) == (1, 0)
    assert submission_total(late, released_only=True).final == D(0)
    ungraded = Submission.objects.get(student=term.c, assignment=term.exam)
    assert submission_total(ungraded, released_only=False).ungraded_answers == 1


def test_csv_export(term: Term) -> None:
    lines = gradebook_csv(term.course).splitlines()
    assert lines[0] == (
        "Student,E-mail,HW1 (10.00 pts),HW2 (10.00 pts),Exam (20.00 pts),"
        "Homework (%),Exams (%),Total (%)"
    )
    assert lines[1] == "A,a@example.com,10.00,8.00,16.00,90.00,80.00,84.00"
    assert lines[2] == "B,b@example.com,5.00,7.00,,60.00,,60.00"
    assert len(lines) == 5  # header, a, b, c, student


def test_csv_neutralises_formulas() -> None:
    course = CourseFactory()
    EnrollmentFactory(course=course, user=UserFactory(display_name="=HYPERLINK(evil)"))
    assert "'=HYPERLINK(evil)" in gradebook_csv(course)


def _build_class(students: int, assignments: int) -> Course:
    """Rows straight to the database (bulk), as the query count needs data, not the rules."""
    course = CourseFactory()
    homework = Category.objects.create(course=course, name="Homework", weight=D(50))
    Category.objects.create(course=course, name="Exams", weight=D(50))
    users = User.objects.bulk_create(
        User(email=f"s{i}-{course.pk}@example.com") for i in range(students)
    )
    Enrollment.objects.bulk_create(Enrollment(user=u, course=course) for u in users)
    work = Assignment.objects.bulk_create(
        Assignment(
            course=course,
            category=homework if i % 2 else None,
            title=f"A{i}",
            is_published=True,
            due_at=T0,
            late_deduction_percent=D(5),
            missing_deduction_enabled=True,
        )
        for i in range(assignments)
    )
    questions = Question.objects.bulk_create(
        Question(assignment=a, kind="essay", prompt="?", points=D(5)) for a in work for _ in "xy"
    )
    subs = Submission.objects.bulk_create(
        Submission(
            assignment=a,
            student=u,
            attempt=1,
            status="submitted",
            started_at=T0,
            submitted_at=T0,
            is_late=i % 3 == 0,
            minutes_late=90 if i % 3 == 0 else 0,
        )
        for i, u in enumerate(users)
        for a in work
        if (i + a.pk) % 4
    )
    by_assignment = {a.pk: [q for q in questions if q.assignment_id == a.pk] for a in work}
    answers = Answer.objects.bulk_create(
        Answer(submission=s, question=q, text="...")
        for s in subs
        for q in by_assignment[s.assignment_id]
    )
    Grade.objects.bulk_create(
        Grade(answer=ans, state=GradeState.DRAFT, points=D(3), source=GradeSource.TEACHER)
        for ans in answers[::2]
    )
    return course


def test_query_count_does_not_grow_with_the_class(django_assert_num_queries: Any) -> None:
    for students, assignments in ((5, 2), (50, 10)):
        course = _build_class(students, assignments)
        with django_assert_num_queries(5):
            book = gradebook_for_course(course=course, now=NOW)
        assert len(book.rows) == students
        assert len(book.assignments) == assignments
        assert all(row.total_percent is not None for row in book.rows)
