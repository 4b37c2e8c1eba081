import math

import pytest
import torch
from torch import nn

from mlcore.engine.device import seed_everything
from mlcore.engine.training import (
    Callback,
    CancelCallback,
    DictLoader,
    ProgressBar,
    TrainConfig,
    TrainingCancelled,
    TrainState,
    collect_predictions,
    train,
)


class Linear(nn.Module):
    """The smallest model that honours the contract: loss(batch) and predict(batch)."""

    def __init__(self, dim: int = 4) -> None:
        super().__init__()
        self.lin = nn.Linear(dim, 1)

    def predict(self, batch: dict[str, torch.Tensor]) -> torch.Tensor:
        return self.lin(batch["x"]).squeeze(-1)  # (B, 1) -> (B,)

    def loss(self, batch: dict[str, torch.Tensor]) -> torch.Tensor:
        return nn.functional.mse_loss(self.predict(batch), batch["y"])


def make_data(n: int = 256, seed: int = 0) -> dict[str, torch.Tensor]:
    g = torch.Generator().manual_seed(seed)
    x = torch.randn(n, 4, generator=g)
    y = x @ torch.tensor([1.0, -2.0, 0.5, 3.0]) + 0.1 * torch.randn(n, generator=g)
    return {"x": x, "y": y}


class Recorder(Callback):
    def __init__(self) -> None:
        self.events: list[str] = []
        self.batch_losses: list[float] = []
        self.epoch_rows: list[dict[str, float]] = []
        self.total_steps: int | None = None

    def on_train_start(self, state: TrainState) -> None:
        self.events.append("start")
        self.total_steps = state.total_steps

    def on_batch_end(self, state: TrainState) -> None:
        self.batch_losses.append(state.batch_loss)

    def on_epoch_end(self, state: TrainState) -> None:
        self.epoch_rows.append(dict(state.history[-1]))

    def on_train_end(self, state: TrainState) -> None:
        self.events.append("end")


@pytest.mark.parametrize(
    ("optimizer", "schedule", "lr"),
    [
        ("adam", "constant", 0.05),
        ("adamw", "cosine", 0.05),
        ("sgd", "linear", 0.05),
        ("adam", "onecycle", 0.2),  # starts at lr / 25 and anneals to ~0: needs a higher peak
    ],
)
def test_loss_falls_and_callbacks_see_progress(optimizer: str, schedule: str, lr: float) -> None:
    seed_everything(0)
    model = Linear()
    cfg = TrainConfig(
        optimizer=optimizer,  # type: ignore[arg-type]
        schedule=schedule,  # type: ignore[arg-type]
        lr=lr,
        epochs=8,
        warmup_fraction=0.1,
    )
    data = DictLoader(make_data(), batch_size=32, seed=0)
    rec = Recorder()
    result = train(cfg, model, data, callbacks=[rec])
    losses = [row["train_loss"] for row in result.history]
    assert losses[-1] < 0.2 * losses[0]
    assert rec.events == ["start", "end"]
    assert rec.total_steps == 8 * 8 == len(rec.batch_losses)
    assert [row["epoch"] for row in rec.epoch_rows] == list(range(1, 9))
    assert result.best_epoch == 8  # no validation data: the last epoch is kept
    assert result.device == "cpu"


def test_val_loss_is_recorded_and_training_repeats_with_seed() -> None:
    def run() -> list[dict[str, float]]:
        seed_everything(1)
        data = DictLoader(make_data(), batch_size=32, seed=3)
        val = DictLoader(make_data(64, seed=9), batch_size=64, shuffle=False)
        return train(TrainConfig(lr=0.05, epochs=3), Linear(), data, val).history

    first, second = run(), run()
    assert all(not math.isnan(row["val_loss"]) for row in first)
    assert [r["val_loss"] for r in first] == [r["val_loss"] for r in second]


def test_cancel_stops_within_one_batch() -> None:
    seed_everything(0)
    calls = {"n": 0}

    def cancelled() -> bool:
        calls["n"] += 1
        return calls["n"] >= 3

    rec = Recorder()
    with pytest.raises(TrainingCancelled):
        train(
            TrainConfig(epochs=5),
            Linear(),
            DictLoader(make_data(), batch_size=16),
            callbacks=[rec, CancelCallback(cancelled)],
        )
    assert len(rec.batch_losses) == 3  # stopped right after the batch that saw the flag
    assert rec.events == ["start"]


