"""The `scoring` evaluation protocols of `python -m mlcore.engine.evaluate scoring`.

- `asap`: the NEA protocol of Taghipour & Ng (2016). Per prompt and fold: train on `train_ids`,
  select epochs (and, with `--model auto`, the model) on `dev_ids`, report QWK on `test_ids` with
  predictions rounded and clipped to the prompt's range; the mean over folds per prompt, then
  the mean over prompts.
- `semeval`: one model per corpus trained on `train`, selected on a question-grouped dev split
  of it; accuracy, macro F1 and weighted F1 on each official test split (UA, UQ, UD). The MLP is
  a candidate once per pair-feature mode (`--pair-features`: embeddings, relational, both).
- `csv`: the `split` column's train/dev/test when present (dev split off train when missing),
  else 5-fold cross-validation with a random fifth of each training part as dev.

`--model auto` trains every candidate on the training data, then picks, on the dev data, the
best single model or the best average of two or three of them (an ensemble), and reports the
pick and every candidate's dev figure. `--refit` then trains the pick again on train + dev for
the number of epochs dev chose. `--seeds N` fits every candidate N times (seeds `--seed` to
`--seed + N - 1`) and uses the mean of their scores, so that a pick does not rest on one seed's
luck. `--dev-folds K` (semeval) replaces the one dev split with K question-grouped folds of
the training set: every candidate is fitted on each fold, picked on its out-of-fold predictions
(every training question is a dev question once), and tested as the mean of its K fits; with
`--refit` the pick is instead trained once more on the whole training set, for the median of its
folds' best epochs (cross-validation, then one fit on all the data). `--route-seen` (semeval)
makes a second pick, on dev answers drawn at random from the training set (their questions have
other answers in training, as in the unseen-answers split; K random folds with `--dev-folds K`),
and scores each test answer to a question the training set holds with that pick; answers to
other questions keep the question-grouped pick. A grader knows which case an answer is.
`--pseudo-references K` (semeval, csv) adds to each training set every answer paired with up to
K other top-scored answers to its question as the reference (scoring_data.pseudo_reference_pairs).
Frozen embeddings and token states are cached under `--cache-dir` (keyed by text hash and
encoder). A JSON report goes to `--out` and stdout.
"""

from __future__ import annotations

import argparse
import itertools
import json
import math
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Protocol

import numpy as np
from tqdm import tqdm

from mlcore.engine.device import default_device
from mlcore.engine.encoders import get_encoder
from mlcore.engine.inference import ScoreScale
from mlcore.engine.scoring import (
    AUTO_CANDIDATES,
    evaluate_scores,
    fit_scoring_model,
    primary_metric,
)
from mlcore.engine.scoring_cache import CachedEncoder, CachedTokenStates
from mlcore.engine.scoring_data import (
    ScoringExample,
    answer_kfold,
    group_kfold,
    group_split,
    pseudo_reference_pairs,
    random_split,
    read_asap,
    read_scoring_csv,
    read_semeval,
)
from mlcore.engine.scoring_features import FAMILIES, PAIR_FEATURES, MiniLMTokenStates
from mlcore.engine.training import Callback, TrainState


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The `scoring` subcommand's flags."""
    parser.add_argument("--data", required=True, help="data folder (asap, semeval) or CSV file")
    parser.add_argument("--format", required=True, choices=("asap", "semeval", "csv"))
    parser.add_argument(
        "--model", default="auto", type=_model_label, help=f"auto or one of {FAMILIES}"
    )
    parser.add_argument(
        "--candidates", default=",".join(AUTO_CANDIDATES),
        help="for --model auto: families, each optionally @mse or @ce (e.g. mlp,mlp@ce,rnn)",
    )  # fmt: skip
    parser.add_argument("--loss", default=None, choices=("mse", "ce"), help="default: per format")
    parser.add_argument("--epochs", type=int, default=None, help="override each model's default")
    parser.add_argument("--limit", type=int, default=None, help="at most N answers per split")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--device", default=None, help="cpu, cuda, cuda:1 (default: auto)")
    parser.add_argument("--encoder", default="onnx", choices=("onnx", "torch"))
    parser.add_argument("--ngram-buckets", type=int, default=None, help="MLP n-gram ridge (0: off)")
    parser.add_argument(
        "--pair-features", default=None,
        help="MLP pair features, comma-separated: embeddings, relational, both; with more than "
        "one, each is a candidate picked on dev (default: per format)",
    )  # fmt: skip
    parser.add_argument(
        "--seeds", type=_at_least(1), default=1,
        help="fit each candidate with this many seeds (--seed, --seed + 1, ...) and average them",
    )  # fmt: skip
    parser.add_argument(
        "--dev-folds", type=_at_least(1), default=1,
        help="semeval: pick on K question-grouped folds of train (out-of-fold dev predictions); "
        "each candidate is then the mean of its K fits (with --refit: the pick trained again on "
        "all of train for the median of the folds' best epochs)",
    )  # fmt: skip
    parser.add_argument(
        "--route-seen", action="store_true",
        help="semeval: also pick a model on dev answers of training questions (random folds), "
        "and score each test answer to a question the training set holds with that pick",
    )  # fmt: skip
    parser.add_argument(
        "--refit", action="store_true",
        help="after dev picks the model and its epochs, train the pick again on train + dev",
    )  # fmt: skip
    parser.add_argument(
        "--pseudo-references", type=_at_least(0), default=0, metavar="K",
        help="also train on each answer paired with K top-scored answers to its question as "
        "the reference (training rows only)",
    )  # fmt: skip
    parser.add_argument("--token-input", default="ids", choices=("ids", "hidden"), help="rnn input")
    parser.add_argument("--max-tokens", type=int, default=None)
    parser.add_argument("--include-question", action="store_true")
    parser.add_argument("--model-options", default="{}", help='JSON: {"rnn": {"hidden": 64}}')
    parser.add_argument(
        "--semeval-train", default="per-corpus", choices=("per-corpus", "joint"),
        help="semeval: a model per corpus, or one trained on both training sets",
    )  # fmt: skip
    parser.add_argument("--prompts", default="1,2,3,4", help="asap prompts")
    parser.add_argument("--folds", default="0,1,2,3,4", help="asap folds")
    parser.add_argument("--cache-dir", default="var/cache")
    parser.add_argument("--out", default=None, help="write the JSON report here too")


