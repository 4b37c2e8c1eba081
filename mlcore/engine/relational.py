"""Relational features: how an answer relates to its reference answer and question, in ~30 numbers.

The MLP's embedding features `[u, v, |u - v|, u * v, cos]` describe *what* an answer says: with
135 training questions the network learns which regions of the embedding space are correct for
those questions, and that knowledge does not carry to a question (or a science domain) it has
never seen. SemEval-2013's unseen-questions and unseen-domains splits measure exactly that. The
features here describe only *how well* the answer matches its reference, so they mean the same
thing for any question: the ideas of the strongest 2013 systems (lexical overlap with the question's
own words demoted, as Mohler et al. 2011 and Sultan et al. 2016 do) and of BERTScore (Zhang et
al. 2020: soft token alignment with contextual embeddings, here MiniLM's last layer).

- `cos_max`, `cos_mean`: sentence cosine of the answer to its closest and to all references;
  `cos_answer_question`, `cos_reference_question`, and `cos_margin` = `cos_max -
  cos_answer_question` (an answer that only repeats the question is close to the reference too).
- `overlap_*`: precision, recall and F1 of the answer's content words (stopwords out, crude
  stems) against the closest reference as they are (`plain`), with the question's words taken
  out of both (`demoted`), and against the words of every reference (`any_ref`).
- `align_*`: soft alignment of content tokens (WordPiece, MiniLM's contextual states): the mean
  best cosine of each reference token to the answer (`recall`) and of each answer token to the
  reference (`precision`) and the share above 0.6 (`*_share`), question tokens demoted; then
  `align_recall_plain`, `align_precision_plain` without demotion.
- `log_words_answer`, `log_words_reference`, `log_length_ratio`: lengths in words.
- `negation_*`: a negation word (not, no, never...) in the answer, in the reference, in exactly
  one of them.
- `novel_share`: the share of the answer's content words in no reference nor the question;
  `no_content`: the answer has no content word.

`relational_features(answers, references, questions, vectors, states)` returns `(N, 28)`
float32 in the order of `RELATIONAL_NAMES`. `vectors` holds the sentence vector of every text (the
caller encodes them in its one batched call), token states come from `states` (one call over the
distinct texts); the token features of a text longer than 256 tokens read its first 256-token
window.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Protocol

import numpy as np
from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

from mlcore.engine.tokenizer import MAX_TOKENS, get_tokenizer

RELATIONAL_NAMES = (
    "cos_max",
    "cos_mean",
    "cos_answer_question",
    "cos_reference_question",
    "cos_margin",
    "overlap_plain_precision",
    "overlap_plain_recall",
    "overlap_plain_f1",
    "overlap_demoted_precision",
    "overlap_demoted_recall",
    "overlap_demoted_f1",
    "overlap_any_ref_precision",
    "overlap_any_ref_recall",
    "overlap_any_ref_f1",
    "align_recall",
    "align_recall_share",
    "align_precision",
    "align_precision_share",
    "align_recall_plain",
    "align_precision_plain",
    "log_words_answer",
    "log_words_reference",
    "log_length_ratio",
    "negation_answer",
    "negation_reference",
    "negation_mismatch",
    "novel_share",
    "no_content",
)
NEGATIONS = frozenset(
    {"not", "no", "never", "nothing", "none", "cannot", "nor", "neither", "without"}
)
# Negations carry meaning here ("is not connected"), so they are not stopwords.
STOPWORDS = (frozenset(ENGLISH_STOP_WORDS) - NEGATIONS) | {
    "s", "t", "does", "did", "doing", "having", "just", "shall", "may", "might", "must"
}  # fmt: skip
ALIGNED = 0.6  # a token counts as aligned when its best cosine is above this
_WORD = re.compile(r"[a-z0-9]+")
_SUFFIXES = (
    "ational", "ization", "ness", "ment", "ing", "edly", "ed", "ies", "es", "ly", "er", "s"
)  # fmt: skip


class TokenStates(Protocol):
    def states(self, texts: Sequence[str], max_tokens: int) -> list[np.ndarray]: ...


def stem(word: str) -> str:
    """Strip one common English suffix, then a final "e" (a crude stemmer: "connected" and
    "connecting" meet, and so do "close" and "closes")."""
    for suffix in _SUFFIXES:
        if len(word) > len(suffix) + 2 and word.endswith(suffix):
            word = word[: -len(suffix)]
            break
    return word[:-1] if len(word) > 3 and word.endswith("e") else word


def words(text: str) -> list[str]:
    """Lower-case words, with "n't" read as "not"."""
    return _WORD.findall(text.lower().replace("n't", " not"))


def content_words(text: str) -> set[str]:
    """Stems of the words that are not stopwords."""
    return {stem(w) for w in words(text) if w not in STOPWORDS}


def _prf(answer: set[str], reference: set[str]) -> tuple[float, float, float]:
    shared = len(answer & reference)
    p = shared / len(answer) if answer else 0.0
    r = shared / len(reference) if reference else 0.0
    return p, r, (2 * p * r / (p + r) if p + r else 0.0)


class _Tokens:
    """Unit-length contextual states of a text's content tokens and their strings."""

    def __init__(self, states: np.ndarray, strings: Sequence[str]) -> None:
        # `strings` is the first window `[CLS] ... [SEP]`; the special tokens are dropped: (T, C).
        h = states[1 : len(strings) - 1].astype(np.float32)
        self.strings = list(strings[1 : len(h) + 1])
        self.content = np.array(
            [s.lstrip("#") not in STOPWORDS and s.isalnum() for s in self.strings], dtype=bool
        )
        self.states = h / np.maximum(np.linalg.norm(h, axis=1, keepdims=True), 1e-6)

    def without(self, stems: set[str]) -> np.ndarray:
        """The content mask with the tokens whose stem is one of `stems` removed."""
        keep = np.array([stem(s.lstrip("#")) not in stems for s in self.strings], dtype=bool)
        out: np.ndarray = self.content & keep
        return out

    def content_stems(self) -> set[str]:
        pairs = zip(self.strings, self.content, strict=True)
        return {stem(s.lstrip("#")) for s, keep in pairs if keep}


