"""The nearest teacher-graded answers of a question, and advice drawn from the teacher's comments.

For each new answer: the `NEAREST` graded answers of the same question closest in meaning
(`nearest_graded`, cosine of MiniLM embeddings, cached per process by `runtime.answer_vectors`),
stored as ids, similarity and points, which only teachers see; and the comments the teacher wrote
on those at least `ADVICE_MIN_SIMILARITY` alike, which the student may see. Only the comment text
travels, with the graded student's name taken out: never the other student's answer or name.
Advice comes only from comments on first attempts: on a later attempt teachers write about that
student's progress ("much better than your first try"), which means nothing to anyone else.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import numpy as np

from lms.assignments.models import Answer, Question
from lms.grading.models import GradeSource, GradeState
from mlcore import runtime
from mlcore.engine.feedback import nearest_graded

#: Graded answers compared at most (the most recently graded): bounds the time per question.
MAX_GRADED = 500
NEAREST = 5
#: Cosine from which a graded answer's comment counts as advice for this one. MiniLM puts
#: paraphrases of one answer at 0.6-0.8 and answers on the same topic that say different
#: things around 0.5.
ADVICE_MIN_SIMILARITY = 0.6
ADVICE_MAX_COMMENTS = 2


@dataclass(frozen=True)
class Neighbours:
    similar: list[dict[str, Any]]
    advice: str


@dataclass(frozen=True)
class _Graded:
    pk: int
    text: str
    points: Decimal
    comment: str
    names: tuple[str, ...]
    attempt: int


def neighbours_for(
    question: Question, answers: Sequence[Answer], vectors: np.ndarray, skip: Sequence[bool]
) -> list[Neighbours]:
    """Similar graded answers and advice for each answer (`vectors`: their embeddings,
    `(N, C)`); answers marked in `skip` (blank) get none."""
    nothing = Neighbours([], "")
    graded = _graded(question, exclude=[a.pk for a in answers])
    if not graded:
        return [nothing for _ in answers]
    graded_vecs = runtime.answer_vectors([(g.pk, g.text) for g in graded])  # (G, C)
    out = []
    for i in range(len(answers)):
        if skip[i]:
            out.append(nothing)
            continue
        near = nearest_graded(vectors[i], graded_vecs, k=NEAREST)
        similar = [
            {
                "answer_id": graded[j].pk,
                "similarity": round(sim, 3),
                "points": str(graded[j].points),
            }
            for j, sim in near
        ]
        out.append(Neighbours(similar, _advice(near, graded)))
    return out


def _graded(question: Question, *, exclude: Sequence[int]) -> list[_Graded]:
    rows = (
        Answer.objects.filter(
            question=question,
            grade__source=GradeSource.TEACHER,
            grade__state__in=[GradeState.DRAFT, GradeState.RELEASED],
        )
        .exclude(pk__in=exclude)
        .exclude(text="")
        .order_by("-grade__updated_at", "-pk")
        .values_list(
            "pk",
            "text",
            "grade__points",
            "grade__comment",
            "submission__student__display_name",
            "submission__student__email",
            "submission__attempt",
        )[:MAX_GRADED]
    )
    return [
        _Graded(pk, text, points, comment or "", (display_name or "", email or ""), attempt)
        for pk, text, points, comment, display_name, email, attempt in rows
    ]


def _advice(near: list[tuple[int, float]], graded: list[_Graded]) -> str:
    comments: list[str] = []
    for j, similarity in near:  # most similar first
        if similarity < ADVICE_MIN_SIMILARITY or len(comments) == ADVICE_MAX_COMMENTS:
            break
        if graded[j].attempt > 1:
            continue  # about that student's progress, not the answer (see the module's doc)
        comment = scrub_names(graded[j].comment, graded[j].names)
        if comment and comment not in comments:
            comments.append(comment)
    return "\n".join(comments)


def scrub_names(comment: str, names: Sequence[str]) -> str:
    """`comment` without the names given (a display name, its parts, an e-mail and its local
    part), with the commas and spaces around them tidied."""
    text = comment.strip()
    for name in names:
        if not name.strip():
            continue
        # The whole name or address in any case; a single part only capitalised, so that a
        # student called "Sky" does not take "sky" out of a comment about the sky.
        wholes = {name.strip(), name.split("@")[0]} if "@" in name else {name.strip()}
        for whole in sorted(wholes, key=len, reverse=True):
            text = _remove(text, re.escape(whole), re.IGNORECASE)
        for part in name.split():
            if len(part) >= 2 and "@" not in part:
                text = _remove(text, re.escape(part[0].upper() + part[1:]), 0)
    text = re.sub(r"\s+([.!?,;:])", r"\1", re.sub(r"\s{2,}", " ", text)).strip(" ,;:")
    return text[:1].upper() + text[1:]


def _remove(text: str, pattern: str, flags: int) -> str:
    return re.sub(rf"(?:,\s*)?(?<![\w@.]){pattern}(?![\w@])(?:\s*,)?", "", text, flags=flags)
