"""The MiniLM tokenizer: no fixed padding, our truncation, pairs and chunking."""

from __future__ import annotations

import itertools
import random

import numpy as np
import pytest

from mlcore.engine.tokenizer import MAX_TOKENS, get_tokenizer, split_windows

LONG_WORDS = ("photosynthesis", "chloroplast", "unbelievably", "the", "a", "energy", "glucose")


def long_text(n_words: int, seed: int = 0) -> str:
    rng = random.Random(seed)
    return " ".join(rng.choice(LONG_WORDS) for _ in range(n_words))


def test_batch_is_padded_to_its_own_longest_input_not_to_128() -> None:
    tok = get_tokenizer()
    batch = tok.encode(["Hello world", "Photosynthesis turns light into chemical energy."])
    assert batch.input_ids.shape == batch.attention_mask.shape == batch.token_type_ids.shape
    assert batch.input_ids.dtype == np.int64
    # [CLS] hello world [SEP] then padding; the longest row has no padding at all.
    assert batch.input_ids[0, :4].tolist() == [tok.cls_id, 7592, 2088, tok.sep_id]
    assert batch.attention_mask.sum(axis=1).tolist() == [4, batch.input_ids.shape[1]]
    assert batch.input_ids.shape[1] < 20
    assert (batch.input_ids[0, 4:] == tok.pad_id).all()
    assert not batch.token_type_ids.any()


def test_truncation_keeps_the_special_tokens() -> None:
    tok = get_tokenizer()
    batch = tok.encode([long_text(400)], max_length=MAX_TOKENS)
    assert batch.input_ids.shape == (1, MAX_TOKENS)
    assert batch.input_ids[0, 0] == tok.cls_id
    assert batch.input_ids[0, -1] == tok.sep_id


def test_pairs_have_segment_ids_and_trim_the_longer_side_first() -> None:
    tok = get_tokenizer()
    batch = tok.encode_pairs(["the reference"], ["an answer"])
    ids = batch.input_ids[0].tolist()
    assert ids[0] == tok.cls_id
    assert ids.count(tok.sep_id) == 2
    first_sep = ids.index(tok.sep_id)
    assert batch.token_type_ids[0].tolist() == [0] * (first_sep + 1) + [1] * (
        len(ids) - first_sep - 1
    )
    short_ref, long_answer = "a short reference", long_text(600)
    trimmed = tok.encode_pairs([short_ref], [long_answer], max_length=64)
    assert trimmed.input_ids.shape == (1, 64)
    # The short reference survives whole; only the answer was cut.
    ref_ids = tok.token_ids([short_ref])[0]
    assert trimmed.input_ids[0, 1 : 1 + len(ref_ids)].tolist() == ref_ids
    with pytest.raises(ValueError, match="second texts"):
        tok.encode_pairs(["a", "b"], ["c"])


def test_long_text_is_chunked_into_balanced_windows_with_specials() -> None:
    tok = get_tokenizer()
    text = long_text(500, seed=1)
    n_tokens = len(tok.token_ids([text])[0])
    chunks = tok.chunk(text)
    assert len(chunks) == -(-n_tokens // (MAX_TOKENS - 2))
    assert all(len(c) <= MAX_TOKENS for c in chunks)
    assert all(c[0] == tok.cls_id and c[-1] == tok.sep_id for c in chunks)
    assert sum(len(c) - 2 for c in chunks) == n_tokens
    sizes = [len(c) for c in chunks]
    assert max(sizes) - min(sizes) < 20  # no scrap of a last window
    # No chunk starts inside a word (a "##" continuation piece).
    vocab = {v: k for k, v in tok._tok.get_vocab().items()}
    assert not any(vocab[c[1]].startswith("##") for c in chunks)
    assert tok.chunk("short answer") == [tok.encode(["short answer"]).input_ids[0].tolist()]


@pytest.mark.parametrize("seed", range(5))
def test_split_windows_covers_every_token_once(seed: int) -> None:
    rng = random.Random(seed)
    word_ids: list[int | None] = []
    for word in range(rng.randint(1, 400)):
        word_ids += [word] * rng.choice([1, 1, 2, 3, 30])
    size = rng.choice([8, 40, 254])
    spans = split_windows(word_ids, size)
    assert spans[0][0] == 0
    assert spans[-1][1] == len(word_ids)
    assert all(a[1] == b[0] for a, b in itertools.pairwise(spans))
    assert all(0 < e - s <= size for s, e in spans)


def test_tokenizer_is_loaded_once() -> None:
    assert get_tokenizer() is get_tokenizer()
