"""Feedback primitives: key-point coverage with evidence, nearest graded answers, answer clusters.

All of them work on embeddings from a `TextEncoder` (`mlcore.engine.encoders`), so the evidence a
teacher sees is the part of the answer closest in meaning to a key point, not a keyword match.

    enc = get_encoder("onnx")
    key_point_coverage(answer, ["Plants make glucose from light", "Oxygen is released"], enc)
    # -> [{"key_point": ..., "covered": True, "similarity": 0.71,
    #      "evidence": {"text": "...", "start": 0, "end": 57}}, ...]
    key_point_coverage_many(answers, key_points, enc)   # a whole class, one encoder call

Limits worth knowing: similarity is about topic and wording, so an answer that *negates* a key point
("plants do not need light") can still come close to it; coverage is a suggestion for the teacher,
never a grade on its own.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TypedDict

import numpy as np
from scipy.cluster.hierarchy import fcluster, linkage
from scipy.spatial.distance import pdist, squareform
from sklearn.metrics import silhouette_score

from mlcore.engine.encoders import TextEncoder

#: Cosine similarity from which a key point counts as covered. Calibrated, not hand-picked:
#: `python -m mlcore.engine.feedback_calibration` fits it (logistic regression, even odds) on 180
#: labelled (key point, answer) pairs written for it: 0.543 with either encoder, balanced accuracy
#: 0.85, 0.83 leaving each question out. A test checks this constant against that fit.
DEFAULT_COVERAGE_THRESHOLD = 0.54

#: Sentences longer than this many words are also scored as overlapping windows of words, so a
#: run-on answer with no punctuation still yields a focused piece of evidence.
LONG_SENTENCE_WORDS = 30
WINDOW_WORDS = 20
WINDOW_STRIDE = 10

#: Groups of answers closer than this mean cosine distance are one meaning for `cluster_answers`.
#: With MiniLM, paraphrases of one answer sit at distance 0.2-0.4 from each other, answers on one
#: topic that say different things around 0.5, unrelated answers near 1.
SAME_MEANING_DISTANCE = 0.5

_BULLET = re.compile(r"^\s*(?:[-*•‣◦\u2013]|\(?\d{1,2}[.)]|\(?[a-zA-Z][.)](?=\s))\s*")
_SENTENCE_END = re.compile(r"[.!?;]+[\"')\]]*(?=\s)")
_ABBREVIATION = re.compile(r"\b(?:e\.g|i\.e|etc|vs|cf|approx|Dr|Mr|Mrs|Ms|Prof|St|No|Fig)\.$", re.I)
_WORD = re.compile(r"\S+")
_LETTER_OR_DIGIT = re.compile(r"[^\W_]")


class Evidence(TypedDict):
    text: str
    start: int
    end: int


class Coverage(TypedDict):
    key_point: str
    covered: bool
    similarity: float
    evidence: Evidence | None


@dataclass(frozen=True)
class Span:
    """A piece of an answer: `text == answer[start:end]`."""

    start: int
    end: int
    text: str


def split_sentences(text: str) -> list[Span]:
    """Sentences of an answer with their character spans, robust to student writing.

    Line breaks and bullet or number markers start a new piece; `.`, `!`, `?` and `;` end one
    unless they close a common abbreviation; pieces with no letter or digit (a lone "2.") are
    dropped. Spans exclude bullet markers and surrounding spaces.
    """
    spans: list[Span] = []
    for line in re.finditer(r"[^\n]+", text):
        bullet = _BULLET.match(line.group())
        start = line.start() + (bullet.end() if bullet else 0)
        for end_mark in _SENTENCE_END.finditer(text, start, line.end()):
            if _ABBREVIATION.search(text[start : end_mark.end()]):
                continue
            _add_span(spans, text, start, end_mark.end())
            start = end_mark.end()
        _add_span(spans, text, start, line.end())
    return spans


def _add_span(spans: list[Span], text: str, start: int, end: int) -> None:
    piece = text[start:end]
    stripped = piece.strip()
    if not _LETTER_OR_DIGIT.search(stripped):
        return
    # An inline enumeration ("... 2. Then heat") leaves a lone "2.": a marker, not a sentence.
    if re.fullmatch(r"\(?\d{1,2}[.)]", stripped):
        return
    lead = len(piece) - len(piece.lstrip())
    start += lead
    spans.append(Span(start, start + len(stripped), stripped))


def candidate_spans(text: str) -> list[Span]:
    """Sentences, plus overlapping word windows inside the long ones: the possible evidence."""
    out: list[Span] = []
    for sentence in split_sentences(text):
        out.append(sentence)
        words = list(_WORD.finditer(sentence.text))
        if len(words) <= LONG_SENTENCE_WORDS:
            continue
        last_start = len(words) - WINDOW_WORDS
        starts = [*range(0, last_start, WINDOW_STRIDE), last_start]
        for i in starts:
            a = sentence.start + words[i].start()
            b = sentence.start + words[i + WINDOW_WORDS - 1].end()
            out.append(Span(a, b, text[a:b]))
    return out


def key_point_coverage(
    answer: str,
    key_points: Sequence[str],
    encoder: TextEncoder,
    threshold: float = DEFAULT_COVERAGE_THRESHOLD,
) -> list[Coverage]:
    """For each key point: covered or not, the best evidence span in `answer`, its similarity."""
    return key_point_coverage_many([answer], key_points, encoder, threshold)[0]


def key_point_coverage_many(
    answers: Sequence[str],
    key_points: Sequence[str],
    encoder: TextEncoder,
    threshold: float = DEFAULT_COVERAGE_THRESHOLD,
) -> list[list[Coverage]]:
    """`key_point_coverage` for many answers to one question, in one call to the encoder."""
    spans = [candidate_spans(a) for a in answers]
    texts = [*key_points, *(s.text for per_answer in spans for s in per_answer)]
    vecs = encoder.encode(texts) if key_points else np.zeros((0, encoder.dim), np.float32)
    points = vecs[: len(key_points)]  # (K, C)
    offset = len(key_points)
    result: list[list[Coverage]] = []
    for per_answer in spans:
        pieces = vecs[offset : offset + len(per_answer)]  # (S, C)
        offset += len(per_answer)
        sims = points @ pieces.T  # (K, S) cosine: rows are unit vectors
        result.append(
            [_coverage(kp, per_answer, sims[k], threshold) for k, kp in enumerate(key_points)]
        )
    return result


def _coverage(key_point: str, spans: list[Span], sims: np.ndarray, threshold: float) -> Coverage:
    if not spans:
        return Coverage(key_point=key_point, covered=False, similarity=0.0, evidence=None)
    best = int(np.argmax(sims))
    span, sim = spans[best], float(sims[best])
    return Coverage(
        key_point=key_point,
        covered=sim >= threshold,
        similarity=sim,
        evidence=Evidence(text=span.text, start=span.start, end=span.end),
    )


def nearest_graded(
    answer_vec: np.ndarray, graded_vecs: np.ndarray, k: int = 5
) -> list[tuple[int, float]]:
    """The `k` graded answers closest in cosine to an answer, most similar first."""
    if graded_vecs.ndim != 2 or answer_vec.shape != (graded_vecs.shape[1],):
        raise ValueError(f"shapes {answer_vec.shape} and {graded_vecs.shape} do not fit")
    if k < 1 or len(graded_vecs) == 0:
        return []
    sims = _unit(graded_vecs) @ _unit(answer_vec[None])[0]  # (N,)
    # Stable sort on the negated similarity: equal similarities keep index order.
    order = np.argsort(-sims, kind="stable")[:k]
    return [(int(i), float(sims[i])) for i in order]


@dataclass(frozen=True)
class Clustering:
    """Cluster of each answer (0 = largest cluster) and each cluster's most central answer."""

    labels: np.ndarray
    central: list[int]
    silhouette: float | None

    def label_texts(self, texts: Sequence[str]) -> list[str]:
        """A short label per cluster: the text of its most central answer."""
        return [texts[i] for i in self.central]


