"""The ``kt`` evaluation protocols: next-response AUC, accuracy and RMSE per group and their mean.

- ``dkvmn`` (Zhang et al. 2017): group k trains on ``train{k}``, stops early on ``valid{k}`` and
  is scored on the fixed ``test`` file (read once, to report); 5 groups.
- ``akt`` (Ghosh et al. 2020): group k tests on fold k, stops early on fold k+1 and trains on the
  other three plus the train-only student; problem ids feed SAKT and PFA.
- ``csv``: with a ``split`` column, train / valid (or dev) / test as tagged (10% of the training
  students are held out for early stopping when nothing is tagged valid); without one, 5-fold
  cross-validation by student, laid out like ``akt``.

Every model stops early on validation AUC and keeps its best epoch; ``auto`` trains every candidate
and keeps, per group, the one with the best validation AUC. Sequences are cut into windows of
``seq_len`` (200), history not carried across windows, as in the DKVMN protocol.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import nn

from mlcore.engine import kt_data
from mlcore.engine.device import default_device, seed_everything
from mlcore.engine.kt_data import KTCorpus, KTLoader, KTSequence
from mlcore.engine.metrics import accuracy, auc, rmse
from mlcore.engine.models.dkt import DKT, DKTConfig
from mlcore.engine.models.kt_base import KTModel
from mlcore.engine.models.pfa import PFA, PFAConfig
from mlcore.engine.models.sakt import SAKT, SAKTConfig
from mlcore.engine.training import ProgressBar, TrainConfig, TrainResult, train

MODELS = ("dkt", "sakt", "pfa")
# Adam at 1e-3 for DKT and SAKT, as in their papers. PFA's rate was compared on the
# assist2009-dkvmn valid folds: 1e-2, 3e-2, 1e-1 gave mean valid AUC 0.7045, 0.7043, 0.6998.
LEARNING_RATES = {"dkt": 1e-3, "sakt": 1e-3, "pfa": 3e-2}


@dataclass
class Group:
    """One train / valid / test split of a protocol."""

    name: str
    train: list[KTSequence]
    valid: list[KTSequence]
    test: list[KTSequence]


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The ``kt`` subcommand's flags."""
    parser.add_argument("--data", required=True, help="data folder (dkvmn, akt) or CSV file")
    parser.add_argument("--format", required=True, choices=("dkvmn", "akt", "csv"))
    parser.add_argument("--model", default="dkt", choices=(*MODELS, "auto"))
    parser.add_argument("--epochs", type=int, default=30, help="most epochs (early stopping)")
    parser.add_argument("--patience", type=int, default=3, help="epochs without a better AUC")
    parser.add_argument("--limit", type=int, default=None, help="run only the first N groups")
    parser.add_argument("--students", type=int, default=None, help="keep N students per split")
    parser.add_argument("--seq-len", type=int, default=200)
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--hidden", type=int, default=200, help="DKT hidden size")
    parser.add_argument("--lr", type=float, default=None, help="default: per model (see code)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--device", default=None, help="cpu, cuda, ... (default: cuda if present)")
    parser.add_argument(
        "--threads", type=int, default=None, help="torch CPU threads (1 is faster on a busy host)"
    )
    parser.add_argument("--out", default=None, help="write the JSON report here")


def _dkvmn_groups(root: Path) -> list[Group]:
    name = "assist2009_updated"
    test = kt_data.read_dkvmn(root / f"{name}_test.csv")
    return [
        Group(
            f"fold{k}",
            kt_data.read_dkvmn(root / f"{name}_train{k}.csv"),
            kt_data.read_dkvmn(root / f"{name}_valid{k}.csv"),
            test,
        )
        for k in range(1, 6)
    ]


def _rotating_groups(folds: list[list[KTSequence]], extra_train: list[KTSequence]) -> list[Group]:
    """Group k: test = fold k, valid = fold k+1 (wrapping), train = the rest + ``extra_train``."""
    n = len(folds)
    groups = []
    for k in range(n):
        rest = [s for j in range(n) if j not in (k, (k + 1) % n) for s in folds[j]]
        groups.append(Group(f"fold{k + 1}", rest + extra_train, folds[(k + 1) % n], folds[k]))
    return groups


