"""Cross-encoder: a few fine-tuning steps on real pairs lower the loss; save/load is lossless."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch

from mlcore.engine.models.cross_encoder import CrossEncoderConfig, CrossEncoderScorer
from mlcore.engine.tokenizer import get_tokenizer
from tests.mlcore.engine.scoring_helpers import assert_roundtrip, loss_before_after, seeded

REFERENCE = "The metal expands when heated, so the gap closes."
ANSWERS = [
    ("Heat makes the metal expand and the gap closes.", 1.0),
    ("The rails get longer in the heat so the gap gets smaller.", 1.0),
    ("Because the metal expands in hot weather.", 1.0),
    ("The gap is for drainage of rain water.", 0.0),
    ("I do not know.", 0.0),
    ("Trains are heavy.", 0.0),
]


def _batch() -> dict[str, torch.Tensor]:
    answers = [a for a, _ in ANSWERS]
    pairs = get_tokenizer().encode_pairs([REFERENCE] * len(answers), answers).as_torch()
    return {**pairs, "score": torch.tensor([s for _, s in ANSWERS])}


@pytest.mark.slow
def test_cross_encoder_fine_tuning_lowers_the_loss(tmp_path: Path) -> None:
    seeded()
    cfg = CrossEncoderConfig(head="classification", n_levels=2, pooling="cls", dropout=0.0)
    model = CrossEncoderScorer(cfg)
    groups = model.param_groups(lr=5e-5, head_lr=5e-3, layer_decay=0.8)
    assert groups[0]["lr"] == pytest.approx(5e-5 * 0.8**6)  # embeddings move least
    assert groups[-2]["lr"] == pytest.approx(5e-5)  # top encoder layer
    assert groups[-1]["lr"] == 5e-3  # the new head
    before, after = loss_before_after(model, [_batch()], epochs=4, param_groups=groups)
    assert after < before
    assert_roundtrip(model, cfg, _batch(), tmp_path)
