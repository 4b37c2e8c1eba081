"""What the student pages show, computed once per request: where a student stands on an
assignment, the late policy in words, and a released grade with its late penalty explained.

Reads only; the rules themselves live in `services.py` (submitting) and `lms.grading` (penalties),
and the refusals here repeat the services' own so that the page can say them before a click.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from django.utils import dateformat, timezone

from lms.accounts.models import User
from lms.assignments.models import Assignment, Extension, Submission
from lms.assignments.selectors import (
    attempts_allowed,
    effective_due_for,
    effective_lock_for,
    extension_for,
    submissions_for_student,
)
from lms.grading.late_policy import LatePolicy, late_intervals
from lms.grading.selectors import SubmissionTotal

HUNDRED = Decimal(100)
CENT = Decimal("0.01")
INTERVAL_WORDS = {"hour": ("hour", "hours"), "day": ("day", "days")}


def when(moment: datetime) -> str:
    """A time in the active time zone (the user's own, set by their middleware), with its zone."""
    return dateformat.format(timezone.localtime(moment), "D j M Y, H:i T")


def _plural(count: int, one: str, many: str) -> str:
    return f"{count} {one if count == 1 else many}"


def duration_words(minutes: int) -> str:
    """1 day 3 hours, 2 hours 5 minutes, 7 minutes: the two largest units that are not zero."""
    days, rest = divmod(minutes, 24 * 60)
    hours, mins = divmod(rest, 60)
    parts = [
        _plural(value, one, many)
        for value, one, many in ((days, "day", "days"), (hours, "hour", "hours"))
        if value
    ]
    if mins and len(parts) < 2:
        parts.append(_plural(mins, "minute", "minutes"))
    return " ".join(parts[:2]) or "0 minutes"


def _percent(value: Decimal) -> str:
    return f"{value.normalize():f}%"


@dataclass(frozen=True)
class StudentStanding:
    """Where one student stands on one assignment now."""

    due: datetime | None
    lock: datetime | None
    allowed: int | None  # None: unlimited
    submitted: list[Submission]  # oldest first
    draft: Submission | None
    refusal: str  # why they cannot work on it now; empty when they can

    @property
    def used(self) -> int:
        return len(self.submitted)

    @property
    def left(self) -> int | None:
        return None if self.allowed is None else max(self.allowed - self.used, 0)

    @property
    def can_work(self) -> bool:
        return not self.refusal

    def is_late_at(self, moment: datetime) -> bool:
        return self.due is not None and moment > self.due


def standing_for(assignment: Assignment, student: User, *, now: datetime) -> StudentStanding:
    """The student's due and closing times (extension included), attempts and any refusal; two
    queries."""
    # The selectors look the extension up again when given None; an unsaved, empty Extension
    # stands for "none" and changes nothing (no dates, no extra attempts).
    extension = extension_for(assignment, student) or Extension()
    due = effective_due_for(assignment, student, extension=extension)
    lock = effective_lock_for(assignment, student, extension=extension)
    allowed = attempts_allowed(assignment, student, extension=extension)
    attempts = list(submissions_for_student(assignment, student))
    submitted = [s for s in attempts if s.status == Submission.Status.SUBMITTED]
    draft = next((s for s in attempts if s.status == Submission.Status.DRAFT), None)
    refusal = ""
    if not assignment.is_published:
        refusal = "This assignment is not published."
    elif assignment.opens_at and now < assignment.opens_at:
        refusal = f"This assignment opens at {when(assignment.opens_at)}."
    elif lock and now > lock:
        refusal = f"This assignment closed at {when(lock)}."
    elif due and now > due and not assignment.late_submissions_accepted:
        refusal = f"This assignment was due at {when(due)} and takes no late work."
    elif allowed is not None and len(submitted) >= allowed:
        refusal = f"You have used all {allowed} attempts at this assignment."
    return StudentStanding(due, lock, allowed, submitted, draft, refusal)


def late_policy_words(assignment: Assignment, *, lock: datetime | None) -> list[str]:
    """The assignment's late and missing-work policy as sentences a student reads."""
    policy = LatePolicy.of(assignment)
    closing = f" Nothing is accepted after {when(lock)}." if lock else ""
    if not policy.accepted:
        sentences = ["Late work is not accepted: submit before the due time."]
    elif policy.deduction_percent <= 0:
        sentences = ["Late work is accepted without a deduction." + closing]
    else:
        one = INTERVAL_WORDS[policy.interval][0]
        sentence = (
            f"Late work loses {_percent(policy.deduction_percent)} of the points for each {one} "
            f"or part of a {one} after the due time"
        )
        if policy.minimum_percent > 0:
            sentence += f", but never goes below {_percent(policy.minimum_percent)} of the points"
        sentences = [sentence + "." + closing]
    if policy.missing_enabled:
        kept = HUNDRED - min(max(policy.missing_percent, Decimal(0)), HUNDRED)
        sentences.append(
            f"Work not submitted by the due time scores {_percent(kept)} of the points."
        )
    return sentences


def penalty_words(submission: Submission, total: SubmissionTotal) -> str:
    """Why the late penalty is what it is; empty when the attempt was on time."""
    if not submission.is_late:
        return ""
    late = f"Submitted {duration_words(submission.minutes_late)} late"
    if total.late_penalty <= 0:
        return late + ": no points were deducted."
    policy = LatePolicy.of(submission.assignment)
    intervals = late_intervals(submission.minutes_late, policy.interval)
    one, many = INTERVAL_WORDS[policy.interval]
    started = _plural(intervals, one, many)
    nominal = total.points_possible * policy.deduction_percent * intervals / HUNDRED
    words = (
        f"{late} ({started} started, at {_percent(policy.deduction_percent)} of the "
        f"{total.points_possible} points each): {total.late_penalty} points deducted"
    )
    if total.late_penalty < nominal:
        floor = (
            f"below {_percent(policy.minimum_percent)} of the points"
            if policy.minimum_percent > 0
            else "below zero"
        )
        words += f" (not {nominal.quantize(CENT)}: a late deduction never takes a score {floor})"
    return words + "."
