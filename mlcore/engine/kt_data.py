"""Knowledge-tracing data: readers, windows of ``seq_len`` interactions, and batch loaders.

Three sources give one shape, a list of ``KTSequence`` (one per student, in time order) with
1-based skill ids (0 is padding) and, where known, 1-based item ids:

- ``read_interactions_csv``: ``student_id, item_id, skill_ids, correct, order`` (+ optional
  ``split``). An interaction tagged with several skills (``skill_ids`` joined by ``;``, ``|`` or
  ``,``) gets one id for that *combination*, so a multi-skill answer stays one interaction; the
  DKVMN files instead repeat it once per skill, which lets a model see the answer before it
  predicts the copies.
- ``read_dkvmn``: 3 lines per student (length, skill ids, responses), trailing commas allowed.
- ``read_akt``: 4 lines per student ("row,user_id", problem ids, skill ids, responses).

``make_windows`` cuts every sequence into consecutive windows of at most ``seq_len`` (the DKVMN
protocol: history does not carry across windows) and ``KTLoader`` batches windows of similar
length, trimmed to the longest in the batch, because most students have a few dozen interactions
and padding them all to 200 would triple the work. Batch keys: ``skill``, ``item`` (B, T) int64,
``correct`` (B, T) float32, ``mask`` (B, T) bool.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import torch

CSV_COLUMNS = ("student_id", "item_id", "skill_ids", "correct", "order")
_SKILL_SEPARATORS = re.compile(r"[;|,]")
_TRUE = {"1", "true", "yes"}
_FALSE = {"0", "false", "no"}


class KTDataError(ValueError):
    """A malformed knowledge-tracing file (the message names the file and line)."""


@dataclass
class KTSequence:
    """One student's interactions in time order."""

    student: str
    skills: list[int]
    correct: list[int]
    items: list[int] | None = None

    def __len__(self) -> int:
        return len(self.skills)


@dataclass
class KTCorpus:
    """Sequences plus the id ranges models need; ``split`` maps student to the CSV split value."""

    sequences: list[KTSequence]
    n_skills: int
    n_items: int = 0
    split: dict[str, str] = field(default_factory=dict)
    skill_names: list[str] = field(default_factory=list)

    @property
    def n_interactions(self) -> int:
        """Total interactions over all sequences."""
        return sum(len(s) for s in self.sequences)


def _ints(text: str, path: Path, line: int) -> list[int]:
    try:
        return [int(v) for v in text.strip().split(",") if v.strip() != ""]
    except ValueError as exc:
        raise KTDataError(f"{path}:{line}: {exc}") from exc


def _lines(path: Path) -> list[str]:
    return [ln for ln in path.read_text(encoding="utf-8").splitlines() if ln.strip()]


def _checked(path: Path, line: int, seq: KTSequence, expected: int | None = None) -> KTSequence:
    lengths = {len(seq.skills), len(seq.correct)} | ({len(seq.items)} if seq.items else set())
    if len(lengths) != 1 or (expected is not None and lengths != {expected}):
        raise KTDataError(f"{path}:{line}: field lengths {sorted(lengths)} disagree")
    if any(c not in (0, 1) for c in seq.correct):
        raise KTDataError(f"{path}:{line}: responses must be 0 or 1")
    if any(s < 1 for s in seq.skills) or (seq.items and any(i < 1 for i in seq.items)):
        raise KTDataError(f"{path}:{line}: ids must be 1 or more (0 is padding)")
    return seq


def read_dkvmn(path: str | Path) -> list[KTSequence]:
    """Read a DKVMN 3-line file; students are named by their position in the file."""
    path = Path(path)
    lines = _lines(path)
    if len(lines) % 3:
        raise KTDataError(f"{path}: {len(lines)} non-empty lines, not a multiple of 3")
    out = []
    for i in range(0, len(lines), 3):
        expected = _ints(lines[i], path, i + 1)
        seq = KTSequence(
            f"{path.stem}:{i // 3}",
            _ints(lines[i + 1], path, i + 2),
            _ints(lines[i + 2], path, i + 3),
        )
        out.append(_checked(path, i + 1, seq, expected[0] if expected else -1))
    return out


def read_akt(path: str | Path) -> list[KTSequence]:
    """Read an AKT 4-line file (problem ids in ``items``); students are named by their user id."""
    path = Path(path)
    lines = _lines(path)
    if len(lines) % 4:
        raise KTDataError(f"{path}: {len(lines)} non-empty lines, not a multiple of 4")
    out = []
    for i in range(0, len(lines), 4):
        header = lines[i].strip().rstrip(",").split(",")
        seq = KTSequence(
            student=header[-1].strip(),
            items=_ints(lines[i + 1], path, i + 2),
            skills=_ints(lines[i + 2], path, i + 3),
            correct=_ints(lines[i + 3], path, i + 4),
        )
        out.append(_checked(path, i + 1, seq))
    return out


def corpus_from(sequences: list[KTSequence]) -> KTCorpus:
    """Wrap sequences, taking the id ranges from the largest ids seen."""
    n_skills = max((max(s.skills) for s in sequences if s.skills), default=0)
    n_items = max((max(s.items) for s in sequences if s.items), default=0)
    return KTCorpus(sequences=sequences, n_skills=n_skills, n_items=n_items)


def _order_key(values: list[str]) -> list[float] | list[str]:
    try:
        return [float(v) for v in values]
    except ValueError:
        return values  # ISO timestamps and other strings sort as text


