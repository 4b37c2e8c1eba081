"""The admin: every page answers, queries do not grow with rows, actions go through the services,
and grades stay behind their audit trail."""

from __future__ import annotations

import io
import zipfile
from decimal import Decimal

import pytest
from django.contrib import admin
from django.contrib.messages import get_messages
from django.db import connection
from django.db.models import Model
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from lms.accounts.models import User
from lms.assignments.admin import QuestionAdminForm
from lms.assignments.models import (
    Assignment,
    Question,
    Submission,
)
from lms.courses.models import Course, Enrollment
from lms.grading.export import gradebook_csv
from lms.grading.models import Grade, GradeEvent, GradeSource, GradeState
from mlcore.models import ModelVersion, Prediction, ScoringModel, TrainingRun
from tests.factories import (
    AnswerFactory,
    AssignmentFactory,
    CategoryFactory,
    ChoiceFactory,
    CourseFactory,
    CriterionFactory,
    EnrollmentFactory,
    ExtensionFactory,
    LevelFactory,
    QuestionFactory,
    SkillFactory,
    SubmissionFactory,
    UserFactory,
)

OUR_APPS = {"accounts", "courses", "assignments", "grading"}
# mlcore's registry rows are written by its services only (tests/mlcore/test_registry_admin.py).
READ_ONLY_MODELS = {Grade, GradeEvent, ScoringModel, TrainingRun, ModelVersion, Prediction}


def build_world(size: int) -> dict[type[Model], Model]:
    """One course with every kind of row, `size` children under each parent; returns, per model,
    the row whose change page the tests open. Grades and their events are written directly: the
    admin only has to show them, and the services' own tests cover how they come to be."""
    course = CourseFactory()
    teacher = UserFactory()
    EnrollmentFactory(user=teacher, course=course, role=Enrollment.Role.TEACHER)
    enrollments = [EnrollmentFactory(course=course) for _ in range(size)]
    student = enrollments[0].user
    skills = [SkillFactory(course=course) for _ in range(size)]
    categories = [CategoryFactory(course=course) for _ in range(size)]
    category = categories[0]
    assignment = AssignmentFactory(course=course, category=category)
    extensions = [
        ExtensionFactory(assignment=assignment, student=e.user, extra_attempts=1)
        for e in enrollments
    ]
    question = QuestionFactory(
        assignment=assignment, kind=Question.Kind.SINGLE_CHOICE, reference_answers=[]
    )
    question.skills.set(skills)
    others = [QuestionFactory(assignment=assignment) for _ in range(size - 1)]
    choices = [ChoiceFactory(question=question, is_correct=i == 0) for i in range(size)]
    criteria = [CriterionFactory(question=question) for _ in range(size)]
    criterion = criteria[0]
    levels = [LevelFactory(criterion=criterion, points=Decimal(i)) for i in range(size)]
    level = levels[0]
    submission = SubmissionFactory(assignment=assignment, student=student)
    answers = [AnswerFactory(submission=submission, question=q) for q in [question, *others]]
    answers[0].choices.set(choices[:1])
    grades = [
        Grade.objects.create(
            answer=answer, state=GradeState.DRAFT, points=Decimal(1), source=GradeSource.TEACHER
        )
        for answer in answers
    ]
    grades[0].levels.set([level])
    events = [
        GradeEvent.objects.create(
            grade=grades[0],
            actor=teacher,
            to_state=GradeState.DRAFT,
            to_points=Decimal(1),
            source=GradeSource.TEACHER,
            reason=f"event {i}",
        )
        for i in range(size)
    ]
    rows: list[Model] = [
        teacher, course, enrollments[0], skills[0], category, assignment, extensions[0], question,
        choices[0], criterion, level, submission, answers[0], grades[0], events[0],
    ]  # fmt: skip
    return {type(row): row for row in rows}


def _url(model: type[Model], view: str, *args: object) -> str:
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)


