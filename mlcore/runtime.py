"""The per-process model cache of scoring workers (TorchServe's handler shape, not its server).

Load once per process, then preprocess -> inference (under `torch.inference_mode()`, inside
`FittedScorer`) -> postprocess. Nothing is loaded at import: Celery's prefork pool forks its
children after importing the tasks, and a model loaded before the fork would be copied into each.

    scorer = model_for(version)            # FittedScorer, cached by (version id, sha256), LRU
    found = active_scorer(scoring_model)   # (version, scorer) of the active READY version, or
                                           # None; a version whose artifact is missing or corrupt
                                           # is marked broken (F2's registry restores the previous
                                           # one and tells the teachers) and the next is tried
    vecs = encoder().encode(texts)         # the shared MiniLM (ONNX int8), memoised per text
    vecs = answer_vectors([(answer_id, text), ...])   # graded answers' embeddings, cached by
                                                      # answer id and a hash of the text

`warm_up()` loads the encoder and runs one encode; the worker signals below call it when a worker
process that consumes `ml_cpu` starts.
"""

from __future__ import annotations

import hashlib
import logging
import threading
import time
from collections import OrderedDict
from collections.abc import Sequence
from typing import Any

import numpy as np
from celery import current_app
from celery.signals import worker_process_init, worker_ready
from django.conf import settings

from mlcore.artifacts import ArtifactError, artifact_fetch
from mlcore.engine.checkpoint import CheckpointError, read_meta
from mlcore.engine.encoders import TextEncoder, get_encoder
from mlcore.engine.inference import FittedScorer
from mlcore.engine.scoring_features import MiniLMTokenStates
from mlcore.models import ModelVersion, ScoringModel

logger = logging.getLogger(__name__)

#: Scorers kept per process. An MLP scorer holds a few MB; 64 of them stay far below the encoder.
MAX_MODELS = getattr(settings, "AULA_RUNTIME_MAX_MODELS", 64)
#: Sentence embeddings remembered per process (384 floats each: about 6 MB for 4,096 texts).
MAX_MEMO_TEXTS = 4096
#: Graded answers' embeddings kept per process (about 30 MB at most).
MAX_ANSWER_VECTORS = 20_000
#: How many broken versions one call may step over before giving up on trained models.
MAX_FALLBACK_STEPS = 5
SCORING_QUEUE = "ml_cpu"

_lock = threading.Lock()
_models: OrderedDict[tuple[int, str], FittedScorer] = OrderedDict()
_shared: dict[str, Any] = {}
_answer_vectors: OrderedDict[tuple[int, str], np.ndarray] = OrderedDict()


class MemoEncoder:
    """The shared encoder with an LRU memo per text: scoring, key points and nearest answers
    encode the same answers and references within one task, and references across tasks."""

    def __init__(self, base: TextEncoder, size: int = MAX_MEMO_TEXTS) -> None:
        self.base, self.size, self.dim = base, size, base.dim
        self._memo: OrderedDict[str, np.ndarray] = OrderedDict()
        self._lock = threading.Lock()

    def encode(self, texts: Sequence[str], batch_size: int = 32) -> np.ndarray:
        out = np.empty((len(texts), self.dim), dtype=np.float32)  # (N, C)
        with self._lock:
            missing = sorted({t for t in texts if t not in self._memo})
        if missing:
            fresh = self.base.encode(missing, batch_size=batch_size)  # (M, C)
            with self._lock:
                for text, vec in zip(missing, fresh, strict=True):
                    self._memo[text] = vec
                    self._memo.move_to_end(text)
                found = {t: fresh[i] for i, t in enumerate(missing)}
                while len(self._memo) > self.size:
                    self._memo.popitem(last=False)
        else:
            found = {}
        with self._lock:
            for i, text in enumerate(texts):
                vec = found.get(text)
                if vec is None:
                    vec = self._memo[text]
                    self._memo.move_to_end(text)
                out[i] = vec
        return out


def encoder() -> MemoEncoder:
    """The process-wide MiniLM encoder (ONNX int8), memoised; built on first use."""
    with _lock:
        if "encoder" not in _shared:
            _shared["encoder"] = MemoEncoder(get_encoder("onnx"))
        memo: MemoEncoder = _shared["encoder"]
        return memo


