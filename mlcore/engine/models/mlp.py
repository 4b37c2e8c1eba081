"""MLP scorer on frozen sentence embeddings of the answer `u` and its reference `v`.

The feature vector is `[u, v, |u - v|, u * v, cos(u, v)]` followed by the answer's lexical and
length features (`lexical_features`). With several reference answers, `v` is the one closest to
the answer (highest cosine): a correct answer usually paraphrases one of them, and the mean of
several references matches none. The mean cosine to all references is added as one more feature.
Without a reference (essays), `v` and the comparison terms are zero and only `u` and the lexical
features carry signal.

The model standardises its input with a mean and scale fitted on the training features
(`fit_normalisation`); both are buffers, so they travel in the checkpoint. With `ngram_buckets`,
one more input feature is the prediction of a ridge regression on hashed n-gram TF-IDF (see
`ngrams.py`), fitted in closed form by `fit_ngram_ridge` before training; its IDF and weights are
buffers too. The batch then brings `ngram_ids`/`ngram_tf` (bucket ids and sublinear term
frequencies, padded with tf 0); training rows bring their out-of-fold prediction as `ngram_pred`.
With a regression head (`ngram_offset`), the ridge's score is also the starting point: the head
starts at zero and the network learns a correction to it, so early stopping on dev cannot end
far below the ridge alone.

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
from mlcore.engine.models.heads import HeadConfig, ScoreHead, ScoringModel
from mlcore.engine.models.ngrams import (
    inverse_document_frequency,
    ridge_with_oof,
    tfidf_matrix,
)

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
    ngram_buckets: int = 0  # > 0: add the n-gram ridge prediction as the last input feature
    ngram_dense: int = 0  # trailing `features` columns the ridge reads too (length features)
    ngram_offset: bool = True  # regression: the MLP learns a correction to the ridge's score


class MLPScorer(ScoringModel):
    """Standardised features -> `layers` x (Linear, GELU, Dropout) -> score head."""

    cfg: MLPConfig
    feature_mean: Tensor
    feature_scale: Tensor
    ngram_idf: Tensor
    ngram_weight: Tensor
    ngram_bias: Tensor
    ngram_dense_mean: Tensor
    ngram_dense_scale: Tensor
    ngram_dense_weight: Tensor

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
        self.offset = bool(cfg.ngram_buckets and cfg.ngram_offset and cfg.head == "regression")
        if self.offset:
            # Start exactly at the ridge's prediction; training adds what the n-grams miss.
            nn.init.zeros_(self.head.linear.weight)
            nn.init.zeros_(self.head.linear.bias)
        if cfg.ngram_buckets:
            self.register_buffer("ngram_idf", torch.ones(cfg.ngram_buckets))
            self.register_buffer("ngram_weight", torch.zeros(cfg.ngram_buckets))
            self.register_buffer("ngram_bias", torch.zeros(1))
            self.register_buffer("ngram_dense_mean", torch.zeros(cfg.ngram_dense))
            self.register_buffer("ngram_dense_scale", torch.ones(cfg.ngram_dense))
            self.register_buffer("ngram_dense_weight", torch.zeros(cfg.ngram_dense))

    def fit_normalisation(self, features: np.ndarray | Tensor) -> None:
        """Set the input standardisation from training features `(N, input_dim)`."""
        x = torch.as_tensor(np.asarray(features), dtype=torch.float32)
        self.feature_mean.copy_(x.mean(dim=0))
        # Near-constant columns (e.g. reference features when no question has one) stay unscaled.
        self.feature_scale.copy_(x.std(dim=0, unbiased=False).clamp(min=1e-3))

    def fit_ngram_ridge(
        self,
        ids: Sequence[np.ndarray],
        tf: Sequence[np.ndarray],
        features: np.ndarray,
        scores: np.ndarray,
    ) -> np.ndarray:
        """Fit IDF and ridge on training rows; return their out-of-fold ridge predictions."""
        if not self.cfg.ngram_buckets:
            raise ValueError("this MLP has no n-gram part (ngram_buckets=0)")
        idf = inverse_document_frequency(ids, self.cfg.ngram_buckets)
        dense = features[:, features.shape[1] - self.cfg.ngram_dense :].astype(np.float64)
        mean, scale = dense.mean(axis=0), np.maximum(dense.std(axis=0), 1e-3)
        target = self.head.to_unit(torch.as_tensor(scores, dtype=torch.float64)).numpy()
        fit = ridge_with_oof(tfidf_matrix(ids, tf, idf), target, (dense - mean) / scale)
        for name, value in (
            ("ngram_idf", idf),
            ("ngram_weight", fit.sparse_weights),
            ("ngram_dense_mean", mean),
            ("ngram_dense_scale", scale),
            ("ngram_dense_weight", fit.dense_weights),
        ):
            getattr(self, name).copy_(torch.from_numpy(np.asarray(value)))
        self.ngram_bias.fill_(fit.intercept)
        return fit.oof.astype(np.float32)

    def ngram_prediction(self, batch: dict[str, Tensor]) -> Tensor:
        """The n-gram ridge's prediction `(B,)`: out-of-fold when the batch brings one."""
        if "ngram_pred" in batch:
            return batch["ngram_pred"].float()
        ids = batch["ngram_ids"]  # (B, L); padding has tf 0
        w = batch["ngram_tf"].float() * self.ngram_idf[ids]  # (B, L) TF-IDF
        # Character and word n-grams (lower and upper half of the buckets) are unit-length apart.
        words = ids >= self.cfg.ngram_buckets // 2  # (B, L)
        sq = w**2
        norm_w = sq.masked_fill(~words, 0).sum(dim=1, keepdim=True).sqrt()  # (B, 1)
        norm_c = sq.masked_fill(words, 0).sum(dim=1, keepdim=True).sqrt()  # (B, 1)
        w = w / torch.where(words, norm_w, norm_c).clamp(min=1e-12)
        pred = (w * self.ngram_weight[ids]).sum(dim=1) + self.ngram_bias  # (B,)
        if self.cfg.ngram_dense:
            dense = batch["features"][:, -self.cfg.ngram_dense :].float()  # (B, D_l)
            dense = (dense - self.ngram_dense_mean) / self.ngram_dense_scale
            pred = pred + dense @ self.ngram_dense_weight
        return pred

    def features(self, batch: dict[str, Tensor]) -> Tensor:
        x = batch["features"].float()  # (B, D - 1) with n-grams, else (B, D)
        if self.cfg.ngram_buckets:
            x = torch.cat([x, self.ngram_prediction(batch).unsqueeze(-1)], dim=-1)  # (B, D)
        out: Tensor = self.body((x - self.feature_mean) / self.feature_scale)
        return out

    def output(self, batch: dict[str, Tensor]) -> Tensor:
        out: Tensor = self.head(self.features(batch))
        if self.offset:
            # The ridge predicts on [0, 1]; the regression head's output is pre-sigmoid.
            out = out + torch.logit(self.ngram_prediction(batch).clamp(0.01, 0.99))
        return out


register_model("scoring_mlp", MLPScorer, MLPConfig)