def _at_least(minimum: int) -> Callable[[str], int]:
    """An argparse type: a whole number of at least `minimum`."""

    def parse(value: str) -> int:
        if not value.isdigit() or int(value) < minimum:
            raise argparse.ArgumentTypeError(
                f"{value!r}: expected a whole number of at least {minimum}"
            )
        return int(value)

    return parse


def _pair_modes(value: str) -> list[str]:
    modes = [m.strip() for m in value.split(",") if m.strip()]
    unknown = [m for m in modes if m not in PAIR_FEATURES]
    if not modes or unknown:
        raise ValueError(
            f"--pair-features {value!r}: expected a comma-separated list of {PAIR_FEATURES}"
        )
    return modes


def _model_label(label: str) -> str:
    """`auto`, a family, or `family@loss`: a family trained with that loss."""
    family, _, loss = label.partition("@")
    if label != "auto" and (family not in FAMILIES or loss not in ("", "mse", "ce")):
        raise argparse.ArgumentTypeError(f"{label!r}: expected auto, FAMILY or FAMILY@mse|ce")
    return label


Pairs = list[tuple[list[ScoringExample], list[ScoringExample]]]  # (train, dev) splits


@dataclass
class Task:
    """One train/dev/test problem of a protocol, and the group its figures belong to."""

    group: str
    train: list[ScoringExample]
    dev: list[ScoringExample]
    tests: dict[str, list[ScoringExample]]
    scale: ScoreScale
    # With `--dev-folds K`: K (train, dev) pairs; each candidate is fitted on every pair, picked
    # on its out-of-fold dev predictions, and tested as the mean of its K fits.
    folds: Pairs = field(default_factory=list)
    # With `--route-seen`: (train, dev) pairs with dev answers drawn at random, so that their
    # questions are in training too (SemEval's unseen answers); a second pick is made on them.
    seen_folds: Pairs = field(default_factory=list)


@dataclass
class Outcome:
    """What one task produced."""

    test: dict[str, dict[str, float]]
    choice: Choice  # for questions unseen in training (and every question without --route-seen)
    seen: Choice | None  # with --route-seen: for questions the training set holds
    train_seconds: float
    predict_seconds: float
    predicted: int


def _cut(rows: list[ScoringExample], limit: int | None) -> list[ScoringExample]:
    return rows if limit is None else rows[:limit]


def _cut_pairs(pairs: Pairs, limit: int | None) -> Pairs:
    return [(_cut(train, limit), _cut(dev, limit)) for train, dev in pairs]