def answer_vectors(items: Sequence[tuple[int, str]]) -> np.ndarray:
    """Embeddings `(N, 384)` of answers given as (id, text), cached by id and text hash.

    The key holds the text's hash as well as the id, so a changed text never gets a stale vector.
    """
    keys = [(pk, hashlib.sha1(text.encode()).hexdigest()) for pk, text in items]
    with _lock:
        missing = [i for i, key in enumerate(keys) if key not in _answer_vectors]
    fresh = encoder().base.encode([items[i][1] for i in missing]) if missing else None
    out = np.empty((len(items), encoder().dim), dtype=np.float32)  # (N, C)
    with _lock:
        if fresh is not None:
            for row, i in enumerate(missing):
                _answer_vectors[keys[i]] = fresh[row]  # (C,)
        for i, key in enumerate(keys):
            out[i] = _answer_vectors[key]
            _answer_vectors.move_to_end(key)
        # Evicted only now, so this call's own vectors are all still there above.
        while len(_answer_vectors) > MAX_ANSWER_VECTORS:
            _answer_vectors.popitem(last=False)
    return out


def _token_states() -> MiniLMTokenStates:
    # One ONNX session for the token-level states of every cached token model, not one each.
    with _lock:
        if "states" not in _shared:
            _shared["states"] = MiniLMTokenStates("onnx")
        states: MiniLMTokenStates = _shared["states"]
        return states


def model_for(version: ModelVersion) -> FittedScorer:
    """The loaded scorer of `version`; raises `ArtifactError` or `CheckpointError` when its
    artifact is missing, corrupt or does not load."""
    key = (version.pk, version.sha256)
    with _lock:
        if key in _models:
            _models.move_to_end(key)
            return _models[key]
    scorer = _load(version)
    with _lock:
        _models[key] = scorer
        _models.move_to_end(key)
        while len(_models) > MAX_MODELS:
            _models.popitem(last=False)
    return scorer


def _load(version: ModelVersion) -> FittedScorer:
    folder = artifact_fetch(version.artifact, version.sha256)
    spec = read_meta(folder).get("extra", {}).get("scoring", {}).get("input", {})
    # The shared ONNX encoder only where the model was fitted on ONNX features: a model fitted on
    # the PyTorch encoder keeps its own, so its inputs match what it learned on.
    shared: dict[str, Any] = {"states": _token_states()}
    if spec.get("encoder", "onnx") == "onnx":
        shared["encoder"] = encoder()
    scorer = FittedScorer.load(folder, **shared)
    logger.info("loaded scoring model %s (%s) from %s", version.pk, version.family, folder)
    return scorer


def active_scorer(scoring_model: ScoringModel) -> tuple[ModelVersion, FittedScorer] | None:
    """The active READY version of a question and its scorer, or None (use the fallback).

    A version that fails to load is marked broken through the registry, which activates the
    previous ready version; that one is tried next.
    """
    from mlcore.services.registry import version_mark_broken

    for _ in range(MAX_FALLBACK_STEPS):
        version = (
            ModelVersion.objects.filter(
                scoring_model=scoring_model, is_active=True, status=ModelVersion.Status.READY
            )
            .select_related("scoring_model")
            .first()
        )
        if version is None:
            return None
        try:
            return version, model_for(version)
        except (ArtifactError, CheckpointError) as exc:
            logger.warning("model version %s is broken: %s", version.pk, exc)
            version_mark_broken(version=version, reason=str(exc))
    return None


def clear() -> None:
    """Forget every loaded scorer (tests; a worker never needs it)."""
    with _lock:
        _models.clear()


def warm_up() -> None:
    """Load the encoder and run one encode, so the first student does not wait for it."""
    started = time.perf_counter()
    encoder().base.encode(["warm-up"])
    logger.info("scoring runtime warmed up in %.2f s", time.perf_counter() - started)


def _consumes_scoring_queue() -> bool:
    queues = current_app.amqp.queues.consume_from or {}
    return SCORING_QUEUE in queues


@worker_process_init.connect
def _warm_pool_process(**_: Any) -> None:
    # A prefork child: the fork has happened, so what it loads stays its own.
    if _consumes_scoring_queue():
        warm_up()


@worker_ready.connect
def _warm_solo_worker(sender: Any = None, **_: Any) -> None:
    # Solo and thread pools run tasks in this very process (there is no child to warm); the
    # prefork parent must not load anything that its children would then inherit.
    pool = getattr(sender, "pool", None)
    in_process = pool is not None and type(pool).__module__.endswith(("solo", "thread"))
    if in_process and _consumes_scoring_queue():
        warm_up()
