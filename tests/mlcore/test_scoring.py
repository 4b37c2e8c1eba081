"""Scoring a submission: the similarity fallback, a trained version, idempotency, suggestions."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from lms.accounts.models import User
from lms.assignments.models import Answer, Question, Submission
from lms.assignments.services import submission_submit
from lms.courses.models import Course
from lms.grading.models import Grade, GradeEvent, GradeSource, GradeState
from lms.grading.services import grade_set, grade_suggest
from mlcore import runtime
from mlcore.engine.inference import FittedScorer
from mlcore.models import Prediction, ScoringModel
from mlcore.services import scoring
from mlcore.services.registry import scoring_model_for
from mlcore.services.scoring import question_rescore, submission_score, submissions_unscored
from mlcore.tasks.scoring import score_submission_task
from tests.factories import QuestionFactory
from tests.mlcore.scoring_helpers import (
    OFF_TOPIC,
    PARTIAL,
    RIGHT,
    WRONG,
    fit_tiny_scorer,
    new_student,
    store_version,
    submit,
    submit_answer,
    text_question,
)


@pytest.fixture(autouse=True)
def artifacts(settings: Any, tmp_path: Path) -> Iterator[Path]:
    """A storage of this test's own, and no scorer cached from another test."""
    root = tmp_path / "models"
    settings.STORAGES = settings.STORAGES | {
        "artifacts": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(root)},
        }
    }
    runtime.clear()
    yield root
    runtime.clear()


@pytest.fixture(scope="module")
def scorer_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return fit_tiny_scorer(tmp_path_factory.mktemp("scorer"))


@pytest.fixture
def question(course: Course) -> Question:
    return text_question(course)


def _prediction(answer: Answer) -> Prediction:
    return Prediction.objects.get(answer=answer)


def test_fallback_scores_by_similarity_and_suggests_a_grade(
    question: Question, teacher: User
) -> None:
    answers = {t: submit_answer(question, t) for t in (RIGHT, PARTIAL, WRONG, OFF_TOPIC)}

    for answer in answers.values():
        assert submission_score(submission_id=answer.submission_id) == 1

    p = {text: _prediction(answer) for text, answer in answers.items()}
    assert all(x.kind == Prediction.Kind.SIMILARITY and x.version is None for x in p.values())
    assert p[RIGHT].score == Decimal(2)
    assert p[RIGHT].score >= p[PARTIAL].score >= p[WRONG].score >= p[OFF_TOPIC].score
    assert p[OFF_TOPIC].score == 0
    assert all(x.low <= x.score <= x.high and x.confidence == 0.2 for x in p.values())
    # Key points: met with the student's own sentence as evidence, missed without.
    right_points = {k["key_point"]: k for k in p[RIGHT].key_points}
    evidence = right_points["blue has a short wavelength"]["evidence"]
    assert right_points["blue has a short wavelength"]["met"]
    assert RIGHT[evidence["start"] : evidence["end"]] == evidence["text"]
    assert not any(k["met"] for k in p[OFF_TOPIC].key_points)
    grade = Grade.objects.get(answer=answers[RIGHT])
    assert (grade.state, grade.source, grade.points) == ("suggested", "model", Decimal(2))
    assert "no trained model yet" in grade.events.get().reason