def _akt_groups(root: Path) -> list[Group]:
    folds = [kt_data.read_akt(root / f"assist2009_pid_test{k}.csv") for k in range(1, 6)]
    return _rotating_groups(folds, kt_data.read_akt(root / "assist2009_pid_train_only_student.csv"))


def _csv_groups(corpus: KTCorpus, seed: int) -> list[Group]:
    by_student = {s.student: s for s in corpus.sequences}
    if not corpus.split:
        names = kt_data.student_folds(list(by_student), k=5, seed=seed)
        return _rotating_groups([[by_student[n] for n in fold] for fold in names], [])
    tagged: dict[str, list[KTSequence]] = {"train": [], "valid": [], "test": []}
    for student, split in corpus.split.items():
        tagged["valid" if split == "dev" else split].append(by_student[student])
    if not tagged["test"] or not tagged["train"]:
        raise kt_data.KTDataError("the split column needs 'train' and 'test' students")
    if not tagged["valid"]:
        names = kt_data.student_folds([s.student for s in tagged["train"]], k=10, seed=seed)
        held = set(names[0])
        tagged["valid"] = [s for s in tagged["train"] if s.student in held]
        tagged["train"] = [s for s in tagged["train"] if s.student not in held]
    return [Group("split", tagged["train"], tagged["valid"], tagged["test"])]


def load_groups(fmt: str, path: str, seed: int = 0) -> tuple[list[Group], int, int]:
    """The protocol's groups and the id ranges (n_skills, n_items) over all of its files."""
    if fmt == "dkvmn":
        groups = _dkvmn_groups(Path(path))
    elif fmt == "akt":
        groups = _akt_groups(Path(path))
    elif fmt == "csv":
        corpus = kt_data.read_interactions_csv(path)
        groups = _csv_groups(corpus, seed)
        return groups, corpus.n_skills, corpus.n_items
    else:
        raise ValueError(f"unknown format {fmt!r}")
    every = [s for g in groups for s in (*g.train, *g.valid, *g.test)]
    ranges = kt_data.corpus_from(every)
    return groups, ranges.n_skills, ranges.n_items


def build_model(name: str, n_skills: int, n_items: int, args: argparse.Namespace) -> KTModel:
    """A fresh model of the named kind, sized for the data."""
    if name == "dkt":
        return DKT(DKTConfig(n_skills=n_skills, embed_dim=args.hidden, hidden=args.hidden))
    if name == "sakt":
        return SAKT(SAKTConfig(n_skills=n_skills, n_items=n_items, max_len=args.seq_len))
    if name == "pfa":
        return PFA(PFAConfig(n_skills=n_skills, n_items=n_items))
    raise ValueError(f"unknown KT model {name!r}")


@torch.no_grad()
def predict_flat(model: nn.Module, loader: KTLoader) -> tuple[np.ndarray, np.ndarray]:
    """Probabilities and 0/1 labels of every real interaction the loader yields."""
    device = next(model.parameters()).device
    model.eval()
    probs, labels = [], []
    for batch in loader:
        batch = {k: v.to(device) for k, v in batch.items()}
        p = model.predict(batch)  # type: ignore[operator]  # the KT model contract
        probs.append(p[batch["mask"]].float().cpu())
        labels.append(batch["correct"][batch["mask"]].cpu())
    return torch.cat(probs).numpy(), torch.cat(labels).numpy()


def kt_metrics(probs: np.ndarray, labels: np.ndarray) -> dict[str, float]:
    """AUC, accuracy at 0.5 and RMSE of the probabilities, as the KT papers report them."""
    return {
        "auc": auc(labels, probs),
        "accuracy": accuracy(labels.astype(int), (probs >= 0.5).astype(int)),
        "rmse": rmse(labels, probs),
        "n": float(len(labels)),
    }


