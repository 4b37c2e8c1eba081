"""One training loop for every engine model (scoring and knowledge tracing).

Model contract: any ``nn.Module`` with ``loss(batch) -> Tensor`` (a scalar, already averaged over
the batch) and ``predict(batch) -> Tensor``. A batch is a ``dict[str, Tensor]``; ``train_data``
and ``val_data`` are re-iterable collections of batches (a ``DataLoader``, a list, or the
``DictLoader`` below), iterated once per epoch. Tensors are moved to the device here; other values
pass through untouched. Seed (``seed_everything``) *before* building the model so that its initial
weights repeat; ``train()`` seeds again for the data order and dropout.

Usage::

    from mlcore.engine.device import seed_everything
    from mlcore.engine.training import (CancelCallback, DictLoader, ProgressBar, TrainConfig,
                                        collect_predictions, train)

    seed_everything(0)
    model = MyModel(MyConfig())
    cfg = TrainConfig(optimizer="adamw", lr=1e-3, epochs=20, batch_size=64,
                      schedule="cosine", warmup_fraction=0.1, early_stopping_patience=3)
    data = DictLoader({"x": x, "y": y}, batch_size=cfg.batch_size, seed=cfg.seed)
    val = DictLoader({"x": xv, "y": yv}, batch_size=256, shuffle=False)
    result = train(cfg, model, data, val, callbacks=[ProgressBar(), CancelCallback(is_cancelled)],
                   val_score=lambda m: my_qwk(yv, collect_predictions(m, val)))  # optional
    result.history      # [{"epoch": 1, "train_loss": ..., "val_loss": ..., "val_score": ...}, ...]
    result.best_epoch   # the model now holds that epoch's weights

Best epoch: the highest ``val_score`` when given, else the lowest validation loss, else the last
epoch; with ``keep_best=False`` always the last one (validation figures are still recorded).
Early stopping (``early_stopping_patience``) watches the same quantity. A callback stops
training by raising ``TrainingCancelled`` (``CancelCallback`` does so when its predicate is true);
``train()`` then re-raises it, leaving the model with its current weights.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Iterable, Iterator, Sized
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

import torch
from torch import nn

from mlcore.engine.device import autocast, default_device, seed_everything

Batch = dict[str, Any]
"""A batch: tensors (moved to the device by the loop) and any other values, by name."""


class TrainingCancelled(Exception):
    """Raised by a callback to stop training at once; ``train()`` re-raises it."""


@dataclass
class TrainConfig:
    """Optimisation settings shared by every model. ``batch_size`` is for whoever builds loaders."""

    optimizer: Literal["adam", "adamw", "sgd"] = "adam"
    lr: float = 1e-3
    weight_decay: float = 0.0
    momentum: float = 0.9  # SGD only
    schedule: Literal["constant", "linear", "cosine", "onecycle"] = "constant"
    warmup_fraction: float = 0.0  # share of all steps spent warming up linearly from 0
    epochs: int = 10
    batch_size: int = 32
    grad_clip: float | None = 1.0  # max global gradient norm; None or 0 turns clipping off
    early_stopping_patience: int | None = None  # epochs without improvement; None: never stop
    # False: end with the last epoch's weights even when an earlier one validated better (a refit
    # for a number of epochs chosen before, whose validation rows are in the training data).
    keep_best: bool = True
    seed: int = 0
    device: str | None = None  # None: CUDA when present, else CPU


@dataclass
class TrainState:
    """What callbacks see. ``epoch`` counts from 1; ``step`` counts optimizer steps from 1."""

    cfg: TrainConfig
    model: nn.Module
    device: torch.device
    epoch: int = 0
    step: int = 0
    steps_per_epoch: int | None = None
    batch_in_epoch: int = 0
    batch_loss: float = math.nan
    history: list[dict[str, float]] = field(default_factory=list)
    best_epoch: int | None = None
    started: float = field(default_factory=time.perf_counter)

    @property
    def total_steps(self) -> int | None:
        """Steps of the whole run when the loader has a length (for progress bars)."""
        return None if self.steps_per_epoch is None else self.steps_per_epoch * self.cfg.epochs


class Callback:
    """Hooks called by ``train()``; override those you need. Raise ``TrainingCancelled`` to stop."""

    def on_train_start(self, state: TrainState) -> None:
        """Before the first batch."""

    def on_batch_end(self, state: TrainState) -> None:
        """After each optimizer step; ``state.batch_loss`` holds that batch's loss."""

    def on_epoch_end(self, state: TrainState) -> None:
        """After validation; ``state.history[-1]`` holds this epoch's figures."""

    def on_train_end(self, state: TrainState) -> None:
        """After the best weights were restored (not called when training was cancelled)."""


