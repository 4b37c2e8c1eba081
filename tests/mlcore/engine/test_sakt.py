from pathlib import Path

import pytest
import torch

from mlcore.engine.checkpoint import load_checkpoint, save_checkpoint
from mlcore.engine.device import seed_everything
from mlcore.engine.models.sakt import SAKT, SAKTConfig
from tests.mlcore.engine.kt_helpers import (
    N_ITEMS,
    N_SKILLS,
    assert_causal,
    first_and_last_loss,
    loader,
    synthetic_sequences,
)


@pytest.mark.parametrize("n_items", [0, N_ITEMS])
def test_loss_falls(n_items: int) -> None:
    seed_everything(0)
    model = SAKT(SAKTConfig(N_SKILLS, n_items=n_items, dim=32, heads=2, max_len=32))
    first, last = first_and_last_loss(model, lr=5e-3)
    assert last < first - 0.05


@pytest.mark.parametrize(("layers", "query_position"), [(1, False), (1, True), (2, True)])
def test_attention_is_causal(layers: int, query_position: bool) -> None:
    seed_everything(0)
    cfg = SAKTConfig(N_SKILLS, N_ITEMS, 16, 2, layers, max_len=32, query_position=query_position)
    assert_causal(SAKT(cfg))


def test_item_ids_change_predictions_once_learned() -> None:
    seed_everything(0)
    model = SAKT(SAKTConfig(N_SKILLS, N_ITEMS, dim=16, heads=2, max_len=32)).eval()
    batch = next(iter(loader(synthetic_sequences(4), shuffle=False)))
    with torch.no_grad():
        model.difficulty.weight.normal_()
    other = dict(batch, item=torch.where(batch["mask"], 1 + batch["item"] % N_ITEMS, 0))
    assert not torch.allclose(model.predict(batch), model.predict(other))


def test_refuses_windows_longer_than_max_len() -> None:
    model = SAKT(SAKTConfig(N_SKILLS, dim=16, heads=2, max_len=8))
    batch = next(iter(loader(synthetic_sequences(2), seq_len=16)))
    with pytest.raises(ValueError, match="max_len"):
        model.predict(batch)


def test_save_load_identical(tmp_path: Path) -> None:
    seed_everything(0)
    model = SAKT(SAKTConfig(N_SKILLS, N_ITEMS, dim=16, heads=2, max_len=32)).eval()
    batch = next(iter(loader(synthetic_sequences(4), shuffle=False)))
    save_checkpoint(tmp_path, model, model.cfg)
    loaded, _ = load_checkpoint(tmp_path, expected_kind="sakt")
    assert torch.equal(model.predict(batch), loaded.predict(batch))  # type: ignore[operator]
