"""Small Transformer scorer: learns a token task (and a pair task); save/load is lossless."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch

from mlcore.engine.models.transformer import TransformerConfig, TransformerScorer
from tests.mlcore.engine.scoring_helpers import (
    assert_roundtrip,
    loss_before_after,
    seeded,
    token_batches,
)


def _as_pairs(batch: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    """`[reference, answer]` in one sequence with segment ids, as the tokenizer builds pairs."""
    ref = batch.pop("ref_input_ids")
    ref_mask = batch.pop("ref_attention_mask")
    batch["input_ids"] = torch.cat([ref, batch["input_ids"]], dim=1)
    batch["attention_mask"] = torch.cat([ref_mask, batch["attention_mask"]], dim=1)
    batch["token_type_ids"] = torch.cat(
        [torch.zeros_like(ref), torch.ones_like(batch["input_ids"][:, ref.shape[1] :])], dim=1
    )
    return batch


@pytest.mark.parametrize("pooling", ["mean", "cls"])
def test_transformer_loss_falls(pooling: str) -> None:
    seeded()
    cfg = TransformerConfig(
        vocab_size=1100,
        d_model=32,
        heads=2,
        layers=1,
        ff_dim=64,
        max_len=32,
        dropout=0.0,
        pooling=pooling,  # type: ignore[arg-type]
    )
    before, after = loss_before_after(TransformerScorer(cfg), token_batches(), epochs=20)
    assert after < 0.5 * before


def test_transformer_compares_pairs_and_round_trips(tmp_path: Path) -> None:
    seeded()
    cfg = TransformerConfig(vocab_size=1100, d_model=32, heads=2, layers=2, ff_dim=64, max_len=32)
    model = TransformerScorer(cfg)
    batches = [_as_pairs(b) for b in token_batches(with_reference=True)]
    before, after = loss_before_after(model, batches, epochs=25)
    assert after < 0.7 * before
    assert_roundtrip(model, cfg, batches[0], tmp_path)


def test_transformer_refuses_inputs_past_max_len() -> None:
    model = TransformerScorer(TransformerConfig(vocab_size=1100, d_model=8, heads=2, max_len=4))
    with pytest.raises(ValueError, match="exceed max_len 4"):
        model.predict(token_batches(n=2, length=6)[0])
