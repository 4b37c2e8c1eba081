"""Relational features: overlap, soft alignment, question demotion, negation, and their place in
the MLP's features."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pytest

from mlcore.engine.models.mlp import LEXICAL_NAMES
from mlcore.engine.relational import RELATIONAL_NAMES, content_words, relational_features, stem
from mlcore.engine.scoring_features import Featurizer, InputSpec, prior_width
from mlcore.engine.tokenizer import MAX_TOKENS, get_tokenizer
from tests.mlcore.engine.scoring_helpers import BagOfWordsEncoder

QUESTION = "Why does the gap between the rails close in summer?"
REFERENCE = "The metal expands when heated, so the gap closes."


class TokenTable:
    """Token states from a fixed random table: the same WordPiece, the same unit vector."""

    def __init__(self) -> None:
        rng = np.random.default_rng(0)
        self.table = rng.standard_normal((get_tokenizer().vocab_size, 32)).astype(np.float32)

    def states(self, texts: Sequence[str], max_tokens: int) -> list[np.ndarray]:
        windows = get_tokenizer().chunk_many(texts, MAX_TOKENS)
        return [self.table[np.array(w[0])][:max_tokens] for w in windows]


def _features(answers: list[str], references: list[list[str]] | None = None) -> np.ndarray:
    refs = references or [[REFERENCE]] * len(answers)
    texts = {*answers, QUESTION, *(r for rs in refs for r in rs)}
    vectors = dict(zip(sorted(texts), BagOfWordsEncoder().encode(sorted(texts)), strict=True))
    return relational_features(answers, refs, [QUESTION] * len(answers), vectors, TokenTable())


def _col(name: str) -> int:
    return RELATIONAL_NAMES.index(name)


def test_a_paraphrase_matches_better_than_an_unrelated_answer() -> None:
    feats = _features(["heated metal expands and the gap closes", "trains are heavy"])
    assert feats.shape == (2, len(RELATIONAL_NAMES))
    for name in ("overlap_plain_recall", "overlap_demoted_f1", "align_recall", "cos_max"):
        assert feats[0, _col(name)] > feats[1, _col(name)], name
    # Every content word of "trains are heavy" is new: in no reference and not in the question.
    assert feats[1, _col("novel_share")] == 1.0
    assert feats[0, _col("align_recall_share")] > 0.5


def test_repeating_the_question_earns_nothing_once_its_words_are_demoted() -> None:
    feats = _features(["the gap closes"])
    assert feats[0, _col("overlap_plain_recall")] > 0  # "gap", "close" are in the reference...
    assert feats[0, _col("overlap_demoted_recall")] == 0  # ...and in the question
    assert feats[0, _col("align_precision")] == 0  # no answer token left after demotion


def test_negation_in_one_text_only_is_flagged() -> None:
    feats = _features(["the metal does not expand", "the metal expands"])
    assert feats[0, _col("negation_answer")] == 1.0
    assert feats[0, _col("negation_mismatch")] == 1.0
    assert feats[1, _col("negation_mismatch")] == 0.0
    assert content_words("it doesn't expand") == {"not", "expand"}  # negation is kept
    assert stem("connected") == stem("connecting") == "connect"


def test_an_answer_without_references_is_all_zero_and_an_empty_one_has_no_content() -> None:
    feats = _features(["", "the metal expands"], [[REFERENCE], []])
    assert feats[0, _col("no_content")] == 1.0
    assert np.all(feats[1] == 0.0)
    assert relational_features([], [], [], {}, TokenTable()).shape == (0, len(RELATIONAL_NAMES))


def test_the_mlp_reads_relational_features_instead_of_or_besides_embeddings() -> None:
    answers, refs = ["heated metal expands", "trains are heavy"], [[REFERENCE]] * 2
    widths = {}
    for mode in ("embeddings", "relational", "both"):
        spec = InputSpec(pair_features=mode)  # type: ignore[arg-type]
        inputs, _ = Featurizer(spec, BagOfWordsEncoder(), TokenTable()).inputs(
            answers, refs, [QUESTION] * 2
        )
        widths[mode] = inputs["features"].shape[1]
        # The lexical columns stay last, where the n-gram ridge reads them.
        assert prior_width(spec) == len(LEXICAL_NAMES)
    assert widths["relational"] == len(RELATIONAL_NAMES) + len(LEXICAL_NAMES)
    assert widths["both"] == widths["embeddings"] + len(RELATIONAL_NAMES)
    with pytest.raises(ValueError, match="pair features"):
        InputSpec(pair_features="words")  # type: ignore[arg-type]
