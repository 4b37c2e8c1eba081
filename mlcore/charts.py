"""The geometry of a training run's loss curve, drawn server-side as an inline SVG.

`loss_chart(run.loss_curve)` turns the run's points (`{"family", "epoch", "train_loss",
"val_loss", "val_metric"}`, as `services.training` records them) into lines, ticks and a table of
the same numbers; `templates/mlcore/partials/loss_chart.html` only prints them. No JavaScript and
no chart library: the chart is there before any script runs, and the table says the same.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

WIDTH, HEIGHT = 560, 260
LEFT, RIGHT, TOP, BOTTOM = 64, 16, 16, 44
SERIES = (("train_loss", "training loss", ""), ("val_loss", "validation loss", "6 4"))
# Distinct in hue and lightness (readable without colour too: validation lines are dashed).
COLOURS = ("#0b5cad", "#b42318", "#1a7f37", "#8250df", "#9a6700")
MAX_X_TICKS = 10


@dataclass(frozen=True)
class Line:
    label: str
    colour: str
    dash: str
    path: str  # the SVG path's `d`
    points: list[tuple[float, float]]  # (x, y) in SVG units, one per epoch


@dataclass(frozen=True)
class Tick:
    position: float  # in SVG units along its axis
    label: str


@dataclass
class LossChart:
    lines: list[Line]
    x_ticks: list[Tick]
    y_ticks: list[Tick]
    rows: list[dict[str, Any]]  # the table: family, epoch, train_loss, val_loss, val_metric
    width: int = WIDTH
    height: int = HEIGHT
    left: int = LEFT
    top: int = TOP
    right_edge: int = WIDTH - RIGHT
    bottom_edge: int = HEIGHT - BOTTOM
    families: list[str] = field(default_factory=list)

    @property
    def has_metric(self) -> bool:
        return any(row.get("val_metric") is not None for row in self.rows)


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value) if math.isfinite(value) else None


def _nice_step(span: float, ticks: int = 5) -> float:
    """A round step (1, 2 or 5 times a power of ten) that cuts `span` into about `ticks` parts."""
    raw = span / max(ticks, 1)
    power = 10.0 ** math.floor(math.log10(raw))
    return next(m * power for m in (1, 2, 5, 10) if m * power >= raw)


def _rows(curve: Sequence[Any]) -> list[dict[str, Any]]:
    rows = []
    for point in curve:
        if not isinstance(point, dict) or _number(point.get("epoch")) is None:
            continue
        row = {"family": str(point.get("family", "")), "epoch": int(point["epoch"])}
        for key in ("train_loss", "val_loss", "val_metric"):
            row[key] = _number(point.get(key))
        rows.append(row)
    return rows


def _y_scale(values: list[float]) -> tuple[float, float, float]:
    low, high = min(values), max(values)
    if high - low < 1e-12:
        low, high = low - 0.5, high + 0.5
    step = _nice_step(high - low)
    return math.floor(low / step) * step, math.ceil(high / step) * step, step


def loss_chart(curve: Sequence[Any]) -> LossChart | None:
    """Lines of the training and validation loss per epoch (one pair per model family tried);
    `None` when the curve has no loss to draw yet."""
    rows = _rows(curve)
    values = [row[key] for row in rows for key, _, _ in SERIES if row[key] is not None]
    if not values:
        return None
    families = list(dict.fromkeys(row["family"] for row in rows))
    x_max = max(int(max(row["epoch"] for row in rows)), 2)
    y_low, y_high, y_step = _y_scale(values)
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM

    def x_at(epoch: float) -> float:
        return round(LEFT + (epoch - 1) / (x_max - 1) * plot_w, 1)

    def y_at(value: float) -> float:
        return round(TOP + (y_high - value) / (y_high - y_low) * plot_h, 1)

    lines = []
    for i, family in enumerate(families):
        for key, name, dash in SERIES:
            pts = [
                (x_at(r["epoch"]), y_at(r[key]))
                for r in rows
                if r["family"] == family and r[key] is not None
            ]
            if pts:
                path = " ".join(f"{'M' if j == 0 else 'L'}{x},{y}" for j, (x, y) in enumerate(pts))
                label = f"{family} {name}".strip()
                lines.append(Line(label, COLOURS[i % len(COLOURS)], dash, path, pts))
    every = math.ceil(x_max / MAX_X_TICKS)
    x_ticks = [Tick(x_at(e), str(e)) for e in range(1, x_max + 1) if (e - 1) % every == 0]
    n_y = round((y_high - y_low) / y_step)
    y_ticks = [Tick(y_at(y_low + k * y_step), f"{y_low + k * y_step:.4g}") for k in range(n_y + 1)]
    return LossChart(lines, x_ticks, y_ticks, rows, families=families)
