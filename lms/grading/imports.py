"""Grades from a CSV file, in the shape of a Canvas gradebook: one row per student, one column
per assignment (or per question), all or nothing.

The format (also explained on the gradebook page):
- a column `email` (or `E-mail`, as the export writes it) names the student;
- `Student`, `Name`, `display_name` and every column ending in `(%)` (the export's category and
  total columns) are ignored, as Canvas ignores its read-only columns;
- every other column is an assignment of the course: its title, or the title with `(12 pts)` as
  the export writes it, or with its id in brackets as Canvas writes it (`Unit quiz (42)`). A
  cell is the points of the assignment, before any late penalty (Aula applies the late policy),
  and such a column needs an assignment of one question;
- `<assignment> Q2` is the second question of the assignment, for assignments of several;
- an empty cell changes nothing. The points go to the student's latest submitted attempt as
  teacher drafts (release them on the assignment's release page).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from lms.accounts.models import User
from lms.assignments.models import Answer, Assignment, Question, Submission
from lms.courses.csv_input import CsvTable, header_key, raise_line_errors, read_csv
from lms.courses.models import Course, Enrollment
from lms.courses.selectors import can_grade_course
from lms.grading.models import GradeState
from lms.grading.rules import to_points
from lms.grading.services import grade_set

IGNORED_COLUMNS = frozenset({"student", "name", "displayname"})
QUESTION_SUFFIX = re.compile(r"^(?P<rest>.*\S)\s+Q(?P<number>\d+)$", re.IGNORECASE)
BRACKETED = re.compile(r"^(?P<title>.*\S)\s+\((?P<inner>[^()]*)\)$")
IMPORT_REASON = "CSV import"


@dataclass(frozen=True)
class GradeImport:
    changed: int  # grades set by the file
    unchanged: int  # cells equal to the grade already decided


@dataclass(frozen=True)
class _Column:
    index: int
    header: str
    question: Question


@dataclass(frozen=True)
class _Cell:
    line: int
    email: str
    question: Question
    points: Decimal


def _assignment_for(name: str, assignments: list[Assignment]) -> Assignment | str:
    """The assignment a header names, or the reason it names none."""
    candidates = [name]
    bracketed = BRACKETED.match(name)
    if bracketed:
        inner = bracketed["inner"].strip()
        if inner.isdigit():
            by_id = [a for a in assignments if a.pk == int(inner)]
            if by_id and by_id[0].title.strip().lower() == bracketed["title"].strip().lower():
                return by_id[0]
        if inner.isdigit() or re.fullmatch(r"[\d.]+\s*pts?", inner):
            candidates.append(bracketed["title"])
    for candidate in candidates:
        found = [a for a in assignments if a.title.strip().lower() == candidate.strip().lower()]
        if len(found) == 1:
            return found[0]
        if len(found) > 1:
            return (
                f"several assignments are called “{candidate}”: write the title with its id, "
                f"for example “{candidate} ({found[0].pk})”"
            )
    return "it matches no assignment of this course"


def _column(index: int, header: str, assignments: list[Assignment]) -> _Column | str:
    question_part = QUESTION_SUFFIX.match(header)
    name = question_part["rest"] if question_part else header
    found = _assignment_for(name, assignments)
    if isinstance(found, str):
        return found
    questions = list(found.questions.all())
    if question_part:
        number = int(question_part["number"])
        if not 1 <= number <= len(questions):
            return f"“{found.title}” has {len(questions)} question(s), no question {number}"
        return _Column(index, header, questions[number - 1])
    if len(questions) != 1:
        return (
            f"“{found.title}” has {len(questions)} questions: give one column per question "
            f"(“{found.title} Q1”, “{found.title} Q2”, …)"
        )
    return _Column(index, header, questions[0])


def _columns(table: CsvTable, course: Course) -> tuple[int, list[_Column]]:
    """The e-mail column's index and the grade columns, or every header problem at once."""
    assignments = list(
        Assignment.objects.filter(course=course).prefetch_related("questions").order_by("id")
    )
    keys = [header_key(name) for name in table.header]
    if keys.count("email") != 1:
        raise ValidationError("Line 1: the file needs one column “email” naming each student.")
    errors: list[str] = []
    columns: list[_Column] = []
    for index, (header, key) in enumerate(zip(table.header, keys, strict=True)):
        if key == "email" or key in IGNORED_COLUMNS or header.endswith("(%)"):
            continue
        column = _column(index, header, assignments)
        if isinstance(column, str):
            errors.append(f"Line 1, column “{header}”: {column}.")
        else:
            columns.append(column)
    if not columns and not errors:
        errors.append("Line 1: no column names an assignment of this course.")
    raise_line_errors(errors)
    return keys.index("email"), columns


