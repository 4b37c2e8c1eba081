"""Calibration fitted on held-out data: conformal intervals for scores, temperature for classes.

Both objects are small and JSON-serialisable (``to_dict``/``from_dict``) so that they travel in a
checkpoint's ``extra``::

    interval = ConformalInterval().fit(y_dev, pred_dev, alpha=0.1)   # 90% intervals
    lo, hi = interval.interval(pred_new)
    scaler = TemperatureScaler().fit(logits_dev, labels_dev)
    probs = scaler.probabilities(logits_new)
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch
from numpy.typing import ArrayLike


@dataclass
class ConformalInterval:
    """Split conformal prediction on absolute residuals: ``pred ± q`` covers ``1 - alpha``.

    With n held-out residuals, q is their ceil((n + 1)(1 - alpha))-th smallest value; for
    exchangeable data the interval then covers a new true score with probability at least
    1 - alpha (and at most 1 - alpha + 1/(n + 1)). ``low``/``high`` optionally clip to the scale.
    """

    q: float = math.nan
    alpha: float = 0.1
    n: int = 0
    low: float | None = None
    high: float | None = None

    def fit(
        self,
        y_true: ArrayLike,
        y_pred: ArrayLike,
        alpha: float = 0.1,
        low: float | None = None,
        high: float | None = None,
    ) -> ConformalInterval:
        """Fit on held-out (true, predicted) scores never used to train the predictor."""
        if not 0.0 < alpha < 1.0:
            raise ValueError("alpha must lie in (0, 1)")
        residuals = np.sort(np.abs(np.asarray(y_true, float) - np.asarray(y_pred, float)).ravel())
        n = residuals.size
        if n == 0:
            raise ValueError("conformal calibration needs at least one held-out score")
        rank = math.ceil((n + 1) * (1.0 - alpha))
        # Too few residuals for this alpha: the honest interval is unbounded.
        self.q = float(residuals[rank - 1]) if rank <= n else math.inf
        self.alpha, self.n, self.low, self.high = alpha, n, low, high
        return self

    def interval(self, pred: ArrayLike) -> tuple[np.ndarray, np.ndarray]:
        """Lower and upper bounds for each prediction."""
        if math.isnan(self.q):
            raise RuntimeError("ConformalInterval is not fitted")
        p = np.asarray(pred, dtype=np.float64)
        lo, hi = p - self.q, p + self.q
        if self.low is not None or self.high is not None:
            lo, hi = np.clip(lo, self.low, self.high), np.clip(hi, self.low, self.high)
        return lo, hi

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready; an unbounded q is written as ``None``."""
        return {
            "kind": "conformal_abs",
            "q": None if math.isinf(self.q) else self.q,
            "alpha": self.alpha,
            "n": self.n,
            "low": self.low,
            "high": self.high,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ConformalInterval:
        """Inverse of ``to_dict``."""
        q = math.inf if data["q"] is None else float(data["q"])
        return cls(q=q, alpha=data["alpha"], n=data["n"], low=data["low"], high=data["high"])


@dataclass
class TemperatureScaler:
    """One temperature T dividing the logits, fitted by NLL on held-out data (Guo et al. 2017).

    Logits are (N, C) for C classes, or (N,) for the positive class of a binary task. T > 1
    softens over-confident predictions; it never changes which class is predicted.
    """

    temperature: float = 1.0

    def fit(self, logits: ArrayLike, labels: ArrayLike, max_iter: int = 100) -> TemperatureScaler:
        """Minimise the held-out negative log-likelihood over log T (so T stays positive)."""
        z = torch.as_tensor(np.asarray(logits), dtype=torch.float64)
        y = torch.as_tensor(np.asarray(labels)).long().reshape(-1)
        log_t = torch.zeros(1, dtype=torch.float64, requires_grad=True)
        opt = torch.optim.LBFGS([log_t], lr=0.1, max_iter=max_iter, line_search_fn="strong_wolfe")

        def closure() -> torch.Tensor:
            opt.zero_grad()
            loss = _nll(z / log_t.exp(), y)
            loss.backward()  # type: ignore[no-untyped-call]  # torch leaves backward untyped
            return loss

        opt.step(closure)  # type: ignore[no-untyped-call]  # LBFGS.step is untyped in torch
        self.temperature = float(log_t.detach().exp())
        return self

    def scale(self, logits: ArrayLike) -> np.ndarray:
        """Logits divided by the fitted temperature."""
        return np.asarray(logits, dtype=np.float64) / self.temperature

    def probabilities(self, logits: ArrayLike) -> np.ndarray:
        """Calibrated probabilities: softmax over classes, or the positive class's sigmoid."""
        z = torch.as_tensor(self.scale(logits))
        probs = torch.sigmoid(z) if z.ndim == 1 else torch.softmax(z, dim=-1)
        return probs.numpy()

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready."""
        return {"kind": "temperature", "temperature": self.temperature}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> TemperatureScaler:
        """Inverse of ``to_dict``."""
        return cls(temperature=float(data["temperature"]))


def _nll(z: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    if z.ndim == 1:
        return torch.nn.functional.binary_cross_entropy_with_logits(z, y.to(z.dtype))
    return torch.nn.functional.cross_entropy(z, y)
