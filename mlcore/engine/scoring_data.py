"""Readers for answer-scoring data: a generic CSV, ASAP-AES with the NEA folds, SemEval-2013 2-way.

Every reader returns `ScoringExample`s, so the scoring pipeline and the evaluation protocols see
one shape whatever the source:

    examples = read_scoring_csv("grades.csv")  # question_id, question, reference, answer, score
    asap = read_asap("datasets/asap-aes-p1-4")  # essays + 5 NEA folds + score ranges
    semeval = read_semeval("datasets/semeval2013-task7-2way")  # answers joined with references
    train, dev = group_split(examples, dev_fraction=0.2, seed=0)  # question-grouped dev split
    extra = pseudo_reference_pairs(train, k=2, top=1.0)  # training pairs with students' wordings
"""

from __future__ import annotations

import csv
import math
import random
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

REQUIRED_CSV_COLUMNS = ("question_id", "question", "reference", "answer", "score")

# Resolved holistic score (`domain1_score`) ranges of the ASAP-AES prompts.
ASAP_SCORE_RANGES: dict[int, tuple[int, int]] = {
    1: (2, 12),
    2: (1, 6),
    3: (0, 3),
    4: (0, 3),
    5: (0, 4),
    6: (0, 4),
    7: (0, 30),
    8: (0, 60),
}

# Official SemEval-2013 split names, shortened the way the task's papers report them.
SEMEVAL_SPLITS = {
    "train": "train",
    "test-unseen-answers": "UA",
    "test-unseen-questions": "UQ",
    "test-unseen-domains": "UD",
}


class ScoringDataError(ValueError):
    """A scoring data file is malformed: a missing column, a bad score, an unknown id."""


@dataclass(frozen=True)
class ScoringExample:
    """One graded answer; `references` holds every reference answer of its question."""

    question_id: str
    question: str
    references: tuple[str, ...]
    answer: str
    score: float
    split: str | None = None
    example_id: str = ""
    key_points: tuple[str, ...] = ()  # the rubric's key points, when the question has them


@dataclass(frozen=True)
class AsapFold:
    """The essay ids of one NEA fold."""

    train_ids: frozenset[str]
    dev_ids: frozenset[str]
    test_ids: frozenset[str]


@dataclass
class AsapData:
    """ASAP essays (question_id is the prompt number), NEA folds and the prompts' score ranges."""

    examples: list[ScoringExample]
    folds: list[AsapFold]
    score_ranges: dict[int, tuple[int, int]] = field(
        default_factory=lambda: dict(ASAP_SCORE_RANGES)
    )

    def select(self, prompt: int, ids: frozenset[str]) -> list[ScoringExample]:
        """The essays of `prompt` whose ids are in `ids`, in file order."""
        qid = str(prompt)
        return [e for e in self.examples if e.question_id == qid and e.example_id in ids]


def _parse_score(raw: str, where: str) -> float:
    try:
        value = float(raw)
    except ValueError:
        raise ScoringDataError(f"{where}: score {raw!r} is not a number") from None
    if not math.isfinite(value):
        raise ScoringDataError(f"{where}: score {raw!r} is not a finite number")
    return value


def read_scoring_csv(path: str | Path) -> list[ScoringExample]:
    """Read a generic scoring CSV: `question_id, question, reference, answer, score`, opt. `split`.

    An empty answer is kept (it is a real, gradable answer); an empty or non-numeric score is not.
    """
    path = Path(path)
    with path.open(encoding="utf-8-sig", newline="") as handle:
        reader = csv.DictReader(handle)
        columns = [c.strip() for c in reader.fieldnames or []]
        missing = [c for c in REQUIRED_CSV_COLUMNS if c not in columns]
        if missing:
            found = ", ".join(columns) or "none"
            raise ScoringDataError(f"{path}: missing column(s) {', '.join(missing)}; found {found}")
        reader.fieldnames = columns
        examples = []
        # Line 1 is the header, so data row i sits on line i + 2.
        for line, row in enumerate(reader, start=2):
            where = f"{path}:{line}"
            if None in row or any(row[c] is None for c in REQUIRED_CSV_COLUMNS):
                raise ScoringDataError(f"{where}: wrong number of fields")
            split = (row.get("split") or "").strip() or None
            examples.append(
                ScoringExample(
                    question_id=row["question_id"].strip(),
                    question=row["question"],
                    references=(row["reference"],),
                    answer=row["answer"],
                    score=_parse_score(row["score"].strip(), where),
                    split=split,
                    example_id=str(line - 1),
                )
            )
    if not examples:
        raise ScoringDataError(f"{path}: no rows")
    return examples


def _strip_quotes(text: str) -> str:
    # Quoting is disabled while parsing (one essay opens with an unbalanced quote), so the quotes
    # that wrap most essays, and the doubling of quotes inside them, are still there.
    if len(text) >= 2 and text.startswith('"') and text.endswith('"'):
        return text[1:-1].replace('""', '"')
    return text


