import argparse
import json
import math
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from mlcore.engine import eval_kt
from mlcore.engine.evaluate import build_parser, main
from tests.mlcore.engine.kt_helpers import synthetic_sequences, write_interactions_csv

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "kt"
REPORT_KEYS = {
    "task", "data", "format", "model", "picks", "groups", "mean", "train_seconds",
    "inference_items_per_second", "device", "torch_version", "command",
}  # fmt: skip


def test_cli_smoke_on_generated_csv(tmp_path: Path) -> None:
    data = write_interactions_csv(tmp_path / "interactions.csv")
    out = tmp_path / "report.json"
    cmd = [sys.executable, "-m", "mlcore.engine.evaluate", "kt", "--format", "csv",
           "--data", str(data), "--epochs", "1", "--limit", "2", "--out", str(out)]  # fmt: skip
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=300, check=True)
    report = json.loads(out.read_text())
    assert json.loads(done.stdout) == report
    assert report.keys() >= REPORT_KEYS
    assert (report["task"], report["format"], report["model"]) == ("kt", "csv", "dkt")
    assert [g["group"] for g in report["groups"]] == ["fold1", "fold2"]  # --limit 2 of 5 folds
    assert set(report["mean"]) == {"auc", "accuracy", "rmse"}
    assert 0.0 <= report["mean"]["auc"] <= 1.0
    assert len(report["groups"][0]["history"]) == 1
    assert "fold1 dkt" in done.stderr  # the progress bar


def test_auto_reports_every_candidate_and_picks_the_best_on_validation(tmp_path: Path) -> None:
    data = write_interactions_csv(tmp_path / "interactions.csv", n_students=20)
    out = tmp_path / "r.json"
    argv = ["kt", "--format", "csv", "--data", str(data), "--model", "auto", "--epochs", "1",
            "--limit", "1", "--hidden", "16", "--out", str(out)]  # fmt: skip
    assert main(argv) == 0
    (group,) = json.loads(out.read_text())["groups"]
    assert set(group["valid_auc"]) == {"dkt", "sakt", "pfa"}
    assert group["model"] == max(group["valid_auc"], key=group["valid_auc"].get)


def test_rotating_groups_keep_splits_disjoint() -> None:
    folds = [synthetic_sequences(2, 3, seed=k) for k in range(5)]
    for k, fold in enumerate(folds):
        for s in fold:
            s.student = f"f{k}:{s.student}"
    extra = synthetic_sequences(1, 3, seed=9)
    groups = eval_kt._rotating_groups(folds, extra)
    assert [g.name for g in groups] == [f"fold{k}" for k in range(1, 6)]
    for k, g in enumerate(groups):
        names = [{s.student for s in part} for part in (g.train, g.valid, g.test)]
        assert not (names[0] & names[1])
        assert not (names[0] & names[2])
        assert not (names[1] & names[2])
        assert g.test == folds[k]
        assert g.valid == folds[(k + 1) % 5]
        assert len(g.train) == 7
        assert extra[0] in g.train


def test_csv_split_column_holds_out_validation_students(tmp_path: Path) -> None:
    rows = ["student_id,item_id,skill_ids,correct,order,split"]
    rows += [f"s{i},q,k,{i % 2},1,{'test' if i < 5 else 'train'}" for i in range(25)]
    (tmp_path / "s.csv").write_text("\n".join(rows) + "\n")
    (group,), n_skills, n_items = eval_kt.load_groups("csv", str(tmp_path / "s.csv"))
    assert (len(group.train), len(group.valid), len(group.test)) == (18, 2, 5)
    assert (n_skills, n_items) == (1, 1)


def test_dkvmn_and_akt_layouts(tmp_path: Path) -> None:
    for k in range(1, 6):
        for part in ("train", "valid"):
            shutil.copy(FIXTURES / "dkvmn.csv", tmp_path / f"assist2009_updated_{part}{k}.csv")
        shutil.copy(FIXTURES / "akt.csv", tmp_path / f"assist2009_pid_test{k}.csv")
    shutil.copy(FIXTURES / "dkvmn.csv", tmp_path / "assist2009_updated_test.csv")
    shutil.copy(FIXTURES / "akt.csv", tmp_path / "assist2009_pid_train_only_student.csv")
    groups, n_skills, n_items = eval_kt.load_groups("dkvmn", str(tmp_path))
    assert len(groups) == 5
    assert (n_skills, n_items) == (3, 0)
    groups, n_skills, n_items = eval_kt.load_groups("akt", str(tmp_path))
    # Three other folds of two students, plus the two "train-only" students of the copied file.
    assert len(groups[0].train) == 3 * 2 + 2
    assert (n_skills, n_items) == (3, 14)


def test_kt_metrics_and_parser() -> None:
    import numpy as np

    m = eval_kt.kt_metrics(np.array([0.9, 0.2, 0.6, 0.4]), np.array([1.0, 0.0, 0.0, 1.0]))
    assert m["auc"] == pytest.approx(0.75)
    assert m["accuracy"] == pytest.approx(0.5)
    assert m["rmse"] == pytest.approx(math.sqrt((0.01 + 0.04 + 0.36 + 0.36) / 4))
    args = build_parser("kt").parse_args(["kt", "--data", "x", "--format", "akt"])
    assert isinstance(args, argparse.Namespace)
    assert (args.model, args.seq_len, args.batch_size) == ("dkt", 200, 64)
    with pytest.raises(SystemExit):
        build_parser("kt").parse_args(["kt", "--data", "x", "--format", "nope"])