class CancelCallback(Callback):
    """Raises ``TrainingCancelled`` after the first batch at which ``should_cancel()`` is true.

    ``check_every`` polls the predicate every N batches, for predicates that cost a query.
    """

    def __init__(self, should_cancel: Callable[[], bool], check_every: int = 1) -> None:
        self.should_cancel = should_cancel
        self.check_every = max(1, check_every)

    def on_batch_end(self, state: TrainState) -> None:
        if state.step % self.check_every == 0 and self.should_cancel():
            raise TrainingCancelled(f"cancelled at epoch {state.epoch}, step {state.step}")


class ProgressBar(Callback):
    """A tqdm bar on stderr over all steps: epoch, batch loss, last validation figure."""

    def __init__(self, desc: str = "train", disable: bool = False) -> None:
        self.desc, self.disable = desc, disable
        self._bar: Any = None
        self._postfix: dict[str, Any] = {}

    def on_train_start(self, state: TrainState) -> None:
        from tqdm import tqdm  # imported here: only command-line runs draw bars

        self._bar = tqdm(total=state.total_steps, desc=self.desc, disable=self.disable, leave=False)

    def on_batch_end(self, state: TrainState) -> None:
        self._bar.update(1)
        if state.step % 20 == 0:
            self._postfix["epoch"], self._postfix["loss"] = state.epoch, f"{state.batch_loss:.4f}"
            self._bar.set_postfix(self._postfix, refresh=False)

    def on_epoch_end(self, state: TrainState) -> None:
        row = state.history[-1]
        for key in ("val_loss", "val_score"):
            if key in row:
                self._postfix[key] = f"{row[key]:.4f}"

    def on_train_end(self, state: TrainState) -> None:
        self._bar.close()


@dataclass
class TrainResult:
    """The loss curve and outcome of one ``train()`` call."""

    history: list[dict[str, float]]
    best_epoch: int
    best_score: float | None  # the val_score (or val loss) of the best epoch; None without val data
    seconds: float
    device: str
    stopped_early: bool

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready dict."""
        return asdict(self)


class DictLoader:
    """Batches of a dict of equally long tensors, reshuffled every epoch (repeatable by seed).

    Cheaper than a ``DataLoader`` with a collate function when the data are already tensors
    (padded KT windows, precomputed embeddings): one index per batch, no per-item Python work.
    """

    def __init__(
        self,
        data: dict[str, torch.Tensor],
        batch_size: int,
        shuffle: bool = True,
        seed: int = 0,
        drop_last: bool = False,
    ) -> None:
        lengths = {len(t) for t in data.values()}
        if len(lengths) != 1:
            raise ValueError(f"tensors differ in length: {sorted(lengths)}")
        self.data, self.batch_size = data, batch_size
        self.shuffle, self.drop_last = shuffle, drop_last
        self.n = lengths.pop()
        self._generator = torch.Generator().manual_seed(seed)

    def __len__(self) -> int:
        full, rest = divmod(self.n, self.batch_size)
        return full if self.drop_last or rest == 0 else full + 1

    def __iter__(self) -> Iterator[dict[str, torch.Tensor]]:
        order = torch.randperm(self.n, generator=self._generator) if self.shuffle else None
        for i in range(len(self)):
            lo, hi = i * self.batch_size, min((i + 1) * self.batch_size, self.n)
            if order is None:
                yield {k: t[lo:hi] for k, t in self.data.items()}
            else:
                idx = order[lo:hi]
                yield {k: t[idx] for k, t in self.data.items()}


def to_device(batch: Batch, device: torch.device) -> Batch:
    """Move the tensors of a batch to ``device``; other values pass through."""
    return {
        k: v.to(device, non_blocking=True) if isinstance(v, torch.Tensor) else v
        for k, v in batch.items()
    }


def model_loss(model: nn.Module, batch: Batch) -> torch.Tensor:
    """Call the model's ``loss`` (the contract above), with a clear error when it has none."""
    fn = getattr(model, "loss", None)
    if not callable(fn):
        raise TypeError(f"{type(model).__name__} has no loss(batch) method")
    out: torch.Tensor = fn(batch)
    return out


