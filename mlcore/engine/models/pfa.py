"""A logistic PFA-style baseline (Pavlik et al. 2009): per-skill success and failure counts.

logit(correct at t) = easiness(skill) + gamma(skill) * log1p(successes) + rho(skill) *
log1p(failures) [+ easiness(item) when problem ids are given], where the counts are this student's
earlier answers on the same skill in the same window. The log keeps long practice runs from
swamping the line; the original PFA uses raw counts.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import nn
from torch.nn import functional as F

from mlcore.engine.checkpoint import register_model
from mlcore.engine.models.kt_base import KTModel


@dataclass
class PFAConfig:
    """``n_skills``/``n_items``: largest ids (1-based); ``n_items`` = 0 leaves out item easiness."""

    n_skills: int
    n_items: int = 0


class PFA(KTModel):
    """Additive logistic model; its loss is convex in the parameters."""

    def __init__(self, cfg: PFAConfig) -> None:
        super().__init__()
        self.cfg = cfg
        self.easiness = nn.Embedding(cfg.n_skills + 1, 1)
        self.gamma = nn.Embedding(cfg.n_skills + 1, 1)
        self.rho = nn.Embedding(cfg.n_skills + 1, 1)
        for table in (self.easiness, self.gamma, self.rho):
            nn.init.zeros_(table.weight)
        if cfg.n_items:
            self.item_easiness = nn.Embedding(cfg.n_items + 1, 1)
            nn.init.zeros_(self.item_easiness.weight)

    def counts(self, batch: dict[str, torch.Tensor]) -> tuple[torch.Tensor, torch.Tensor]:
        """(B, T) earlier successes and failures on the skill asked at each position."""
        skill, mask = batch["skill"], batch["mask"]
        onehot = F.one_hot(skill, self.cfg.n_skills + 1).float()  # (B, T, S + 1)
        correct = (batch["correct"] * mask).unsqueeze(-1)  # (B, T, 1)
        # Inclusive running sums minus the current answer: only earlier answers count.
        wins = (onehot * correct).cumsum(dim=1) - onehot * correct  # (B, T, S + 1)
        tries = onehot.cumsum(dim=1) - onehot  # (B, T, S + 1)
        successes = (wins * onehot).sum(-1)  # (B, T)
        return successes, (tries * onehot).sum(-1) - successes

    def logits(self, batch: dict[str, torch.Tensor]) -> torch.Tensor:
        skill = batch["skill"]
        successes, failures = self.counts(batch)
        z: torch.Tensor = (
            self.easiness(skill).squeeze(-1)
            + self.gamma(skill).squeeze(-1) * torch.log1p(successes)
            + self.rho(skill).squeeze(-1) * torch.log1p(failures)
        )  # (B, T)
        if self.cfg.n_items:
            z = z + self.item_easiness(batch["item"]).squeeze(-1)
        return z


register_model("pfa", PFA, PFAConfig)
