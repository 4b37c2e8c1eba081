"""Rows for the review tests: a text question's answers, predictions, suggestions and versions."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

import numpy as np

from lms.accounts.models import User
from lms.assignments.models import Answer, Question
from lms.courses.models import Course, Enrollment
from lms.grading.models import Grade
from lms.grading.services import grade_suggest
from mlcore.models import ModelVersion, Prediction, ScoringModel
from tests.factories import (
    AnswerFactory,
    AssignmentFactory,
    EnrollmentFactory,
    QuestionFactory,
    SubmissionFactory,
    UserFactory,
)


def make_ta(course: Course) -> User:
    user = UserFactory(email="ta@example.com", display_name="Tara Assistant")
    EnrollmentFactory(user=user, course=course, role=Enrollment.Role.TA)
    return user


def make_question(course: Course, points: Decimal = Decimal(2), **kwargs: object) -> Question:
    assignment = AssignmentFactory(course=course, title="Light and colour")
    return QuestionFactory(assignment=assignment, points=points, **kwargs)


def make_answer(question: Question, text: str = "Light scatters.") -> Answer:
    student = UserFactory()
    EnrollmentFactory(user=student, course=question.assignment.course)
    submission = SubmissionFactory(assignment=question.assignment, student=student)
    return AnswerFactory(submission=submission, question=question, text=text)


def make_version(question: Question, number: int = 1, *, active: bool = True) -> ModelVersion:
    scoring_model, _ = ScoringModel.objects.get_or_create(question=question)
    return ModelVersion.objects.create(
        scoring_model=scoring_model,
        number=number,
        family="mlp",
        artifact=f"scoring/q{question.pk}/v{number}",
        sha256="0" * 64,
        metrics={"qwk": 0.5, "exact": 0.5, "within_one": 0.9, "n": 10},
        is_active=active,
    )


def predict(
    answer: Answer,
    score: Decimal | float,
    *,
    version: ModelVersion | None = None,
    confidence: float = 0.5,
    width: Decimal | float = 1,
    key_points: list[dict[str, object]] | None = None,
) -> Prediction:
    score = Decimal(str(score))
    half = Decimal(str(width)) / 2
    return Prediction.objects.create(
        answer=answer,
        version=version,
        kind=Prediction.Kind.MODEL if version else Prediction.Kind.SIMILARITY,
        score=score,
        low=score - half,
        high=score + half,
        confidence=confidence,
        key_points=key_points or [],
        input_hash="0" * 64,
    )


def suggest(
    answer: Answer, score: Decimal | float, *, version: ModelVersion | None = None, **kw: object
) -> Grade:
    """A prediction and the suggested grade the scoring service would write from it."""
    predict(answer, score, version=version, **kw)  # type: ignore[arg-type]
    grade = grade_suggest(answer=answer, points=Decimal(str(score)))
    assert grade is not None
    return grade


class FakeEncoder:
    """Embeds a text by the topic words it contains, so clusters are known in advance."""

    dim = 4
    TOPICS = ("scatter", "ozone", "reflect", "dust")

    def __init__(self) -> None:
        self.calls = 0

    def encode(self, texts: Sequence[str], batch_size: int = 32) -> np.ndarray:
        self.calls += 1
        rows = [[1.0 if t in text.lower() else 0.0 for t in self.TOPICS] for text in texts]
        vectors = np.asarray(rows, dtype=np.float32) + 1e-3  # (n, 4); never all zero
        return vectors / np.linalg.norm(vectors, axis=1, keepdims=True)
