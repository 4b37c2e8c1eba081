"""A compact BERT encoder in plain PyTorch, enough to run and fine-tune all-MiniLM-L6-v2.

Parameter names follow Hugging Face's `BertModel`, so `model.safetensors` from the model package
loads with strict key and shape checking (`load_safetensors`) and our fine-tuned weights stay
readable by other tools. The pooler (`pooler.*`) is not built: sentence embeddings use mean
pooling, and a pooler that never receives gradients would only sit in checkpoints.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, fields
from pathlib import Path

import torch
import torch.nn.functional as F
from safetensors.torch import load_file
from torch import Tensor, nn

#: Keys of the Hugging Face checkpoint that this model does not use, on purpose (see docstring).
IGNORED_KEYS = ("embeddings.position_ids",)
IGNORED_PREFIXES = ("pooler.",)


@dataclass(frozen=True)
class BertConfig:
    """The fields of a Hugging Face BERT `config.json` that shape the network."""

    vocab_size: int = 30522
    hidden_size: int = 384
    num_hidden_layers: int = 6
    num_attention_heads: int = 12
    intermediate_size: int = 1536
    max_position_embeddings: int = 512
    type_vocab_size: int = 2
    layer_norm_eps: float = 1e-12
    hidden_dropout_prob: float = 0.1
    attention_probs_dropout_prob: float = 0.1

    @classmethod
    def from_json(cls, path: Path) -> BertConfig:
        raw = json.loads(path.read_text())
        if raw.get("hidden_act", "gelu") != "gelu":
            raise ValueError(f"unsupported activation {raw['hidden_act']!r}")
        return cls(**{f.name: raw[f.name] for f in fields(cls) if f.name in raw})


class BertEmbeddings(nn.Module):
    def __init__(self, cfg: BertConfig) -> None:
        super().__init__()
        self.word_embeddings = nn.Embedding(cfg.vocab_size, cfg.hidden_size, padding_idx=0)
        self.position_embeddings = nn.Embedding(cfg.max_position_embeddings, cfg.hidden_size)
        self.token_type_embeddings = nn.Embedding(cfg.type_vocab_size, cfg.hidden_size)
        self.LayerNorm = nn.LayerNorm(cfg.hidden_size, eps=cfg.layer_norm_eps)
        self.dropout = nn.Dropout(cfg.hidden_dropout_prob)

    def forward(self, input_ids: Tensor, token_type_ids: Tensor) -> Tensor:
        positions = torch.arange(input_ids.shape[1], device=input_ids.device)  # (T,)
        x = (
            self.word_embeddings(input_ids)
            + self.position_embeddings(positions)[None]
            + self.token_type_embeddings(token_type_ids)
        )  # (B, T, C)
        out: Tensor = self.dropout(self.LayerNorm(x))
        return out


class BertSelfAttention(nn.Module):
    def __init__(self, cfg: BertConfig) -> None:
        super().__init__()
        if cfg.hidden_size % cfg.num_attention_heads:
            raise ValueError("hidden_size must be a multiple of num_attention_heads")
        self.n_head = cfg.num_attention_heads
        self.query = nn.Linear(cfg.hidden_size, cfg.hidden_size)
        self.key = nn.Linear(cfg.hidden_size, cfg.hidden_size)
        self.value = nn.Linear(cfg.hidden_size, cfg.hidden_size)
        self.dropout_p = cfg.attention_probs_dropout_prob

    def forward(self, x: Tensor, keep: Tensor) -> Tensor:
        b, t, c = x.shape
        q, k, v = (
            proj(x).view(b, t, self.n_head, c // self.n_head).transpose(1, 2)  # (B, H, T, D)
            for proj in (self.query, self.key, self.value)
        )
        p = self.dropout_p if self.training else 0.0
        y = F.scaled_dot_product_attention(q, k, v, attn_mask=keep, dropout_p=p)  # (B, H, T, D)
        return y.transpose(1, 2).reshape(b, t, c)  # (B, T, C)


class BertSelfOutput(nn.Module):
    """Projection, dropout, residual and LayerNorm (used after attention and after the MLP)."""

    def __init__(self, cfg: BertConfig, d_in: int) -> None:
        super().__init__()
        self.dense = nn.Linear(d_in, cfg.hidden_size)
        self.LayerNorm = nn.LayerNorm(cfg.hidden_size, eps=cfg.layer_norm_eps)
        self.dropout = nn.Dropout(cfg.hidden_dropout_prob)

    def forward(self, h: Tensor, residual: Tensor) -> Tensor:
        out: Tensor = self.LayerNorm(self.dropout(self.dense(h)) + residual)
        return out


class BertAttention(nn.Module):
    def __init__(self, cfg: BertConfig) -> None:
        super().__init__()
        # `self.self` mirrors Hugging Face's key names (`attention.self.query.weight`).
        self.self = BertSelfAttention(cfg)
        self.output = BertSelfOutput(cfg, cfg.hidden_size)

    def forward(self, x: Tensor, keep: Tensor) -> Tensor:
        out: Tensor = self.output(self.self(x, keep), x)
        return out


class BertIntermediate(nn.Module):
    def __init__(self, cfg: BertConfig) -> None:
        super().__init__()
        self.dense = nn.Linear(cfg.hidden_size, cfg.intermediate_size)

    def forward(self, x: Tensor) -> Tensor:
        # Exact (erf) GELU, as in the original BERT and its `hidden_act: "gelu"`.
        return F.gelu(self.dense(x))


class BertLayer(nn.Module):
    def __init__(self, cfg: BertConfig) -> None:
        super().__init__()
        self.attention = BertAttention(cfg)
        self.intermediate = BertIntermediate(cfg)
        self.output = BertSelfOutput(cfg, cfg.intermediate_size)

    def forward(self, x: Tensor, keep: Tensor) -> Tensor:
        a = self.attention(x, keep)
        out: Tensor = self.output(self.intermediate(a), a)
        return out


class BertEncoder(nn.Module):
    def __init__(self, cfg: BertConfig) -> None:
        super().__init__()
        self.layer = nn.ModuleList(BertLayer(cfg) for _ in range(cfg.num_hidden_layers))

    def forward(self, x: Tensor, keep: Tensor) -> Tensor:
        for block in self.layer:
            x = block(x, keep)
        return x


class BertModel(nn.Module):
    """Token ids in, last hidden states out: `(B, T)` int64 -> `(B, T, hidden_size)`."""

    def __init__(self, cfg: BertConfig) -> None:
        super().__init__()
        self.config = cfg
        self.embeddings = BertEmbeddings(cfg)
        self.encoder = BertEncoder(cfg)

    def forward(
        self, input_ids: Tensor, attention_mask: Tensor, token_type_ids: Tensor | None = None
    ) -> Tensor:
        if token_type_ids is None:
            token_type_ids = torch.zeros_like(input_ids)
        if input_ids.shape[1] > self.config.max_position_embeddings:
            raise ValueError(
                f"{input_ids.shape[1]} tokens; the model has "
                f"{self.config.max_position_embeddings} positions"
            )
        keep = attention_mask.bool()[:, None, None, :]  # (B, 1, 1, T): keys each query may see
        hidden: Tensor = self.encoder(self.embeddings(input_ids, token_type_ids), keep)  # (B, T, C)
        return hidden

    @classmethod
    def from_pretrained(cls, directory: Path) -> BertModel:
        """Build from `config.json` and load `model.safetensors` from a Hugging Face directory."""
        model = cls(BertConfig.from_json(directory / "config.json"))
        load_safetensors(model, directory / "model.safetensors")
        return model


def load_safetensors(model: BertModel, path: Path) -> None:
    """Load Hugging Face BERT weights; any missing, unexpected or misshapen key is an error."""
    state = {
        k: v
        for k, v in load_file(str(path)).items()
        if k not in IGNORED_KEYS and not k.startswith(IGNORED_PREFIXES)
    }
    own = model.state_dict()
    missing = sorted(own.keys() - state.keys())
    unexpected = sorted(state.keys() - own.keys())
    misshapen = sorted(k for k in own.keys() & state.keys() if own[k].shape != state[k].shape)
    if missing or unexpected or misshapen:
        raise ValueError(
            f"{path} does not fit the model: missing {missing[:5]}, unexpected "
            f"{unexpected[:5]}, shape mismatch {misshapen[:5]}"
        )
    model.load_state_dict(state, strict=True)


def mean_pool(hidden: Tensor, attention_mask: Tensor) -> Tensor:
    """Average of the hidden states of real tokens: `(B, T, C)` and `(B, T)` -> `(B, C)`."""
    mask = attention_mask.to(hidden.dtype).unsqueeze(-1)  # (B, T, 1)
    return (hidden * mask).sum(dim=1) / mask.sum(dim=1).clamp(min=1e-9)
