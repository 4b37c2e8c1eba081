"""Bidirectional GRU/LSTM scorer over WordPiece ids, or over frozen token-level hidden states.

`input_kind="ids"`: embeddings trained from scratch, or copied from MiniLM by `init_embeddings()`
(then `embed_dim` must be 384). `input_kind="hidden"`: the batch brings precomputed token states
(`hidden`, `(B, T, embed_dim)`, e.g. MiniLM's last layer computed once and cached), and only the
recurrent layers and head are trained: the cheap way to put a sequence model on a pretrained
encoder without fine-tuning it on a CPU. The sequence is pooled by mean, max or attention.

Batch: `input_ids` or `hidden`, `attention_mask` `(B, T)`, `score` `(B,)`; with `use_reference`
also `ref_input_ids` / `ref_hidden` and `ref_attention_mask`, matched as `[a, r, |a - r|, a * r]`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from torch import Tensor, nn
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

from mlcore.engine.checkpoint import register_model
from mlcore.engine.models.heads import (
    AttentionPool,
    HeadConfig,
    ScoreHead,
    ScoringModel,
    masked_max,
    masked_mean,
    minilm_word_embeddings,
    pair_features,
)


@dataclass
class RNNConfig(HeadConfig):
    """Input, cell and pooling of the recurrent encoder."""

    input_kind: Literal["ids", "hidden"] = "ids"
    vocab_size: int = 30522
    pad_id: int = 0
    embed_dim: int = 128
    cell: Literal["gru", "lstm"] = "gru"
    hidden: int = 128
    layers: int = 1
    pooling: Literal["mean", "max", "attention"] = "attention"
    dropout: float = 0.3
    use_reference: bool = False

    def __post_init__(self) -> None:
        super().__post_init__()
        for name, value, allowed in (
            ("input_kind", self.input_kind, ("ids", "hidden")),
            ("cell", self.cell, ("gru", "lstm")),
            ("pooling", self.pooling, ("mean", "max", "attention")),
        ):
            if value not in allowed:
                raise ValueError(f"{name} must be one of {allowed}, not {value!r}")


class RNNScorer(ScoringModel):
    cfg: RNNConfig

    def __init__(self, cfg: RNNConfig) -> None:
        super().__init__()
        self.cfg = cfg
        self.embedding = (
            nn.Embedding(cfg.vocab_size, cfg.embed_dim, padding_idx=cfg.pad_id)
            if cfg.input_kind == "ids"
            else None
        )
        rnn_cls = nn.GRU if cfg.cell == "gru" else nn.LSTM
        self.rnn = rnn_cls(
            cfg.embed_dim,
            cfg.hidden,
            num_layers=cfg.layers,
            batch_first=True,
            bidirectional=True,
            dropout=cfg.dropout if cfg.layers > 1 else 0.0,
        )
        self.dropout = nn.Dropout(cfg.dropout)
        width = 2 * cfg.hidden
        self.pool = AttentionPool(width) if cfg.pooling == "attention" else None
        self.head = ScoreHead(cfg, 4 * width if cfg.use_reference else width)

    def init_embeddings(self) -> None:
        """Start from MiniLM's input embeddings (trained further with the rest)."""
        if self.embedding is None:
            raise ValueError("a model over hidden states has no embeddings to initialise")
        self.embedding.weight.data.copy_(minilm_word_embeddings())

    def encode(self, inputs: Tensor, mask: Tensor) -> Tensor:
        """Ids `(B, T)` or hidden states `(B, T, E)` -> `(B, 2 * hidden)`."""
        x = self.embedding(inputs) if self.embedding is not None else inputs.float()
        x = self.dropout(x)  # (B, T, E)
        # Packing skips padding, so the backward direction starts at each row's last real token.
        lengths = mask.sum(dim=1).clamp(min=1).cpu()
        packed = pack_padded_sequence(x, lengths, batch_first=True, enforce_sorted=False)
        out, _ = self.rnn(packed)
        h, _ = pad_packed_sequence(out, batch_first=True, total_length=x.shape[1])  # (B, T, 2H)
        h = self.dropout(h)
        if self.pool is not None:
            pooled: Tensor = self.pool(h, mask)
            return pooled
        return masked_mean(h, mask) if self.cfg.pooling == "mean" else masked_max(h, mask)

    def _inputs(self, batch: dict[str, Tensor], prefix: str = "") -> Tensor:
        key = "input_ids" if self.cfg.input_kind == "ids" else "hidden"
        return batch[prefix + key]

    def features(self, batch: dict[str, Tensor]) -> Tensor:
        answer = self.encode(self._inputs(batch), batch["attention_mask"])
        if not self.cfg.use_reference:
            return answer
        reference = self.encode(self._inputs(batch, "ref_"), batch["ref_attention_mask"])
        return pair_features(answer, reference)


register_model("scoring_rnn", RNNScorer, RNNConfig)
