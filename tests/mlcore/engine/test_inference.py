"""Batched inference: one call, one encoder pass, defined results for empty and long answers."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
import torch

from mlcore.engine.checkpoint import CheckpointError, save_checkpoint
from mlcore.engine.inference import FittedScorer, ScoreScale
from mlcore.engine.models.textcnn import TextCNNConfig, TextCNNScorer
from mlcore.engine.scoring import fit_scoring_model
from mlcore.engine.scoring_features import InputSpec
from tests.mlcore.engine.scoring_helpers import REFERENCE, BagOfWordsEncoder, graded_answers

ANSWERS = [
    "Heat makes the metal expand, so the gap closes.",
    "",
    "   ",
    "Trains are heavy.",
    "The metal expands. " * 400,  # about 8,000 characters
]


@pytest.fixture(scope="module")
def mlp_scorer() -> FittedScorer:
    return fit_scoring_model(
        graded_answers(45),
        family="mlp",
        encoder=BagOfWordsEncoder(),
        input_options={"ngram_buckets": 1 << 12, "max_chars": 2000},
        train_overrides={"epochs": 15},
    )


def test_predict_scores_a_batch_with_one_encoder_call(mlp_scorer: FittedScorer) -> None:
    encoder = BagOfWordsEncoder()
    mlp_scorer.featurizer.encoder = encoder
    results = mlp_scorer.predict(ANSWERS, [REFERENCE] * len(ANSWERS))
    assert encoder.calls == 1  # answers and references embedded together, once
    assert len(results) == len(ANSWERS)
    for row in results:
        assert set(row) == {"score", "low", "high", "confidence", "raw_score", "truncated", "empty"}
        assert 0.0 <= row["low"] <= row["score"] <= row["high"] <= 2.0
        assert row["score"] in (0.0, 1.0, 2.0)
    assert results[0]["score"] > results[3]["score"]


def test_empty_answers_get_the_lowest_score_without_the_model(mlp_scorer: FittedScorer) -> None:
    results = mlp_scorer.predict(["", " \n"], [REFERENCE, REFERENCE])
    for row in results:
        assert row == {
            "score": 0.0, "low": 0.0, "high": 0.0, "confidence": 1.0, "raw_score": 0.0,
            "truncated": False, "empty": True,
        }  # fmt: skip


def test_answers_past_the_size_limit_are_cut_and_flagged(mlp_scorer: FittedScorer) -> None:
    results = mlp_scorer.predict(ANSWERS, [REFERENCE] * len(ANSWERS))
    assert [r["truncated"] for r in results] == [False, False, False, False, True]


def test_save_load_gives_identical_results(mlp_scorer: FittedScorer, tmp_path: Path) -> None:
    mlp_scorer.save(tmp_path / "v1")
    loaded = FittedScorer.load(tmp_path / "v1", encoder=BagOfWordsEncoder())
    refs = [[REFERENCE, "Thermal expansion closes the gap."]] * len(ANSWERS)  # several refs
    assert loaded.predict(ANSWERS, refs) == mlp_scorer.predict(ANSWERS, refs)
    assert loaded.scale == mlp_scorer.scale
    assert loaded.report["family"] == "mlp"


def test_key_point_model_round_trip(tmp_path: Path) -> None:
    points = ("the metal expands", "the gap closes")
    examples = [replace(e, key_points=points) for e in graded_answers(30)]
    fitted = fit_scoring_model(
        examples,
        family="mlp",
        encoder=BagOfWordsEncoder(),
        input_options={"ngram_buckets": 1 << 10, "key_points": True},
        train_overrides={"epochs": 3},
    )
    refs, kps = [REFERENCE] * len(ANSWERS), [list(points)] * len(ANSWERS)
    results = fitted.predict(ANSWERS, refs, key_points=kps)
    assert results != fitted.predict(ANSWERS, refs)  # the key points are read
    fitted.save(tmp_path / "kp")
    loaded = FittedScorer.load(tmp_path / "kp", encoder=BagOfWordsEncoder())
    assert loaded.spec.key_points
    assert loaded.predict(ANSWERS, refs, key_points=kps) == results


def test_token_model_round_trip_and_token_truncation(tmp_path: Path) -> None:
    fitted = fit_scoring_model(
        graded_answers(30),
        family="textcnn",
        loss="ce",
        input_options={"max_tokens": 12},
        model_options={"textcnn": {"embed_dim": 16, "channels": 8}},
        train_overrides={"epochs": 2},
    )
    answers = ["The metal expands.", "The metal expands when it is heated in the summer sun."]
    results = fitted.predict(answers, [REFERENCE, REFERENCE])
    assert [r["truncated"] for r in results] == [False, True]
    fitted.save(tmp_path / "cnn")
    assert FittedScorer.load(tmp_path / "cnn").predict(answers, [REFERENCE] * 2) == results


def test_load_refuses_a_checkpoint_that_is_not_a_scorer(tmp_path: Path) -> None:
    cfg = TextCNNConfig(vocab_size=50, embed_dim=4, channels=2)
    save_checkpoint(tmp_path / "bare", TextCNNScorer(cfg), cfg)
    with pytest.raises(CheckpointError, match="not a scorer"):
        FittedScorer.load(tmp_path / "bare")


def test_classifier_intervals_hold_the_probability_mass() -> None:
    cfg = TextCNNConfig(vocab_size=50, embed_dim=4, channels=2, head="classification",
                        min_score=0, max_score=3, n_levels=4)  # fmt: skip
    scorer = FittedScorer(
        TextCNNScorer(cfg),
        InputSpec(family="textcnn", use_reference=False),
        ScoreScale(0, 3, 1),
        calibration={"temperature": {"kind": "temperature", "temperature": 1.0}, "mass": 0.9},
    )
    logits = np.log(np.array([[0.05, 0.9, 0.04, 0.01], [0.3, 0.3, 0.25, 0.15]], dtype=np.float32))
    rows = scorer._describe(logits)
    assert (rows[0]["low"], rows[0]["high"]) == (1.0, 1.0)  # 0.9 of the mass at level 1
    assert (rows[1]["low"], rows[1]["high"]) == (0.0, 3.0)  # needs every level
    assert rows[0]["confidence"] == pytest.approx(0.9, abs=1e-5)
    assert rows[1]["score"] == pytest.approx(1.0)  # the probability-weighted level, rounded
    assert torch.is_tensor(scorer.model.head.levels)