def asap_tasks(args: argparse.Namespace) -> list[Task]:
    data = read_asap(args.data, [int(p) for p in args.prompts.split(",")])
    tasks = []
    for prompt in (int(p) for p in args.prompts.split(",")):
        low, high = data.score_ranges[prompt]
        for k in (int(f) for f in args.folds.split(",")):
            fold = data.folds[k]
            train, dev, test = (
                _cut(data.select(prompt, ids), args.limit)
                for ids in (fold.train_ids, fold.dev_ids, fold.test_ids)
            )
            tasks.append(Task(f"P{prompt}", train, dev, {"test": test}, ScoreScale(low, high, 1)))
    return tasks


def semeval_tasks(args: argparse.Namespace) -> list[Task]:
    """One task per corpus, or one (`--semeval-train joint`) trained on both training sets."""
    rows = read_semeval(args.data)
    corpora = ("beetle", "sciEntsBank")
    groups: list[tuple[str, ...]] = (
        [corpora] if args.semeval_train == "joint" else [(c,) for c in corpora]
    )
    tasks = []
    for group in groups:
        train_all = [e for e in rows if e.split in {f"{c}/train" for c in group}]
        # Unseen-question dev data: whole questions held out, as in the UQ and UD test splits.
        train, dev = group_split(train_all, dev_fraction=0.2, seed=args.seed)
        folds = (
            _cut_pairs(group_kfold(train_all, args.dev_folds, args.seed), args.limit)
            if args.dev_folds > 1
            else []
        )
        seen_folds = []
        if args.route_seen:
            seen_folds = _cut_pairs(
                answer_kfold(train_all, args.dev_folds, args.seed)
                if args.dev_folds > 1
                else [random_split(train_all, 0.2, args.seed)],
                args.limit,
            )
        tests = {
            split: _cut([e for e in rows if e.split == split], args.limit)
            for split in sorted({e.split or "" for e in rows})
            if split.split("/")[0] in group and not split.endswith("/train")
        }
        train, dev = _cut(train, args.limit), _cut(dev, args.limit)
        tasks.append(
            Task("+".join(group), train, dev, tests, ScoreScale(0, 1, 1), folds, seen_folds)
        )
    return tasks


def csv_tasks(args: argparse.Namespace) -> list[Task]:
    rows = read_scoring_csv(args.data)
    scale = ScoreScale.infer([e.score for e in rows])
    if any(e.split for e in rows):
        by = {
            name: [e for e in rows if (e.split or "").lower() == name] for name in ("train", "test")
        }
        dev = [e for e in rows if (e.split or "").lower() in ("dev", "val", "validation")]
        train = by["train"]
        if not dev:
            train, dev = random_split(train, 0.2, args.seed)
        return [
            Task(
                "split", _cut(train, args.limit), _cut(dev, args.limit), {"test": by["test"]}, scale
            )
        ]
    tasks = []
    for k, (train_all, test) in enumerate(answer_kfold(rows, 5, args.seed)):
        train, dev = random_split(train_all, 0.2, args.seed + k)
        tasks.append(Task(f"fold{k}", _cut(train, args.limit), dev, {"test": test}, scale))
    return tasks


class _EpochPostfix(Callback):
    """Shows the running model and epoch on the progress bar."""

    def __init__(self, bar: Any) -> None:
        self.bar, self.label = bar, ""

    def on_batch_end(self, state: TrainState) -> None:
        if state.batch_in_epoch % 20 == 0:
            steps = state.steps_per_epoch or "?"
            self.bar.set_postfix_str(
                f"{self.label} epoch {state.epoch} batch {state.batch_in_epoch}/{steps}"
            )

    def on_epoch_end(self, state: TrainState) -> None:
        row = state.history[-1]
        score = row.get("val_score", float("nan"))
        self.bar.set_postfix_str(f"{self.label} epoch {state.epoch} dev {score:.3f}")


def _texts(rows: Sequence[ScoringExample]) -> tuple[list[str], list[list[str]], list[str]]:
    return [e.answer for e in rows], [list(e.references) for e in rows], [e.question for e in rows]


def _scores(rows: Sequence[ScoringExample]) -> np.ndarray:
    return np.array([e.score for e in rows], dtype=np.float64)


