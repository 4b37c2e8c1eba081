"""TextCNN scorer: learns a token task alone and against a reference; save/load is lossless."""

from __future__ import annotations

from pathlib import Path

import pytest

from mlcore.engine.models.textcnn import TextCNNConfig, TextCNNScorer
from tests.mlcore.engine.scoring_helpers import (
    assert_roundtrip,
    loss_before_after,
    seeded,
    token_batches,
)


@pytest.mark.parametrize("with_reference", [False, True])
def test_textcnn_loss_falls(with_reference: bool) -> None:
    seeded()
    cfg = TextCNNConfig(
        vocab_size=1100,
        embed_dim=16,
        channels=16,
        kernel_sizes=(1, 3),
        use_reference=with_reference,
    )
    model = TextCNNScorer(cfg)
    batches = token_batches(with_reference=with_reference)
    before, after = loss_before_after(model, batches, epochs=25)
    assert after < 0.5 * before


def test_textcnn_save_load_and_short_inputs(tmp_path: Path) -> None:
    seeded()
    cfg = TextCNNConfig(vocab_size=1100, embed_dim=8, channels=4, kernel_sizes=[2, 5])  # type: ignore[arg-type]
    assert cfg.kernel_sizes == (2, 5)  # a JSON list comes back as a tuple
    batch = token_batches(n=4, length=3)[0]  # shorter than the widest kernel
    assert_roundtrip(TextCNNScorer(cfg), cfg, batch, tmp_path)
