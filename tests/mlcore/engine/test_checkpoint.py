import json
from dataclasses import dataclass
from pathlib import Path

import pytest
import torch
from torch import nn

from mlcore.engine.checkpoint import (
    CheckpointError,
    load_checkpoint,
    read_meta,
    register_model,
    save_checkpoint,
)
from mlcore.engine.device import seed_everything


@dataclass
class TinyConfig:
    dim: int = 4
    hidden: int = 8
    tied: bool = False


class Tiny(nn.Module):
    def __init__(self, cfg: TinyConfig) -> None:
        super().__init__()
        self.cfg = cfg
        self.inp = nn.Linear(cfg.dim, cfg.hidden)
        self.out = nn.Linear(cfg.hidden, cfg.dim)
        if cfg.tied and cfg.dim == cfg.hidden:
            self.out.weight = self.inp.weight  # tied: stored once by safetensors
        self.register_buffer("scale", torch.ones(cfg.dim))

    def predict(self, batch: dict[str, torch.Tensor]) -> torch.Tensor:
        return self.out(torch.relu(self.inp(batch["x"]))) * self.scale

    def loss(self, batch: dict[str, torch.Tensor]) -> torch.Tensor:
        return (self.predict(batch) - batch["x"]).pow(2).mean()


class Other(Tiny):
    pass


register_model("test_tiny", Tiny, TinyConfig)
register_model("test_other", Other, TinyConfig)


def saved(tmp_path: Path, cfg: TinyConfig | None = None) -> tuple[Tiny, Path]:
    seed_everything(0)
    model = Tiny(cfg or TinyConfig())
    save_checkpoint(tmp_path, model, model.cfg, extra={"metrics": {"auc": 0.8}})
    return model, tmp_path


def test_round_trip_gives_identical_predictions(tmp_path: Path) -> None:
    model, path = saved(tmp_path)
    loaded, meta = load_checkpoint(path, expected_kind="test_tiny")
    x = {"x": torch.randn(5, 4)}
    assert isinstance(loaded, Tiny)
    assert torch.equal(model.predict(x), loaded.predict(x))
    assert meta["extra"] == {"metrics": {"auc": 0.8}}
    assert meta["config"] == {"dim": 4, "hidden": 8, "tied": False}
    assert not loaded.training
    assert sorted(p.name for p in path.iterdir()) == ["config.json", "model.safetensors"]


def test_tied_weights_round_trip(tmp_path: Path) -> None:
    model, path = saved(tmp_path, TinyConfig(dim=4, hidden=4, tied=True))
    loaded, _ = load_checkpoint(path)
    assert loaded.out.weight is loaded.inp.weight  # type: ignore[union-attr]
    x = {"x": torch.randn(3, 4)}
    assert torch.equal(model.predict(x), loaded.predict(x))  # type: ignore[operator]


def test_refuses_wrong_kind(tmp_path: Path) -> None:
    _, path = saved(tmp_path)
    with pytest.raises(CheckpointError, match="not 'test_other'"):
        load_checkpoint(path, expected_kind="test_other")


def test_refuses_tampered_weights(tmp_path: Path) -> None:
    _, path = saved(tmp_path)
    weights = path / "model.safetensors"
    data = bytearray(weights.read_bytes())
    data[-1] ^= 0xFF
    weights.write_bytes(bytes(data))
    with pytest.raises(CheckpointError, match="sha256"):
        load_checkpoint(path)


def edit_config(path: Path, **changes: object) -> None:
    meta = json.loads((path / "config.json").read_text())
    meta["config"].update(changes)
    (path / "config.json").write_text(json.dumps(meta))


def test_refuses_config_that_does_not_fit_the_weights(tmp_path: Path) -> None:
    _, path = saved(tmp_path)
    edit_config(path, hidden=16)
    with pytest.raises(CheckpointError, match="shape mismatch"):
        load_checkpoint(path)


def test_refuses_missing_or_unexpected_tensors(tmp_path: Path) -> None:
    # Saved untied with dim == hidden, loaded as tied: the config implies other tensors.
    _, path = saved(tmp_path, TinyConfig(dim=4, hidden=4, tied=True))
    edit_config(path, tied=False)
    with pytest.raises(CheckpointError, match="missing tensors"):
        load_checkpoint(path)


def test_refuses_unknown_config_field_and_unknown_kind(tmp_path: Path) -> None:
    _, path = saved(tmp_path)
    edit_config(path, layers=3)
    with pytest.raises(CheckpointError, match="no field"):
        load_checkpoint(path)
    meta = json.loads((path / "config.json").read_text())
    meta["kind"], meta["module"] = "nonexistent", "os"
    (path / "config.json").write_text(json.dumps(meta))
    with pytest.raises(CheckpointError, match="unknown model kind"):
        load_checkpoint(path)


def test_refuses_unregistered_model_and_bad_format(tmp_path: Path) -> None:
    with pytest.raises(CheckpointError, match="not registered"):
        save_checkpoint(tmp_path, nn.Linear(2, 2), TinyConfig())
    with pytest.raises(CheckpointError, match="cannot read"):
        read_meta(tmp_path)
    _, path = saved(tmp_path)
    meta = json.loads((path / "config.json").read_text())
    meta["format_version"] = 99
    (path / "config.json").write_text(json.dumps(meta))
    with pytest.raises(CheckpointError, match="format version"):
        load_checkpoint(path)


def test_never_writes_a_pickle(tmp_path: Path) -> None:
    _, path = saved(tmp_path)
    data = (path / "model.safetensors").read_bytes()
    # safetensors: an 8-byte header length, then a JSON header; a pickle would start with 0x80.
    header = int.from_bytes(data[:8], "little")
    assert json.loads(data[8 : 8 + header])["inp.weight"]["shape"] == [8, 4]