def _read_asap_essays(essay_dir: Path, prompts: set[int]) -> list[ScoringExample]:
    files = sorted(essay_dir.glob("*.tsv"))
    if not files:
        raise ScoringDataError(f"{essay_dir}: no .tsv essay files")
    examples = []
    for tsv in files:
        with tsv.open(encoding="latin-1", newline="") as handle:
            reader = csv.reader(handle, delimiter="\t", quoting=csv.QUOTE_NONE)
            header = next(reader)
            try:
                i_id, i_set = header.index("essay_id"), header.index("essay_set")
                i_essay, i_score = header.index("essay"), header.index("domain1_score")
            except ValueError as exc:
                raise ScoringDataError(f"{tsv}: {exc}") from None
            for line, row in enumerate(reader, start=2):
                if len(row) != len(header):
                    raise ScoringDataError(
                        f"{tsv}:{line}: {len(row)} fields, expected {len(header)}"
                    )
                prompt = int(row[i_set])
                if prompt not in prompts:
                    continue
                examples.append(
                    ScoringExample(
                        question_id=str(prompt),
                        question="",
                        references=(),
                        answer=_strip_quotes(row[i_essay]),
                        score=_parse_score(row[i_score], f"{tsv}:{line}"),
                        example_id=row[i_id],
                    )
                )
    return examples


def _read_ids(path: Path) -> frozenset[str]:
    if not path.is_file():
        raise ScoringDataError(f"{path}: missing NEA id list")
    return frozenset(path.read_text().split())


def read_asap(directory: str | Path, prompts: Iterable[int] = (1, 2, 3, 4)) -> AsapData:
    """Read ASAP-AES essays (`essays/*.tsv`) and NEA folds (`splits/fold_k/{part}_ids.txt`).

    Scores outside the prompt's range are refused, since QWK assumes the range.
    """
    directory = Path(directory)
    wanted = set(prompts)
    examples = _read_asap_essays(directory / "essays", wanted)
    seen: set[str] = set()
    for e in examples:
        if e.example_id in seen:
            raise ScoringDataError(f"{directory}: essay {e.example_id} appears twice")
        seen.add(e.example_id)
        low, high = ASAP_SCORE_RANGES[int(e.question_id)]
        if not low <= e.score <= high:
            raise ScoringDataError(
                f"essay {e.example_id}: score {e.score} outside prompt range {low}-{high}"
            )
    fold_dirs = sorted((directory / "splits").glob("fold_*"), key=lambda p: int(p.name[5:]))
    if not fold_dirs:
        raise ScoringDataError(f"{directory}/splits: no fold_* folders")
    folds = [
        AsapFold(*(_read_ids(d / f"{part}_ids.txt") for part in ("train", "dev", "test")))
        for d in fold_dirs
    ]
    return AsapData(examples=examples, folds=folds)


def _read_semeval_references(path: Path) -> dict[tuple[str, str], tuple[str, list[str]]]:
    refs: dict[tuple[str, str], tuple[str, list[str]]] = {}
    with path.open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            key = (row["corpus"], row["question_id"])
            _, answers = refs.setdefault(key, (row["question"], []))
            # The same question is listed once per split it appears in (train and UA share them).
            if row["reference_answer"] not in answers:
                answers.append(row["reference_answer"])
    return refs


def read_semeval(
    directory: str | Path, corpus: str | None = None, splits: Sequence[str] | None = None
) -> list[ScoringExample]:
    """Read SemEval-2013 Task 7 2-way answers joined with every reference answer of their question.

    `question_id` is `corpus/question_id`; `split` is `corpus/train`, `corpus/UA`, `corpus/UQ` or
    `corpus/UD`; the score is 1.0 for "correct" and 0.0 for "incorrect".
    """
    directory = Path(directory)
    refs = _read_semeval_references(directory / "semeval2013_reference_answers.csv")
    answers_path = directory / "semeval2013_2way_answers.csv"
    examples = []
    with answers_path.open(encoding="utf-8", newline="") as handle:
        for line, row in enumerate(csv.DictReader(handle), start=2):
            if corpus is not None and row["corpus"] != corpus:
                continue
            split = f"{row['corpus']}/{SEMEVAL_SPLITS[row['split']]}"
            if splits is not None and split not in splits:
                continue
            key = (row["corpus"], row["question_id"])
            if key not in refs:
                raise ScoringDataError(f"{answers_path}:{line}: no reference answer for {key}")
            label = row["label_2way"]
            if label not in ("correct", "incorrect"):
                raise ScoringDataError(f"{answers_path}:{line}: label {label!r}")
            question, references = refs[key]
            examples.append(
                ScoringExample(
                    question_id=f"{row['corpus']}/{row['question_id']}",
                    question=question,
                    references=tuple(references),
                    answer=row["student_answer"],
                    score=1.0 if label == "correct" else 0.0,
                    split=split,
                    example_id=row["answer_id"],
                )
            )
    return examples


