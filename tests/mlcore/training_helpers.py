"""Questions with teacher-graded answers, fake scorers and a temporary artifact storage for the
registry and training tests (unit and integration)."""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from decimal import Decimal
from pathlib import Path
from typing import Any

from lms.accounts.models import User
from lms.assignments.models import Answer, Question
from lms.courses.models import Course
from lms.grading.services import grade_set
from mlcore.artifacts import artifact_store
from mlcore.models import ModelVersion, TrainingRun
from mlcore.services.registry import scoring_model_for
from tests.factories import AnswerFactory, AssignmentFactory, QuestionFactory, SubmissionFactory

PROMPT = "Why is the sky blue?"
REFERENCE = "Air molecules scatter short blue wavelengths of sunlight more than red ones."
KEY_POINTS = ["scattering of light", "blue has a short wavelength"]

_OPENINGS = ["", "I think ", "Basically, ", "In short, "]
# Answers of three qualities, each worth the points a teacher would give (out of 2).
_FULL = [
    "blue light has a short wavelength and is scattered most by the air molecules.",
    "air scatters the short blue wavelengths of sunlight more than the red ones.",
    "molecules in the air scatter blue light more because its wavelength is shorter.",
    "sunlight is scattered by air, blue more than red, since blue waves are shorter.",
]
_PARTIAL = [
    "light is scattered by the air.",
    "the air scatters sunlight.",
    "blue light has a short wavelength.",
    "it is scattering of light in the atmosphere.",
]
_WRONG = [
    "the sky reflects the blue sea.",
    "it is blue because it is blue.",
    "the sun is yellow so the sky is blue.",
    "clouds are white and the sky is not.",
]


def graded_texts(n: int) -> list[tuple[str, int]]:
    """`n` distinct (answer, points) pairs cycling through full, partial and wrong answers."""
    pools = [(_FULL, 2), (_PARTIAL, 1), (_WRONG, 0)]
    rows: list[tuple[str, int]] = []
    for opening, i in itertools.product(_OPENINGS, range(4)):
        for pool, points in pools:
            text = opening + pool[i]
            rows.append((text[0].upper() + text[1:], points))
    if n > len(rows):
        raise ValueError(f"at most {len(rows)} distinct answers")
    return rows[:n]


def text_question(course: Course, **fields: Any) -> Question:
    assignment = AssignmentFactory(course=course, title="Light and colour", max_attempts=None)
    defaults: dict[str, Any] = {
        "prompt": PROMPT,
        "points": Decimal(2),
        "reference_answers": [REFERENCE],
        "key_points": list(KEY_POINTS),
    }
    return QuestionFactory(assignment=assignment, **(defaults | fields))


def add_answers(question: Question, texts: Sequence[str]) -> list[Answer]:
    """Submitted answers to `question` (rows only: no scoring, no rule grading)."""
    answers = []
    for text in texts:
        submission = SubmissionFactory(assignment=question.assignment)
        answers.append(AnswerFactory(submission=submission, question=question, text=text))
    return answers


def grade_answers(teacher: User, rows: Sequence[tuple[Answer, int]]) -> None:
    for answer, points in rows:
        grade_set(actor=teacher, answer=answer, points=Decimal(points))


def graded_question(course: Course, teacher: User, n: int, **fields: Any) -> Question:
    """A short-text question with `n` teacher-graded answers."""
    question = text_question(course, **fields)
    rows = graded_texts(n)
    answers = add_answers(question, [text for text, _ in rows])
    grade_answers(teacher, list(zip(answers, [p for _, p in rows], strict=True)))
    return question


def fake_artifact(folder: Path, name: str, content: bytes = b"weights") -> str:
    """Store a folder that looks like a saved scorer (not loadable) under `name`."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "model.safetensors").write_bytes(content)
    (folder / "config.json").write_text("{}")
    return artifact_store(folder, name=name)


def add_version(
    question: Question,
    number: int,
    *,
    active: bool = False,
    artifact: str = "",
    status: str = ModelVersion.Status.READY,
    train_answer_ids: Sequence[int] = (),
) -> ModelVersion:
    """A version row of the question (with a finished run of its own)."""
    scoring_model = scoring_model_for(question)
    run = TrainingRun.objects.create(
        scoring_model=scoring_model,
        status=TrainingRun.Status.SUCCEEDED,
        family="mlp",
        loss="mse",
        queue="ml_cpu",
    )
    return ModelVersion.objects.create(
        scoring_model=scoring_model,
        number=number,
        run=run,
        family="mlp",
        artifact=artifact or f"scoring/q{question.pk}/v{number}",
        sha256="0" * 64,
        config={"train_answer_ids": list(train_answer_ids)},
        is_active=active,
        status=status,
    )


class FakeScorer:
    """Stands in for a `FittedScorer`: a fixed score per answer text (0 for unknown texts)."""

    def __init__(self, scores: dict[str, float]) -> None:
        self.scores = scores

    def predict(
        self,
        answers: Sequence[str],
        references: Sequence[Any],
        questions: Any = None,
        key_points: Any = None,
    ) -> list[dict[str, Any]]:
        scores = [self.scores.get(a, 0.0) for a in answers]
        return [
            {"score": v, "low": v, "high": v, "confidence": 1.0, "truncated": False} for v in scores
        ]


Sent = list[tuple[str, tuple[Any, ...]]]


def record_sent(monkeypatch: Any, tasks: Sequence[Any]) -> Sent:
    """Record what `tasks` would send (name, args) instead of publishing it to a broker."""
    calls: Sent = []
    for task in tasks:
        monkeypatch.setattr(task, "delay", lambda *a, _n=task.name: calls.append((_n, a)))
    return calls


def use_artifact_dir(settings: Any, root: Path) -> Path:
    """Point the artifact storage at `root` for one test."""
    settings.STORAGES = settings.STORAGES | {
        "artifacts": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(root)},
        }
    }
    return root
