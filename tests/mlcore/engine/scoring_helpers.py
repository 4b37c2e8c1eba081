"""Tiny synthetic scoring tasks shared by the scoring-model tests (seconds on a CPU)."""

from __future__ import annotations

import random
import zlib
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import Tensor, nn

from mlcore.engine.checkpoint import load_checkpoint, save_checkpoint
from mlcore.engine.device import seed_everything
from mlcore.engine.scoring_data import ScoringExample
from mlcore.engine.training import TrainConfig, evaluate_loss, train

KEY_TOKEN = 1012  # the token whose presence makes an answer correct


def token_batches(
    n: int = 64, length: int = 10, batch_size: int = 16, with_reference: bool = False, seed: int = 0
) -> list[dict[str, Tensor]]:
    """Answers of random ids in [1000, 1040); score 1 when `KEY_TOKEN` occurs, else 0.

    With a reference, the key token is the reference's first token instead, so only a model that
    compares the two texts can score well. Rows have random lengths, padded with id 0.
    """
    g = torch.Generator().manual_seed(seed)
    ids = torch.randint(1000, 1040, (n, length), generator=g)  # (N, T)
    lengths = torch.randint(3, length + 1, (n,), generator=g)
    mask = (torch.arange(length)[None] < lengths[:, None]).long()  # (N, T)
    ids = ids * mask
    ref = torch.randint(1000, 1040, (n, 4), generator=g)  # (N, 4)
    key = ref[:, :1] if with_reference else torch.full((n, 1), KEY_TOKEN)
    plant = torch.rand(n, generator=g) < 0.5
    ids[plant, 0] = key[plant, 0]
    score = ((ids == key) & mask.bool()).any(dim=1).float()
    data: dict[str, Tensor] = {
        "input_ids": ids,
        "attention_mask": mask,
        "token_type_ids": torch.zeros_like(ids),
        "score": score,
    }
    if with_reference:
        data |= {"ref_input_ids": ref, "ref_attention_mask": torch.ones_like(ref)}
    return [{k: v[i : i + batch_size] for k, v in data.items()} for i in range(0, n, batch_size)]


def loss_before_after(
    model: nn.Module,
    batches: list[dict[str, Tensor]],
    epochs: int = 15,
    lr: float = 3e-3,
    **kw: Any,
) -> tuple[float, float]:
    """Mean loss over `batches` before and after `epochs` of training on them."""
    before = evaluate_loss(model, batches, torch.device("cpu"))
    cfg = TrainConfig(optimizer="adamw", lr=lr, epochs=epochs, device="cpu", seed=0)
    train(cfg, model, batches, **kw)
    return before, evaluate_loss(model, batches, torch.device("cpu"))


def assert_roundtrip(model: nn.Module, config: Any, batch: dict[str, Tensor], tmp: Path) -> None:
    """Saving then loading gives a model with identical predictions."""
    model.eval()
    with torch.no_grad():
        expected = model.predict(batch)
    save_checkpoint(tmp / "ckpt", model, config)
    loaded, _ = load_checkpoint(tmp / "ckpt")
    with torch.no_grad():
        got = loaded.predict(batch)
    assert torch.equal(expected, got)


def seeded(seed: int = 0) -> None:
    seed_everything(seed)


class BagOfWordsEncoder:
    """A deterministic stand-in for MiniLM: hashed bag of words, unit rows; counts its calls."""

    dim = 384

    def __init__(self) -> None:
        self.calls = 0

    def encode(self, texts: Sequence[str], batch_size: int = 32) -> np.ndarray:
        self.calls += 1
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for i, text in enumerate(texts):
            for word in text.lower().split():
                out[i, zlib.crc32(word.strip(".,!?").encode()) % self.dim] += 1.0
        norms = np.linalg.norm(out, axis=1, keepdims=True)
        return out / np.maximum(norms, 1e-12)


REFERENCE = "The metal expands when heated, so the gap between the rails closes."
_GOOD = (
    "Heat makes the metal expand and the gap closes.",
    "The rails expand in the heat so the gap gets smaller.",
    "Metal gets longer when heated, closing the gap.",
    "Because steel expands with heat, the gap between rails closes.",
)
_PARTIAL = ("The metal expands.", "The gap closes in summer.", "Heat changes the rails.")
_BAD = ("The gap drains rain water.", "I do not know.", "Trains are heavy.", "For the wheels.")


def graded_answers(n: int = 60, seed: int = 0) -> list[ScoringExample]:
    """`n` answers to one question, scored 2 (right), 1 (partly) or 0 (wrong)."""
    rng = random.Random(seed)
    out = []
    for i in range(n):
        score = i % 3
        pool = (_BAD, _PARTIAL, _GOOD)[score]
        answer = rng.choice(pool) + rng.choice(("", " I think.", " That is why.", " Yes."))
        out.append(
            ScoringExample("q1", "Why the gap?", (REFERENCE,), answer, float(score), None, str(i))
        )
    return out
