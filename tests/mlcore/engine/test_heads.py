"""Score heads: scale mapping, losses, level handling and the pooling helpers."""

from __future__ import annotations

import pytest
import torch

from mlcore.engine.models.heads import (
    AttentionPool,
    HeadConfig,
    ScoreHead,
    masked_max,
    masked_mean,
    pair_features,
)


def test_regression_head_maps_back_to_the_score_range() -> None:
    head = ScoreHead(HeadConfig(min_score=2, max_score=12), in_dim=3)
    out = torch.tensor([-50.0, 0.0, 50.0])
    assert head.scores_from_output(out).tolist() == pytest.approx([2.0, 7.0, 12.0], abs=1e-4)
    # MSE on the [0, 1] scale: a perfect 7 at output 0 costs nothing.
    loss = head.loss_from_output(torch.zeros(1), torch.tensor([7.0]))
    assert float(loss) == pytest.approx(0.0)
    assert float(head.loss_from_output(torch.zeros(1), torch.tensor([12.0]))) == pytest.approx(0.25)


def test_classification_head_levels_and_expected_score() -> None:
    head = ScoreHead(HeadConfig(head="classification", min_score=0, max_score=3, n_levels=4), 5)
    assert head.to_level(torch.tensor([0.0, 1.2, 2.6, 3.0, 9.0])).tolist() == [0, 1, 3, 3, 3]
    logits = torch.tensor([[0.0, 0.0, 0.0, 50.0], [50.0, 0.0, 0.0, 0.0]])
    assert head.scores_from_output(logits).tolist() == pytest.approx([3.0, 0.0], abs=1e-4)
    loss = head.loss_from_output(logits, torch.tensor([3.0, 0.0]))
    assert float(loss) < 1e-6
    assert head(torch.zeros(2, 5)).shape == (2, 4)


def test_head_config_is_validated() -> None:
    with pytest.raises(ValueError, match="must exceed"):
        HeadConfig(min_score=1, max_score=1)
    with pytest.raises(ValueError, match="unknown head"):
        HeadConfig(head="ordinal")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="at least 2 levels"):
        HeadConfig(head="classification", n_levels=1)


def test_masked_pooling_ignores_padding_and_survives_empty_rows() -> None:
    x = torch.tensor([[[1.0], [3.0], [100.0]], [[5.0], [7.0], [9.0]]])  # (2, 3, 1)
    mask = torch.tensor([[1, 1, 0], [0, 0, 0]])
    assert masked_mean(x, mask).squeeze(-1).tolist() == [2.0, 0.0]
    assert masked_max(x, mask).squeeze(-1).tolist() == [3.0, 0.0]
    pooled = AttentionPool(1)(x, mask)
    assert torch.isfinite(pooled).all()
    assert 1.0 <= float(pooled[0].detach()) <= 3.0


def test_pair_features_shape_and_content() -> None:
    a, r = torch.tensor([[1.0, -2.0]]), torch.tensor([[3.0, 1.0]])
    assert pair_features(a, r).tolist() == [[1.0, -2.0, 3.0, 1.0, 2.0, 3.0, 3.0, -2.0]]