def _queries(client: Client, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(queries)


REGISTERED = sorted(admin.site._registry, key=lambda m: m._meta.label)
OURS = [m for m in REGISTERED if m._meta.app_label in OUR_APPS]


def test_every_model_of_ours_is_registered() -> None:
    from django.apps import apps

    for label in OUR_APPS:
        for model in apps.get_app_config(label).get_models():
            assert model in admin.site._registry, model


@pytest.mark.parametrize("model", REGISTERED, ids=lambda m: m._meta.label)
def test_every_admin_page_answers(admin_client: Client, model: type[Model]) -> None:
    world = build_world(1)
    assert admin_client.get(_url(model, "changelist")).status_code == 200
    expected_add = 403 if model in READ_ONLY_MODELS else 200
    assert admin_client.get(_url(model, "add")).status_code == expected_add
    row = world.get(model) or model._default_manager.first()
    if row is not None:
        assert admin_client.get(_url(model, "change", row.pk)).status_code == 200
    if model in OURS:
        search = admin_client.get(_url(model, "changelist"), {"q": "x"})
        assert search.status_code == 200


@pytest.mark.parametrize("model", OURS, ids=lambda m: m._meta.label)
def test_queries_do_not_grow_with_rows(admin_client: Client, model: type[Model]) -> None:
    small = build_world(1)
    changelist_small = _queries(admin_client, _url(model, "changelist"))
    change_small = _queries(admin_client, _url(model, "change", small[model].pk))
    big = build_world(4)
    build_world(3)
    assert _queries(admin_client, _url(model, "changelist")) == changelist_small
    assert _queries(admin_client, _url(model, "change", big[model].pk)) == change_small


def test_non_staff_is_sent_to_the_admin_log_in(client: Client, student: User) -> None:
    client.force_login(student)
    for url in (reverse("admin:index"), _url(Course, "changelist")):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("admin:login"))


def test_grades_and_events_cannot_be_edited(admin_client: Client) -> None:
    world = build_world(1)
    grade, event = world[Grade], world[GradeEvent]
    before = (grade.state, grade.points, GradeEvent.objects.count())
    posted = admin_client.post(
        _url(Grade, "change", grade.pk), {"points": "0", "state": "released"}
    )
    assert posted.status_code == 403
    for model, pk in ((Grade, grade.pk), (GradeEvent, event.pk)):
        assert admin_client.post(_url(model, "delete", pk), {"post": "yes"}).status_code == 403
    assert admin_client.post(_url(GradeEvent, "change", event.pk), {}).status_code == 403
    grade.refresh_from_db()
    assert (grade.state, grade.points, GradeEvent.objects.count()) == before


def _action(client: Client, model: type[Model], action: str, rows: list[Model]) -> object:
    data = {"action": action, "_selected_action": [str(row.pk) for row in rows]}
    return client.post(_url(model, "changelist"), data, follow=False)


def test_rotate_join_code_action(admin_client: Client, course: Course) -> None:
    old = course.join_code
    response = _action(admin_client, Course, "rotate_join_code", [course])
    assert response.status_code == 302
    course.refresh_from_db()
    assert course.join_code != old
    assert course.join_code_rotated_at is not None


def test_export_gradebook_action(admin_client: Client) -> None:
    course = build_world(1)[Course]
    response = _action(admin_client, Course, "export_gradebook", [course])
    assert response["Content-Type"].startswith("text/csv")
    assert response.content.decode() == gradebook_csv(course)


def test_export_gradebook_action_for_several_courses(admin_client: Client) -> None:
    courses = [build_world(1)[Course], build_world(1)[Course]]
    response = _action(admin_client, Course, "export_gradebook", courses)
    assert response["Content-Type"] == "application/zip"
    with zipfile.ZipFile(io.BytesIO(response.content)) as archive:
        contents = sorted(archive.read(name).decode() for name in archive.namelist())
    assert contents == sorted(gradebook_csv(course) for course in courses)


def test_release_grades_action_goes_through_the_service(admin_client: Client) -> None:
    world = build_world(2)
    assignment = world[Submission].assignment
    drafts = Grade.objects.filter(answer__submission__assignment=assignment)
    events_before = GradeEvent.objects.count()
    response = _action(admin_client, type(assignment), "release_grades", [assignment])
    assert response.status_code == 302
    assert set(drafts.values_list("state", flat=True)) == {GradeState.RELEASED}
    released = GradeEvent.objects.filter(to_state=GradeState.RELEASED)
    assert GradeEvent.objects.count() == events_before + drafts.count() == events_before + 2
    assert set(released.values_list("actor__email", flat=True)) == {"admin@example.com"}


