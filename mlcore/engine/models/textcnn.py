"""TextCNN scorer over WordPiece ids (Kim 2014): parallel convolutions, max-pooled over time.

Embeddings are trained from scratch by default; `init_embeddings()` copies MiniLM's input
embeddings instead (then `embed_dim` must be 384). With `use_reference`, the reference answer is
encoded by the same network and the two encodings are matched as `[a, r, |a - r|, a * r]`.

Batch: `input_ids`, `attention_mask` `(B, T)` (and `ref_input_ids`, `ref_attention_mask` with a
reference), `score` `(B,)` for the loss.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from mlcore.engine.checkpoint import register_model
from mlcore.engine.models.heads import (
    HeadConfig,
    ScoreHead,
    ScoringModel,
    masked_max,
    minilm_word_embeddings,
    pair_features,
)


@dataclass
class TextCNNConfig(HeadConfig):
    """Vocabulary, embedding width, convolution widths and channels per width."""

    vocab_size: int = 30522
    pad_id: int = 0
    embed_dim: int = 128
    kernel_sizes: tuple[int, ...] = (2, 3, 4, 5)
    channels: int = 128
    dropout: float = 0.3
    use_reference: bool = False

    def __post_init__(self) -> None:
        super().__post_init__()
        self.kernel_sizes = tuple(self.kernel_sizes)  # JSON gives back a list


class TextCNNScorer(ScoringModel):
    cfg: TextCNNConfig

    def __init__(self, cfg: TextCNNConfig) -> None:
        super().__init__()
        self.cfg = cfg
        self.embedding = nn.Embedding(cfg.vocab_size, cfg.embed_dim, padding_idx=cfg.pad_id)
        self.convs = nn.ModuleList(
            nn.Conv1d(cfg.embed_dim, cfg.channels, k) for k in cfg.kernel_sizes
        )
        self.dropout = nn.Dropout(cfg.dropout)
        width = cfg.channels * len(cfg.kernel_sizes)
        self.head = ScoreHead(cfg, 4 * width if cfg.use_reference else width)

    def init_embeddings(self) -> None:
        """Start from MiniLM's input embeddings (trained further with the rest)."""
        self.embedding.weight.data.copy_(minilm_word_embeddings())

    def encode(self, ids: Tensor, mask: Tensor) -> Tensor:
        """`(B, T)` ids -> `(B, channels * len(kernel_sizes))`."""
        x = self.dropout(self.embedding(ids)).transpose(1, 2)  # (B, E, T)
        pooled = []
        for conv, k in zip(self.convs, self.cfg.kernel_sizes, strict=True):
            # Right padding keeps one window per token, so a window starting at a real token
            # exists even in answers shorter than the kernel; padding embeds to zero.
            h = F.relu(conv(F.pad(x, (0, k - 1)))).transpose(1, 2)  # (B, T, C)
            pooled.append(masked_max(h, mask))
        out: Tensor = self.dropout(torch.cat(pooled, dim=-1))  # (B, C * K)
        return out

    def features(self, batch: dict[str, Tensor]) -> Tensor:
        answer = self.encode(batch["input_ids"], batch["attention_mask"])
        if not self.cfg.use_reference:
            return answer
        reference = self.encode(batch["ref_input_ids"], batch["ref_attention_mask"])
        return pair_features(answer, reference)


register_model("scoring_textcnn", TextCNNScorer, TextCNNConfig)
