"""Build the demo course through the services, once: the course, its people, skills, categories,
assignments with their questions, then the class's work and the teacher's grades.

`demo_seed` writes nothing when the course is already there, so running it twice changes nothing;
`reset=True` deletes the demo course and its people first and builds them anew.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Permission
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils import timezone

from lms.accounts.models import User
from lms.assignments import services as assignment_services
from lms.assignments.models import (
    Answer,
    Assignment,
    Category,
    Choice,
    Criterion,
    Extension,
    Level,
    Question,
    Submission,
)
from lms.core.demo import course as content
from lms.core.demo import people, specs
from lms.core.demo.attempts import Timeline, submit_and_grade
from lms.courses.models import Course, Enrollment, Skill
from lms.courses.services import course_create, enrollment_create, skill_create
from lms.grading.models import Grade, GradeEvent

# Every model the seed writes, in the order the summary lists them.
COUNTED: tuple[type[models.Model], ...] = (
    User,
    Course,
    Enrollment,
    Skill,
    Category,
    Assignment,
    Question,
    Choice,
    Criterion,
    Level,
    Extension,
    Submission,
    Answer,
    Grade,
    GradeEvent,
)


@dataclass(frozen=True)
class SeedResult:
    course: Course
    created: bool
    # Rows written, by model label ("assignments.Submission"); empty when nothing was written.
    counts: dict[str, int]
    deleted: bool = False


def demo_emails() -> list[str]:
    return [people.TEACHER.email, *(student.email for student in people.STUDENTS)]


def demo_course() -> Course | None:
    return Course.objects.filter(code=content.CODE, term=content.TERM).first()


def _row_counts() -> dict[str, int]:
    return {model._meta.label: model._default_manager.count() for model in COUNTED}


@transaction.atomic
def demo_delete() -> bool:
    """Delete the demo course (its work and grades go with it) and the demo people."""
    course = demo_course()
    if course is not None:
        course.delete()
    deleted, _ = User.objects.filter(email__in=demo_emails()).delete()
    return course is not None or deleted > 0


@transaction.atomic
def demo_seed(*, password: str, reset: bool = False, now: datetime | None = None) -> SeedResult:
    """Create the demo course unless it exists; with `reset`, delete it and create it again."""
    deleted = demo_delete() if reset else False
    existing = demo_course()
    if existing is not None:
        return SeedResult(course=existing, created=False, counts={})
    taken = list(User.objects.filter(email__in=demo_emails()).values_list("email", flat=True))
    if taken:
        raise ValidationError(
            f"{len(taken)} demo account(s) exist without the demo course, {min(taken)} among "
            "them. Run seed_demo --reset to delete and recreate them."
        )
    before = _row_counts()
    timeline = Timeline.around(now or timezone.now(), ZoneInfo(people.TIME_ZONE))
    teacher, students = _create_people(password, joined=timeline.at(-30, 9))
    course = _create_course(teacher, students)
    skills = {
        name: skill_create(actor=teacher, course=course, name=name, description=description)
        for name, description in content.SKILLS
    }
    categories = {
        name: assignment_services.category_create(
            actor=teacher, course=course, name=name, weight=weight, position=position
        )
        for position, (name, weight) in enumerate(content.CATEGORIES)
    }
    for position, spec in enumerate(content.ASSIGNMENTS):
        assignment = _create_assignment(
            spec,
            position=position,
            teacher=teacher,
            course=course,
            category=categories[spec.category],
            skills=skills,
            timeline=timeline,
        )
        if spec.plan is not None:
            submit_and_grade(
                spec, assignment, teacher=teacher, students=students, timeline=timeline
            )
    after = _row_counts()
    counts = {name: after[name] - before[name] for name in after}
    return SeedResult(course=course, created=True, counts=counts, deleted=deleted)


def _create_people(password: str, *, joined: datetime) -> tuple[User, list[User]]:
    # Not `user_sign_up`: it hashes each password, and hashing is deliberately slow (about a
    # third of a second each). The shared demo password is hashed once, every demo account gets
    # that hash, and all of them go in with one query.
    hashed = make_password(password)
    User.objects.bulk_create(
        User(
            email=person.email,
            display_name=person.display_name,
            time_zone=people.TIME_ZONE,
            password=hashed,
            date_joined=joined,
        )
        for person in (people.TEACHER, *people.STUDENTS)
    )
    by_email = {user.email: user for user in User.objects.filter(email__in=demo_emails())}
    teacher = by_email[people.TEACHER.email]
    # Opening a course needs `courses.add_course` (given by an administrator, see
    # `can_create_course`); the demo teacher has it so that /courses/new/ can be shown too.
    teacher.user_permissions.add(
        Permission.objects.get(content_type__app_label="courses", codename="add_course")
    )
    return teacher, [by_email[s.email] for s in people.STUDENTS]


def _create_course(teacher: User, students: list[User]) -> Course:
    course = course_create(
        teacher=teacher,
        code=content.CODE,
        title=content.TITLE,
        term=content.TERM,
        description=content.DESCRIPTION,
        **content.COURSE_LATE_POLICY,
    )
    for student in students:
        enrollment_create(actor=teacher, course=course, user=student, role=Enrollment.Role.STUDENT)
    return course


def _create_assignment(
    spec: specs.Assignment,
    *,
    position: int,
    teacher: User,
    course: Course,
    category: Category,
    skills: dict[str, Skill],
    timeline: Timeline,
) -> Assignment:
    assignment = assignment_services.assignment_create(
        actor=teacher,
        course=course,
        title=spec.title,
        category=category,
        instructions=spec.instructions,
        opens_at=timeline.opens(spec.opens_day),
        due_at=timeline.due(spec.due_day),
        lock_at=None if spec.lock_day is None else timeline.due(spec.lock_day),
        max_attempts=spec.max_attempts,
        attempt_scoring=spec.attempt_scoring,
        release_policy=spec.release_policy,
        position=position,
        **spec.late_policy,
    )
    for question in spec.questions:
        _create_question(question, teacher=teacher, assignment=assignment, skills=skills)
    if spec.published:
        assignment_services.assignment_publish(actor=teacher, assignment=assignment)
    return assignment


def _create_question(
    spec: specs.Question, *, teacher: User, assignment: Assignment, skills: dict[str, Skill]
) -> Question:
    fields: dict[str, object] = {
        "reference_answers": list(spec.reference_answers),
        "key_points": list(spec.key_points),
        "accepted_answers": list(spec.accepted_answers),
        "max_chars": spec.max_chars,
    }
    if spec.numeric_answer is not None:
        fields["numeric_answer"] = spec.numeric_answer
        fields["numeric_tolerance"] = spec.numeric_tolerance
    return assignment_services.question_create(
        actor=teacher,
        assignment=assignment,
        kind=spec.kind,
        prompt=spec.prompt,
        points=spec.points,
        choices=[{"text": c.text, "is_correct": c.correct} for c in spec.choices],
        criteria=[
            {
                "title": criterion.title,
                "description": criterion.description,
                "levels": [
                    {"title": lv.title, "points": Decimal(lv.points), "description": lv.description}
                    for lv in criterion.levels
                ],
            }
            for criterion in spec.rubric
        ],
        skills=[skills[name] for name in spec.skills],
        **fields,
    )
