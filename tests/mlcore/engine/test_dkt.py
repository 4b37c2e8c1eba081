import subprocess
import sys
from pathlib import Path

import pytest
import torch

from mlcore.engine.checkpoint import CheckpointError, load_checkpoint, save_checkpoint
from mlcore.engine.device import seed_everything
from mlcore.engine.models.dkt import DKT, DKTConfig
from tests.mlcore.engine.kt_helpers import (
    N_SKILLS,
    assert_causal,
    first_and_last_loss,
    loader,
    synthetic_sequences,
)


@pytest.mark.parametrize("cell", ["lstm", "gru"])
def test_loss_falls(cell: str) -> None:
    seed_everything(0)
    first, last = first_and_last_loss(DKT(DKTConfig(N_SKILLS, 32, 32, cell=cell)), lr=1e-2)  # type: ignore[arg-type]
    assert last < first - 0.05


def test_predictions_are_causal_probabilities() -> None:
    seed_everything(0)
    model = DKT(DKTConfig(N_SKILLS, 16, 16))
    assert_causal(model)
    batch = next(iter(loader(synthetic_sequences(4))))
    p = model.predict(batch)
    assert p.shape == batch["skill"].shape
    assert bool(((p > 0) & (p < 1)).all())


def test_save_load_identical_and_refuses_other_kind(tmp_path: Path) -> None:
    seed_everything(0)
    model = DKT(DKTConfig(N_SKILLS, 16, 16))
    model.eval()
    batch = next(iter(loader(synthetic_sequences(4), shuffle=False)))
    save_checkpoint(tmp_path, model, model.cfg)
    loaded, meta = load_checkpoint(tmp_path, expected_kind="dkt")
    assert torch.equal(model.predict(batch), loaded.predict(batch))  # type: ignore[operator]
    assert meta["config"]["n_skills"] == N_SKILLS
    with pytest.raises(CheckpointError):
        load_checkpoint(tmp_path, expected_kind="sakt")


def test_fresh_process_loads_without_importing_the_model_first(tmp_path: Path) -> None:
    seed_everything(0)
    model = DKT(DKTConfig(N_SKILLS, 8, 8))
    save_checkpoint(tmp_path, model, model.cfg)
    code = (
        "import sys; from mlcore.engine.checkpoint import load_checkpoint; "
        f"m, meta = load_checkpoint({str(tmp_path)!r}); print(type(m).__name__)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120
    )
    assert out.stdout.strip() == "DKT"