def test_a_trained_version_scores_the_question_in_one_batch(
    question: Question, scorer_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    version = store_version(question, scorer_dir)
    student = new_student(question.assignment.course)
    second = QuestionFactory(assignment=question.assignment, prompt="Why are sunsets red?")
    store_version(second, scorer_dir)
    calls: list[int] = []
    original = FittedScorer.predict

    def counting(self: FittedScorer, answers: Any, *args: Any, **kwargs: Any) -> Any:
        calls.append(len(answers))
        return original(self, answers, *args, **kwargs)

    monkeypatch.setattr(FittedScorer, "predict", counting)
    submission = submit(student, question.assignment, {question.pk: RIGHT, second.pk: WRONG})

    assert submission_score(submission_id=submission.pk) == 2
    assert calls == [1, 1]  # one predict per question, never one per answer
    prediction = _prediction(submission.answers.get(question=question))
    assert (prediction.kind, prediction.version) == (Prediction.Kind.MODEL, version)
    assert prediction.score == Decimal(2)
    assert 0 < prediction.confidence <= 1


def test_scoring_twice_writes_nothing_new(question: Question) -> None:
    answer = submit_answer(question, RIGHT)

    assert submission_score(submission_id=answer.submission_id) == 1
    assert submission_score(submission_id=answer.submission_id) == 0
    assert Prediction.objects.filter(answer=answer).count() == 1
    assert GradeEvent.objects.filter(grade__answer=answer).count() == 1


def test_a_changed_key_is_rescored_in_place(question: Question) -> None:
    answer = submit_answer(question, PARTIAL)
    submission_score(submission_id=answer.submission_id)
    first = _prediction(answer)
    Question.objects.filter(pk=question.pk).update(key_points=["light is scattered by air"])

    assert submission_score(submission_id=answer.submission_id) == 1
    again = _prediction(answer)
    assert again.pk == first.pk
    assert again.input_hash != first.input_hash
    assert [k["key_point"] for k in again.key_points] == ["light is scattered by air"]


def test_a_delivery_that_loses_the_race_writes_nothing(
    question: Question, monkeypatch: pytest.MonkeyPatch
) -> None:
    answer = submit_answer(question, RIGHT)
    original = scoring._write

    def other_delivery_first(*args: Any, **kwargs: Any) -> int:
        # The duplicate message finished while this one was computing.
        assert original(*args, **kwargs) == 1
        return original(*args, **kwargs)

    monkeypatch.setattr(scoring, "_write", other_delivery_first)

    assert submission_score(submission_id=answer.submission_id) == 0
    assert Prediction.objects.filter(answer=answer).count() == 1
    assert GradeEvent.objects.filter(grade__answer=answer).count() == 1


def test_a_teachers_grade_is_never_overwritten(question: Question, teacher: User) -> None:
    answer = submit_answer(question, WRONG)
    grade_set(actor=teacher, answer=answer, points=Decimal("1.5"), comment="Think about light.")

    submission_score(submission_id=answer.submission_id)

    grade = Grade.objects.get(answer=answer)
    assert (grade.state, grade.source, grade.points) == ("draft", "teacher", Decimal("1.5"))
    assert Prediction.objects.filter(answer=answer).exists()


def test_no_suggestion_when_suggestions_are_off(question: Question) -> None:
    ScoringModel.objects.filter(pk=scoring_model_for(question).pk).update(suggestions_enabled=False)
    answer = submit_answer(question, RIGHT)

    assert submission_score(submission_id=answer.submission_id) == 1
    assert not Grade.objects.filter(answer=answer).exists()


def test_rescore_uses_the_new_version_for_ungraded_answers_only(
    question: Question, teacher: User, scorer_dir: Path
) -> None:
    ungraded, graded = submit_answer(question, RIGHT), submit_answer(question, WRONG)
    for answer in (ungraded, graded):
        submission_score(submission_id=answer.submission_id)
    grade_set(actor=teacher, answer=graded, points=Decimal(0))
    version = store_version(question, scorer_dir)

    assert question_rescore(scoring_model_id=version.scoring_model_id) == 1
    assert question_rescore(scoring_model_id=version.scoring_model_id) == 0
    assert Prediction.objects.filter(answer=ungraded, version=version).exists()
    assert not Prediction.objects.filter(answer=graded, version=version).exists()
    grade = Grade.objects.get(answer=ungraded)
    assert grade.events.order_by("-id").first().reason == "AI model v1 (mlp)"  # type: ignore[union-attr]


def test_unscored_submissions_are_found_for_the_sweep(question: Question) -> None:
    scored, lost = submit_answer(question, RIGHT), submit_answer(question, WRONG)
    submission_score(submission_id=scored.submission_id)
    numeric = QuestionFactory(
        assignment=question.assignment, kind=Question.Kind.NUMERIC, numeric_answer=Decimal(3)
    )
    student = new_student(question.assignment.course)
    submission_submit(
        student=student, assignment=question.assignment, answers={numeric.pk: {"number": "3"}}
    )
    later = timezone.now() + timedelta(seconds=1)

    # The submission with only a numeric answer has nothing to score: never "unscored".
    assert submissions_unscored(older_than=later) == [lost.submission_id]
    assert submissions_unscored(older_than=later - timedelta(hours=1)) == []


def test_the_submit_signal_enqueues_scoring_only_with_text_answers(
    question: Question, django_capture_on_commit_callbacks: Any
) -> None:
    numeric = QuestionFactory(
        assignment=question.assignment, kind=Question.Kind.NUMERIC, numeric_answer=Decimal(3)
    )
    course = question.assignment.course
    with django_capture_on_commit_callbacks() as text_callbacks:
        submit(new_student(course), question.assignment, {question.pk: RIGHT})
    with django_capture_on_commit_callbacks() as numeric_callbacks:
        student = new_student(course)
        answers = {numeric.pk: {"number": "3"}}
        submission_submit(student=student, assignment=question.assignment, answers=answers)

    assert len(scoring_enqueued(text_callbacks)) == 1
    assert scoring_enqueued(numeric_callbacks) == []


def scoring_enqueued(callbacks: list[Any]) -> list[Any]:
    """The on-commit callbacks that enqueue scoring (webhook dispatches are others)."""
    return [c for c in callbacks if getattr(c, "func", None) == score_submission_task.delay]


def test_an_answer_over_the_limit_is_refused_at_submit_and_nothing_is_written(
    course: Course, django_capture_on_commit_callbacks: Any
) -> None:
    question = text_question(course, max_chars=200)
    student = new_student(course)

    with django_capture_on_commit_callbacks() as callbacks, pytest.raises(ValidationError) as err:
        submit(student, question.assignment, {question.pk: "x" * 201})

    assert "201 characters long; the limit is 200 characters" in str(err.value)
    assert not Submission.objects.filter(student=student).exists()
    assert not Answer.objects.filter(question=question).exists()
    assert callbacks == []


def test_a_grade_from_a_teacher_keeps_the_ai_suggestion_for_comparison(
    question: Question, teacher: User
) -> None:
    answer = submit_answer(question, RIGHT)
    submission_score(submission_id=answer.submission_id)
    grade_set(actor=teacher, answer=answer, points=Decimal(1))

    prediction = _prediction(answer)
    assert prediction.score == Decimal(2)
    assert Grade.objects.get(answer=answer).source == GradeSource.TEACHER
    assert Grade.objects.get(answer=answer).state == GradeState.DRAFT


def test_rescore_after_a_restore_brings_back_the_versions_suggestion(
    question: Question, scorer_dir: Path
) -> None:
    answer = submit_answer(question, RIGHT)
    version = store_version(question, scorer_dir)
    submission_score(submission_id=answer.submission_id)
    # As if v1 had said 1 when it was first active, and a later version (now replaced) 2.
    Prediction.objects.filter(answer=answer, version=version).update(score=Decimal(1))
    grade_suggest(answer=answer, points=Decimal(2), reason="AI model v2 (mlp)")

    assert question_rescore(scoring_model_id=version.scoring_model_id) == 0
    events = GradeEvent.objects.filter(grade__answer=answer)
    assert (events.last().to_points, events.last().reason) == (1, "AI model v1 (mlp)")  # type: ignore[union-attr]
    count = events.count()
    question_rescore(scoring_model_id=version.scoring_model_id)
    assert events.count() == count
