"""Batched scoring inference: load a fitted scoring model once, score many answers in one call.

The service layer keeps one `FittedScorer` per model version (loading is separate from
predicting, so a worker pays it once) and scores a whole submission or class at once:

    scorer = FittedScorer.load("var/models/17")          # weights + config + calibration
    results = scorer.predict(answers, references, questions)
    results[0]  # {"score": 2.0, "low": 1.0, "high": 3.0, "confidence": 0.71,
                #  "raw_score": 2.13, "truncated": False, "empty": False}

One call featurizes every answer together (the sentence encoder runs once over all texts) and, for
the MLP family, applies the model in a single forward; token models run in length-sorted batches.

- `score` is the prediction rounded to the question's score step and clipped to its range;
  `raw_score` is the unrounded prediction.
- `low`/`high`: a regression model's split-conformal interval (90% by default), fitted on held-out
  answers; a classification model's smallest set of levels holding 90% of the calibrated
  probability.
- `confidence`: for a classification model, the temperature-calibrated probability of `score`;
  for a regression model, the share of held-out answers whose rounded prediction was exactly
  right (split conformal gives every answer the same interval, so this is per model version).
- An empty or blank answer is not run through the model: it gets the lowest score with
  confidence 1 and `empty: True`. An answer past the size limit is cut, and `truncated` says so.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch

from mlcore.engine.calibration import ConformalInterval, TemperatureScaler
from mlcore.engine.checkpoint import CheckpointError, load_checkpoint, save_checkpoint
from mlcore.engine.encoders import TextEncoder
from mlcore.engine.models.heads import ScoringModel
from mlcore.engine.scoring_features import (
    Featurizer,
    Inputs,
    InputSpec,
    ScoringLoader,
    TokenStates,
    collate,
)

# One forward for the whole call when the model is this cheap per row (MLP features).
_SINGLE_FORWARD = {"mlp"}
MAX_LEVELS = 101


@dataclass
class ScoreScale:
    """Score range and step; `step == 0` means continuous scores."""

    min_score: float
    max_score: float
    step: float = 1.0

    @classmethod
    def infer(cls, scores: Sequence[float]) -> ScoreScale:
        """The range of `scores` and their grid: 1 for whole numbers, else the smallest gap.

        Whole numbers get step 1 even when, say, only even marks were given so far.
        """
        values = np.unique(np.asarray(scores, dtype=np.float64))
        if len(values) < 2:
            raise ValueError("scores must take at least two different values")
        low, high = float(values[0]), float(values[-1])
        whole = np.allclose(values, np.round(values))
        step = 1.0 if whole else float(np.diff(values).min())
        on_grid = np.allclose((values - low) / step, np.round((values - low) / step), atol=1e-6)
        if not on_grid or (high - low) / step + 1 > MAX_LEVELS:
            step = 0.0
        return cls(low, high, round(step, 9))

    @property
    def n_levels(self) -> int:
        if self.step <= 0:
            raise ValueError("continuous scores have no levels; use a regression head")
        return round((self.max_score - self.min_score) / self.step) + 1

    def snap(self, raw: np.ndarray) -> np.ndarray:
        """Clip to the range and round to the step."""
        x = np.clip(np.asarray(raw, dtype=np.float64), self.min_score, self.max_score)
        if self.step > 0:
            x = self.min_score + np.round((x - self.min_score) / self.step) * self.step
        return x


def _probability_sets(probs: np.ndarray, levels: np.ndarray, mass: float) -> tuple[np.ndarray, ...]:
    """Lowest and highest level of the smallest set of levels holding `mass` probability."""
    order = np.argsort(-probs, axis=1)  # (N, L)
    cum = np.cumsum(np.take_along_axis(probs, order, axis=1), axis=1)  # (N, L)
    keep = np.concatenate([np.ones_like(cum[:, :1], bool), cum[:, :-1] < mass], axis=1)
    chosen = np.where(keep, levels[order], np.nan)  # (N, L)
    return np.nanmin(chosen, axis=1), np.nanmax(chosen, axis=1)


class FittedScorer:
    """A trained scoring model with its input recipe, score scale and calibration."""

    def __init__(
        self,
        model: ScoringModel,
        spec: InputSpec,
        scale: ScoreScale,
        calibration: dict[str, Any] | None = None,
        report: dict[str, Any] | None = None,
        encoder: TextEncoder | None = None,
        states: TokenStates | None = None,
    ) -> None:
        self.model = model.eval()
        self.spec, self.scale = spec, scale
        self.calibration = calibration or {}
        self.report = report or {}
        self.featurizer = Featurizer(spec, encoder, states)

    @property
    def is_classifier(self) -> bool:
        return bool(self.model.cfg.head == "classification")

    def outputs(self, inputs: Inputs, batch_size: int = 64) -> np.ndarray:
        """Raw head outputs for featurized rows, in input order: `(N,)` or `(N, levels)`."""
        n = len(next(iter(inputs.values())))
        device = next(self.model.parameters()).device
        self.model.eval()
        if self.spec.family in _SINGLE_FORWARD:
            batch_size = max(n, 1)
        parts: list[tuple[np.ndarray, np.ndarray]] = []
        with torch.inference_mode():
            for idx in ScoringLoader(inputs, batch_size=batch_size).batches():
                batch = {k: v.to(device) for k, v in collate(inputs, idx).items()}
                parts.append((idx, self.model.output(batch).float().cpu().numpy()))
        first = parts[0][1]
        out = np.zeros((n, *first.shape[1:]), dtype=np.float32)
        for idx, values in parts:
            out[idx] = values
        return out

    def scores_from_outputs(self, outputs: np.ndarray) -> np.ndarray:
        """Unrounded scores on the original scale (the head's own mapping)."""
        head = self.model.head
        with torch.no_grad():
            return head.scores_from_output(torch.from_numpy(outputs)).double().cpu().numpy()

    def predict_scores(
        self,
        answers: Sequence[str],
        references: Sequence[str | Sequence[str]],
        questions: Sequence[str] | None = None,
        key_points: Sequence[Sequence[str]] | None = None,
    ) -> np.ndarray:
        """Unrounded scores `(N,)` (empty answers included, as the model sees them)."""
        inputs, _ = self.featurizer.inputs(answers, _as_lists(references), questions, key_points)
        return self.scores_from_outputs(self.outputs(inputs))

    def predict(
        self,
        answers: Sequence[str],
        references: Sequence[str | Sequence[str]],
        questions: Sequence[str] | None = None,
        key_points: Sequence[Sequence[str]] | None = None,
    ) -> list[dict[str, Any]]:
        """Score every answer in one batched call; see the module docstring for the fields."""
        refs = _as_lists(references)
        if len(refs) != len(answers):
            raise ValueError(f"{len(answers)} answers but {len(refs)} reference entries")
        empty = np.array([not a.strip() for a in answers], dtype=bool)
        results = [self._empty_result() for _ in answers]
        keep: list[int] = np.flatnonzero(~empty).tolist()
        if not keep:
            return results
        qs = None if questions is None else [questions[i] for i in keep]
        kps = None if key_points is None else [key_points[i] for i in keep]
        inputs, cut = self.featurizer.inputs(
            [answers[i] for i in keep], [refs[i] for i in keep], qs, kps
        )
        outputs = self.outputs(inputs)
        for j, row in enumerate(self._describe(outputs)):
            row["truncated"] = bool(cut[j])
            results[keep[j]] = row
        return results

    def _empty_result(self) -> dict[str, Any]:
        low = self.scale.min_score
        return {
            "score": low,
            "low": low,
            "high": low,
            "confidence": 1.0,
            "raw_score": low,
            "truncated": False,
            "empty": True,
        }

    def _describe(self, outputs: np.ndarray) -> list[dict[str, Any]]:
        raw = self.scores_from_outputs(outputs)
        score = self.scale.snap(raw)
        if self.is_classifier:
            scaler = TemperatureScaler.from_dict(self.calibration["temperature"])
            probs = scaler.probabilities(outputs)  # (N, L)
            levels = np.asarray(self.model.head.levels.cpu(), dtype=np.float64)
            low, high = _probability_sets(probs, levels, self.calibration.get("mass", 0.9))
            nearest = np.abs(levels[None, :] - score[:, None]).argmin(axis=1)
            confidence = probs[np.arange(len(score)), nearest]
        else:
            interval = ConformalInterval.from_dict(self.calibration["conformal"])
            low, high = interval.interval(raw)
            confidence = np.full(len(raw), self.calibration.get("exact_rate", math.nan))
        return [
            {
                "score": float(score[i]),
                "low": float(low[i]),
                "high": float(high[i]),
                "confidence": float(confidence[i]),
                "raw_score": float(raw[i]),
                "truncated": False,
                "empty": False,
            }
            for i in range(len(raw))
        ]

    def save(self, directory: str | Path) -> dict[str, Any]:
        """Weights (safetensors) and `config.json` holding the config, recipe and calibration."""
        extra = {
            "scoring": {
                "input": asdict(self.spec),
                "scale": asdict(self.scale),
                "calibration": self.calibration,
                "report": self.report,
            }
        }
        return save_checkpoint(directory, self.model, self.model.cfg, extra=extra)

    @classmethod
    def load(
        cls, directory: str | Path, device: str | torch.device = "cpu", **kwargs: Any
    ) -> FittedScorer:
        """Rebuild a saved scorer; `kwargs` may pass a shared `encoder` or token `states`."""
        model, meta = load_checkpoint(directory, device=device)
        if not isinstance(model, ScoringModel) or "scoring" not in meta["extra"]:
            raise CheckpointError(f"{directory} holds a {meta['kind']!r} model, not a scorer")
        saved = meta["extra"]["scoring"]
        return cls(
            model,
            InputSpec(**saved["input"]),
            ScoreScale(**saved["scale"]),
            calibration=saved["calibration"],
            report=saved["report"],
            **kwargs,
        )


def _as_lists(references: Sequence[str | Sequence[str]]) -> list[list[str]]:
    """A reference per answer may be one string or several; an empty string counts as none."""
    out = []
    for r in references:
        items = [r] if isinstance(r, str) else list(r)
        out.append([x for x in items if x.strip()])
    return out