def test_grade_release_and_retract_actions_write_events(admin_client: Client) -> None:
    grade = build_world(1)[Grade]
    _action(admin_client, Grade, "release", [grade])
    grade.refresh_from_db()
    assert grade.state == GradeState.RELEASED
    _action(admin_client, Grade, "retract", [grade])
    grade.refresh_from_db()
    assert grade.state == GradeState.DRAFT
    moves = list(grade.events.order_by("id").values_list("from_state", "to_state"))[-2:]
    assert moves == [
        (GradeState.DRAFT, GradeState.RELEASED),
        (GradeState.RELEASED, GradeState.DRAFT),
    ]


def test_admin_adds_a_user_by_email_in_any_case(admin_client: Client, student: User) -> None:
    data = {
        "email": "New.Person@Example.COM",
        "display_name": "New Person",
        "usable_password": "true",
        "password1": "a-long-enough-passphrase",
        "password2": "a-long-enough-passphrase",
    }
    assert admin_client.post(_url(User, "add"), data).status_code == 302
    assert User.objects.filter(email="new.person@example.com").exists()
    duplicate = admin_client.post(_url(User, "add"), {**data, "email": "STUDENT@example.com"})
    assert duplicate.status_code == 200
    assert "already exists" in duplicate.content.decode()
    assert User.objects.filter(email__iexact="student@example.com").count() == 1


def test_question_lists_are_edited_one_per_line(db: None) -> None:
    question = build_world(1)[Question]
    form = QuestionAdminForm(instance=question)
    assert form["key_points"].value() == "\n".join(question.key_points)
    data = {
        "assignment": question.assignment_id,
        "position": 0,
        "kind": Question.Kind.SHORT_TEXT,
        "prompt": "Name the process.",
        "points": "2",
        "numeric_tolerance": "0",
        "reference_answers": "Photosynthesis turns light into sugar.\n\n",
        "key_points": "  light \r\nsugar\n",
        "accepted_answers": "photosynthesis\nPhotosynthesis",
    }
    form = QuestionAdminForm(data=data, instance=question)
    assert form.is_valid(), form.errors
    form.save()
    question.refresh_from_db()
    assert question.reference_answers == ["Photosynthesis turns light into sugar."]
    assert question.key_points == ["light", "sugar"]
    assert question.accepted_answers == ["photosynthesis", "Photosynthesis"]


def _inline_management(prefix: str) -> dict[str, str]:
    return {
        f"{prefix}-TOTAL_FORMS": "0",
        f"{prefix}-INITIAL_FORMS": "0",
        f"{prefix}-MIN_NUM_FORMS": "0",
        f"{prefix}-MAX_NUM_FORMS": "1000",
    }


def test_adding_an_assignment_goes_through_the_service(admin_client: Client) -> None:
    course = CourseFactory(late_deduction_percent=Decimal(10), late_interval="hour")
    data = {
        "course": str(course.pk),
        "title": "Lab report",
        "instructions": "Write it up.",
        "position": "0",
        "max_attempts": "2",
        "attempt_scoring": "highest",
        "release_policy": "manual",
        **_inline_management("questions"),
        **_inline_management("extensions"),
        **_inline_management("extensions-2"),
    }
    response = admin_client.post(_url(Assignment, "add"), data)
    assert response.status_code == 302, response.context and response.context["errors"]
    assignment = Assignment.objects.get(title="Lab report")
    # The course's late policy was copied, and a new assignment starts unpublished.
    assert (assignment.late_deduction_percent, assignment.late_interval) == (Decimal(10), "hour")
    assert (assignment.max_attempts, assignment.is_published) == (2, False)


def test_publish_action_obeys_the_service(admin_client: Client) -> None:
    with_questions = build_world(1)[Assignment]
    with_questions.is_published = False
    with_questions.save()
    empty = AssignmentFactory(is_published=False)
    response = _action(admin_client, Assignment, "publish", [with_questions, empty])
    assert response.status_code == 302
    with_questions.refresh_from_db()
    empty.refresh_from_db()
    assert (with_questions.is_published, empty.is_published) == (True, False)
    shown = [str(m) for m in get_messages(response.wsgi_request)]
    assert any("at least one question" in message for message in shown)