def _response(value: str, path: Path, line: int) -> int:
    v = value.strip().lower()
    if v in _TRUE or v in _FALSE:
        return 1 if v in _TRUE else 0
    raise KTDataError(f"{path}:{line}: correct must be 0/1 or true/false, got {value!r}")


def read_interactions_csv(path: str | Path) -> KTCorpus:
    """Read the generic interactions CSV; ids of any kind are mapped to 1-based integers."""
    path = Path(path)
    rows: dict[str, list[tuple[str, int, int, int]]] = {}
    items: dict[str, int] = {}
    skills: dict[str, int] = {}
    split: dict[str, str] = {}
    with path.open(newline="", encoding="utf-8-sig") as handle:
        reader = csv.DictReader(handle)
        missing = [c for c in CSV_COLUMNS if c not in (reader.fieldnames or [])]
        if missing:
            raise KTDataError(f"{path}: missing column(s) {', '.join(missing)}")
        for line, row in enumerate(reader, start=2):
            student = row["student_id"].strip()
            combo = ";".join(sorted({s.strip() for s in _SKILL_SEPARATORS.split(row["skill_ids"])}))
            item = items.setdefault(row["item_id"].strip(), len(items) + 1)
            skill = skills.setdefault(combo, len(skills) + 1)
            rows.setdefault(student, []).append(
                (row["order"].strip(), item, skill, _response(row["correct"], path, line))
            )
            if "split" in row and row["split"] is not None:
                value = row["split"].strip().lower()
                if split.setdefault(student, value) != value:
                    raise KTDataError(f"{path}:{line}: student {student} is in two splits")
    sequences = []
    for student, interactions in rows.items():
        keys = _order_key([r[0] for r in interactions])
        order = sorted(range(len(interactions)), key=lambda i: keys[i])  # stable for ties
        sequences.append(
            KTSequence(
                student=student,
                items=[interactions[i][1] for i in order],
                skills=[interactions[i][2] for i in order],
                correct=[interactions[i][3] for i in order],
            )
        )
    return KTCorpus(sequences, len(skills), len(items), split, skill_names=list(skills))


def make_windows(sequences: Sequence[KTSequence], seq_len: int) -> dict[str, torch.Tensor]:
    """Cut each sequence into consecutive windows of at most ``seq_len``, zero-padded."""
    pieces = [
        (s, lo, min(lo + seq_len, len(s))) for s in sequences for lo in range(0, len(s), seq_len)
    ]
    n = len(pieces)
    skill = np.zeros((n, seq_len), dtype=np.int64)  # (N, T)
    item = np.zeros((n, seq_len), dtype=np.int64)
    correct = np.zeros((n, seq_len), dtype=np.float32)
    mask = np.zeros((n, seq_len), dtype=bool)
    for row, (s, lo, hi) in enumerate(pieces):
        width = hi - lo
        skill[row, :width] = s.skills[lo:hi]
        correct[row, :width] = s.correct[lo:hi]
        mask[row, :width] = True
        if s.items:
            item[row, :width] = s.items[lo:hi]
    return {
        "skill": torch.from_numpy(skill),
        "item": torch.from_numpy(item),
        "correct": torch.from_numpy(correct),
        "mask": torch.from_numpy(mask),
    }


class KTLoader:
    """Batches of windows, trimmed to the longest window in each batch.

    With ``shuffle`` the order changes every epoch (repeatable by ``seed``): windows are shuffled,
    sorted by length inside pools of 50 batches, cut into batches, and the batches shuffled, so
    batches hold similar lengths without always the same students together.
    """

    def __init__(
        self, windows: dict[str, torch.Tensor], batch_size: int, shuffle: bool = True, seed: int = 0
    ) -> None:
        self.windows, self.batch_size, self.shuffle = windows, batch_size, shuffle
        self.lengths = windows["mask"].sum(dim=1)  # (N,)
        self._generator = torch.Generator().manual_seed(seed)

    def __len__(self) -> int:
        return -(-len(self.lengths) // self.batch_size)

    @property
    def n_interactions(self) -> int:
        """Real (unpadded) interactions in one pass."""
        return int(self.lengths.sum())

    def _batches(self) -> list[torch.Tensor]:
        n, size = len(self.lengths), self.batch_size
        if not self.shuffle:
            return list(torch.split(torch.arange(n), size))
        order = torch.randperm(n, generator=self._generator)
        pool = size * 50
        batches: list[torch.Tensor] = []
        for lo in range(0, n, pool):
            chunk = order[lo : lo + pool]
            chunk = chunk[torch.argsort(self.lengths[chunk], descending=True, stable=True)]
            batches.extend(torch.split(chunk, size))
        perm = torch.randperm(len(batches), generator=self._generator).tolist()
        return [batches[i] for i in perm]

    def __iter__(self) -> Iterator[dict[str, torch.Tensor]]:
        for idx in self._batches():
            width = max(1, int(self.lengths[idx].max()))
            yield {k: t[idx, :width] for k, t in self.windows.items()}  # (B, width)


def student_folds(students: Sequence[str], k: int = 5, seed: int = 0) -> list[list[str]]:
    """Split students into ``k`` disjoint folds of near-equal size, shuffled by ``seed``."""
    names = sorted(set(students))
    rng = np.random.default_rng(seed)
    rng.shuffle(names)
    return [names[i::k] for i in range(k)]
