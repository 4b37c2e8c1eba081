"""Synthetic knowledge-tracing data for the KT tests: learnable, tiny, seeded."""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import torch
from torch import nn

from mlcore.engine.kt_data import KTLoader, KTSequence, make_windows
from mlcore.engine.training import TrainConfig, train

N_SKILLS, N_ITEMS = 6, 18


def synthetic_sequences(n_students: int = 48, length: int = 40, seed: int = 0) -> list[KTSequence]:
    """Students whose chance of success on a skill grows with their earlier successes on it."""
    rng = np.random.default_rng(seed)
    out = []
    for s in range(n_students):
        ability = rng.normal()
        wins = np.zeros(N_SKILLS + 1)
        skills, items, correct = [], [], []
        for _ in range(length):
            skill = int(rng.integers(1, N_SKILLS + 1))
            item = (skill - 1) * 3 + int(rng.integers(1, 4))
            logit = ability + 0.8 * wins[skill] - 1.0 + 0.5 * (item % 3)
            c = int(rng.random() < 1 / (1 + np.exp(-logit)))
            wins[skill] += c
            skills.append(skill)
            items.append(item)
            correct.append(c)
        out.append(KTSequence(f"s{s}", skills, correct, items))
    return out


def loader(seqs: list[KTSequence], seq_len: int = 32, shuffle: bool = True) -> KTLoader:
    return KTLoader(make_windows(seqs, seq_len), batch_size=16, shuffle=shuffle, seed=0)


def first_and_last_loss(model: nn.Module, lr: float, epochs: int = 4) -> tuple[float, float]:
    data = loader(synthetic_sequences(n_students=32, length=32))
    result = train(TrainConfig(lr=lr, epochs=epochs, device="cpu"), model, data)
    return result.history[0]["train_loss"], result.history[-1]["train_loss"]


def assert_causal(model: nn.Module) -> None:
    """Changing the responses from position t on must not change any prediction up to t."""
    model.eval()
    batch = next(iter(loader(synthetic_sequences(4), shuffle=False)))
    base = model.predict(batch)  # type: ignore[operator]
    t = 10
    changed = dict(batch)
    changed["correct"] = batch["correct"].clone()
    changed["correct"][:, t:] = 1 - changed["correct"][:, t:]
    after = model.predict(changed)  # type: ignore[operator]
    assert torch.allclose(base[:, : t + 1], after[:, : t + 1], atol=1e-6)
    assert not torch.allclose(base[:, t + 1 :], after[:, t + 1 :])  # later positions do listen


def write_interactions_csv(path: Path, n_students: int = 30, seed: int = 0) -> Path:
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["student_id", "item_id", "skill_ids", "correct", "order"])
        for seq in synthetic_sequences(n_students, length=25, seed=seed):
            for t, (skill, item, c) in enumerate(
                zip(seq.skills, seq.items or [], seq.correct, strict=True)
            ):
                writer.writerow([seq.student, f"q{item}", f"skill{skill}", c, t])
    return path