def pick_subset(
    dev_preds: dict[str, np.ndarray], y_dev: np.ndarray, scale: ScoreScale, max_size: int = 3
) -> tuple[list[str], dict[str, float]]:
    """The single model or mean of 2-3 models with the best dev figure; every subset's figure."""
    metric = primary_metric(scale)
    key = "rmse" if metric == "neg_rmse" else metric
    sign = -1.0 if metric == "neg_rmse" else 1.0
    figures: dict[str, float] = {}
    for size in range(1, min(max_size, len(dev_preds)) + 1):
        for names in itertools.combinations(sorted(dev_preds), size):
            mean = np.mean([dev_preds[n] for n in names], axis=0)
            figures["+".join(names)] = evaluate_scores(y_dev, mean, scale)[key]
    best = max(figures, key=lambda n: sign * figures[n])
    return best.split("+"), figures


class Scorer(Protocol):
    """A fitted candidate: one `FittedScorer`, or the average of several (`Average`)."""

    report: dict[str, Any]

    def predict_scores(
        self, answers: Sequence[str], references: Sequence[Sequence[str]], questions: Sequence[str]
    ) -> np.ndarray: ...


class Average:
    """Several fits of one candidate (seeds, or dev folds): the mean of their scores."""

    def __init__(self, members: Sequence[Scorer]) -> None:
        self.members = list(members)
        trained = [m.report["n_train"] for m in self.members]
        self.report: dict[str, Any] = {
            "best_epoch": [m.report["best_epoch"] for m in self.members],
            "n_train": trained[0] if len(set(map(str, trained))) == 1 else trained,
        }

    def predict_scores(
        self, answers: Sequence[str], references: Sequence[Sequence[str]], questions: Sequence[str]
    ) -> np.ndarray:
        scores = [m.predict_scores(answers, references, questions) for m in self.members]
        return np.asarray(np.mean(scores, axis=0))


def _augment(
    train: list[ScoringExample], args: argparse.Namespace, top: float
) -> list[ScoringExample]:
    """`train` and, with `--pseudo-references K`, its pairs with students' answers that scored
    `top` as references (drawn from `train` alone: no dev or test answer is ever a reference)."""
    if not args.pseudo_references:
        return train
    return train + pseudo_reference_pairs(train, args.pseudo_references, top, args.seed)


@dataclass
class Choice:
    """What dev picked for one case of test answer (a question unseen in training, or with
    `--route-seen` a seen one), and the fitted candidates it picked from."""

    pick: list[str]
    dev: dict[str, float]
    models: dict[str, Scorer]
    epochs: dict[str, Any]  # each candidate's best epoch (per seed, per fold)
    refit_epochs: dict[str, Any] = field(default_factory=dict)  # with --refit: what the pick ran

    def predict(self, rows: Sequence[ScoringExample]) -> np.ndarray:
        return np.asarray(
            np.mean([self.models[n].predict_scores(*_texts(rows)) for n in self.pick], axis=0)
        )

    def summary(self) -> dict[str, Any]:
        return {
            "pick": self.pick,
            "dev": self.dev,
            "best_epochs": self.epochs,
            "refit_epochs": self.refit_epochs,
            "trained_on": {n: self.models[n].report["n_train"] for n in self.pick},
        }


def _choose(
    task: Task,
    splits: Pairs,
    args: argparse.Namespace,
    fit: Callable[..., None],
) -> Choice:
    """Fit every candidate on each (train, dev) split, pick on the dev rows, and with `--refit`
    train the pick again on train + dev."""
    per_split: list[dict[str, Scorer]] = []
    for part_train, part_dev in splits:
        fitted: dict[str, Scorer] = {}
        fit(
            replace(task, train=_augment(part_train, args, task.scale.max_score), dev=part_dev),
            fitted.__setitem__,
        )
        per_split.append(fitted)
    # Dev figures: each split's dev rows predicted by the fits that did not train on them.
    y_dev = np.concatenate([_scores(part_dev) for _, part_dev in splits])
    dev_preds = {
        n: np.concatenate(
            [
                f[n].predict_scores(*_texts(part_dev))
                for f, (_, part_dev) in zip(per_split, splits, strict=True)
            ]
        )
        for n in per_split[0]
    }
    pick, dev = pick_subset(dev_preds, y_dev, task.scale, 3 if args.model == "auto" else 1)
    models = {
        n: per_split[0][n] if len(splits) == 1 else Average([f[n] for f in per_split])
        for n in per_split[0]
    }
    choice = Choice(pick, dev, models, {n: s.report["best_epoch"] for n, s in models.items()})
    if args.refit:
        # The pick again, on train + dev for the epochs dev chose: more questions to learn from.
        # With dev folds, train + dev is the whole training set and each candidate's epochs are
        # one per fold: the refit trains for their median.
        merged = replace(task, train=_augment(task.train + task.dev, args, task.scale.max_score))
        folded = len(splits) > 1
        chosen = {n: median_epochs(choice.epochs[n]) if folded else choice.epochs[n] for n in pick}
        fit(merged, models.__setitem__, chosen)
        choice.refit_epochs = chosen
    return choice


