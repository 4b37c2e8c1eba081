"""What every knowledge-tracing model shares: the batch it reads and its loss.

A batch holds (B, T) tensors ``skill`` and ``item`` (int64, 0 = padding or unknown), ``correct``
(float 0/1) and ``mask`` (bool). A model returns, for every position t, the logit that the
response at t is correct given only the interactions before t (in the same window), so that every
interaction is predicted exactly once; padded positions are ignored by the loss.
"""

from __future__ import annotations

import torch
from torch import nn
from torch.nn import functional as F


class KTModel(nn.Module):
    """Base class: subclasses implement ``logits``; loss is binary cross-entropy on the mask."""

    def logits(self, batch: dict[str, torch.Tensor]) -> torch.Tensor:
        """(B, T) logits of a correct response at each position."""
        raise NotImplementedError

    def predict(self, batch: dict[str, torch.Tensor]) -> torch.Tensor:
        """(B, T) probabilities of a correct response (padded positions hold meaningless values)."""
        return torch.sigmoid(self.logits(batch))

    def loss(self, batch: dict[str, torch.Tensor]) -> torch.Tensor:
        """Mean binary cross-entropy over the real (unpadded) positions."""
        mask = batch["mask"]
        return F.binary_cross_entropy_with_logits(
            self.logits(batch)[mask].float(), batch["correct"][mask].float()
        )


def previous(values: torch.Tensor, start: int) -> torch.Tensor:
    """Shift a (B, T) tensor one step right along time, filling position 0 with ``start``."""
    return F.pad(values[:, :-1], (1, 0), value=start)  # (B, T)
