"""The grading queue's orders and filters, and agreement figures checked by hand."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest
from django.core.cache import cache

from lms.accounts.models import User
from lms.assignments.models import Answer, Question
from lms.courses.models import Course
from lms.grading.services import grade_set
from mlcore.selectors.review import agreement_for_question, grading_queue, points_step
from mlcore.services.review import (
    answer_grade,
    suggestion_accept,
    suggestion_edit,
    suggestion_reject,
)
from tests.mlcore.review_helpers import (
    FakeEncoder,
    make_answer,
    make_question,
    make_version,
    predict,
    suggest,
)


@pytest.fixture(autouse=True)
def _private_cache(settings: Any) -> Iterator[None]:
    # The clustering cache is keyed by answer ids, which a fresh test database hands out again.
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def question(course: Course) -> Question:
    return make_question(course, points=Decimal(4))


def _ids(answers: list[Answer]) -> list[int]:
    return [a.pk for a in answers]


def test_position_order_and_state_filters(question: Question, teacher: User) -> None:
    ungraded, suggested, decided = (make_answer(question) for _ in range(3))
    suggest(suggested, 2)
    grade_set(actor=teacher, answer=decided, points=Decimal(3))
    queue = grading_queue(question=question)
    assert _ids([i.answer for i in queue.items]) == _ids([ungraded, suggested])
    assert queue.counts == {"review": 2, "suggested": 1, "ungraded": 1, "decided": 1, "all": 3}
    every = grading_queue(question=question, state="all")
    assert _ids([i.answer for i in every.items]) == _ids([ungraded, suggested, decided])
    assert [i.state for i in every.items] == ["ungraded", "suggested", "decided"]
    assert every.items[2].grade is not None
    assert every.items[2].grade.points == 3
    only = grading_queue(question=question, state="decided")
    assert _ids([i.answer for i in only.items]) == _ids([decided])


def test_least_certain_first(question: Question) -> None:
    sure, unsure_narrow, unscored, unsure_wide = (make_answer(question) for _ in range(4))
    suggest(sure, 2, confidence=0.9)
    suggest(unsure_narrow, 2, confidence=0.2, width=1)
    suggest(unsure_wide, 2, confidence=0.2, width=3)
    queue = grading_queue(question=question, order="least_certain")
    expected = [unscored, unsure_wide, unsure_narrow, sure]
    assert _ids([i.answer for i in queue.items]) == _ids(expected)


def test_the_active_versions_prediction_is_shown(question: Question) -> None:
    answer = make_answer(question)
    old = make_version(question, 1, active=False)
    active = make_version(question, 2, active=True)
    predict(answer, 1, version=active)
    predict(answer, 3, version=old)  # newer, but from an inactive version
    predict(answer, 4)  # the fallback, newer still
    item = grading_queue(question=question).items[0]
    assert item.prediction is not None
    assert item.prediction.version_id == active.pk
    active.is_active = False
    active.save()
    item = grading_queue(question=question).items[0]
    assert item.prediction is not None
    assert item.prediction.version_id is None


def test_cluster_order_groups_by_meaning_and_is_cached(question: Question, teacher: User) -> None:
    texts = [
        "Sunlight scatters off air.",
        "Ozone absorbs red light.",
        "Blue light scatters more.",
        "Because of the ozone layer.",
        "Light scatters in the sky.",
    ]
    answers = [make_answer(question, text) for text in texts]
    grade_set(actor=teacher, answer=answers[4], points=Decimal(4))
    encoder = FakeEncoder()
    queue = grading_queue(question=question, order="cluster", encoder=lambda: encoder)
    groups = [(c.index, c.size, _ids([i.answer for i in c.items])) for c in queue.clusters]
    # The largest cluster first; the decided answer counts in its size but is not listed.
    assert groups == [(0, 3, _ids(answers[0:3:2])), (1, 2, _ids(answers[1:4:2]))]
    assert queue.clusters[0].label in texts[0:5:2]
    assert queue.clusters[1].label in texts[1:4:2]
    assert _ids([i.answer for i in queue.items]) == _ids([answers[0], answers[2], *answers[1:4:2]])
    grading_queue(question=question, order="cluster", encoder=lambda: encoder)
    assert encoder.calls == 1  # the second page load reused the clustering
    answers[0].text = "Dust reflects light."
    answers[0].save()
    grading_queue(question=question, order="cluster", encoder=lambda: encoder)
    assert encoder.calls == 2  # a changed answer is embedded again, alone


def test_unknown_order_or_state(question: Question) -> None:
    with pytest.raises(ValueError, match="unknown queue order"):
        grading_queue(question=question, order="random")
    with pytest.raises(ValueError, match="unknown queue order"):
        grading_queue(question=question, state="late")


@pytest.mark.parametrize(
    ("values", "step"),
    [(["4", "2", "0"], "1"), (["4", "1.5"], "0.5"), (["4", "0.75"], "0.25"), (["4", "0.3"], "0.1")],
)
def test_points_step(values: list[str], step: str) -> None:
    assert points_step([Decimal(v) for v in values]) == Decimal(step)


def test_agreement_on_a_hand_computed_example(question: Question, teacher: User) -> None:
    v1 = make_version(question, 1, active=True)
    v2 = make_version(question, 2, active=False)
    answers = [make_answer(question) for _ in range(8)]
    grades = [
        suggest(a, s, version=v1) for a, s in zip(answers[:6], (4, 2, 2, 2, 1, 3), strict=True)
    ]
    # The similarity fallback scored two of them too: (teacher, fallback) (4, 2) and (0, 1).
    predict(answers[0], 2)
    predict(answers[3], 1)
    # (teacher, model) for v1: (4, 4) (3, 2) (2, 2) (0, 2) (1, 1); the sixth stays undecided.
    suggestion_accept(actor=teacher, grade=grades[0])
    suggestion_edit(actor=teacher, grade=grades[1], points=Decimal(3))
    suggestion_accept(actor=teacher, grade=grades[2])
    suggestion_reject(actor=teacher, grade=grades[3], points=Decimal(0))
    suggestion_accept(actor=teacher, grade=grades[4])
    answer_grade(actor=teacher, answer=answers[6], points=Decimal(2))  # no prediction: left out
    answer_grade(actor=teacher, answer=answers[7], points=Decimal(2))
    predict(answers[7], 2, version=v1)  # made after the teacher's grade: left out

    result = agreement_for_question(question=question)
    assert [(r.version_id, r.n) for r in result.by_version] == [(v2.pk, 0), (v1.pk, 5), (None, 2)]
    assert result.active == result.by_version[1]
    active = result.active
    assert (active.exact, active.within_one) == (3 / 5, 4 / 5)
    # QWK on ratings 0..4 with weights (i - j)^2 / 16: observed disagreement (1 + 4) / 16;
    # expected, from the margins (teacher one of each level; model 1, 2, 2, 2, 4), 75 / 16 / 5.
    assert active.qwk == pytest.approx(1 - (5 / 16) / (15 / 16))
    fallback = result.by_version[2]
    assert (fallback.exact, fallback.within_one) == (0.0, 0.5)
    # Observed (4 + 1) / 16; expected (1 + 4 + 9 + 4) / 16 / 2.
    assert fallback.qwk == pytest.approx(1 - (5 / 16) / (9 / 16))
    assert result.by_version[0].qwk is None
    assert result.decisions == {"accepted": 3, "edited": 1, "rejected": 1}
    only_v1 = agreement_for_question(question=question, version=v1)
    assert only_v1.by_version == [active]


def test_agreement_on_a_half_point_grid(course: Course, teacher: User) -> None:
    question = make_question(course, points=Decimal(2))
    version = make_version(question)
    for model, teacher_points in (("1.5", "1.5"), ("2", "1"), ("0.5", "0")):
        grade = suggest(make_answer(question), Decimal(model), version=version)
        suggestion_edit(actor=teacher, grade=grade, points=Decimal(teacher_points))
    active = agreement_for_question(question=question).active
    assert active is not None
    assert (active.n, active.exact, active.within_one) == (3, 1 / 3, 1.0)
    # Ratings in half points 0..4: teacher 3, 2, 0 and model 3, 4, 1. Observed (4 + 1) / 16;
    # expected, the sum over the 3 x 3 pairs of (i - j)^2 / 16 / 3 = (0+1+4+1+4+1+9+16+1) / 48.
    assert active.qwk == pytest.approx(1 - (5 / 16) / (37 / 48))


def test_cluster_order_with_the_real_encoder(question: Question) -> None:
    texts = [
        "Air molecules scatter the short blue wavelengths of sunlight.",
        "I don't know.",
        "Blue light is scattered more by the air than red light.",
        "No idea, sorry.",
    ]
    answers = [make_answer(question, text) for text in texts]
    queue = grading_queue(question=question, order="cluster")
    groups = sorted(sorted(_ids([i.answer for i in c.items])) for c in queue.clusters)
    assert groups == sorted([_ids(answers[0::2]), _ids(answers[1::2])])