def run_task(task: Task, args: argparse.Namespace, fit: Callable[..., None]) -> Outcome:
    started = time.perf_counter()
    unseen = _choose(task, task.folds or [(task.train, task.dev)], args, fit)
    seen = _choose(task, task.seen_folds, args, fit) if task.seen_folds else None
    train_seconds = time.perf_counter() - started
    trained_questions = {e.question_id for e in task.train + task.dev} if seen else set()
    test: dict[str, dict[str, float]] = {}
    t0, predicted = time.perf_counter(), 0
    for name, rows in task.tests.items():
        # With --route-seen, each answer to a question the training set holds goes to the
        # seen-question pick, every other answer to the question-grouped one.
        known = np.array([e.question_id in trained_questions for e in rows], dtype=bool)
        preds = np.zeros(len(rows))
        for choice, mask in ((unseen, ~known), (seen, known)):
            if choice is not None and mask.any():
                preds[mask] = choice.predict([e for e, m in zip(rows, mask, strict=True) if m])
        test[name] = evaluate_scores(_scores(rows), preds, task.scale)
        predicted += len(rows)
    seconds = time.perf_counter() - t0
    return Outcome(test, unseen, seen, train_seconds, seconds, predicted)


def median_epochs(per_fold: list[Any]) -> int | list[int]:
    """The median of the folds' best epochs (halves round up), one per seed when each fold's
    entry is a list of seeds."""

    def median(values: list[int]) -> int:
        return max(1, math.floor(float(np.median(values)) + 0.5))

    if isinstance(per_fold[0], list):
        return [median([fold[k] for fold in per_fold]) for k in range(len(per_fold[0]))]
    return median(per_fold)


_FORMAT_DEFAULTS: dict[str, dict[str, Any]] = {
    "asap": {
        "loss": "mse", "use_reference": False, "ngram_buckets": 1 << 20, "max_tokens": 512,
        "pair_features": "embeddings",
    },
    "semeval": {
        "loss": "ce", "use_reference": True, "ngram_buckets": 0, "max_tokens": 128,
        "pair_features": "embeddings,relational,both",
    },
    "csv": {
        "loss": "mse", "use_reference": True, "ngram_buckets": 0, "max_tokens": 256,
        "pair_features": "embeddings",
    },
}  # fmt: skip
_TASKS: dict[str, Callable[[argparse.Namespace], list[Task]]] = {
    "asap": asap_tasks,
    "semeval": semeval_tasks,
    "csv": csv_tasks,
}


def _fitter(args: argparse.Namespace, progress: _EpochPostfix) -> Callable[..., None]:
    """A function fitting the requested model(s) on a task with the run's settings."""
    defaults = _FORMAT_DEFAULTS[args.format]

    def pick(flag: Any, key: str) -> Any:
        return defaults[key] if flag is None else flag

    input_options = {
        "encoder": args.encoder,
        "use_reference": defaults["use_reference"],
        "include_question": args.include_question,
        "token_input": args.token_input,
        "max_tokens": pick(args.max_tokens, "max_tokens"),
        "ngram_buckets": pick(args.ngram_buckets, "ngram_buckets"),
    }
    overrides: dict[str, Any] = {"seed": args.seed, "device": args.device}
    if args.epochs is not None:
        overrides["epochs"] = args.epochs
    families = (
        [_model_label(c) for c in args.candidates.split(",")]
        if args.model == "auto"
        else [args.model]
    )
    modes = _pair_modes(pick(args.pair_features, "pair_features"))
    # The MLP once per pair-feature mode, labelled `mlp[relational]` when there are several.
    candidates = [
        (label, mode)
        for family_label in families
        for label, mode in (
            [(f"{family_label}[{m}]" if len(modes) > 1 else family_label, m) for m in modes]
            if family_label.partition("@")[0] == "mlp"
            else [(family_label, "embeddings")]
        )
    ]
    encoder = CachedEncoder(get_encoder(args.encoder), args.cache_dir, f"minilm-{args.encoder}")
    states = CachedTokenStates(
        MiniLMTokenStates(args.encoder), args.cache_dir, f"minilm-{args.encoder}-last-layer"
    )

    def fit(
        task: Task,
        on_candidate: Callable[[str, Scorer], None],
        refit_epochs: dict[str, Any] | None = None,
    ) -> None:
        """Fit every candidate on `task.train` (`--seeds` times), selecting epochs on
        `task.dev`; with `refit_epochs`, only those candidates, each for exactly that many epochs
        (per seed)."""
        for label, mode in candidates:
            if refit_epochs is not None and label not in refit_epochs:
                continue
            family, _, loss = label.split("[")[0].partition("@")
            progress.label = f"{task.group} {label}"
            members = []
            for k in range(args.seeds):
                seed = args.seed + k
                fixed: dict[str, Any] = {"seed": seed}
                if refit_epochs is not None:
                    chosen = refit_epochs[label]
                    fixed |= {
                        "epochs": chosen[k] if isinstance(chosen, list) else chosen,
                        "early_stopping_patience": None,
                        "keep_best": False,
                    }
                members.append(
                    fit_scoring_model(
                        task.train,
                        family=family,
                        loss="ce" if (loss or pick(args.loss, "loss")) == "ce" else "mse",
                        callbacks=[progress],
                        val_examples=task.dev,
                        scale=task.scale,
                        train_overrides=overrides | fixed,
                        input_options=input_options | {"pair_features": mode},
                        model_options=json.loads(args.model_options),
                        encoder=encoder,
                        states=states,
                        seed=seed,
                    )
                )
            on_candidate(label, members[0] if len(members) == 1 else Average(members))

    return fit


