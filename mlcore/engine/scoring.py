"""Fitting a scoring model on graded answers: features, model, training, calibration, metrics.

This is what the service layer calls to learn a teacher's grading (issue 4 builds on it):

    fitted = fit_scoring_model(examples, family="auto", loss="mse", callbacks=[progress, cancel])
    fitted.report["val_metrics"]   # e.g. {"qwk": 0.81, "accuracy": 0.66, ...} on held-out answers
    fitted.save("var/models/17")   # then FittedScorer.load(...).predict(...) in the workers

`examples` are `ScoringExample`s (see `scoring_data`). Unless `val_examples` is given, a random
fifth of them is held out: it picks the best epoch (and, with `family="auto"`, the best family)
and then fits the calibration (a conformal interval for regression, temperature scaling for
classification). Using one held-out set for both keeps the training set as large as possible
for the few dozen answers a teacher grades; its coverage is therefore slightly optimistic.

Every model is trained by `training.train()`; `default_train_config(family)` gives the settings
used when `train_cfg` is not passed.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass, replace
from typing import Any, Literal

import numpy as np

from mlcore.engine import metrics
from mlcore.engine.calibration import ConformalInterval, TemperatureScaler
from mlcore.engine.device import seed_everything
from mlcore.engine.encoders import TextEncoder
from mlcore.engine.inference import FittedScorer, ScoreScale
from mlcore.engine.models.cross_encoder import CrossEncoderConfig, CrossEncoderScorer
from mlcore.engine.models.heads import HeadConfig, ScoringModel
from mlcore.engine.models.mlp import MLPConfig, MLPScorer
from mlcore.engine.models.rnn import RNNConfig, RNNScorer
from mlcore.engine.models.textcnn import TextCNNConfig, TextCNNScorer
from mlcore.engine.models.transformer import TransformerConfig, TransformerScorer
from mlcore.engine.scoring_data import ScoringExample, random_split
from mlcore.engine.scoring_features import (
    FAMILIES,
    Featurizer,
    Inputs,
    InputSpec,
    ScoringLoader,
    TokenStates,
    prior_width,
)
from mlcore.engine.training import Callback, TrainConfig, train

AUTO_CANDIDATES = ("mlp", "textcnn", "rnn", "transformer")
Loss = Literal["mse", "ce"]

_TRAIN_DEFAULTS: dict[str, TrainConfig] = {
    "mlp": TrainConfig(
        optimizer="adamw", lr=1e-3, weight_decay=1e-4, epochs=60, batch_size=32,
        early_stopping_patience=12,
    ),
    "textcnn": TrainConfig(
        optimizer="adamw", lr=1e-3, weight_decay=1e-4, epochs=30, batch_size=32,
        early_stopping_patience=6,
    ),
    "rnn": TrainConfig(
        optimizer="adamw", lr=2e-3, weight_decay=1e-4, epochs=30, batch_size=32,
        early_stopping_patience=6,
    ),
    "transformer": TrainConfig(
        optimizer="adamw", lr=5e-4, weight_decay=1e-2, epochs=30, batch_size=32,
        schedule="cosine", warmup_fraction=0.1, early_stopping_patience=6,
    ),
    "cross_encoder": TrainConfig(
        optimizer="adamw", lr=3e-5, weight_decay=1e-2, epochs=3, batch_size=16,
        schedule="linear", warmup_fraction=0.1,
    ),
}  # fmt: skip
CROSS_ENCODER_HEAD_LR = 1e-3


def default_train_config(family: str) -> TrainConfig:
    """The training settings each family is fitted with unless told otherwise (a copy)."""
    if family not in _TRAIN_DEFAULTS:
        raise ValueError(f"unknown model family {family!r}; expected one of {FAMILIES}")
    return replace(_TRAIN_DEFAULTS[family])


def evaluate_scores(y_true: np.ndarray, raw: np.ndarray, scale: ScoreScale) -> dict[str, float]:
    """QWK, accuracy and F1 of the snapped predictions; RMSE and Pearson of the raw ones."""
    pred = scale.snap(raw)
    out = {"rmse": metrics.rmse(y_true, raw), "pearson": metrics.pearson(y_true, raw)}
    if scale.step > 0:
        true_lv = np.round((y_true - scale.min_score) / scale.step).astype(np.int64)
        pred_lv = np.round((pred - scale.min_score) / scale.step).astype(np.int64)
        out |= {
            "qwk": metrics.qwk(true_lv, pred_lv, 0, scale.n_levels - 1),
            "accuracy": metrics.accuracy(true_lv, pred_lv),
            "f1_macro": metrics.f1_macro(true_lv, pred_lv),
            "f1_weighted": metrics.f1_weighted(true_lv, pred_lv),
        }
    return out


def primary_metric(scale: ScoreScale) -> str:
    """What selects epochs and families: weighted F1 for two levels, QWK for more, else -RMSE."""
    if scale.step <= 0:
        return "neg_rmse"
    return "f1_weighted" if scale.n_levels == 2 else "qwk"


def _metric_value(figures: dict[str, float], name: str) -> float:
    return -figures["rmse"] if name == "neg_rmse" else figures[name]


def _scores(examples: Sequence[ScoringExample]) -> np.ndarray:
    return np.array([e.score for e in examples], dtype=np.float64)


def _texts(
    examples: Sequence[ScoringExample],
) -> tuple[list[str], list[list[str]], list[str], list[list[str]]]:
    return (
        [e.answer for e in examples],
        [list(e.references) for e in examples],
        [e.question for e in examples],
        [list(e.key_points) for e in examples],
    )


def _build_mlp(
    spec: InputSpec, heads: dict[str, Any], inputs: Inputs, y: np.ndarray, options: dict[str, Any]
) -> MLPScorer:
    """The MLP with its input statistics (and n-gram ridge) fitted on the training rows."""
    dense = inputs["features"]
    width = dense.shape[1] + (1 if spec.ngram_buckets else 0)
    lexical = prior_width(spec) if spec.ngram_buckets else 0
    cfg = MLPConfig(
        **heads, input_dim=width, ngram_buckets=spec.ngram_buckets, ngram_dense=lexical, **options
    )
    model = MLPScorer(cfg)
    if spec.ngram_buckets:
        # Out-of-fold predictions for the training rows, so the MLP learns how far to trust them.
        inputs["ngram_pred"] = model.fit_ngram_ridge(
            inputs["ngram_ids"], inputs["ngram_tf"], dense, y
        )
        dense = np.concatenate([dense, inputs["ngram_pred"][:, None]], axis=1)
    model.fit_normalisation(dense)
    return model


def _build_model(
    family: str,
    spec: InputSpec,
    head: HeadConfig,
    inputs: Inputs,
    y: np.ndarray,
    options: dict[str, Any],
) -> ScoringModel:
    heads = asdict(head)
    if family == "mlp":
        return _build_mlp(spec, heads, inputs, y, options)
    if family == "textcnn":
        return TextCNNScorer(TextCNNConfig(**heads, use_reference=spec.use_reference, **options))
    if family == "rnn":
        hidden_input = spec.token_input == "hidden"
        kind: dict[str, Any] = {"input_kind": "hidden", "embed_dim": 384} if hidden_input else {}
        cfg = RNNConfig(**heads, use_reference=spec.use_reference, **(kind | options))
        return RNNScorer(cfg)
    if family == "transformer":
        return TransformerScorer(TransformerConfig(**heads, max_len=spec.max_tokens, **options))
    return CrossEncoderScorer(CrossEncoderConfig(**heads, **options))


def _head_config(loss: Loss, scale: ScoreScale) -> HeadConfig:
    if loss == "ce":
        return HeadConfig("classification", scale.min_score, scale.max_score, scale.n_levels)
    if loss != "mse":
        raise ValueError(f"loss must be 'mse' or 'ce', not {loss!r}")
    return HeadConfig("regression", scale.min_score, scale.max_score)


def _calibrate(
    scorer: FittedScorer, y_val: np.ndarray, outputs: np.ndarray, alpha: float
) -> dict[str, Any]:
    raw = scorer.scores_from_outputs(outputs)
    scale = scorer.scale
    if scorer.is_classifier:
        levels = np.round((y_val - scale.min_score) / scale.step).astype(np.int64)
        return {
            "temperature": TemperatureScaler().fit(outputs, levels).to_dict(),
            "mass": 1 - alpha,
        }
    conformal = ConformalInterval().fit(y_val, raw, alpha, scale.min_score, scale.max_score)
    exact = float(np.mean(scale.snap(raw) == y_val)) if scale.step > 0 else math.nan
    return {"conformal": conformal.to_dict(), "exact_rate": exact}


@dataclass
class _Plan:
    """Everything one candidate's fit needs besides the data."""

    family: str
    loss: Loss
    scale: ScoreScale
    train_cfg: TrainConfig
    spec: InputSpec
    options: dict[str, Any]
    encoder: TextEncoder | None
    states: TokenStates | None
    alpha: float


