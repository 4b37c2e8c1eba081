"""The promotion rule: a candidate replaces the active version only if it beats it on the same
held-out teacher grades (QWK; a tie keeps the active one); with none active, it must beat the
similarity fallback. Scorers are stand-ins with known answers, so each case is exact."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import pytest

from lms.accounts.models import User
from lms.courses.models import Course
from mlcore import runtime
from mlcore.engine.inference import ScoreScale
from mlcore.models import ModelVersion, ScoringModel
from mlcore.services import promotion
from mlcore.services import training as training_service
from mlcore.services.promotion import Decision, HeldOut, decide, heldout_metrics
from mlcore.services.registry import scoring_model_for
from mlcore.services.training import training_run_execute, training_run_start
from tests.mlcore.training_helpers import (
    FakeScorer,
    add_version,
    graded_question,
    text_question,
    use_artifact_dir,
)

SCALE = ScoreScale(0.0, 2.0, 1.0)
TEXTS = ["a", "b", "c", "d"]
TRUTH = [0.0, 1.0, 2.0, 2.0]


def held_out(ids: Sequence[int] = (1, 2, 3, 4)) -> HeldOut:
    return HeldOut(list(ids), list(TEXTS), list(TRUTH))


def scorer(*scores: float) -> FakeScorer:
    return FakeScorer(dict(zip(TEXTS, scores, strict=True)))


@pytest.fixture
def scoring_model(course: Course) -> ScoringModel:
    return scoring_model_for(text_question(course))


@pytest.fixture
def with_active(
    monkeypatch: pytest.MonkeyPatch, scoring_model: ScoringModel
) -> Callable[..., ModelVersion]:
    """Make an active version that scores like `scores` (trained on `seen` answer ids)."""

    def make(*scores: float, seen: Sequence[int] = ()) -> ModelVersion:
        version = add_version(scoring_model.question, 1, active=True, train_answer_ids=list(seen))
        monkeypatch.setattr(runtime, "active_scorer", lambda _: (version, scorer(*scores)))
        return version

    return make


def no_fallback_call(*_: Any) -> list[float]:
    raise AssertionError("the fallback is only compared with when no version is active")


def test_heldout_metrics_on_a_hand_computed_example() -> None:
    figures = heldout_metrics(TRUTH, [0, 2, 2, 1], SCALE)
    # Observed disagreements weigh 0.5, chance ones 1.375 (weights (i-j)^2 / 4): 1 - 0.5/1.375.
    assert figures == {"n": 4, "qwk": 0.6364, "exact": 0.5, "within_one": 1.0}


def test_a_better_candidate_is_promoted(
    scoring_model: ScoringModel,
    with_active: Callable[..., ModelVersion],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(promotion, "fallback_scores", no_fallback_call)
    active = with_active(0, 2, 2, 1)
    decision, overall = decide(
        scoring_model=scoring_model, candidate=scorer(0, 1, 2, 2), heldout=held_out(), scale=SCALE
    )
    assert decision.promote
    assert decision.baseline_version_id == active.pk
    assert decision.text == (
        "promoted: QWK 1.0000 beats v1's 0.6364 on the same 4 held-out teacher grades"
    )
    assert overall["qwk"] == 1.0


def test_a_tie_keeps_the_active_version(
    scoring_model: ScoringModel, with_active: Callable[..., ModelVersion]
) -> None:
    with_active(0, 2, 2, 1)
    decision, _ = decide(
        scoring_model=scoring_model, candidate=scorer(0, 2, 2, 1), heldout=held_out(), scale=SCALE
    )
    assert not decision.promote
    assert decision.text.startswith("not promoted: QWK 0.6364 ties v1's 0.6364")


def test_a_worse_candidate_keeps_the_active_version(
    scoring_model: ScoringModel, with_active: Callable[..., ModelVersion]
) -> None:
    with_active(0, 1, 2, 2)
    decision, _ = decide(
        scoring_model=scoring_model, candidate=scorer(2, 0, 0, 1), heldout=held_out(), scale=SCALE
    )
    assert not decision.promote
    assert "is below v1's 1.0000" in decision.text


@pytest.mark.parametrize(("fallback", "promoted"), [((0, 0, 0, 0), True), ((0, 1, 2, 2), False)])
def test_with_no_active_version_the_candidate_must_beat_the_fallback(
    scoring_model: ScoringModel,
    monkeypatch: pytest.MonkeyPatch,
    fallback: tuple[float, ...],
    promoted: bool,
) -> None:
    monkeypatch.setattr(promotion, "fallback_scores", lambda q, texts: list(fallback))
    decision, _ = decide(
        scoring_model=scoring_model, candidate=scorer(0, 2, 2, 1), heldout=held_out(), scale=SCALE
    )
    assert decision.promote == promoted
    assert decision.baseline_version_id is None
    assert "the similarity fallback" in decision.text


def test_answers_the_active_version_trained_on_are_left_out(
    scoring_model: ScoringModel, with_active: Callable[..., ModelVersion]
) -> None:
    # On all four the candidate would win; on the two the active version never saw, it ties.
    with_active(2, 1, 2, 1, seen=[1, 4])
    decision, _ = decide(
        scoring_model=scoring_model, candidate=scorer(0, 1, 2, 1), heldout=held_out(), scale=SCALE
    )
    assert decision.compared["answers"] == [2, 3]
    assert not decision.promote
    assert "on the same 2 held-out teacher grades" in decision.text


def test_an_active_version_that_saw_every_held_out_answer_is_kept(
    scoring_model: ScoringModel, with_active: Callable[..., ModelVersion]
) -> None:
    with_active(0, 0, 0, 0, seen=[1, 2, 3, 4])
    decision, _ = decide(
        scoring_model=scoring_model, candidate=scorer(0, 1, 2, 2), heldout=held_out(), scale=SCALE
    )
    assert not decision.promote
    assert "trained on every held-out answer" in decision.text


# --- Wiring in a real run ----------------------------------------------------------------------


@pytest.fixture
def tiny_training_settings(settings: Any, tmp_path: Path) -> None:
    use_artifact_dir(settings, tmp_path / "artifacts")
    settings.AULA_TRAINING_OVERRIDES = {"epochs": 2}


def run_with_decision(
    course: Course, teacher: User, monkeypatch: pytest.MonkeyPatch, decision: Decision
) -> ScoringModel:
    question = graded_question(course, teacher, 8)
    scoring_model = scoring_model_for(question)
    scoring_model.family = "mlp"
    scoring_model.save()
    monkeypatch.setattr(training_service, "decide", lambda **_: (decision, {"n": 2, "qwk": 1.0}))
    run = training_run_start(actor=teacher, scoring_model=scoring_model)
    assert training_run_execute(run_id=run.pk) == "succeeded"
    return scoring_model


@pytest.mark.usefixtures("tiny_training_settings")
def test_a_promoted_candidate_becomes_the_active_version(
    course: Course, teacher: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    scoring_model = run_with_decision(
        course, teacher, monkeypatch, Decision(True, "promoted: better", None)
    )
    version = ModelVersion.objects.get(scoring_model=scoring_model)
    assert version.is_active
    assert version.run is not None
    assert version.run.promoted
    assert version.run.decision == "v1 promoted: better"


@pytest.mark.usefixtures("tiny_training_settings")
def test_no_promotion_when_the_active_version_changed_during_the_run(
    course: Course, teacher: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Compared with the fallback (no active version then), but a version is active by the end.
    original = training_service.version_create

    def restore_meanwhile(**kwargs: Any) -> ModelVersion:
        question = kwargs["run"].scoring_model.question
        add_version(question, 7, active=True)
        return original(**kwargs)

    monkeypatch.setattr(training_service, "version_create", restore_meanwhile)
    scoring_model = run_with_decision(
        course, teacher, monkeypatch, Decision(True, "promoted: better", None)
    )
    new = ModelVersion.objects.get(scoring_model=scoring_model, number=8)
    assert not new.is_active
    assert new.run is not None
    assert not new.run.promoted
    assert "the active version changed while this run trained" in new.run.decision
