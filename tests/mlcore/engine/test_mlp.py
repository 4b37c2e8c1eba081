"""MLP scorer: its features, learning a synthetic task, and a lossless save/load."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch

from mlcore.engine.models.mlp import (
    LEXICAL_NAMES,
    MLPConfig,
    MLPScorer,
    lexical_features,
    pair_embedding_features,
)
from tests.mlcore.engine.scoring_helpers import assert_roundtrip, loss_before_after, seeded


def test_lexical_features_count_words_and_handle_empty_text() -> None:
    feats = lexical_features(["One two, three. Four!", ""])
    assert feats.shape == (2, len(LEXICAL_NAMES))
    row = dict(zip(LEXICAL_NAMES, feats[0], strict=True))
    assert row["log_words"] == np.float32(np.log1p(4))
    assert row["log_sentences"] == np.float32(np.log1p(2))
    assert row["type_token_ratio"] == 1.0
    assert not feats[1].any()


def test_pair_features_pick_the_closest_reference() -> None:
    answers = np.array([[1.0, 0.0], [0.0, 1.0]], dtype=np.float32)
    refs = [np.array([[0.0, 1.0], [0.6, 0.8]], dtype=np.float32), np.zeros((0, 2), np.float32)]
    feats = pair_embedding_features(answers, refs)
    assert feats.shape == (2, 4 * 2 + 2)
    assert feats[0, 2:4].tolist() == pytest.approx([0.6, 0.8])  # v: the one at cosine 0.6, not 0
    assert feats[0, -2:].tolist() == pytest.approx([0.6, 0.3])  # max and mean cosine
    assert not feats[1, 2:].any()  # no reference: no v and no comparison terms


def _task(n: int = 128, dim: int = 12, seed: int = 0) -> tuple[torch.Tensor, torch.Tensor]:
    g = torch.Generator().manual_seed(seed)
    x = torch.randn(n, dim, generator=g) * 3 + 5  # unstandardised on purpose
    y = torch.round(3 * torch.sigmoid(x[:, 0] - 5 - (x[:, 1] - 5)))  # levels 0..3
    return x, y


def test_mlp_regression_and_classification_learn() -> None:
    x, y = _task()
    batches = [{"features": x[i : i + 32], "score": y[i : i + 32]} for i in range(0, 128, 32)]
    for head in ("regression", "classification"):
        seeded()
        cfg = MLPConfig(input_dim=12, hidden=32, head=head, min_score=0, max_score=3, n_levels=4)
        model = MLPScorer(cfg)
        model.fit_normalisation(x.numpy())
        before, after = loss_before_after(model, batches, epochs=30)
        assert after < 0.5 * before, head
        with torch.no_grad():
            pred = model.predict({"features": x})
        assert float(pred.min()) >= 0.0
        assert float(pred.max()) <= 3.0


def test_mlp_save_load_gives_identical_predictions(tmp_path: Path) -> None:
    x, _ = _task(16)
    seeded()
    cfg = MLPConfig(input_dim=12, hidden=8, layers=2, min_score=1, max_score=6)
    model = MLPScorer(cfg)
    model.fit_normalisation(x.numpy())  # the normalisation buffers must travel too
    assert_roundtrip(model, cfg, {"features": x}, tmp_path)
