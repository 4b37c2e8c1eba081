"""Notifications: who is told what, once, in the site and by e-mail; and the pages to read them.

The notification tasks run in this process when they are sent (after the commit, as a worker
would); the scoring task's end is the real `task_postrun` signal that Celery sends.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from celery.signals import task_postrun
from django.core import mail
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from lms.accounts.models import User
from lms.assignments.models import Submission
from lms.assignments.services import submission_submit
from lms.courses.models import Course, Enrollment
from lms.grading.services import assignment_grades_release, grade_set, grade_suggest
from lms.notifications.models import Notification, NotificationPreference
from lms.notifications.services import due_soon_notify, notification_preference_set
from lms.notifications.tasks import due_soon_task, feedback_ready_task, grades_released_task
from mlcore.tasks.scoring import score_submission_task
from tests.factories import AssignmentFactory, EnrollmentFactory, SubmissionFactory, UserFactory
from tests.lms.quiz import ON_TIME, Quiz, make_quiz

pytestmark = pytest.mark.django_db
Kind = Notification.Kind
Sent = list[tuple[str, tuple[Any, ...]]]


@pytest.fixture
def worker(monkeypatch: pytest.MonkeyPatch) -> Sent:
    """Each notification task runs at once when it is sent, and is recorded (name, args)."""
    sent: Sent = []
    for task in (feedback_ready_task, grades_released_task, due_soon_task):

        def run(*args: Any, _task: Any = task) -> None:
            sent.append((_task.name, args))
            _task.apply(args=args).get()  # re-raises what the task raised

        monkeypatch.setattr(task, "delay", run)
    return sent


@pytest.fixture
def quiz(teacher: User, course: Course) -> Quiz:
    return make_quiz(teacher, course)


def _classmate(course: Course, **fields: Any) -> User:
    user = UserFactory(**fields)
    EnrollmentFactory(user=user, course=course, role=Enrollment.Role.STUDENT)
    return user


def _scoring_finished(submission_id: int, state: str = "SUCCESS") -> None:
    """What a worker sends when `mlcore.score_submission` has run."""
    task_postrun.send(
        sender=score_submission_task,
        task_id=f"score-{submission_id}",
        task=score_submission_task,
        args=(submission_id,),
        kwargs={},
        retval=1,
        state=state,
    )


def _notified(kind: str) -> list[tuple[int, str]]:
    return sorted(Notification.objects.filter(kind=kind).values_list("user_id", "text"))


# --- Feedback ready ------------------------------------------------------------------------------


def _scored(quiz: Quiz, student: User) -> Submission:
    """The student's attempt, with the model's suggestion on the essay (what scoring writes)."""
    submission = submission_submit(
        student=student, assignment=quiz.assignment, answers=quiz.right_answers(), now=ON_TIME
    )
    essay = submission.answers.get(question=quiz.essay)
    grade_suggest(answer=essay, points=Decimal(3), comment="Mentions light; misses CO2.")
    return submission


def test_feedback_ready_notifies_the_student_once_in_app_and_by_email(
    quiz: Quiz,
    student: User,
    worker: Sent,
    django_capture_on_commit_callbacks: Callable[..., Any],
) -> None:
    submission = _scored(quiz, student)
    with django_capture_on_commit_callbacks(execute=True):
        _scoring_finished(submission.pk)
    [notification] = Notification.objects.all()
    assert notification.user == student
    assert notification.kind == Kind.FEEDBACK_READY
    assert notification.text == "AI feedback on Quiz 1 is ready (provisional)."
    assert notification.link == reverse("assignments:submission", args=[submission.pk])
    assert notification.mailed_at is not None
    [message] = mail.outbox
    assert message.to == [student.email]
    assert "Quiz 1" in message.subject
    assert notification.link in message.body

    with django_capture_on_commit_callbacks(execute=True):
        _scoring_finished(submission.pk)  # the scoring task delivered again
    assert [name for name, _ in worker] == ["notifications.feedback_ready"] * 2
    assert Notification.objects.count() == 1
    assert len(mail.outbox) == 1


def test_feedback_is_not_announced_when_scoring_failed_or_the_course_waits_for_release(
    quiz: Quiz,
    course: Course,
    student: User,
    worker: Sent,
    django_capture_on_commit_callbacks: Callable[..., Any],
) -> None:
    submission = _scored(quiz, student)
    with django_capture_on_commit_callbacks(execute=True):
        _scoring_finished(submission.pk, state="FAILURE")
    assert worker == []
    Course.objects.filter(pk=course.pk).update(ai_feedback=Course.AIFeedback.AFTER_RELEASE)
    with django_capture_on_commit_callbacks(execute=True):
        _scoring_finished(submission.pk)
    assert Notification.objects.count() == 0
    assert mail.outbox == []


# --- Grades released -----------------------------------------------------------------------------


def test_a_release_notifies_each_student_once_and_mails_those_who_want_it(
    quiz: Quiz,
    course: Course,
    teacher: User,
    student: User,
    worker: Sent,
    django_capture_on_commit_callbacks: Callable[..., Any],
) -> None:
    quiet = _classmate(course, email="quiet@example.com")
    notification_preference_set(actor=quiet, email_enabled=False)
    idle = _classmate(course)  # submitted nothing: nothing released to them
    submissions = {}
    for user in (student, quiet):
        submission = submission_submit(
            student=user, assignment=quiz.assignment, answers=quiz.right_answers(), now=ON_TIME
        )
        essay = submission.answers.get(question=quiz.essay)
        grade_set(actor=teacher, answer=essay, points=Decimal(3))
        submissions[user.pk] = submission.pk

    with django_capture_on_commit_callbacks(execute=True):
        released = assignment_grades_release(actor=teacher, assignment=quiz.assignment)
    assert released == 10  # five answers each, yet one notification per student

    assert _notified(Kind.GRADE_RELEASED) == [
        (student.pk, "Your grade for Quiz 1 is released."),
        (quiet.pk, "Your grade for Quiz 1 is released."),
    ]
    for user in (student, quiet):
        notification = Notification.objects.get(user=user)
        assert notification.link == reverse("assignments:submission", args=[submissions[user.pk]])
    assert not Notification.objects.filter(user__in=[idle, teacher]).exists()
    [message] = mail.outbox
    assert message.to == [student.email]

    # The task delivered again with the same release: nothing new, nothing mailed twice.
    [(name, args)] = worker
    assert name == "notifications.grades_released"
    grades_released_task.apply(args=args).get()
    assert Notification.objects.count() == 2
    assert len(mail.outbox) == 1


# --- Due soon ------------------------------------------------------------------------------------


def test_due_soon_reminds_students_who_have_not_submitted_once(
    course: Course, teacher: User, student: User, outsider: User
) -> None:
    now = timezone.now()
    lab = AssignmentFactory(course=course, title="Lab report", due_at=now + timedelta(hours=3))
    AssignmentFactory(
        course=course, title="Unpublished", due_at=now + timedelta(hours=3), is_published=False
    )
    AssignmentFactory(course=course, title="Next week", due_at=now + timedelta(hours=25))
    AssignmentFactory(course=course, title="Yesterday", due_at=now - timedelta(hours=1))
    done = _classmate(course)
    SubmissionFactory(assignment=lab, student=done)
    drafting = _classmate(course)
    SubmissionFactory(
        assignment=lab, student=drafting, status=Submission.Status.DRAFT, submitted_at=None
    )

    due_soon_task.apply().get()  # what celery beat starts
    reminded = Notification.objects.filter(kind=Kind.DUE_SOON)
    assert sorted(reminded.values_list("user_id", flat=True)) == sorted([student.pk, drafting.pk])
    assert all(n.text.startswith("Lab report is due ") for n in reminded)
    assert all(n.link == reverse("assignments:detail", args=[lab.pk]) for n in reminded)
    assert sorted(m.to[0] for m in mail.outbox) == sorted([student.email, drafting.email])

    due_soon_task.apply().get()  # the next beat
    assert Notification.objects.count() == 2
    assert len(mail.outbox) == 2


def test_due_soon_tells_the_time_in_the_students_time_zone(course: Course, student: User) -> None:
    User.objects.filter(pk=student.pk).update(time_zone="Asia/Tokyo")
    in_utc = _classmate(course, time_zone="UTC")
    now = timezone.now()
    due = (now + timedelta(hours=5)).replace(second=0, microsecond=0)
    AssignmentFactory(course=course, title="Essay", due_at=due)

    due_soon_notify(now=now)
    tokyo = Notification.objects.get(user=student).text
    utc = Notification.objects.get(user=in_utc).text
    assert due.astimezone(ZoneInfo("Asia/Tokyo")).strftime("%H:%M JST") in tokyo
    assert due.astimezone(ZoneInfo("UTC")).strftime("%H:%M UTC") in utc
    assert due.astimezone(ZoneInfo("UTC")).strftime("%H:%M") not in tokyo


# --- Pages ---------------------------------------------------------------------------------------


def _notify(user: User, count: int, *, text: str = "Lab report is due soon") -> list[Notification]:
    return [
        Notification.objects.create(
            user=user, kind=Kind.DUE_SOON, key=f"test:{i}", text=f"{text} #{i}", link="/"
        )
        for i in range(count)
    ]


def _badge(page: str) -> int | None:
    """The unread count shown in the header's link to the notifications."""
    found = re.search(r'class="badge">(\d+)<span class="visually-hidden"> unread', page)
    return int(found.group(1)) if found else None


