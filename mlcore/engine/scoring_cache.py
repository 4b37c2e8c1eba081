"""On-disk caches of frozen encoder outputs, keyed by a hash of the text and the encoder.

Embedding the 7,081 ASAP essays takes minutes on a CPU, and every model, fold and run of an
evaluation needs the same vectors, so `evaluate scoring` wraps its encoders in these caches
(under `var/cache/` by default). Each call that computes something new appends one shard file;
nothing is ever rewritten, so an interrupted run keeps what it finished.

    encoder = CachedEncoder(get_encoder("onnx"), "var/cache", name="minilm-onnx")
    vecs = encoder.encode(texts)          # computed once, then read back
    states = CachedTokenStates(MiniLMTokenStates(), "var/cache", name="minilm-torch")
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from mlcore.engine.encoders import TextEncoder
from mlcore.engine.scoring_features import TokenStates

# Token states are cached uncut, up to this many per text (longer ASAP essays have ~1,300).
MAX_CACHED_TOKENS = 4096


def text_key(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:32]


class _ShardStore:
    """Arrays by key, read from and appended to `.npz` shards in one folder."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        folder.mkdir(parents=True, exist_ok=True)
        self.items: dict[str, np.ndarray] = {}
        for shard in sorted(folder.glob("*.npz")):
            with np.load(shard) as data:
                keys, offsets, values = data["keys"], data["offsets"], data["values"]
            for i, key in enumerate(keys.tolist()):
                self.items[key] = values[offsets[i] : offsets[i + 1]]

    def add(self, keys: Sequence[str], arrays: Sequence[np.ndarray]) -> None:
        if not keys:
            return
        offsets = np.concatenate([[0], np.cumsum([len(a) for a in arrays])])
        name = self.folder / f"{uuid.uuid4().hex}.npz"
        tmp = name.with_suffix(".tmp.npz")
        np.savez(tmp, keys=np.array(keys), offsets=offsets, values=np.concatenate(arrays))
        tmp.rename(name)
        self.items.update(zip(keys, arrays, strict=True))


class CachedEncoder:
    """A `TextEncoder` that computes each distinct text once and remembers it on disk."""

    def __init__(self, encoder: TextEncoder, cache_dir: str | Path, name: str) -> None:
        self.encoder, self.dim = encoder, encoder.dim
        self.store = _ShardStore(Path(cache_dir) / "embeddings" / name)

    def encode(self, texts: Sequence[str], batch_size: int = 32) -> np.ndarray:
        keys = [text_key(t) for t in texts]
        missing = sorted(
            {k: t for k, t in zip(keys, texts, strict=True) if k not in self.store.items}.items()
        )
        if missing:
            vecs = self.encoder.encode([t for _, t in missing], batch_size=batch_size)
            self.store.add([k for k, _ in missing], [v[None] for v in vecs])
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        return np.concatenate([self.store.items[k] for k in keys]).astype(np.float32)


class CachedTokenStates:
    """`TokenStates` computed once per distinct text (uncut) and cut on the way out."""

    def __init__(self, states: TokenStates, cache_dir: str | Path, name: str) -> None:
        self.inner = states
        self.store = _ShardStore(Path(cache_dir) / "token_states" / name)

    def states(self, texts: Sequence[str], max_tokens: int) -> list[np.ndarray]:
        keys = [text_key(t) for t in texts]
        missing = sorted(
            {k: t for k, t in zip(keys, texts, strict=True) if k not in self.store.items}.items()
        )
        if missing:
            computed = self.inner.states([t for _, t in missing], MAX_CACHED_TOKENS)
            self.store.add([k for k, _ in missing], computed)
        return [self.store.items[k][:max_tokens] for k in keys]
