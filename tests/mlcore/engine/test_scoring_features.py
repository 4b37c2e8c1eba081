"""Featurizing texts for each family, n-gram hashing and ridge, and per-batch padding."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import sparse

from mlcore.engine.models.mlp import LEXICAL_NAMES
from mlcore.engine.models.ngrams import (
    inverse_document_frequency,
    ngram_term_frequencies,
    ridge_with_oof,
    tfidf_matrix,
)
from mlcore.engine.scoring_features import (
    KEY_POINT_NAMES,
    Featurizer,
    InputSpec,
    MiniLMTokenStates,
    ScoringLoader,
    collate,
    prior_width,
)
from mlcore.engine.tokenizer import get_tokenizer
from tests.mlcore.engine.scoring_helpers import BagOfWordsEncoder


def test_ngram_hashing_is_stable_and_blocks_are_unit_length() -> None:
    grams = ngram_term_frequencies(["the cat sat", "the cat sat", ""], buckets=1 << 10)
    assert np.array_equal(grams[0][0], grams[1][0])
    assert len(grams[2][0]) == 0
    ids, tf = zip(*grams, strict=True)
    idf = inverse_document_frequency(ids, 1 << 10)
    x = tfidf_matrix(ids, tf, idf)
    row = x[0].toarray().ravel()
    half = 1 << 9
    assert np.linalg.norm(row[:half]) == pytest.approx(1.0)  # character n-grams
    assert np.linalg.norm(row[half:]) == pytest.approx(1.0)  # word n-grams
    assert x[2].nnz == 0


def test_ridge_out_of_fold_predictions_track_the_target() -> None:
    rng = np.random.default_rng(0)
    x = sparse.csr_matrix(rng.random((80, 30)) * (rng.random((80, 30)) < 0.3))
    dense = rng.normal(size=(80, 2))
    y = x @ rng.normal(size=30) + dense[:, 0]
    fit = ridge_with_oof(x, y, dense)
    assert np.corrcoef(fit.oof, y)[0, 1] > 0.8
    full = x @ fit.sparse_weights + dense @ fit.dense_weights + fit.intercept
    assert np.corrcoef(full, y)[0, 1] > np.corrcoef(fit.oof, y)[0, 1]  # in-sample fits better


def test_featurizer_picks_the_closest_reference_for_token_models() -> None:
    spec = InputSpec(family="transformer", max_tokens=64)
    feat = Featurizer(spec, encoder=BagOfWordsEncoder())
    refs = [["plants make sugar from light", "the gap closes when metal expands"]]
    inputs, cut = feat.inputs(["metal expands so the gap closes"], refs)
    ids = inputs["input_ids"][0]
    types = inputs["token_type_ids"][0]
    assert len(ids) == len(types)
    assert not cut[0]
    ref_ids = ids[types == 0]
    assert get_tokenizer().token_ids(["gap"])[0][0] in ref_ids  # the metal reference was chosen


def test_featurizer_checks_lengths() -> None:
    with pytest.raises(ValueError, match="same length"):
        Featurizer(InputSpec(), BagOfWordsEncoder()).inputs(["a", "b"], [["r"]])


def test_loader_pads_each_batch_and_covers_every_row_once() -> None:
    inputs = {
        "input_ids": [np.arange(1, n + 1) for n in (3, 1, 5, 2, 4)],
        "features": np.arange(10, dtype=np.float32).reshape(5, 2),
    }
    scores = np.array([0.0, 1.0, 2.0, 3.0, 4.0])
    loader = ScoringLoader(inputs, scores, batch_size=2, shuffle=True, seed=1)
    seen = []
    for batch in loader:
        width = batch["input_ids"].shape[1]
        assert int(batch["attention_mask"].sum(dim=1).max()) == width  # padded to its longest
        seen += batch["score"].tolist()
    assert sorted(seen) == scores.tolist()
    assert len(loader) == 3
    first = collate(inputs, [2, 1])
    assert first["input_ids"].tolist() == [[1, 2, 3, 4, 5], [1, 0, 0, 0, 0]]
    assert first["attention_mask"].tolist() == [[1, 1, 1, 1, 1], [1, 0, 0, 0, 0]]
    assert first["features"].tolist() == [[4.0, 5.0], [2.0, 3.0]]


def test_token_states_of_both_runtimes_agree_and_cover_long_texts() -> None:
    texts = ["hello world", "a much longer text " * 120]
    onnx = MiniLMTokenStates("onnx").states(texts, max_tokens=400)
    torch_states = MiniLMTokenStates("torch").states(texts, max_tokens=400)
    assert [s.shape for s in onnx] == [(4, 384), (400, 384)]  # [CLS] hello world [SEP]; cut
    for a, b in zip(onnx, torch_states, strict=True):
        a, b = a.astype(np.float64), b.astype(np.float64)
        cos = (a * b).sum(axis=1) / (np.linalg.norm(a, axis=1) * np.linalg.norm(b, axis=1))
        assert cos.mean() > 0.98


def test_key_point_statistics_join_the_mlp_features_and_what_the_ridge_reads() -> None:
    points = ["the metal expands", "the gap closes"]
    plain = Featurizer(InputSpec(), BagOfWordsEncoder())
    spec = InputSpec(key_points=True)
    feat = Featurizer(spec, BagOfWordsEncoder())
    answers = ["the metal expands and the gap closes", "trains are heavy", "the metal expands"]
    refs = [["The metal expands so the gap closes."]] * 3
    base, _ = plain.inputs(answers, refs)
    inputs, _ = feat.inputs(answers, refs, key_points=[points, points, []])
    width = base["features"].shape[1]
    assert inputs["features"].shape[1] == width + len(KEY_POINT_NAMES) + 2
    assert np.array_equal(inputs["features"][:, :width], base["features"])
    stats = inputs["features"][:, width : width + len(KEY_POINT_NAMES)]
    kp_mean = KEY_POINT_NAMES.index("kp_mean")
    assert stats[0, 0] == 1.0
    assert stats[1, 0] == 1.0
    assert stats[0, kp_mean] > stats[1, kp_mean]  # covers both points vs neither
    assert np.all(stats[2] == 0.0)  # no key points given for this answer: all zero
    # The reference cosines (max, mean) are repeated at the end, inside the ridge's columns.
    lexical = len(LEXICAL_NAMES)
    cosines = base["features"][:, width - lexical - 2 : width - lexical]
    assert np.array_equal(inputs["features"][:, -2:], cosines)
    assert prior_width(spec) == prior_width(InputSpec()) + len(KEY_POINT_NAMES) + 2