def test_early_stopping_restores_best_epoch() -> None:
    seed_everything(0)
    model = Linear()
    # A scripted validation score that peaks at epoch 2; the weights of epoch 2 must come back.
    scores = iter([0.1, 0.9, 0.5, 0.4, 0.3, 0.2])
    snapshots: dict[int, torch.Tensor] = {}

    def val_score(m: nn.Module) -> float:
        snapshots[len(snapshots) + 1] = m.lin.weight.detach().clone()  # type: ignore[union-attr]
        return next(scores)

    cfg = TrainConfig(lr=0.05, epochs=6, early_stopping_patience=2)
    result = train(cfg, model, DictLoader(make_data(), batch_size=32), val_score=val_score)
    assert result.best_epoch == 2
    assert result.best_score == pytest.approx(0.9)
    assert result.stopped_early
    assert len(result.history) == 4  # epochs 3 and 4 did not improve on epoch 2
    assert torch.equal(model.lin.weight, snapshots[2])
    assert not model.training


def test_keep_best_off_ends_with_the_last_epoch() -> None:
    seed_everything(0)
    model = Linear()
    scores = iter([0.1, 0.9, 0.5, 0.4])  # epoch 2 validates best, but the refit runs to the end
    last: list[torch.Tensor] = []

    def val_score(m: nn.Module) -> float:
        last[:] = [m.lin.weight.detach().clone()]  # type: ignore[union-attr]
        return next(scores)

    cfg = TrainConfig(lr=0.05, epochs=4, early_stopping_patience=1, keep_best=False)
    result = train(cfg, model, DictLoader(make_data(), batch_size=32), val_score=val_score)
    assert len(result.history) == 4  # no early stop either
    assert result.best_epoch == 4
    assert [row["val_score"] for row in result.history] == [0.1, 0.9, 0.5, 0.4]
    assert torch.equal(model.lin.weight, last[0])


def test_best_epoch_by_val_loss_without_score() -> None:
    seed_everything(0)
    data = DictLoader(make_data(), batch_size=32)
    val = DictLoader(make_data(64, seed=5), batch_size=64, shuffle=False)
    result = train(TrainConfig(lr=0.05, epochs=4), Linear(), data, val)
    val_losses = [row["val_loss"] for row in result.history]
    assert result.best_epoch == 1 + val_losses.index(min(val_losses))
    assert result.best_score == pytest.approx(min(val_losses))


def test_param_groups_and_grad_clip() -> None:
    seed_everything(0)
    model = Linear()
    groups = [{"params": [model.lin.weight], "lr": 0.0}, {"params": [model.lin.bias], "lr": 0.1}]
    before = model.lin.weight.detach().clone()
    train(
        TrainConfig(epochs=1, grad_clip=0.5),
        model,
        DictLoader(make_data(), 32),
        param_groups=groups,
    )
    assert torch.equal(model.lin.weight, before)  # lr 0 in its group: untouched


def test_dict_loader_batches_and_reshuffles() -> None:
    data = {"a": torch.arange(10), "b": torch.arange(10) * 2}
    loader = DictLoader(data, batch_size=4, seed=0)
    assert len(loader) == 3
    epoch1 = [batch["a"] for batch in loader]
    epoch2 = [batch["a"] for batch in loader]
    assert [len(b) for b in epoch1] == [4, 4, 2]
    assert sorted(torch.cat(epoch1).tolist()) == list(range(10))
    assert not torch.equal(torch.cat(epoch1), torch.cat(epoch2))
    assert all(torch.equal(b["b"], b["a"] * 2) for b in loader)
    assert len(DictLoader(data, batch_size=4, drop_last=True)) == 2
    with pytest.raises(ValueError, match="differ"):
        DictLoader({"a": torch.zeros(3), "b": torch.zeros(4)}, batch_size=2)


def test_model_without_loss_is_refused() -> None:
    with pytest.raises(TypeError, match="no loss"):
        train(TrainConfig(epochs=1), nn.Linear(4, 1), [make_data(8)])


def test_progress_bar_and_collect_predictions(capsys: pytest.CaptureFixture[str]) -> None:
    seed_everything(0)
    data = make_data(64)
    model = Linear()
    train(
        TrainConfig(epochs=2), model, DictLoader(data, 16), callbacks=[ProgressBar(disable=False)]
    )
    assert "train" in capsys.readouterr().err
    preds = collect_predictions(model, DictLoader(data, 10, shuffle=False))
    assert preds.shape == (64,)
    assert torch.allclose(preds, model.predict(data))
