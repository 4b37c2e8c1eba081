"""The gradebook benchmark of `make bench`: server time of a course's gradebook page.

It builds, in a throwaway database (Django's test database: in-memory SQLite, or `test_<name>`
on the PostgreSQL server when DATABASE_URL names one, dropped at the end), a course of
`--students` students and `--assignments` published assignments of one question each, every
student with a graded (draft) submitted attempt at every assignment, a quarter of them late under
a late policy, in two weighted categories. Then, through Django's test client as the course's
teacher (no network), it loads the page twice to warm up and times `--requests` more. It prints
JSON: median and p95 in milliseconds, the sizes, the database and the target (300 ms).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TARGET_MS = 300


def _setup_django() -> None:
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lms.settings")
    os.environ.setdefault("AULA_VAR_DIR", tempfile.mkdtemp(prefix="aula-bench-"))
    import django

    django.setup()


def _build(students: int, assignments: int) -> tuple[object, object]:
    """The course and its teacher, with every row written in bulk."""
    from django.utils import timezone

    from lms.accounts.models import User
    from lms.assignments.models import Answer, Assignment, Category, Question, Submission
    from lms.courses.models import Course, Enrollment
    from lms.grading.models import Grade, GradeSource, GradeState

    now = timezone.now()
    teacher = User.objects.create_user("bench-teacher@example.com", None)
    course = Course.objects.create(code="BENCH-1", title="Gradebook benchmark")
    Enrollment.objects.create(user=teacher, course=course, role=Enrollment.Role.TEACHER)
    users = User.objects.bulk_create(
        User(email=f"student{i:04d}@example.com", display_name=f"Student {i}", password="!")
        for i in range(students)
    )
    Enrollment.objects.bulk_create(Enrollment(user=u, course=course) for u in users)
    categories = Category.objects.bulk_create(
        [
            Category(course=course, name="Homework", weight=Decimal(40)),
            Category(course=course, name="Tests", weight=Decimal(60)),
        ]
    )
    work = Assignment.objects.bulk_create(
        Assignment(
            course=course,
            category=categories[i % 2],
            title=f"Assignment {i + 1}",
            is_published=True,
            due_at=now,
            position=i,
            late_deduction_percent=Decimal(10),
        )
        for i in range(assignments)
    )
    questions = Question.objects.bulk_create(
        Question(assignment=a, kind=Question.Kind.ESSAY, prompt="Explain.", points=Decimal(10))
        for a in work
    )
    submissions = Submission.objects.bulk_create(
        Submission(
            assignment=a,
            student=u,
            attempt=1,
            status=Submission.Status.SUBMITTED,
            started_at=now,
            submitted_at=now,
            is_late=(j % 4 == 0),
            minutes_late=90 if j % 4 == 0 else 0,
        )
        for a in work
        for j, u in enumerate(users)
    )
    by_assignment = {q.assignment_id: q for q in questions}
    answers = Answer.objects.bulk_create(
        Answer(submission=s, question=by_assignment[s.assignment_id], text="An answer.")
        for s in submissions
    )
    Grade.objects.bulk_create(
        Grade(
            answer=a,
            state=GradeState.DRAFT,
            points=Decimal(i % 11),
            source=GradeSource.TEACHER,
            graded_by=teacher,
        )
        for i, a in enumerate(answers)
    )
    return course, teacher


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, default=200)
    parser.add_argument("--assignments", type=int, default=20)
    parser.add_argument("--requests", type=int, default=40)
    args = parser.parse_args()
    _setup_django()
    from django.db import connection
    from django.test import Client

    old_name = connection.creation.create_test_db(verbosity=0)
    try:
        course, teacher = _build(args.students, args.assignments)
        client = Client()
        client.force_login(teacher)  # type: ignore[arg-type]
        url = f"/courses/{course.pk}/gradebook/"  # type: ignore[attr-defined]
        for _ in range(2):
            assert client.get(url).status_code == 200
        times = []
        for _ in range(args.requests):
            start = time.perf_counter()
            response = client.get(url)
            times.append((time.perf_counter() - start) * 1000)
            assert response.status_code == 200
        times.sort()
        p95 = times[min(len(times) - 1, round(0.95 * (len(times) - 1)))]
        result = {
            "benchmark": "gradebook page",
            "database": connection.vendor,
            "students": args.students,
            "assignments": args.assignments,
            "requests": args.requests,
            "median_ms": round(statistics.median(times), 1),
            "p95_ms": round(p95, 1),
            "target_ms": TARGET_MS,
            "within_target": p95 <= TARGET_MS,
            "bytes": len(response.content),
        }
        print(json.dumps(result, indent=2))
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)


if __name__ == "__main__":
    main()
