"""Fitting scoring pipelines: scale inference, training, calibration, auto selection, errors."""

from __future__ import annotations

import math

import numpy as np
import pytest

from mlcore.engine.inference import ScoreScale
from mlcore.engine.scoring import (
    default_train_config,
    evaluate_scores,
    fit_scoring_model,
    primary_metric,
)
from tests.mlcore.engine.scoring_helpers import BagOfWordsEncoder, graded_answers


def test_score_scale_finds_the_grid_or_calls_scores_continuous() -> None:
    assert ScoreScale.infer([0, 0.5, 2, 1.5]) == ScoreScale(0.0, 2.0, 0.5)
    assert ScoreScale.infer([2, 12, 7]).n_levels == 11
    assert ScoreScale.infer([0.0, 0.31, 1.0]).step == 0.0
    assert ScoreScale.infer(list(range(200))).step == 0.0  # too many levels to classify
    with pytest.raises(ValueError, match="two different values"):
        ScoreScale.infer([3, 3])
    assert ScoreScale(1, 6, 1).snap(np.array([0.2, 3.49, 3.51, 9.0])).tolist() == [1, 3, 4, 6]


def test_metrics_and_primary_metric_follow_the_scale() -> None:
    scale = ScoreScale(0, 3, 1)
    figures = evaluate_scores(np.array([0.0, 1, 2, 3]), np.array([0.2, 1.4, 2.6, 3.0]), scale)
    assert figures["qwk"] == pytest.approx(0.9, abs=0.11)
    assert figures["accuracy"] == 0.75
    assert primary_metric(scale) == "qwk"
    assert primary_metric(ScoreScale(0, 1, 1)) == "f1_weighted"
    assert primary_metric(ScoreScale(0, 1, 0)) == "neg_rmse"


def test_fit_mlp_regression_learns_reports_and_calibrates() -> None:
    fitted = fit_scoring_model(
        graded_answers(60),
        family="mlp",
        encoder=BagOfWordsEncoder(),
        train_overrides={"epochs": 40},
    )
    report = fitted.report
    assert report["family"] == "mlp"
    assert (report["n_train"], report["n_val"]) == (48, 12)
    assert report["val_metrics"]["qwk"] > 0.6
    assert len(report["history"]) >= 1
    assert report["history"][0]["val_score"] == report["history"][0]["val_score"]  # not NaN
    conformal = fitted.calibration["conformal"]
    assert conformal["n"] == 12
    assert 0.0 <= fitted.calibration["exact_rate"] <= 1.0


def test_fit_classification_calibrates_a_temperature() -> None:
    fitted = fit_scoring_model(
        graded_answers(45), family="mlp", loss="ce", encoder=BagOfWordsEncoder(),
        train_overrides={"epochs": 10},
    )  # fmt: skip
    assert fitted.is_classifier
    assert fitted.calibration["temperature"]["temperature"] > 0
    results = fitted.predict(["Heat expands the metal so the gap closes."], ["x"])
    assert results[0]["low"] <= results[0]["score"] <= results[0]["high"]
    assert 0.0 < results[0]["confidence"] <= 1.0


def test_auto_trains_every_candidate_and_reports_them() -> None:
    seen: list[str] = []
    fitted = fit_scoring_model(
        graded_answers(30),
        family="auto",
        candidates=("mlp", "textcnn"),
        encoder=BagOfWordsEncoder(),
        train_overrides={"epochs": 2},
        on_candidate=lambda name, _: seen.append(name),
    )
    assert seen == ["mlp", "textcnn"]
    assert set(fitted.report["candidates"]) == {"mlp", "textcnn"}
    best = max(fitted.report["candidates"].values())
    assert fitted.report["candidates"][fitted.report["family"]] == best


def test_fit_refuses_too_little_data_and_ce_on_continuous_scores() -> None:
    with pytest.raises(ValueError, match="at least 4"):
        fit_scoring_model(graded_answers(3), family="mlp", encoder=BagOfWordsEncoder())
    answers = graded_answers(12)
    continuous = [
        a.__class__(**{**a.__dict__, "score": a.score + 0.01 * i}) for i, a in enumerate(answers)
    ]
    with pytest.raises(ValueError, match="grid of levels"):
        fit_scoring_model(continuous, family="mlp", loss="ce", encoder=BagOfWordsEncoder())
    with pytest.raises(ValueError, match="unknown model family"):
        default_train_config("svm")


def test_continuous_scores_get_a_regression_interval() -> None:
    answers = graded_answers(30)
    continuous = [
        a.__class__(**{**a.__dict__, "score": a.score / 3 + 0.001 * i})
        for i, a in enumerate(answers)
    ]
    fitted = fit_scoring_model(
        continuous, family="mlp", encoder=BagOfWordsEncoder(), train_overrides={"epochs": 3}
    )
    assert fitted.scale.step == 0.0
    assert math.isnan(fitted.calibration["exact_rate"])
    assert "qwk" not in fitted.report["val_metrics"]


@pytest.mark.slow
def test_fit_cross_encoder_through_the_pipeline() -> None:
    fitted = fit_scoring_model(
        graded_answers(12),
        family="cross_encoder",
        loss="ce",
        input_options={"max_tokens": 48, "include_question": True},
        train_overrides={"epochs": 1, "batch_size": 8},
    )
    assert fitted.report["family"] == "cross_encoder"
    assert fitted.report["train_config"]["lr"] == 3e-5
    assert fitted.calibration["temperature"]["temperature"] > 0