def _mean_metrics(rows: Sequence[dict[str, float]]) -> dict[str, float]:
    keys = sorted(set.intersection(*(set(r) for r in rows)))
    return {k: float(np.mean([r[k] for r in rows])) for k in keys}


def _aggregate(fmt: str, done: list[tuple[Task, Outcome]]) -> dict[str, Any]:
    per_unit: dict[str, list[dict[str, float]]] = {}
    for task, outcome in done:
        for name, figures in outcome.test.items():
            unit = name if fmt == "semeval" else task.group
            per_unit.setdefault(unit, []).append(figures)
    groups: dict[str, Any] = {}
    for unit, rows in per_unit.items():
        groups[unit] = _mean_metrics(rows)
        if len(rows) > 1:
            groups[unit]["folds"] = rows
    means = _mean_metrics([{k: v for k, v in g.items() if k != "folds"} for g in groups.values()])
    return {"groups": groups, "mean": means}


def run(args: argparse.Namespace) -> dict[str, Any]:
    """Run the protocol of `args.format`; return (and write to `--out`) the JSON report."""
    for flag, used in (("--dev-folds", args.dev_folds > 1), ("--route-seen", args.route_seen)):
        if used and args.format != "semeval":
            raise ValueError(f"{flag} is for --format semeval")
    if args.pseudo_references and not _FORMAT_DEFAULTS[args.format]["use_reference"]:
        raise ValueError(
            f"--pseudo-references needs reference answers, which {args.format} has not"
        )
    tasks = _TASKS[args.format](args)
    bar = tqdm(tasks, desc=f"scoring {args.format}", unit="task", dynamic_ncols=True)
    progress = _EpochPostfix(bar)
    fit = _fitter(args, progress)
    done: list[tuple[Task, Outcome]] = []
    for task in bar:
        progress.label = task.group
        outcome = run_task(task, args, fit)
        done.append((task, outcome))
        figures = {n: {k: round(v, 4) for k, v in f.items()} for n, f in outcome.test.items()}
        seen = f" seen pick={'+'.join(outcome.seen.pick)}" if outcome.seen else ""
        bar.write(
            f"{task.group} pick={'+'.join(outcome.choice.pick)}{seen} test={figures}",
            file=sys.stderr,
        )
    bar.close()
    predicted = sum(o.predicted for _, o in done)
    report = {
        "task": "scoring",
        "data": str(args.data),
        "format": args.format,
        "model": args.model,
        "command": getattr(args, "command", None),
        "metrics": _aggregate(args.format, done),
        "picks": [
            {"group": t.group} | o.choice.summary() | ({"seen": o.seen.summary()} if o.seen else {})
            for t, o in done
        ],
        "train_seconds": sum(o.train_seconds for _, o in done),
        "inference_items_per_second": predicted
        / max(sum(o.predict_seconds for _, o in done), 1e-9),
        "device": str(default_device(args.device)),
        "settings": {k: v for k, v in vars(args).items() if k not in ("command", "func")},
    }
    if args.out:
        Path(args.out).parent.mkdir(parents=True, exist_ok=True)
        Path(args.out).write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    return report