def _align(x: _Tokens, keep_x: np.ndarray, y: _Tokens) -> tuple[float, float]:
    """Mean best cosine of x's kept tokens to y's content tokens, and the share above ALIGNED."""
    if not keep_x.any() or not y.content.any():
        return 0.0, 0.0
    best = (x.states[keep_x] @ y.states[y.content].T).max(axis=1)  # (T_x,)
    return float(best.mean()), float((best > ALIGNED).mean())


def relational_features(
    answers: Sequence[str],
    references: Sequence[Sequence[str]],
    questions: Sequence[str],
    vectors: Mapping[str, np.ndarray],
    states: TokenStates,
) -> np.ndarray:
    """`(N, len(RELATIONAL_NAMES))` features of each answer against its references and question.

    `vectors` maps every answer, reference and question to its unit sentence vector `(C,)`.
    """
    n = len(answers)
    out = np.zeros((n, len(RELATIONAL_NAMES)), dtype=np.float32)
    unique = sorted({*answers, *questions, *(r for rs in references for r in rs)})
    if not n:
        return out
    index = {t: i for i, t in enumerate(unique)}
    tok = get_tokenizer()
    windows = [tok.id_strings(chunks[0]) for chunks in tok.chunk_many(unique, MAX_TOKENS)]
    hidden = states.states(unique, MAX_TOKENS)
    tokens: dict[str, _Tokens] = {}

    def tokens_of(text: str) -> _Tokens:
        if text not in tokens:
            tokens[text] = _Tokens(hidden[index[text]], windows[index[text]])
        return tokens[text]

    for i, (answer, refs, question) in enumerate(zip(answers, references, questions, strict=True)):
        if not refs:
            continue  # nothing to relate to: all zeros (the MLP's has-reference flag says why)
        va, vq = vectors[answer], vectors[question]
        sims = np.array([vectors[r] @ va for r in refs])  # (R,)
        closest = refs[int(np.argmax(sims))]
        vr = vectors[closest]
        ans_words, ref_words, q_words = (
            content_words(answer),
            content_words(closest),
            content_words(question),
        )
        every_ref = set().union(*(content_words(r) for r in refs)) - q_words
        a, r, q = tokens_of(answer), tokens_of(closest), tokens_of(question)
        q_stems = q.content_stems()
        align_r, align_r_share = _align(r, r.without(q_stems), a)
        align_p, align_p_share = _align(a, a.without(q_stems), r)
        raw_answer, raw_ref = words(answer), words(closest)
        neg_a = float(any(w in NEGATIONS for w in raw_answer))
        neg_r = float(any(w in NEGATIONS for w in raw_ref))
        demoted_answer = ans_words - q_words
        novel = len(demoted_answer - every_ref) / len(demoted_answer) if demoted_answer else 0.0
        out[i] = (
            sims.max(),
            sims.mean(),
            va @ vq,
            vr @ vq,
            sims.max() - va @ vq,
            *_prf(ans_words, ref_words),
            *_prf(demoted_answer, ref_words - q_words),
            *_prf(demoted_answer, every_ref),
            align_r,
            align_r_share,
            align_p,
            align_p_share,
            _align(r, r.content, a)[0],
            _align(a, a.content, r)[0],
            np.log1p(len(raw_answer)),
            np.log1p(len(raw_ref)),
            np.log1p(len(raw_answer)) - np.log1p(len(raw_ref)),
            neg_a,
            neg_r,
            float(neg_a != neg_r),
            novel,
            float(not ans_words),
        )
    return out
