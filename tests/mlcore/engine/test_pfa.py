from pathlib import Path

import pytest
import torch

from mlcore.engine.checkpoint import load_checkpoint, save_checkpoint
from mlcore.engine.device import seed_everything
from mlcore.engine.kt_data import KTSequence, make_windows
from mlcore.engine.models.pfa import PFA, PFAConfig
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
    first, last = first_and_last_loss(PFA(PFAConfig(N_SKILLS, n_items)), lr=0.2)
    assert last < first - 0.05


def test_counts_are_earlier_answers_on_the_same_skill() -> None:
    seq = KTSequence("s", skills=[1, 2, 1, 1, 2], correct=[1, 0, 0, 1, 1])
    batch = make_windows([seq], seq_len=6)  # one padded slot at the end
    successes, failures = PFA(PFAConfig(n_skills=2)).counts(batch)
    assert successes[0, :5].tolist() == [0, 0, 1, 1, 0]
    assert failures[0, :5].tolist() == [0, 0, 0, 1, 1]


def test_causal_and_save_load(tmp_path: Path) -> None:
    seed_everything(0)
    model = PFA(PFAConfig(N_SKILLS, N_ITEMS))
    with torch.no_grad():
        for p in model.parameters():
            p.normal_()
    assert_causal(model)
    batch = next(iter(loader(synthetic_sequences(4), shuffle=False)))
    save_checkpoint(tmp_path, model, model.cfg)
    loaded, _ = load_checkpoint(tmp_path, expected_kind="pfa")
    assert torch.equal(model.predict(batch), loaded.predict(batch))  # type: ignore[operator]