def _prepare(
    plan: _Plan, train_set: Sequence[ScoringExample], val_set: Sequence[ScoringExample]
) -> tuple[FittedScorer, Inputs, Inputs]:
    """Featurize both sets and build the (untrained) model with its input statistics."""
    featurizer = Featurizer(plan.spec, plan.encoder, plan.states)
    train_inputs, _ = featurizer.inputs(*_texts(train_set))
    val_inputs, _ = featurizer.inputs(*_texts(val_set))
    options = dict(plan.options)
    init_embeddings = bool(options.pop("init_embeddings", False))
    seed_everything(plan.train_cfg.seed)
    head = _head_config(plan.loss, plan.scale)
    model = _build_model(plan.family, plan.spec, head, train_inputs, _scores(train_set), options)
    if init_embeddings:
        if not isinstance(model, TextCNNScorer | RNNScorer | TransformerScorer):
            raise ValueError(f"{plan.family} has no token embeddings to initialise")
        model.init_embeddings()
    scorer = FittedScorer(model, plan.spec, plan.scale, encoder=plan.encoder, states=plan.states)
    return scorer, train_inputs, val_inputs


def _fit_one(
    plan: _Plan,
    train_set: Sequence[ScoringExample],
    val_set: Sequence[ScoringExample],
    callbacks: Iterable[Callback],
) -> FittedScorer:
    started = time.perf_counter()
    scorer, train_inputs, val_inputs = _prepare(plan, train_set, val_set)
    model, cfg, scale = scorer.model, plan.train_cfg, plan.scale
    y_train, y_val = _scores(train_set), _scores(val_set)
    loader = ScoringLoader(train_inputs, y_train, cfg.batch_size, shuffle=True, seed=cfg.seed)
    val_loader = ScoringLoader(val_inputs, y_val, max(cfg.batch_size, 64))
    metric = primary_metric(scale)

    def val_score(_: Any) -> float:
        raw = scorer.scores_from_outputs(scorer.outputs(val_inputs))
        return _metric_value(evaluate_scores(y_val, raw, scale), metric)

    groups = None
    if isinstance(model, CrossEncoderScorer):
        groups = model.param_groups(cfg.lr, CROSS_ENCODER_HEAD_LR, 1.0, cfg.weight_decay)
    result = train(cfg, model, loader, val_loader, callbacks, groups, val_score)
    model.to("cpu")
    outputs = scorer.outputs(val_inputs)
    scorer.calibration = _calibrate(scorer, y_val, outputs, plan.alpha)
    scorer.report = {
        "family": plan.family,
        "loss": plan.loss,
        "selection_metric": metric,
        "val_metrics": evaluate_scores(y_val, scorer.scores_from_outputs(outputs), scale),
        "n_train": len(train_set),
        "n_val": len(val_set),
        "history": result.history,
        "best_epoch": result.best_epoch,
        "train_seconds": time.perf_counter() - started,
        "device": result.device,
        "train_config": asdict(cfg),
    }
    return scorer


