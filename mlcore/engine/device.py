"""Device choice, mixed precision and seeding, decided once per process.

Nothing here touches CUDA at import time: Celery workers fork, and a child cannot use CUDA once its
parent has initialised it. ``default_device()`` is the first call that may query CUDA.
"""

from __future__ import annotations

import contextlib
import os
import random
from collections.abc import Iterator

import numpy as np
import torch


def default_device(prefer: str | None = None) -> torch.device:
    """Return ``prefer`` when given (e.g. "cpu", "cuda:1"), else CUDA when present, else CPU."""
    if prefer:
        return torch.device(prefer)
    return torch.device("cuda" if torch.cuda.is_available() else "cpu")


@contextlib.contextmanager
def autocast(device: torch.device) -> Iterator[None]:
    """bf16 autocast on CUDA (no loss scaling needed, unlike fp16); a no-op elsewhere.

    CPU stays in fp32 on purpose: results on the CPU-only build machines stay exact and repeatable,
    which the save/load and determinism tests rely on.
    """
    if device.type == "cuda":
        with torch.autocast(device_type="cuda", dtype=torch.bfloat16):
            yield
    else:
        yield


def seed_everything(seed: int) -> None:
    """Seed Python, NumPy and torch (all devices) so runs and tests repeat."""
    os.environ["PYTHONHASHSEED"] = str(seed)
    random.seed(seed)
    np.random.seed(seed)
    # torch.manual_seed also seeds every CUDA device lazily, without initialising CUDA here.
    torch.manual_seed(seed)
