"""Notifications: who is told what, once, and the e-mail that goes with it.

Each notification has a key (what it is about) that is unique per user and kind, so every writer
here is idempotent: a Celery task delivered twice, or the due-soon sweep run every few minutes,
creates nothing the second time. E-mail is claimed row by row (`mailed_at`) before it is sent, so
a notification is mailed at most once; these run in Celery tasks, after the commit of whatever
caused them, never inside a request.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import dateformat, timezone

from lms.accounts.models import User, zone_named
from lms.assignments.models import Assignment, Extension, Submission
from lms.courses.models import Course, Enrollment
from lms.grading.models import Grade, GradeEvent, GradeSource, GradeState
from lms.notifications.models import Notification, NotificationPreference

Kind = Notification.Kind
DUE_SOON_WINDOW = timedelta(hours=24)


@dataclass(frozen=True)
class NotificationDraft:
    user_id: int
    key: str
    text: str
    link: str


def notifications_create(*, kind: str, drafts: Sequence[NotificationDraft]) -> list[int]:
    """Create the notifications that do not exist yet; return the ids of those not yet mailed.

    Returning the unmailed ones (not only the new ones) lets a task that stopped between the
    insert and the e-mail finish the job when it is delivered again.
    """
    if not drafts:
        return []
    Notification.objects.bulk_create(
        [
            Notification(user_id=d.user_id, kind=kind, key=d.key, text=d.text[:300], link=d.link)
            for d in drafts
        ],
        ignore_conflicts=True,
    )
    wanted = Q()
    for draft in drafts:
        wanted |= Q(user_id=draft.user_id, key=draft.key)
    return list(
        Notification.objects.filter(wanted, kind=kind, mailed_at__isnull=True).values_list(
            "id", flat=True
        )
    )


def _message(notification: Notification) -> EmailMessage:
    site = settings.SITE_URL.rstrip("/")
    lines = [notification.text, ""]
    if notification.link:
        lines += [f"{site}{notification.link}", ""]
    lines += [
        "You get this e-mail because of your Aula notifications. To stop them, untick",
        f"'Send me these notifications by e-mail' on {site}{reverse('notifications:list')}",
    ]
    return EmailMessage(
        subject=f"Aula: {notification.text}"[:200],
        body="\n".join(lines),
        to=[notification.user.email],
    )


def notifications_mail(*, notification_ids: Iterable[int]) -> int:
    """E-mail the notifications not mailed yet to users who want e-mail; return how many were sent.

    The rows are claimed (`mailed_at` set) and committed before anything is sent, so two workers
    never send the same one; when sending fails the claim is undone and the error raised, so the
    task's retry sends them.
    """
    with transaction.atomic():
        # skip_locked: another worker holding a row is mailing it. SQLite has no row locks, but
        # its IMMEDIATE transactions let one writer in at a time, which has the same effect.
        rows = list(
            Notification.objects.select_for_update(skip_locked=True, of=("self",))
            .filter(pk__in=list(notification_ids), mailed_at__isnull=True)
            .select_related("user")
        )
        Notification.objects.filter(pk__in=[row.pk for row in rows]).update(
            mailed_at=timezone.now()
        )
    opted_out = set(
        NotificationPreference.objects.filter(
            user_id__in={row.user_id for row in rows}, email_enabled=False
        ).values_list("user_id", flat=True)
    )
    wanted = [row for row in rows if row.user.is_active and row.user_id not in opted_out]
    if not wanted:
        return 0
    try:
        return get_connection(fail_silently=False).send_messages([_message(n) for n in wanted]) or 0
    except Exception:
        Notification.objects.filter(pk__in=[row.pk for row in wanted]).update(mailed_at=None)
        raise


def feedback_ready_notify(*, submission_id: int) -> list[int]:
    """Tell the student that the AI feedback on their submission is ready, when the course shows
    it at once (otherwise the grade's release tells them). Returns the ids to mail."""
    submission = (
        Submission.objects.filter(pk=submission_id, status=Submission.Status.SUBMITTED)
        .select_related("assignment__course")
        .first()
    )
    if submission is None:
        return []
    if submission.assignment.course.ai_feedback != Course.AIFeedback.IMMEDIATE:
        return []
    # Every suggestion a model makes is an event that is never edited, so this still holds once
    # the teacher has decided the grade.
    written = GradeEvent.objects.filter(
        grade__answer__submission_id=submission_id, source=GradeSource.MODEL
    ).exists()
    if not written:
        return []
    draft = NotificationDraft(
        user_id=submission.student_id,
        key=f"submission:{submission_id}",
        text=f"AI feedback on {submission.assignment.title} is ready (provisional).",
        link=reverse("assignments:submission", args=[submission_id]),
    )
    return notifications_create(kind=Kind.FEEDBACK_READY, drafts=[draft])


def grades_released_notify(*, grade_ids: Sequence[int], release_key: str) -> list[int]:
    """One notification per student for one release (however many answers it covered).

    `release_key` names the release, so a grade taken back and released again is news again.
    Grades retracted before this runs are left out. Returns the ids to mail.
    """
    rows = (
        Grade.objects.filter(pk__in=list(grade_ids), state=GradeState.RELEASED)
        .order_by("answer__submission__assignment__position", "answer__submission_id")
        .values(
            "answer__submission_id",
            "answer__submission__student_id",
            "answer__submission__assignment__title",
        )
    )
    by_student: dict[int, dict[str, int]] = defaultdict(dict)
    for row in rows:
        titles = by_student[row["answer__submission__student_id"]]
        title = row["answer__submission__assignment__title"]
        titles.setdefault(title, row["answer__submission_id"])
    drafts = []
    for student_id, titles in by_student.items():
        if len(titles) == 1:
            [(title, submission_id)] = titles.items()
            text = f"Your grade for {title} is released."
            link = reverse("assignments:submission", args=[submission_id])
        else:
            text = f"Your grades for {', '.join(titles)} are released."
            link = reverse("my_grades:list")
        drafts.append(NotificationDraft(student_id, f"release:{release_key}", text, link))
    return notifications_create(kind=Kind.GRADE_RELEASED, drafts=drafts)


def _in_user_zone(moment: datetime, time_zone: str) -> str:
    return dateformat.format(timezone.localtime(moment, zone_named(time_zone)), "D j M, H:i T")


def due_soon_notify(*, now: datetime | None = None) -> list[int]:
    """Remind each active student of every published assignment due within 24 hours (their own
    due time, extensions included) that they have not submitted; once per student and
    assignment, however often it runs. Returns the ids to mail. Five queries."""
    now = now or timezone.now()
    end = now + DUE_SOON_WINDOW
    in_window = Q(due_at__gt=now, due_at__lte=end)
    extended = Q(extensions__due_at__gt=now, extensions__due_at__lte=end)
    assignments = list(
        Assignment.objects.filter(in_window | extended, is_published=True)
        .filter(course__is_archived=False)
        .values("id", "title", "course_id", "due_at")
        .distinct()
    )
    if not assignments:
        return []
    ids = [a["id"] for a in assignments]
    extension_due = {
        (row["assignment_id"], row["student_id"]): row["due_at"]
        for row in Extension.objects.filter(assignment_id__in=ids, due_at__isnull=False).values(
            "assignment_id", "student_id", "due_at"
        )
    }
    submitted = set(
        Submission.objects.filter(
            assignment_id__in=ids, status=Submission.Status.SUBMITTED
        ).values_list("assignment_id", "student_id")
    )
    students: dict[int, list[tuple[int, str]]] = defaultdict(list)
    for row in Enrollment.objects.filter(
        course_id__in={a["course_id"] for a in assignments},
        role=Enrollment.Role.STUDENT,
        is_active=True,
        user__is_active=True,
    ).values("course_id", "user_id", "user__time_zone"):
        students[row["course_id"]].append((row["user_id"], row["user__time_zone"]))
    drafts = []
    for a in assignments:
        for user_id, time_zone in students[a["course_id"]]:
            due = extension_due.get((a["id"], user_id), a["due_at"])
            if due is None or not now < due <= end or (a["id"], user_id) in submitted:
                continue
            drafts.append(
                NotificationDraft(
                    user_id,
                    f"assignment:{a['id']}",
                    f"{a['title']} is due {_in_user_zone(due, time_zone)}.",
                    reverse("assignments:detail", args=[a["id"]]),
                )
            )
    return notifications_create(kind=Kind.DUE_SOON, drafts=drafts)


def notification_mark_read(*, actor: User, notification_id: int) -> Notification:
    """Mark one of the actor's notifications read. Anyone else's raises `Notification.DoesNotExist`,
    as if it did not exist."""
    notification = Notification.objects.get(pk=notification_id, user=actor)
    if not notification.is_read:
        notification.is_read = True
        notification.save(update_fields=["is_read"])
    return notification


def notifications_mark_all_read(*, actor: User) -> int:
    """Mark every notification of the actor read; return how many were unread."""
    return Notification.objects.filter(user=actor, is_read=False).update(is_read=True)


def notification_preference_set(*, actor: User, email_enabled: bool) -> NotificationPreference:
    """Turn the actor's notification e-mails on or off."""
    preference, _ = NotificationPreference.objects.update_or_create(
        user=actor, defaults={"email_enabled": email_enabled}
    )
    return preference
