from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction

from lms.accounts.models import User
from lms.courses.models import Course, Enrollment, Skill
from lms.courses.selectors import can_grade_course, can_manage_course
from lms.courses.services import (
    course_create,
    course_join,
    course_rotate_join_code,
    course_update,
    enrollment_create,
    enrollment_deactivate,
    enrollment_set_role,
    skill_create,
)
from tests.factories import EnrollmentFactory, UserFactory
from tests.lms.dbstate import db_state

pytestmark = pytest.mark.django_db


def test_course_create_enrols_the_creator_as_teacher() -> None:
    creator = UserFactory()
    course = course_create(
        teacher=creator, code=" CHEM-1 ", title="Chemistry", term="2026", late_deduction_percent=5
    )
    assert course.code == "CHEM-1"
    assert course.late_deduction_percent == Decimal(5)
    assert Enrollment.objects.get(course=course).role == Enrollment.Role.TEACHER
    assert can_manage_course(user=creator, course=course)


def test_course_create_refuses_unknown_settings_and_duplicate_code_and_term(course: Course) -> None:
    creator = UserFactory()
    with pytest.raises(ValidationError, match="join_code"):
        course_create(teacher=creator, code="X", title="X", join_code="ABCDEFGH")
    before = db_state()
    with pytest.raises(ValidationError):
        course_create(teacher=creator, code=course.code, title="Again", term=course.term)
    assert db_state() == before


def test_course_update_is_for_teachers_only(course: Course, teacher: User, student: User) -> None:
    course_update(actor=teacher, course=course, title="Biology II")
    with pytest.raises(PermissionDenied):
        course_update(actor=student, course=course, title="Hacked")
    course.refresh_from_db()
    assert course.title == "Biology II"


def test_join_by_code_ignores_case_spaces_and_dashes(course: Course) -> None:
    user = UserFactory()
    typed = f" {course.join_code[:4].lower()}-{course.join_code[4:]} "
    enrollment = course_join(user=user, code=typed)
    assert (enrollment.course, enrollment.role, enrollment.is_active) == (
        course,
        Enrollment.Role.STUDENT,
        True,
    )


def test_wrong_code_changes_nothing(course: Course) -> None:
    before = db_state()
    with pytest.raises(ValidationError, match="No course has this join code"):
        course_join(user=UserFactory(), code="WRONG123")
    assert db_state() == before


def test_rotated_code_stops_working(course: Course, teacher: User) -> None:
    old = course.join_code
    course_rotate_join_code(actor=teacher, course=course)
    course.refresh_from_db()
    assert course.join_code != old
    assert course.join_code_rotated_at is not None
    user = UserFactory()
    before = db_state()
    with pytest.raises(ValidationError, match="No course has this join code"):
        course_join(user=user, code=old)
    assert db_state() == before
    assert course_join(user=user, code=course.join_code).course == course


def test_rotating_is_refused_to_tas_and_students(course: Course, student: User) -> None:
    ta = UserFactory()
    EnrollmentFactory(user=ta, course=course, role=Enrollment.Role.TA)
    for actor in (ta, student):
        with pytest.raises(PermissionDenied):
            course_rotate_join_code(actor=actor, course=course)
    assert can_grade_course(user=ta, course=course)
    assert not can_manage_course(user=ta, course=course)


def test_second_enrolment_changes_nothing(course: Course, student: User, teacher: User) -> None:
    before = db_state()
    with pytest.raises(ValidationError, match="already enrolled"):
        course_join(user=student, code=course.join_code)
    with pytest.raises(ValidationError, match="already enrolled"):
        enrollment_create(actor=teacher, course=course, user=student, role=Enrollment.Role.TA)
    assert db_state() == before


def test_one_enrolment_per_user_and_course_in_the_database(course: Course, student: User) -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        Enrollment.objects.create(user=student, course=course, role=Enrollment.Role.TA)


@pytest.mark.parametrize(
    ("change", "message"),
    [({"joining_enabled": False}, "not accepting"), ({"is_archived": True}, "archived")],
)
def test_join_refused_when_closed_or_archived(
    course: Course, teacher: User, change: dict[str, bool], message: str
) -> None:
    course_update(actor=teacher, course=course, **change)
    before = db_state()
    with pytest.raises(ValidationError, match=message):
        course_join(user=UserFactory(), code=course.join_code)
    assert db_state() == before


def test_a_removed_student_cannot_rejoin_by_code(
    course: Course, teacher: User, student: User
) -> None:
    enrollment_deactivate(actor=teacher, enrollment=student.enrollments.get(course=course))
    with pytest.raises(ValidationError, match="ended"):
        course_join(user=student, code=course.join_code)


def test_roster_changes_by_teacher(course: Course, teacher: User, student: User) -> None:
    newcomer = UserFactory()
    enrollment = enrollment_create(
        actor=teacher, course=course, user=newcomer, role=Enrollment.Role.TA
    )
    enrollment = enrollment_set_role(
        actor=teacher, enrollment=enrollment, role=Enrollment.Role.STUDENT
    )
    assert enrollment.role == Enrollment.Role.STUDENT
    with pytest.raises(ValidationError, match="not a course role"):
        enrollment_set_role(actor=teacher, enrollment=enrollment, role="owner")
    with pytest.raises(PermissionDenied):
        enrollment_create(actor=student, course=course, user=UserFactory(), role="student")


def test_the_last_teacher_cannot_leave(course: Course, teacher: User) -> None:
    own = teacher.enrollments.get(course=course)
    with pytest.raises(ValidationError, match="at least one active teacher"):
        enrollment_set_role(actor=teacher, enrollment=own, role=Enrollment.Role.TA)
    with pytest.raises(ValidationError, match="at least one active teacher"):
        enrollment_deactivate(actor=teacher, enrollment=own)
    other = UserFactory()
    enrollment_create(actor=teacher, course=course, user=other, role=Enrollment.Role.TEACHER)
    assert not enrollment_deactivate(actor=teacher, enrollment=own).is_active


def test_site_staff_manage_any_course(course: Course, admin_user: User) -> None:
    course_rotate_join_code(actor=admin_user, course=course)
    assert can_grade_course(user=admin_user, course=course)


def test_skill_names_are_unique_per_course_ignoring_case(course: Course, teacher: User) -> None:
    skill_create(actor=teacher, course=course, name="Photosynthesis")
    with pytest.raises(ValidationError, match="already has a skill"):
        skill_create(actor=teacher, course=course, name=" photosynthesis ")
    assert Skill.objects.filter(course=course).count() == 1


def test_outsider_manages_nothing(course: Course, outsider: User) -> None:
    assert not can_manage_course(user=outsider, course=course)
    assert not can_grade_course(user=outsider, course=course)
    with pytest.raises(PermissionDenied):
        skill_create(actor=outsider, course=course, name="X")