def cluster_answers(
    vectors: np.ndarray,
    n_clusters: int | None = None,
    max_clusters: int = 8,
    min_distance: float = SAME_MEANING_DISTANCE,
) -> Clustering:
    """Group answers by meaning: average-linkage clustering on cosine distance.

    With `n_clusters` the tree is cut into that many groups. Otherwise the cut keeps apart only
    groups whose mean cosine distance is at least `min_distance` (so paraphrases of one answer
    stay together), and among those cuts, with at most `max_clusters` groups, takes the one with
    the best silhouette. Deterministic: no random initialisation; ties go to fewer clusters.
    """
    if vectors.ndim != 2:
        raise ValueError(f"expected (n, dim) vectors, got shape {vectors.shape}")
    n = len(vectors)
    unit = _unit(vectors)  # (n, C)
    labels, score = np.zeros(n, dtype=np.int64), None
    if n >= 2:
        condensed = np.clip(pdist(unit, metric="cosine"), 0.0, 2.0)  # (n * (n - 1) / 2,)
        tree = linkage(condensed, method="average")  # (n - 1, 4): merges, by rising distance
        if n_clusters is not None:
            ks = [min(max(n_clusters, 1), n)]
        else:
            # Having k clusters is allowed when the merge that would leave k - 1 is far enough.
            ks = [k for k in range(2, min(max_clusters, n) + 1) if tree[n - k, 2] >= min_distance]
        labels, score = _best_cut(tree, squareform(condensed), ks)
    labels = _relabel_by_size(labels)
    n_found = int(labels.max()) + 1 if n else 0
    central = [_most_central(unit, np.flatnonzero(labels == c)) for c in range(n_found)]
    return Clustering(labels, central, score)


def _best_cut(
    tree: np.ndarray, distances: np.ndarray, ks: Sequence[int]
) -> tuple[np.ndarray, float | None]:
    """The cut of `tree` into one of `ks` clusters with the best silhouette (else one cluster)."""
    n = len(distances)
    best: tuple[np.ndarray, float | None] = (np.zeros(n, dtype=np.int64), None)
    for k in ks:
        cut = fcluster(tree, t=k, criterion="maxclust")
        found = len(np.unique(cut))
        score = (
            float(silhouette_score(distances, cut, metric="precomputed"))
            if 2 <= found <= n - 1
            else None
        )
        if best[1] is None or (score is not None and score > best[1] + 1e-9):
            best = (cut, score)
    return best


def _relabel_by_size(labels: np.ndarray) -> np.ndarray:
    """Renumber clusters 0.. by size (largest first), ties by first member, for stable output."""
    ids, first, counts = np.unique(labels, return_index=True, return_counts=True)
    order = sorted(range(len(ids)), key=lambda i: (-counts[i], first[i]))
    mapping = {int(ids[i]): rank for rank, i in enumerate(order)}
    return np.array([mapping[int(x)] for x in labels], dtype=np.int64)


def _most_central(unit: np.ndarray, members: np.ndarray) -> int:
    """The member closest to the cluster's mean direction."""
    centre = unit[members].mean(axis=0)  # (C,)
    return int(members[int(np.argmax(unit[members] @ centre))])


def _unit(x: np.ndarray) -> np.ndarray:
    x = np.asarray(x, dtype=np.float32)
    out: np.ndarray = x / np.maximum(np.linalg.norm(x, axis=-1, keepdims=True), 1e-12)
    return out
