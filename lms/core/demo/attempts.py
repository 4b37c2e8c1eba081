"""The class's work on one demo assignment and the teacher's grading of it, through the services.

Random draws come from generators seeded with the assignment's title, so every build of the demo
tells the same story, placed around the day it is built: who submitted when (some late), who tried
twice, what they answered, which answers the teacher has graded so far.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from django.utils import timezone

from lms.accounts.models import User
from lms.assignments.models import Answer, Assignment, Level, Question
from lms.assignments.services import (
    Answers,
    extension_grant,
    submission_save_draft,
    submission_submit,
)
from lms.core.demo import specs
from lms.grading.models import Grade, GradeState
from lms.grading.services import assignment_grades_release, grade_set

OPENS_HOUR = 8
DUE_HOUR = 17


@dataclass(frozen=True)
class Timeline:
    """The seed's moment and the school's calendar around it."""

    now: datetime
    day: date
    zone: ZoneInfo

    @classmethod
    def around(cls, now: datetime, zone: ZoneInfo) -> Timeline:
        return cls(now=now, day=timezone.localtime(now, zone).date(), zone=zone)

    def at(self, day: int, hour: int) -> datetime:
        """`day` days from the seed day (negative: before), at `hour` on the school's clock."""
        return datetime.combine(self.day + timedelta(days=day), time(hour), tzinfo=self.zone)

    def opens(self, day: int) -> datetime:
        return self.at(day, OPENS_HOUR)

    def due(self, day: int) -> datetime:
        return self.at(day, DUE_HOUR)


@dataclass(frozen=True)
class Slot:
    """One submitted attempt: whose, which, when, and its row in the answer pools."""

    student: int
    attempt: int
    pool_index: int
    submitted_at: datetime
    started_at: datetime


def submit_and_grade(
    spec: specs.Assignment,
    assignment: Assignment,
    *,
    teacher: User,
    students: list[User],
    timeline: Timeline,
) -> None:
    """Submit the class's attempts (first attempts in class-list order, then the second ones),
    then grade what the teacher has graded."""
    assert spec.plan is not None  # only assignments with a plan have work
    questions = list(assignment.questions.prefetch_related("choices").order_by("position"))
    pairs = list(zip(spec.questions, questions, strict=True))
    if spec.plan.extension is not None:
        student, days, reason = spec.plan.extension
        extension_grant(
            actor=teacher,
            assignment=assignment,
            student=students[student],
            due_at=timeline.due(spec.due_day) + timedelta(days=days),
            reason=reason,
        )
    graded: list[tuple[Answer, specs.TextAnswer]] = []
    for slot, answers in _work(spec, pairs, timeline, n_students=len(students)):
        # A draft first, so that the attempt has its own start time, then the real submission.
        submission_save_draft(
            student=students[slot.student], assignment=assignment, answers={}, now=slot.started_at
        )
        submission = submission_submit(
            student=students[slot.student],
            assignment=assignment,
            answers=answers,
            now=slot.submitted_at,
        )
        stored = {answer.question_id: answer for answer in submission.answers.all()}
        graded += [
            (stored[question.id], q_spec.answers[slot.pool_index])
            for q_spec, question in pairs
            if q_spec.answers and q_spec.answers[slot.pool_index].comment
        ]
    _grade(graded, teacher=teacher)
    for q_spec, question in pairs:
        if q_spec.reviews:
            _review(q_spec, question, teacher=teacher)
    if spec.plan.release:
        assignment_grades_release(actor=teacher, assignment=assignment)


def _work(
    spec: specs.Assignment,
    pairs: list[tuple[specs.Question, Question]],
    timeline: Timeline,
    *,
    n_students: int,
) -> list[tuple[Slot, Answers]]:
    """Every attempt with its answers: the first attempts in class-list order, then the second.

    Two generators: what students answer never depends on the hour the seed runs, even though
    the times of an open assignment's attempts do (they must all lie before it). Nor does the
    order in which the rows are made, so every answer gets the same id in every build: held-out
    teacher grades are picked by a hash of the answer id (mlcore.services.training_data), and in
    time order a build at another hour would hold out other answers.
    """
    answers_rng, times_rng = random.Random(f"{spec.title}/answers"), random.Random(spec.title)
    return [
        (slot, {question.id: _response(q, question, slot, answers_rng) for q, question in pairs})
        for slot in _slots(spec, times_rng, timeline, n_students=n_students)
    ]