def fit_scoring_model(
    examples: Sequence[ScoringExample],
    family: str = "auto",
    loss: Loss = "mse",
    train_cfg: TrainConfig | None = None,
    callbacks: Iterable[Callback] = (),
    *,
    val_examples: Sequence[ScoringExample] | None = None,
    val_fraction: float = 0.2,
    scale: ScoreScale | None = None,
    train_overrides: dict[str, Any] | None = None,
    input_options: dict[str, Any] | None = None,
    model_options: dict[str, dict[str, Any]] | None = None,
    candidates: Sequence[str] = AUTO_CANDIDATES,
    encoder: TextEncoder | None = None,
    states: TokenStates | None = None,
    alpha: float = 0.1,
    seed: int = 0,
    on_candidate: Callable[[str, FittedScorer], None] | None = None,
) -> FittedScorer:
    """Train a scoring model of `family` (or the best of `candidates` with "auto"); see module.

    `train_cfg` replaces each family's default settings; `train_overrides` changes fields of
    whichever is used (e.g. `{"epochs": 5}`). `input_options` sets `InputSpec` fields;
    `model_options` maps a family to fields of its model config (plus `init_embeddings: True`
    to start a token model from MiniLM's input embeddings).
    """
    if len(examples) < 4:
        raise ValueError(f"need at least 4 graded answers to fit a scorer, got {len(examples)}")
    if val_examples is None:
        train_set, val_set = random_split(examples, val_fraction, seed)
    else:
        train_set, val_set = list(examples), list(val_examples)
    scale = scale or ScoreScale.infer([e.score for e in [*train_set, *val_set]])
    if loss == "ce" and scale.step <= 0:
        raise ValueError("cross-entropy needs scores on a grid of levels; use loss='mse'")
    families = list(candidates) if family == "auto" else [family]
    fitted: list[FittedScorer] = []
    for name in families:
        cfg = replace(train_cfg or replace(default_train_config(name), seed=seed))
        cfg = replace(cfg, **(train_overrides or {}))
        spec = InputSpec(**({"family": name} | (input_options or {})))
        options = (model_options or {}).get(name, {})
        plan = _Plan(name, loss, scale, cfg, spec, options, encoder, states, alpha)
        scorer = _fit_one(plan, train_set, val_set, callbacks)
        if on_candidate is not None:
            on_candidate(name, scorer)
        fitted.append(scorer)
    metric = primary_metric(scale)
    best = max(fitted, key=lambda s: _metric_value(s.report["val_metrics"], metric))
    if family == "auto":
        best.report["candidates"] = {
            s.report["family"]: s.report["val_metrics"][metric if metric != "neg_rmse" else "rmse"]
            for s in fitted
        }
    return best
