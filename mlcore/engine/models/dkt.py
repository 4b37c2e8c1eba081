"""Deep Knowledge Tracing (Piech et al. 2015): a recurrent net over (skill, correct) tokens.

At position t the net has read the interactions before t (a start token stands in at t = 0) and
its output layer scores every skill; the logit of the skill asked at t is the prediction.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import torch
from torch import nn

from mlcore.engine.checkpoint import register_model
from mlcore.engine.models.kt_base import KTModel, previous

_PAD, _START = 0, 1  # tokens 2 + 2 * (skill - 1) + correct encode the interactions


@dataclass
class DKTConfig:
    """``n_skills`` is the largest skill id (ids run 1..n_skills)."""

    n_skills: int
    embed_dim: int = 200
    hidden: int = 200
    cell: Literal["lstm", "gru"] = "lstm"
    layers: int = 1
    dropout: float = 0.2


class DKT(KTModel):
    """LSTM or GRU knowledge tracer; see the module docstring."""

    def __init__(self, cfg: DKTConfig) -> None:
        super().__init__()
        self.cfg = cfg
        self.embed = nn.Embedding(2 * cfg.n_skills + 2, cfg.embed_dim, padding_idx=_PAD)
        rnn = nn.LSTM if cfg.cell == "lstm" else nn.GRU
        self.rnn = rnn(
            cfg.embed_dim,
            cfg.hidden,
            num_layers=cfg.layers,
            batch_first=True,
            dropout=cfg.dropout if cfg.layers > 1 else 0.0,
        )
        self.drop = nn.Dropout(cfg.dropout)
        self.out = nn.Linear(cfg.hidden, cfg.n_skills + 1)

    def logits(self, batch: dict[str, torch.Tensor]) -> torch.Tensor:
        skill, mask = batch["skill"], batch["mask"]  # (B, T)
        token = torch.where(mask, 2 * skill + batch["correct"].long(), _PAD)  # (B, T)
        h, _ = self.rnn(self.drop(self.embed(previous(token, _START))))  # (B, T, H)
        scores = self.out(self.drop(h))  # (B, T, n_skills + 1)
        logits: torch.Tensor = scores.gather(-1, skill.unsqueeze(-1)).squeeze(-1)  # (B, T)
        return logits


register_model("dkt", DKT, DKTConfig)
