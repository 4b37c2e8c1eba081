"""Disk caches of frozen encoder outputs: compute each text once, read it back in a new process."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np

from mlcore.engine.scoring_cache import CachedEncoder, CachedTokenStates
from tests.mlcore.engine.scoring_helpers import BagOfWordsEncoder


class CountingStates:
    def __init__(self) -> None:
        self.texts: list[str] = []

    def states(self, texts: Sequence[str], max_tokens: int) -> list[np.ndarray]:
        self.texts += texts
        return [np.full((len(t), 2), len(t), dtype=np.float16)[:max_tokens] for t in texts]


def test_cached_encoder_computes_each_text_once_across_instances(tmp_path: Path) -> None:
    inner = BagOfWordsEncoder()
    cache = CachedEncoder(inner, tmp_path, "bow")
    first = cache.encode(["a b", "c", "a b"])
    assert inner.calls == 1
    again = CachedEncoder(inner, tmp_path, "bow").encode(["c", "a b"])  # read from disk
    assert inner.calls == 1
    assert np.array_equal(again, first[[1, 0]])
    cache.encode(["d"])
    assert inner.calls == 2
    assert cache.encode([]).shape == (0, 384)


def test_cached_states_are_stored_whole_and_cut_on_the_way_out(tmp_path: Path) -> None:
    inner = CountingStates()
    cache = CachedTokenStates(inner, tmp_path, "fake")
    long_text = "x" * 50
    assert cache.states([long_text], max_tokens=10)[0].shape == (10, 2)
    assert CachedTokenStates(inner, tmp_path, "fake").states([long_text], 40)[0].shape == (40, 2)
    assert inner.texts == [long_text]