def group_split(
    examples: Sequence[ScoringExample], dev_fraction: float = 0.2, seed: int = 0
) -> tuple[list[ScoringExample], list[ScoringExample]]:
    """Split into (train, dev) with whole questions on one side, for selecting on unseen questions.

    With a single question it falls back to a random split of the answers.
    """
    by_question: dict[str, list[ScoringExample]] = defaultdict(list)
    for e in examples:
        by_question[e.question_id].append(e)
    rng = random.Random(seed)
    if len(by_question) < 2:
        return random_split(examples, dev_fraction, seed)
    questions = sorted(by_question)
    rng.shuffle(questions)
    target = dev_fraction * len(examples)
    dev_questions: set[str] = set()
    taken = 0
    for q in questions:
        if taken >= target or len(dev_questions) == len(questions) - 1:
            break
        dev_questions.add(q)
        taken += len(by_question[q])
    train = [e for e in examples if e.question_id not in dev_questions]
    dev = [e for e in examples if e.question_id in dev_questions]
    return train, dev


def group_kfold(
    examples: Sequence[ScoringExample], k: int = 5, seed: int = 0
) -> list[tuple[list[ScoringExample], list[ScoringExample]]]:
    """`k` (train, dev) pairs with whole questions on one side, each question in one dev part.

    Questions are shuffled by `seed` and taken largest first (the shuffle breaks ties), each into
    the part with the fewest answers so far: the parts hold about as many answers each however
    unequal the questions are.
    """
    by_question: dict[str, list[ScoringExample]] = defaultdict(list)
    for e in examples:
        by_question[e.question_id].append(e)
    if not 2 <= k <= len(by_question):
        raise ValueError(f"need 2 <= k <= {len(by_question)} questions, got k={k}")
    questions = sorted(by_question)
    random.Random(seed).shuffle(questions)
    questions.sort(key=lambda q: -len(by_question[q]))  # stable: equal sizes keep the shuffle
    parts: list[set[str]] = [set() for _ in range(k)]
    sizes = [0] * k
    for q in questions:
        smallest = sizes.index(min(sizes))
        parts[smallest].add(q)
        sizes[smallest] += len(by_question[q])
    return [
        (
            [e for e in examples if e.question_id not in part],
            [e for e in examples if e.question_id in part],
        )
        for part in parts
    ]


def pseudo_reference_pairs(
    examples: Sequence[ScoringExample], k: int, top: float, seed: int = 0
) -> list[ScoringExample]:
    """Extra training pairs: each answer with up to `k` other answers to its question that earned
    the top score `top`, each such answer as the pair's only reference; the score stays the
    answer's own.

    A teacher writes one reference; students word a right answer many ways. Pairs with their
    answers as references show a model that reads answer-reference relations (the MLP on
    relational features) what a match looks like across wordings. For training rows only: dev
    and test keep their real references. Answers with the same text as the answer are not used.
    """
    if k < 0:
        raise ValueError(f"k must be 0 or more, got {k}")
    top_answers: dict[str, list[tuple[str, ScoringExample]]] = defaultdict(list)
    for e in examples:
        if e.score >= top:
            top_answers[e.question_id].append((e.answer.strip(), e))
    rng = random.Random(seed)
    extra: list[ScoringExample] = []
    for e in examples:
        text = e.answer.strip()
        others = [o for stripped, o in top_answers[e.question_id] if stripped != text]
        for other in rng.sample(others, min(k, len(others))):
            extra.append(
                replace(
                    e, references=(other.answer,), example_id=f"{e.example_id}~{other.example_id}"
                )
            )
    return extra


def random_split(
    examples: Sequence[ScoringExample], dev_fraction: float = 0.2, seed: int = 0
) -> tuple[list[ScoringExample], list[ScoringExample]]:
    """Split answers at random into (train, dev); dev keeps at least one answer when it can."""
    order = list(range(len(examples)))
    random.Random(seed).shuffle(order)
    n_dev = min(max(1, round(dev_fraction * len(examples))), len(examples) - 1)
    dev_idx = set(order[:n_dev])
    train = [e for i, e in enumerate(examples) if i not in dev_idx]
    dev = [e for i, e in enumerate(examples) if i in dev_idx]
    return train, dev


def kfold_indices(n: int, k: int = 5, seed: int = 0) -> list[tuple[list[int], list[int]]]:
    """(train indices, test indices) of `k` shuffled folds over `n` items."""
    if not 2 <= k <= n:
        raise ValueError(f"need 2 <= k <= n, got k={k}, n={n}")
    order = list(range(n))
    random.Random(seed).shuffle(order)
    folds = [sorted(order[i::k]) for i in range(k)]
    return [(sorted(set(order) - set(test)), test) for test in folds]


def answer_kfold(
    examples: Sequence[ScoringExample], k: int = 5, seed: int = 0
) -> list[tuple[list[ScoringExample], list[ScoringExample]]]:
    """`k` (train, dev) pairs of answers drawn at random (each answer in one dev part): a dev
    answer's question usually has other answers in training, as in SemEval's unseen answers."""
    return [
        ([examples[i] for i in train], [examples[i] for i in dev])
        for train, dev in kfold_indices(len(examples), k, seed)
    ]
