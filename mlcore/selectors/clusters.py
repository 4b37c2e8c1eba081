"""Answers grouped by meaning for the grading queue's cluster order.

The sentence encoder embeds each distinct text once (the embedding is cached by the text's hash
in Django's cache, so every web process shares it), and the clustering of a question's answers is
cached by their ids and text hashes: a page reload costs neither again, and a changed or new
answer changes the key.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from typing import Any

import numpy as np
from django.core.cache import cache

from lms.assignments.models import Answer
from mlcore.engine.encoders import TextEncoder
from mlcore.engine.feedback import cluster_answers

#: Seconds a clustering or an embedding stays cached; the keys change with the answers anyway.
CACHE_SECONDS = 24 * 60 * 60
LABEL_CHARS = 140


def _text_hash(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def _encoder_tag(encoder: TextEncoder) -> str:
    return f"{type(encoder).__module__}.{type(encoder).__qualname__}/{encoder.dim}"


def _embeddings(texts: Sequence[str], encoder: TextEncoder) -> np.ndarray:
    """Unit embeddings of `texts` (n, dim): cached ones from the cache, the rest in one call."""
    tag = _encoder_tag(encoder)
    keys = [f"mlcore:embedding:{tag}:{_text_hash(t)}" for t in texts]
    cached: dict[str, Any] = cache.get_many(keys)
    missing = sorted({k: t for k, t in zip(keys, texts, strict=True) if k not in cached}.items())
    if missing:
        vectors = encoder.encode([t for _, t in missing])  # (m, dim)
        fresh = {k: vectors[i].astype(np.float32) for i, (k, _) in enumerate(missing)}
        cache.set_many(fresh, CACHE_SECONDS)
        cached.update(fresh)
    return np.stack([cached[k] for k in keys]) if keys else np.zeros((0, encoder.dim))


def answer_clusters(answers: Sequence[Answer], encoder: TextEncoder) -> dict[int, tuple[int, str]]:
    """Answer id -> (cluster index, cluster label) for these answers, computed once per set."""
    pairs = sorted((a.pk, _text_hash(a.text)) for a in answers)
    digest = hashlib.sha256(repr((_encoder_tag(encoder), pairs)).encode()).hexdigest()
    key = f"mlcore:clusters:{digest}"
    found: dict[int, tuple[int, str]] | None = cache.get(key)
    if found is not None:
        return found
    texts = [a.text for a in answers]
    clustering = cluster_answers(_embeddings(texts, encoder))
    labels = [_shorten(t) for t in clustering.label_texts(texts)]
    found = {
        a.pk: (int(c), labels[int(c)]) for a, c in zip(answers, clustering.labels, strict=True)
    }
    cache.set(key, found, CACHE_SECONDS)
    return found


def _shorten(text: str) -> str:
    text = " ".join(text.split()) or "(empty answer)"
    return text if len(text) <= LABEL_CHARS else text[: LABEL_CHARS - 1].rstrip() + "…"
