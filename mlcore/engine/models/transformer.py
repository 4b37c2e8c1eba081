"""Small Transformer encoder scorer trained from scratch over WordPiece ids.

Token, position and segment embeddings feed `layers` pre-norm encoder blocks; the result is
mean-pooled over real tokens (or the first, `[CLS]`, token is taken). With a reference, the input
is the pair `[CLS] reference [SEP] answer [SEP]` (segment ids 0 then 1), so attention compares the
two texts token by token. Embeddings are trained from scratch, or copied from MiniLM by
`init_embeddings()` (then `d_model` must be 384).

Batch: `input_ids`, `attention_mask`, `token_type_ids` `(B, T)`, `score` `(B,)` for the loss.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import torch
from torch import Tensor, nn

from mlcore.engine.checkpoint import register_model
from mlcore.engine.models.heads import (
    HeadConfig,
    ScoreHead,
    ScoringModel,
    masked_mean,
    minilm_word_embeddings,
)


@dataclass
class TransformerConfig(HeadConfig):
    """Width, depth and input length of the encoder."""

    vocab_size: int = 30522
    pad_id: int = 0
    d_model: int = 128
    heads: int = 4
    layers: int = 2
    ff_dim: int = 256
    dropout: float = 0.1
    max_len: int = 512
    pooling: Literal["mean", "cls"] = "mean"

    def __post_init__(self) -> None:
        super().__post_init__()
        if self.d_model % self.heads:
            raise ValueError(f"d_model {self.d_model} is not divisible by heads {self.heads}")
        if self.pooling not in ("mean", "cls"):
            raise ValueError(f"pooling must be 'mean' or 'cls', not {self.pooling!r}")


class TransformerScorer(ScoringModel):
    cfg: TransformerConfig

    def __init__(self, cfg: TransformerConfig) -> None:
        super().__init__()
        self.cfg = cfg
        self.tokens = nn.Embedding(cfg.vocab_size, cfg.d_model, padding_idx=cfg.pad_id)
        self.positions = nn.Embedding(cfg.max_len, cfg.d_model)
        self.segments = nn.Embedding(2, cfg.d_model)
        self.dropout = nn.Dropout(cfg.dropout)
        block = nn.TransformerEncoderLayer(
            cfg.d_model,
            cfg.heads,
            cfg.ff_dim,
            cfg.dropout,
            activation="gelu",
            batch_first=True,
            norm_first=True,
        )
        # No nested-tensor fast path: it is skipped with norm_first anyway, and it would make
        # eval outputs of padded positions differ from training.
        self.encoder = nn.TransformerEncoder(block, cfg.layers, enable_nested_tensor=False)
        self.norm = nn.LayerNorm(cfg.d_model)
        self.head = ScoreHead(cfg, cfg.d_model)

    def init_embeddings(self) -> None:
        """Start from MiniLM's input embeddings (trained further with the rest)."""
        self.tokens.weight.data.copy_(minilm_word_embeddings())

    def features(self, batch: dict[str, Tensor]) -> Tensor:
        ids, mask = batch["input_ids"], batch["attention_mask"]
        if ids.shape[1] > self.cfg.max_len:
            raise ValueError(f"{ids.shape[1]} tokens exceed max_len {self.cfg.max_len}")
        types = batch.get("token_type_ids")
        if types is None:
            types = torch.zeros_like(ids)
        pos = torch.arange(ids.shape[1], device=ids.device)  # (T,)
        x = self.tokens(ids) + self.positions(pos)[None] + self.segments(types)  # (B, T, D)
        h = self.encoder(self.dropout(x), src_key_padding_mask=~mask.bool())  # (B, T, D)
        h = self.norm(h)
        pooled = masked_mean(h, mask) if self.cfg.pooling == "mean" else h[:, 0]  # (B, D)
        out: Tensor = self.dropout(pooled)
        return out


register_model("scoring_transformer", TransformerScorer, TransformerConfig)
