"""Cross-encoder scorer: MiniLM (`MiniLMTorch`) fine-tuned on `[CLS] reference [SEP] answer [SEP]`.

Both texts go through the encoder together, so every layer can compare them token by token; the
last hidden states are mean-pooled (or the `[CLS]` state is taken) and fed to the score head.
The constructor builds MiniLM with its pretrained weights (a fresh, trainable copy: never the
process-wide encoder of `get_encoder`); a checkpoint then overwrites them with the fine-tuned ones.

`param_groups()` gives the encoder a lower learning rate than the new head, optionally decayed
layer by layer (lower layers, which hold general language knowledge, move least):

    model = CrossEncoderScorer(CrossEncoderConfig(head="classification", n_levels=2))
    groups = model.param_groups(lr=3e-5, head_lr=1e-3, layer_decay=0.9)
    train(cfg, model, batches, param_groups=groups)

Batch: `input_ids`, `attention_mask`, `token_type_ids` `(B, T)`, `score` `(B,)` for the loss.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from torch import Tensor, nn

from mlcore.engine.checkpoint import register_model
from mlcore.engine.encoders import MiniLMTorch
from mlcore.engine.models.heads import HeadConfig, ScoreHead, ScoringModel, masked_mean


@dataclass
class CrossEncoderConfig(HeadConfig):
    """Pooling of the fine-tuned encoder and dropout before the head."""

    pooling: Literal["mean", "cls"] = "mean"
    dropout: float = 0.1

    def __post_init__(self) -> None:
        super().__post_init__()
        if self.pooling not in ("mean", "cls"):
            raise ValueError(f"pooling must be 'mean' or 'cls', not {self.pooling!r}")


class CrossEncoderScorer(ScoringModel):
    cfg: CrossEncoderConfig

    def __init__(self, cfg: CrossEncoderConfig) -> None:
        super().__init__()
        self.cfg = cfg
        # Built on the CPU; train() or load_checkpoint() moves the whole model where it runs.
        self.encoder = MiniLMTorch(device="cpu")
        self.dropout = nn.Dropout(cfg.dropout)
        self.head = ScoreHead(cfg, MiniLMTorch.dim)

    def features(self, batch: dict[str, Tensor]) -> Tensor:
        mask = batch["attention_mask"]
        hidden = self.encoder(batch["input_ids"], mask, batch.get("token_type_ids"))  # (B, T, C)
        pooled = masked_mean(hidden, mask) if self.cfg.pooling == "mean" else hidden[:, 0]
        out: Tensor = self.dropout(pooled)  # (B, C)
        return out

    def param_groups(
        self, lr: float, head_lr: float, layer_decay: float = 1.0, weight_decay: float = 0.01
    ) -> list[dict[str, Any]]:
        """Optimizer groups: the head at `head_lr`; encoder layer i at `lr * decay**(top - i)`.

        The embeddings count as layer 0 and the top encoder layer gets `lr` itself.
        """
        layers = self.encoder.bert.encoder.layer
        top = len(layers)
        groups: list[dict[str, Any]] = [
            {
                "params": list(self.encoder.bert.embeddings.parameters()),
                "lr": lr * layer_decay**top,
                "weight_decay": weight_decay,
            }
        ]
        for i, layer in enumerate(layers, start=1):
            groups.append(
                {
                    "params": list(layer.parameters()),
                    "lr": lr * layer_decay ** (top - i),
                    "weight_decay": weight_decay,
                }
            )
        groups.append({"params": list(self.head.parameters()), "lr": head_lr, "weight_decay": 0.0})
        return groups


register_model("scoring_cross_encoder", CrossEncoderScorer, CrossEncoderConfig)
