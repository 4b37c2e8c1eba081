"""MLP scorer on frozen sentence embeddings of the answer `u` and its reference `v`.

The feature vector is `[u, v, |u - v|, u * v, cos(u, v)]` followed by the answer's lexical and
length features (`lexical_features`). With several reference answers, `v` is the one closest to
the answer (highest cosine): a correct answer usually paraphrases one of them, and the mean of
several references matches none. The mean cosine to all references is added as one more feature.
Without a reference (essays), `v` and the comparison terms are zero and only `u` and the lexical
features carry signal.

The model standardises its input with a mean and scale fitted on the training features
(`fit_normalisation`); both are buffers, so they travel in the checkpoint.

    cfg = MLPConfig(input_dim=features.shape[1], head="regression", min_score=0, max_score=3)
    model = MLPScorer(cfg)
    model.fit_normalisation(train_features)
    model.loss({"features": x, "score": y}); model.predict({"features": x})   # scores (B,)
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import torch
from torch import Tensor, nn

from mlcore.engine.checkpoint import register_model
from mlcore.engine.models.heads import HeadConfig, ScoreHead

_WORD = re.compile(r"\w+", re.UNICODE)
_SENTENCE_END = re.compile(r"[.!?]+(?:\s|$)")
LEXICAL_NAMES = (
    "log_chars",
    "log_words",
    "log_unique_words",
    "log_long_words",
    "log_sentences",
    "mean_word_length",
    "type_token_ratio",
    "log_commas",
    "log_other_punctuation",
    "mean_sentence_words",
)


def lexical_features(texts: Sequence[str]) -> np.ndarray:
    """Length and lexical richness of each text, `(N, len(LEXICAL_NAMES))` float32.

    Essay graders reward length and variety heavily (word count alone reaches QWK 0.6-0.7 on
    ASAP), so these are cheap and strong; logs keep very long essays from dominating.
    """
    rows = []
    for text in texts:
        words = _WORD.findall(text.lower())
        n = len(words)
        sentences = max(1, len(_SENTENCE_END.findall(text))) if n else 0
        rows.append(
            [
                np.log1p(len(text)),
                np.log1p(n),
                np.log1p(len(set(words))),
                np.log1p(sum(len(w) > 6 for w in words)),
                np.log1p(sentences),
                float(np.mean([len(w) for w in words])) if n else 0.0,
                len(set(words)) / n if n else 0.0,
                np.log1p(text.count(",")),
                np.log1p(sum(text.count(c) for c in ";:!?'\"()-")),
                n / sentences if sentences else 0.0,
            ]
        )
    return np.asarray(rows, dtype=np.float32).reshape(len(texts), len(LEXICAL_NAMES))


def pair_embedding_features(answers: np.ndarray, references: Sequence[np.ndarray]) -> np.ndarray:
    """`[u, v, |u - v|, u * v, max cos, mean cos]` per answer, `(N, 4C + 2)` float32.

    `answers` is `(N, C)` unit rows; `references[i]` is `(R_i, C)` unit rows (R_i may be 0).
    """
    n, dim = answers.shape
    best = np.zeros((n, dim), dtype=np.float32)  # (N, C)
    cos = np.zeros((n, 2), dtype=np.float32)  # (N, 2): max and mean cosine
    has_ref = np.zeros((n, 1), dtype=np.float32)  # (N, 1)
    for i, refs in enumerate(references):
        if len(refs) == 0:
            continue
        sims = refs @ answers[i]  # (R,)
        best[i] = refs[int(np.argmax(sims))]
        cos[i] = (sims.max(), sims.mean())
        has_ref[i] = 1.0
    u = answers.astype(np.float32)
    # Without a reference the comparison terms stay zero rather than echoing u as |u - 0|.
    diff = np.abs(u - best) * has_ref
    return np.concatenate([u, best, diff, u * best, cos], axis=1)


@dataclass
class MLPConfig(HeadConfig):
    """Feature width, hidden layers (`layers` of `hidden` units) and dropout."""

    input_dim: int = 4 * 384 + 2 + len(LEXICAL_NAMES)
    hidden: int = 256
    layers: int = 1
    dropout: float = 0.2


class MLPScorer(nn.Module):
    """Standardised features -> `layers` x (Linear, GELU, Dropout) -> score head."""

    feature_mean: Tensor
    feature_scale: Tensor

    def __init__(self, cfg: MLPConfig) -> None:
        super().__init__()
        self.cfg = cfg
        self.register_buffer("feature_mean", torch.zeros(cfg.input_dim))
        self.register_buffer("feature_scale", torch.ones(cfg.input_dim))
        blocks: list[nn.Module] = [nn.Dropout(cfg.dropout / 2)]
        width = cfg.input_dim
        for _ in range(cfg.layers):
            blocks += [nn.Linear(width, cfg.hidden), nn.GELU(), nn.Dropout(cfg.dropout)]
            width = cfg.hidden
        self.body = nn.Sequential(*blocks)
        self.head = ScoreHead(cfg, width)

    def fit_normalisation(self, features: np.ndarray | Tensor) -> None:
        """Set the input standardisation from training features `(N, input_dim)`."""
        x = torch.as_tensor(np.asarray(features), dtype=torch.float32)
        self.feature_mean.copy_(x.mean(dim=0))
        # Near-constant columns (e.g. reference features when no question has one) stay unscaled.
        self.feature_scale.copy_(x.std(dim=0, unbiased=False).clamp(min=1e-3))

    def features(self, batch: dict[str, Tensor]) -> Tensor:
        x = (batch["features"].float() - self.feature_mean) / self.feature_scale  # (B, D)
        out: Tensor = self.body(x)
        return out

    def loss(self, batch: dict[str, Tensor]) -> Tensor:
        return self.head.loss(self.features(batch), batch["score"])

    def predict(self, batch: dict[str, Tensor]) -> Tensor:
        return self.head.scores(self.features(batch))


register_model("scoring_mlp", MLPScorer, MLPConfig)
