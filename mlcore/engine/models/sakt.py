"""SAKT-style knowledge tracing (Pandey & Karypis 2019): causal attention over past interactions.

The query at position t is the exercise asked at t; keys and values are the interactions before
t (a learned start vector at t = 0) plus positional embeddings. With problem ids (``n_items`` > 0)
an exercise is embedded Rasch-style as in AKT (Ghosh et al. 2020): skill vector plus a scalar
difficulty per problem times a per-skill variation vector, which keeps 17,000 problems from each
needing a full vector learned from a handful of answers.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import nn
from torch.nn import functional as F

from mlcore.engine.checkpoint import register_model
from mlcore.engine.models.kt_base import KTModel


@dataclass
class SAKTConfig:
    """``n_skills``/``n_items``: largest ids (1-based); ``n_items`` = 0 uses skills only."""

    n_skills: int
    n_items: int = 0
    dim: int = 128
    heads: int = 4
    layers: int = 1
    dropout: float = 0.2
    max_len: int = 200
    # The original adds positions to keys and values only, so a query cannot prefer recent
    # answers; adding them to the queries too lets attention learn recency.
    query_position: bool = True


class _Block(nn.Module):
    """Causal multi-head attention of queries over values, then a feed-forward layer."""

    def __init__(self, cfg: SAKTConfig) -> None:
        super().__init__()
        self.heads = cfg.heads
        self.q, self.k, self.v = (nn.Linear(cfg.dim, cfg.dim) for _ in range(3))
        self.proj = nn.Linear(cfg.dim, cfg.dim)
        self.norm1, self.norm2 = nn.LayerNorm(cfg.dim), nn.LayerNorm(cfg.dim)
        self.ffn = nn.Sequential(
            nn.Linear(cfg.dim, 4 * cfg.dim), nn.GELU(), nn.Linear(4 * cfg.dim, cfg.dim)
        )
        self.drop = nn.Dropout(cfg.dropout)
        self.p_attn = cfg.dropout

    def forward(self, query: torch.Tensor, values: torch.Tensor) -> torch.Tensor:
        b, t, c = query.shape

        def split(x: torch.Tensor) -> torch.Tensor:
            return x.view(b, t, self.heads, c // self.heads).transpose(1, 2)  # (B, H, T, C/H)

        att = F.scaled_dot_product_attention(
            split(self.q(query)),
            split(self.k(values)),
            split(self.v(values)),
            is_causal=True,  # position t sees values 0..t, i.e. interactions before t
            dropout_p=self.p_attn if self.training else 0.0,
        )
        att = att.transpose(1, 2).reshape(b, t, c)  # (B, H, T, C/H) -> (B, T, C)
        x = self.norm1(query + self.drop(self.proj(att)))
        out: torch.Tensor = self.norm2(x + self.drop(self.ffn(x)))  # (B, T, C)
        return out


class SAKT(KTModel):
    """Self-attentive knowledge tracer; see the module docstring."""

    def __init__(self, cfg: SAKTConfig) -> None:
        super().__init__()
        if cfg.dim % cfg.heads:
            raise ValueError("dim must be a multiple of heads")
        self.cfg = cfg
        self.skill = nn.Embedding(cfg.n_skills + 1, cfg.dim, padding_idx=0)
        self.response = nn.Embedding(2, cfg.dim)
        self.start = nn.Parameter(torch.zeros(cfg.dim))
        self.position = nn.Embedding(cfg.max_len, cfg.dim)
        if cfg.n_items:
            self.difficulty = nn.Embedding(cfg.n_items + 1, 1, padding_idx=0)
            self.variation = nn.Embedding(cfg.n_skills + 1, cfg.dim, padding_idx=0)
            nn.init.zeros_(self.difficulty.weight)  # start as the skills-only model
        self.blocks = nn.ModuleList(_Block(cfg) for _ in range(cfg.layers))
        self.drop = nn.Dropout(cfg.dropout)
        self.out = nn.Linear(cfg.dim, 1)

    def exercise(self, batch: dict[str, torch.Tensor]) -> torch.Tensor:
        """(B, T, C) embeddings of the exercises asked."""
        e: torch.Tensor = self.skill(batch["skill"])  # (B, T, C)
        if self.cfg.n_items:
            e = e + self.difficulty(batch["item"]) * self.variation(batch["skill"])
        return e

    def logits(self, batch: dict[str, torch.Tensor]) -> torch.Tensor:
        t = batch["skill"].shape[1]
        if t > self.cfg.max_len:
            raise ValueError(f"window of {t} exceeds max_len {self.cfg.max_len}")
        exercise = self.exercise(batch)  # (B, T, C)
        interaction = exercise + self.response(batch["correct"].long())  # (B, T, C)
        # Values at t hold interaction t-1; the start vector fills t = 0.
        values = torch.cat(
            [self.start.expand(len(exercise), 1, -1), interaction[:, :-1]], dim=1
        )  # (B, T, C)
        positions = self.position.weight[:t]  # (T, C)
        values = self.drop(values + positions)
        x = exercise + positions if self.cfg.query_position else exercise
        for block in self.blocks:
            x = block(x, values)
        logits: torch.Tensor = self.out(x).squeeze(-1)  # (B, T, 1) -> (B, T)
        return logits


register_model("sakt", SAKT, SAKTConfig)