def test_the_list_shows_only_the_callers_notifications(
    client: Client, student: User, outsider: User
) -> None:
    _notify(student, 2, text="Yours")
    _notify(outsider, 3, text="Otto's")
    client.force_login(student)
    page = client.get(reverse("notifications:list")).content.decode()
    assert "Yours #0" in page
    assert "Yours #1" in page
    assert "Otto's" not in page
    assert "You have 2 unread notifications." in page


def test_marking_one_read_is_for_its_owner_only(
    client: Client, student: User, outsider: User
) -> None:
    [mine] = _notify(student, 1)
    [theirs] = _notify(outsider, 1)
    client.force_login(student)
    url = reverse("notifications:read", args=[mine.pk])
    assert client.get(url).status_code == 405
    response = client.post(url)
    assert response.status_code == 302
    assert response["Location"] == reverse("notifications:list")
    mine.refresh_from_db()
    assert mine.is_read

    assert client.post(reverse("notifications:read", args=[theirs.pk])).status_code == 404
    theirs.refresh_from_db()
    assert not theirs.is_read


def test_marking_one_read_with_htmx_answers_the_row(client: Client, student: User) -> None:
    [mine] = _notify(student, 1)
    client.force_login(student)
    response = client.post(reverse("notifications:read", args=[mine.pk]), HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    row = response.content.decode()
    assert f'id="notification-{mine.pk}"' in row
    assert "Mark as read" not in row
    assert "<html" not in row


def test_mark_all_read_marks_only_the_callers(
    client: Client, student: User, outsider: User
) -> None:
    _notify(student, 3)
    _notify(outsider, 2)
    client.force_login(student)
    response = client.post(reverse("notifications:read_all"), follow=True)
    assert "3 notifications marked as read." in response.content.decode()
    assert not Notification.objects.filter(user=student, is_read=False).exists()
    assert Notification.objects.filter(user=outsider, is_read=False).count() == 2


def test_the_preferences_form_saves(client: Client, student: User) -> None:
    client.force_login(student)
    url = reverse("notifications:preferences")
    response = client.post(url, {}, follow=True)  # the box unticked
    assert "You will no longer get notifications by e-mail." in response.content.decode()
    assert NotificationPreference.objects.get(user=student).email_enabled is False
    assert client.get(reverse("notifications:list")).context["form"].initial == {
        "email_enabled": False
    }
    client.post(url, {"email_enabled": "on"})
    assert NotificationPreference.objects.get(user=student).email_enabled is True


def test_the_nav_link_shows_the_unread_count(client: Client, student: User, outsider: User) -> None:
    first, *_ = _notify(student, 3)
    _notify(outsider, 5)
    client.force_login(student)
    assert _badge(client.get(reverse("my_grades:list")).content.decode()) == 3
    client.post(reverse("notifications:read", args=[first.pk]))
    assert _badge(client.get(reverse("my_grades:list")).content.decode()) == 2
    client.post(reverse("notifications:read_all"))
    assert _badge(client.get(reverse("my_grades:list")).content.decode()) is None


def test_anonymous_users_are_sent_to_log_in(client: Client, student: User) -> None:
    [mine] = _notify(student, 1)
    login = reverse("accounts:login")
    for method, url in [
        ("get", reverse("notifications:list")),
        ("post", reverse("notifications:read", args=[mine.pk])),
        ("post", reverse("notifications:read_all")),
        ("post", reverse("notifications:preferences")),
    ]:
        response = getattr(client, method)(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith(login), url
    mine.refresh_from_db()
    assert not mine.is_read
    assert not NotificationPreference.objects.exists()


def test_the_list_costs_the_same_queries_for_2_or_25_notifications(
    client: Client, student: User, course: Course
) -> None:
    def queries(user: User) -> int:
        client.force_login(user)
        with CaptureQueriesContext(connection) as captured:
            response = client.get(reverse("notifications:list"))
        assert response.status_code == 200
        return len(captured.captured_queries)

    few = _classmate(course)
    _notify(few, 2)
    many = _classmate(course)
    _notify(many, 25)
    assert queries(few) == queries(many)