@torch.no_grad()
def collect_predictions(model: nn.Module, data: Iterable[Batch]) -> torch.Tensor:
    """``model.predict`` over every batch, in eval mode, concatenated on the CPU along dim 0.

    Runs on the device the model's parameters are on, so it works inside ``val_score``.
    """
    fn = getattr(model, "predict", None)
    if not callable(fn):
        raise TypeError(f"{type(model).__name__} has no predict(batch) method")
    device = next(model.parameters()).device
    model.eval()
    outputs: list[torch.Tensor] = []
    for batch in data:
        with autocast(device):
            out = fn(to_device(batch, device))
        outputs.append(out.float().cpu())
    return torch.cat(outputs)


def _optimizer(cfg: TrainConfig, params: Iterable[Any]) -> torch.optim.Optimizer:
    if cfg.optimizer == "adam":
        return torch.optim.Adam(params, lr=cfg.lr, weight_decay=cfg.weight_decay)
    if cfg.optimizer == "adamw":
        return torch.optim.AdamW(params, lr=cfg.lr, weight_decay=cfg.weight_decay)
    if cfg.optimizer == "sgd":
        return torch.optim.SGD(
            params, lr=cfg.lr, momentum=cfg.momentum, weight_decay=cfg.weight_decay
        )
    raise ValueError(f"unknown optimizer {cfg.optimizer!r}")


def _scheduler(
    cfg: TrainConfig, opt: torch.optim.Optimizer, steps_per_epoch: int | None
) -> torch.optim.lr_scheduler.LRScheduler | None:
    if cfg.schedule == "constant" and cfg.warmup_fraction <= 0:
        return None
    if steps_per_epoch is None:
        raise ValueError(f"schedule {cfg.schedule!r} needs train_data with a len()")
    total = max(1, steps_per_epoch * cfg.epochs)
    if cfg.schedule == "onecycle":
        return torch.optim.lr_scheduler.OneCycleLR(
            opt,
            max_lr=[g["lr"] for g in opt.param_groups],
            total_steps=total,
            pct_start=cfg.warmup_fraction if cfg.warmup_fraction > 0 else 0.3,
        )
    warmup = int(cfg.warmup_fraction * total)

    def factor(step: int) -> float:
        if step < warmup:
            return (step + 1) / warmup
        progress = (step - warmup) / max(1, total - warmup)
        if cfg.schedule == "linear":
            return max(0.0, 1.0 - progress)
        if cfg.schedule == "cosine":
            return 0.5 * (1.0 + math.cos(math.pi * min(progress, 1.0)))
        return 1.0

    return torch.optim.lr_scheduler.LambdaLR(opt, factor)


@torch.no_grad()
def evaluate_loss(model: nn.Module, data: Iterable[Batch], device: torch.device) -> float:
    """Mean loss over ``data`` in eval mode, each batch weighted by its number of rows."""
    model.eval()
    total, rows = 0.0, 0
    for batch in data:
        batch = to_device(batch, device)
        with autocast(device):
            loss = model_loss(model, batch)
        n = next((len(v) for v in batch.values() if isinstance(v, torch.Tensor)), 1)
        total, rows = total + float(loss) * n, rows + n
    return total / max(rows, 1)


def _run_epoch(
    state: TrainState,
    data: Iterable[Batch],
    opt: torch.optim.Optimizer,
    sched: torch.optim.lr_scheduler.LRScheduler | None,
    callbacks: Iterable[Callback],
) -> float:
    model, cfg, device = state.model, state.cfg, state.device
    model.train()
    total, batches = 0.0, 0
    for i, batch in enumerate(data, start=1):
        batch = to_device(batch, device)
        opt.zero_grad(set_to_none=True)
        with autocast(device):
            loss = model_loss(model, batch)
        loss.backward()  # type: ignore[no-untyped-call]  # torch leaves Tensor.backward untyped
        if cfg.grad_clip:
            nn.utils.clip_grad_norm_(model.parameters(), cfg.grad_clip)
        opt.step()
        if sched is not None:
            sched.step()
        state.step, state.batch_in_epoch, state.batch_loss = state.step + 1, i, loss.item()
        total, batches = total + state.batch_loss, batches + 1
        for cb in callbacks:
            cb.on_batch_end(state)
    return total / max(batches, 1)