def _auc_of(loader: KTLoader) -> Callable[[nn.Module], float]:
    def score(model: nn.Module) -> float:
        probs, labels = predict_flat(model, loader)
        return auc(labels, probs)

    return score


def fit(
    name: str, group: Group, n_skills: int, n_items: int, args: argparse.Namespace
) -> tuple[KTModel, TrainResult]:
    """Train one model on the group's training students, stopping early on validation AUC."""
    seed_everything(args.seed)
    model = build_model(name, n_skills, n_items, args)
    cfg = TrainConfig(
        optimizer="adam",
        lr=args.lr or LEARNING_RATES[name],
        epochs=args.epochs,
        batch_size=args.batch_size,
        grad_clip=5.0,
        early_stopping_patience=args.patience,
        seed=args.seed,
        device=args.device,
    )
    train_loader = KTLoader(
        kt_data.make_windows(group.train, args.seq_len), args.batch_size, seed=args.seed
    )
    val_loader = KTLoader(kt_data.make_windows(group.valid, args.seq_len), 256, shuffle=False)
    bar = ProgressBar(desc=f"{group.name} {name}")
    result = train(cfg, model, train_loader, callbacks=[bar], val_score=_auc_of(val_loader))
    return model, result


def _limit_students(group: Group, n: int | None) -> Group:
    if n is None:
        return group
    return Group(group.name, group.train[:n], group.valid[:n], group.test[:n])


def _run_group(
    group: Group, n_skills: int, n_items: int, args: argparse.Namespace
) -> dict[str, Any]:
    names = MODELS if args.model == "auto" else (args.model,)
    fitted = {name: fit(name, group, n_skills, n_items, args) for name in names}
    val_auc = {
        name: float(result.best_score or float("nan")) for name, (_, result) in fitted.items()
    }
    pick = max(val_auc, key=lambda n: -1.0 if np.isnan(val_auc[n]) else val_auc[n])
    model, result = fitted[pick]
    test_loader = KTLoader(kt_data.make_windows(group.test, args.seq_len), 256, shuffle=False)
    started = time.perf_counter()
    probs, labels = predict_flat(model, test_loader)
    seconds = time.perf_counter() - started
    return {
        "group": group.name,
        "model": pick,
        "students": {"train": len(group.train), "valid": len(group.valid), "test": len(group.test)},
        "valid_auc": val_auc,
        "metrics": kt_metrics(probs, labels),
        "best_epoch": result.best_epoch,
        "train_seconds": sum(r.seconds for _, r in fitted.values()),
        "inference_items_per_second": len(labels) / max(seconds, 1e-9),
        "history": result.history,
        "config": asdict(model.cfg),  # type: ignore[call-overload]  # every KT model keeps its cfg
    }


def run(args: argparse.Namespace) -> dict[str, Any]:
    """Run the protocol chosen by ``args`` and return (and write, with ``--out``) the report."""
    if args.threads:
        torch.set_num_threads(args.threads)
    groups, n_skills, n_items = load_groups(args.format, args.data, args.seed)
    groups = [_limit_students(g, args.students) for g in groups[: args.limit]]
    rows = [_run_group(g, n_skills, n_items, args) for g in groups]
    keys = ("auc", "accuracy", "rmse")
    report: dict[str, Any] = {
        "task": "kt",
        "data": str(args.data),
        "format": args.format,
        "model": args.model,
        "picks": [row["model"] for row in rows],
        "n_skills": n_skills,
        "n_items": n_items,
        "seq_len": args.seq_len,
        "groups": rows,
        "mean": {k: float(np.mean([row["metrics"][k] for row in rows])) for k in keys},
        "train_seconds": sum(row["train_seconds"] for row in rows),
        "inference_items_per_second": float(
            np.mean([row["inference_items_per_second"] for row in rows])
        ),
        "device": str(default_device(args.device)),
        "torch_version": torch.__version__,
        "threads": torch.get_num_threads(),
        "command": getattr(args, "command", None) or " ".join(sys.argv),
    }
    if args.out:
        Path(args.out).parent.mkdir(parents=True, exist_ok=True)
        Path(args.out).write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    return report