def _points(text: str, question: Question) -> Decimal | str:
    try:
        points = Decimal(text.strip())
    except InvalidOperation:
        return f"“{text.strip()}” is not a number"
    if not points.is_finite() or points < 0 or points > question.points:
        return f"{text.strip()} is outside 0 to {to_points(question.points)} points"
    return to_points(points)


def _cells(table: CsvTable, course: Course) -> list[_Cell]:
    email_index, columns = _columns(table, course)
    students = set(
        Enrollment.objects.filter(
            course=course, role=Enrollment.Role.STUDENT, is_active=True
        ).values_list("user__email", flat=True)
    )
    errors: list[str] = []
    cells: list[_Cell] = []
    seen: dict[str, int] = {}
    for line, row in table.rows:
        row = row + [""] * (len(table.header) - len(row))
        email = row[email_index].strip().lower()
        if email not in students:
            errors.append(f"Line {line}: “{row[email_index].strip()}” is no student of the course.")
            continue
        if email in seen:
            errors.append(f"Line {line}: {email} is already on line {seen[email]}.")
            continue
        seen[email] = line
        for column in columns:
            text = row[column.index]
            if not text.strip():
                continue
            points = _points(text, column.question)
            if isinstance(points, str):
                errors.append(f"Line {line}, column “{column.header}”: {points}.")
            else:
                cells.append(_Cell(line, email, column.question, points))
    raise_line_errors(errors)
    return cells


def _answers(cells: list[_Cell]) -> dict[tuple[str, int], Answer]:
    """(e-mail, question id) -> the answer in the student's latest submitted attempt."""
    question_ids = {cell.question.pk for cell in cells}
    emails = {cell.email for cell in cells}
    answers = (
        Answer.objects.filter(
            question_id__in=question_ids,
            submission__student__email__in=emails,
            submission__status=Submission.Status.SUBMITTED,
        )
        .select_related("grade", "submission__student")
        .order_by("submission__attempt")
    )
    # Later attempts come last and replace earlier ones.
    return {(answer.submission.student.email, answer.question_id): answer for answer in answers}


@transaction.atomic
def grades_import_csv(*, actor: User, course: Course, content: bytes) -> GradeImport:
    """Set teacher draft grades from a gradebook CSV (see the module's docstring); one bad cell
    and nothing is written."""
    if not can_grade_course(user=actor, course=course):
        raise PermissionDenied("Only the course's teachers and TAs can grade its work.")
    cells = _cells(read_csv(content), course)
    answers = _answers(cells)
    errors: list[str] = []
    changed = unchanged = 0
    for cell in cells:
        answer = answers.get((cell.email, cell.question.pk))
        if answer is None:
            title = cell.question.assignment.title
            errors.append(f"Line {cell.line}: {cell.email} has no submitted answer to “{title}”.")
            continue
        grade = getattr(answer, "grade", None)
        decided = grade is not None and grade.state != GradeState.SUGGESTED
        if decided and grade is not None and grade.points == cell.points:
            unchanged += 1
            continue
        if not errors:
            grade_set(actor=actor, answer=answer, points=cell.points, reason=IMPORT_REASON)
            changed += 1
    # Grades set before the first error are rolled back with the transaction.
    raise_line_errors(errors)
    return GradeImport(changed, unchanged)