def _slots(
    spec: specs.Assignment, rng: random.Random, timeline: Timeline, *, n_students: int
) -> list[Slot]:
    assert spec.plan is not None
    plan = spec.plan
    first = [index for index in range(n_students) if index not in plan.absent]
    pools = [question.answers for question in spec.questions if question.answers]
    second = retakers(first, pools)
    opens, due = timeline.opens(spec.opens_day), timeline.due(spec.due_day)
    lock = timeline.due(spec.lock_day) if spec.lock_day is not None else None
    latest = min(lock, timeline.now) if lock else timeline.now
    latest -= timedelta(hours=1)
    slots: list[Slot] = []
    first_times: dict[int, datetime] = {}
    for pool_index, student in enumerate(first):
        if plan.extension is not None and student == plan.extension[0]:
            # Within the extension, so on time for this student.
            when = due + timedelta(days=plan.extension[1] - 1, minutes=rng.randint(60, 600))
        elif student in plan.late:
            when = due + timedelta(minutes=rng.randint(20, 3 * 24 * 60))
        else:
            end = min(due - timedelta(minutes=10), latest)
            when = opens + timedelta(hours=2) + (end - opens - timedelta(hours=2)) * rng.random()
        first_times[student] = min(_waking(when, timeline.zone, rng), latest)
        slots.append(_slot(student, 1, pool_index, first_times[student], rng))
    for offset, student in enumerate(second):
        when = first_times[student] + timedelta(minutes=rng.randint(180, 48 * 60))
        when = _waking(when, timeline.zone, rng)
        when = max(min(when, latest), first_times[student] + timedelta(minutes=30))
        slots.append(_slot(student, 2, len(first) + offset, when, rng))
    return slots


def _waking(when: datetime, zone: ZoneInfo, rng: random.Random) -> datetime:
    """Move a time in the small hours to the evening before: always earlier, so a time that was
    on time stays on time, and a late one stays after the due time (17:00)."""
    local = when.astimezone(zone)
    if 7 <= local.hour < 22:
        return when
    evening = local.date() - timedelta(days=1) if local.hour < 7 else local.date()
    return datetime.combine(evening, time(rng.randint(19, 21), rng.randint(0, 59)), tzinfo=zone)


def _slot(student: int, attempt: int, pool_index: int, when: datetime, rng: random.Random) -> Slot:
    submitted = when.replace(second=0, microsecond=0)
    started = submitted - timedelta(minutes=rng.randint(6, 45))
    return Slot(student, attempt, pool_index, submitted, started)


def retakers(first: list[int], pools: list[tuple[specs.TextAnswer, ...]]) -> list[int]:
    """The students who try a second time: those whose first written answers scored lowest,
    as many as the pools have answers beyond the first attempts; in class-list order."""
    extra = {len(pool) - len(first) for pool in pools}
    if len(extra) != 1 or min(extra) < 0:
        raise ValueError("Every answer pool of an assignment needs the same number of answers.")
    totals = {
        student: sum(pool[index].score for pool in pools) for index, student in enumerate(first)
    }
    weakest = sorted(first, key=lambda student: (totals[student], student))[: extra.pop()]
    return sorted(weakest)


def _response(
    spec: specs.Question, question: Question, slot: Slot, rng: random.Random
) -> dict[str, Any]:
    if spec.answers:
        return {"text": spec.answers[slot.pool_index].text}
    values = [value for value, _ in spec.responses]
    value = rng.choices(values, weights=[weight for _, weight in spec.responses])[0]
    if question.is_choice:
        assert isinstance(value, tuple)
        choices = list(question.choices.all())
        return {"choice_ids": [choices[position].id for position in value]}
    if question.kind == Question.Kind.NUMERIC:
        return {"number": value}
    return {"text": value}


def _grade(graded: list[tuple[Answer, specs.TextAnswer]], *, teacher: User) -> None:
    levels = _levels_by_points({answer.question_id for answer, _ in graded})
    for answer, written in graded:
        chosen = [levels[answer.question_id][i][points] for i, points in enumerate(written.levels)]
        grade_set(
            actor=teacher,
            answer=answer,
            points=Decimal(written.score),
            comment=written.comment,
            levels=chosen or None,
        )


def _levels_by_points(question_ids: set[int]) -> dict[int, list[dict[int, Level]]]:
    """For each question, its rubric criteria in order, each as {points: level}."""
    rubric: dict[int, dict[int, dict[int, Level]]] = {qid: {} for qid in question_ids}
    levels = Level.objects.filter(criterion__question_id__in=question_ids).select_related(
        "criterion"
    )
    for level in levels.order_by("criterion__position", "position"):
        by_criterion = rubric[level.criterion.question_id]
        by_criterion.setdefault(level.criterion.position, {})[int(level.points)] = level
    return {qid: [criteria[key] for key in sorted(criteria)] for qid, criteria in rubric.items()}


def _review(spec: specs.Question, question: Question, *, teacher: User) -> None:
    """The teacher decides the short-text answers that matched no accepted answer."""
    pending = Grade.objects.filter(answer__question=question, state=GradeState.SUGGESTED)
    for grade in pending.select_related("answer").order_by("answer_id"):
        review = spec.reviews.get(grade.answer.text)
        if review is not None:
            grade_set(
                actor=teacher,
                answer=grade.answer,
                points=Decimal(review.points),
                comment=review.comment,
            )