class _BestTracker:
    """Keeps the best epoch's weights on the CPU; higher ``watched`` is better."""

    def __init__(self) -> None:
        self.score = math.nan
        self.epoch = 0
        self.weights: dict[str, torch.Tensor] | None = None

    def update(self, watched: float, epoch: int, model: nn.Module) -> None:
        if math.isnan(watched) or (not math.isnan(self.score) and watched <= self.score):
            return
        self.score, self.epoch = watched, epoch
        self.weights = {k: v.detach().to("cpu", copy=True) for k, v in model.state_dict().items()}

    def restore(self, model: nn.Module, last_epoch: int) -> None:
        if self.weights is not None and self.epoch != last_epoch:
            model.load_state_dict(self.weights)


def _validate(
    model: nn.Module,
    row: dict[str, float],
    val_data: Iterable[Batch] | None,
    val_score: Callable[[nn.Module], float] | None,
    device: torch.device,
) -> float:
    """Fill the epoch's validation figures; return the watched value (higher is better)."""
    if val_data is not None:
        row["val_loss"] = evaluate_loss(model, val_data, device)
    if val_score is not None:
        model.eval()
        with torch.no_grad():
            row["val_score"] = float(val_score(model))
    return row.get("val_score", -row.get("val_loss", math.nan))


def train(
    cfg: TrainConfig,
    model: nn.Module,
    train_data: Iterable[Batch],
    val_data: Iterable[Batch] | None = None,
    callbacks: Iterable[Callback] = (),
    param_groups: list[dict[str, Any]] | None = None,
    val_score: Callable[[nn.Module], float] | None = None,
) -> TrainResult:
    """Train ``model`` in place and return its loss curve; the model ends with its best weights.

    ``param_groups`` are optimizer groups (e.g. a lower ``lr`` for a pretrained encoder); by
    default every parameter that requires a gradient. ``val_score(model)`` (higher is better) is
    called in eval mode under ``no_grad`` after each epoch and, when given, picks the best epoch.
    """
    callbacks = list(callbacks)
    device = default_device(cfg.device)
    seed_everything(cfg.seed)
    model.to(device)
    groups = param_groups or [{"params": [p for p in model.parameters() if p.requires_grad]}]
    opt = _optimizer(cfg, groups)
    steps = len(train_data) if isinstance(train_data, Sized) else None
    sched = _scheduler(cfg, opt, steps)
    state = TrainState(cfg=cfg, model=model, device=device, steps_per_epoch=steps)
    best, stopped_early = _BestTracker(), False
    for cb in callbacks:
        cb.on_train_start(state)
    for epoch in range(1, cfg.epochs + 1):
        state.epoch, started = epoch, time.perf_counter()
        row: dict[str, float] = {"epoch": epoch}
        row["train_loss"] = _run_epoch(state, train_data, opt, sched, callbacks)
        row["lr"] = opt.param_groups[0]["lr"]
        watched = _validate(model, row, val_data, val_score, device)
        row["seconds"] = time.perf_counter() - started
        state.history.append(row)
        if cfg.keep_best:
            best.update(watched, epoch, model)
        state.best_epoch = best.epoch or epoch
        for cb in callbacks:
            cb.on_epoch_end(state)
        patience = cfg.early_stopping_patience
        if patience is not None and best.epoch and epoch - best.epoch >= patience:
            stopped_early = epoch < cfg.epochs
            break
    # Without validation figures the last epoch is kept: nothing says an earlier one was better.
    best.restore(model, state.epoch)
    state.best_epoch = best.epoch or state.epoch
    model.eval()
    for cb in callbacks:
        cb.on_train_end(state)
    best_score = None
    if best.epoch:
        best_score = best.score if val_score is not None else -best.score
    return TrainResult(
        history=state.history,
        best_epoch=state.best_epoch,
        best_score=best_score,
        seconds=time.perf_counter() - state.started,
        device=str(device),
        stopped_early=stopped_early,
    )
