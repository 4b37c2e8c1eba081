"""The scoring protocols end to end on tiny data sets written in tmp_path (real encoder)."""

from __future__ import annotations

import argparse
import json
import random
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from mlcore.engine import evaluate
from mlcore.engine.eval_scoring import Task, median_epochs, pick_subset, run_task
from mlcore.engine.inference import ScoreScale
from mlcore.engine.scoring_data import ScoringExample

GOOD = ("the metal expands in heat so the gap closes", "heat makes the rails longer")
BAD = ("trains are heavy", "i do not know", "the gap is for rain")


def _answer(rng: random.Random, score: int) -> str:
    return rng.choice(GOOD if score else BAD) + rng.choice(("", " yes", " i think"))


def _asap(root: Path) -> Path:
    rng = random.Random(0)
    header = "essay_id\tessay_set\tessay\tdomain1_score"
    rows = [f'{i}\t3\t"{_answer(rng, i % 4 > 1) * (1 + i % 4)}"\t{i % 4}' for i in range(1, 31)]
    (root / "essays").mkdir(parents=True)
    (root / "essays" / "fold_0_test.tsv").write_text(header + "\n" + "\n".join(rows) + "\n")
    fold = root / "splits" / "fold_0"
    fold.mkdir(parents=True)
    parts = {"train": range(1, 19), "dev": range(19, 25), "test": range(25, 31)}
    for name, ids in parts.items():
        (fold / f"{name}_ids.txt").write_text("\n".join(map(str, ids)) + "\n")
    return root


def _semeval(root: Path) -> Path:
    rng = random.Random(1)
    answers = ["corpus,split,question_id,answer_id,student_answer,label_2way"]
    refs = ["corpus,split,question_id,module,question,reference_answer_id,"
            "reference_answer_category,reference_answer"]  # fmt: skip
    plan = {"beetle": ("train", "test-unseen-answers", "test-unseen-questions"),
            "sciEntsBank": ("train", "test-unseen-answers", "test-unseen-domains")}  # fmt: skip
    for corpus, splits in plan.items():
        for split in splits:
            questions = ("Q1", "Q2", "Q3") if split == "train" else (f"{split}-Q",)
            for q in questions:
                refs.append(f"{corpus},{split},{q},m,Why?,r,BEST,{GOOD[0]}")
                for i in range(8):
                    label = "correct" if i % 2 else "incorrect"
                    answers.append(f"{corpus},{split},{q},{q}{i},{_answer(rng, i % 2)},{label}")
    root.mkdir()
    (root / "semeval2013_2way_answers.csv").write_text("\n".join(answers) + "\n")
    (root / "semeval2013_reference_answers.csv").write_text("\n".join(refs) + "\n")
    return root


def _csv(path: Path, with_split: bool) -> Path:
    rng = random.Random(2)
    lines = ["question_id,question,reference,answer,score" + (",split" if with_split else "")]
    for i in range(40):
        split = "," + ("train", "train", "dev", "test")[i % 4] if with_split else ""
        lines.append(f"q1,Why?,{GOOD[0]},{_answer(rng, i % 2)},{i % 2}{split}")
    path.write_text("\n".join(lines) + "\n")
    return path


def _run(args: list[str], out: Path, capsys: pytest.CaptureFixture[str]) -> dict:
    evaluate.main(["scoring", *args, "--epochs", "2", "--out", str(out)])
    printed = json.loads(capsys.readouterr().out)
    assert printed == json.loads(out.read_text())
    return printed


def _semeval_mlp(tmp_path: Path, capsys: pytest.CaptureFixture[str], *flags: str) -> dict:
    """The MLP with two pair-feature candidates on the SemEval fixture, plus `flags`."""
    data = _semeval(tmp_path / "semeval")
    return _run(
        ["--data", str(data), "--format", "semeval", "--model", "mlp", "--pair-features",
         "embeddings,relational", *flags, "--cache-dir", str(tmp_path / "cache")],
        tmp_path / "r.json", capsys,
    )  # fmt: skip


def test_asap_protocol_reports_qwk_per_prompt(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = _asap(tmp_path / "asap")
    report = _run(
        ["--data", str(data), "--format", "asap", "--model", "mlp", "--prompts", "3",
         "--folds", "0", "--ngram-buckets", "4096", "--cache-dir", str(tmp_path / "cache")],
        tmp_path / "r.json", capsys,
    )  # fmt: skip
    assert set(report["metrics"]["groups"]) == {"P3"}
    assert -1.0 <= report["metrics"]["mean"]["qwk"] <= 1.0
    assert report["picks"][0]["pick"] == ["mlp"]
    assert report["train_seconds"] > 0
    assert report["inference_items_per_second"] > 0
    assert report["device"] == "cpu"
    assert any((tmp_path / "cache" / "embeddings").rglob("*.npz"))


def test_semeval_protocol_reports_each_test_split(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = _semeval(tmp_path / "semeval")
    report = _run(
        ["--data", str(data), "--format", "semeval", "--model", "auto", "--candidates",
         "mlp,textcnn@mse", "--cache-dir", str(tmp_path / "cache")],
        tmp_path / "r.json", capsys,
    )  # fmt: skip
    groups = report["metrics"]["groups"]
    assert set(groups) == {"beetle/UA", "beetle/UQ", "sciEntsBank/UA", "sciEntsBank/UD"}
    for figures in groups.values():
        assert {"accuracy", "f1_macro", "f1_weighted"} <= set(figures)
    # The MLP once per pair-feature mode (SemEval's default), each a candidate with a dev figure.
    labels = {"mlp[embeddings]", "mlp[relational]", "mlp[both]", "textcnn@mse"}
    for pick in report["picks"]:
        assert labels <= set(pick["dev"])
        assert set(pick["pick"]) <= labels


def test_refit_trains_the_pick_again_on_train_and_dev_for_its_epochs(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = _semeval(tmp_path / "semeval")
    report = _run(
        ["--data", str(data), "--format", "semeval", "--model", "mlp", "--pair-features",
         "relational", "--refit", "--cache-dir", str(tmp_path / "cache")],
        tmp_path / "r.json", capsys,
    )  # fmt: skip
    for pick in report["picks"]:
        assert pick["pick"] == ["mlp"]  # one mode: the plain family label
        assert set(pick["best_epochs"]) == {"mlp"}
        assert pick["trained_on"] == {"mlp": 24}  # all three training questions, dev's included
    assert report["settings"]["refit"] is True
    with pytest.raises(ValueError, match="pair-features"):
        _run(["--data", str(data), "--format", "semeval", "--model", "mlp",
              "--pair-features", "words"], tmp_path / "x.json", capsys)  # fmt: skip


def test_seeds_average_several_fits_of_each_candidate(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    report = _semeval_mlp(tmp_path, capsys, "--seeds", "2", "--refit")
    for pick in report["picks"]:
        assert set(pick["dev"]) == {"mlp[embeddings]", "mlp[relational]"}
        for epochs in pick["best_epochs"].values():
            assert len(epochs) == 2  # one per seed
            assert all(1 <= e <= 2 for e in epochs)
        assert list(pick["trained_on"].values()) == [24]  # refitted on train + dev


def test_dev_folds_pick_on_out_of_fold_predictions_and_average_the_fits(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    report = _semeval_mlp(tmp_path, capsys, "--dev-folds", "3")
    for pick in report["picks"]:
        assert set(pick["dev"]) == {"mlp[embeddings]", "mlp[relational]"}
        for epochs in pick["best_epochs"].values():
            assert len(epochs) == 3  # one fit per fold
        assert list(pick["trained_on"].values()) == [16]  # each fold trains on two questions
        assert pick["refit_epochs"] == {}
    with pytest.raises(ValueError, match="dev-folds"):
        _run(["--data", str(_csv(tmp_path / "s.csv", True)), "--format", "csv", "--dev-folds", "3"],
             tmp_path / "x.json", capsys)  # fmt: skip


def test_dev_folds_with_refit_train_the_pick_on_all_of_train_for_the_median_epoch(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    report = _semeval_mlp(tmp_path, capsys, "--dev-folds", "3", "--refit")
    for pick in report["picks"]:
        (name,) = pick["pick"]
        per_fold = pick["best_epochs"][name]
        assert len(per_fold) == 3
        assert pick["refit_epochs"] == {name: sorted(per_fold)[1]}  # the median of three
        assert pick["trained_on"] == {name: 24}  # all three training questions


def test_median_epochs_round_halves_up_and_keep_one_per_seed() -> None:
    assert median_epochs([3, 9, 4]) == 4
    assert median_epochs([2, 3]) == 3
    assert median_epochs([[1, 6], [2, 8], [5, 7]]) == [2, 7]


def test_pseudo_references_add_training_pairs_but_leave_dev_and_test_alone(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = _semeval(tmp_path / "semeval")
    args = ["--data", str(data), "--format", "semeval", "--model", "mlp", "--pair-features",
            "relational", "--cache-dir", str(tmp_path / "cache")]  # fmt: skip
    plain = _run(args, tmp_path / "plain.json", capsys)
    report = _run([*args, "--pseudo-references", "2"], tmp_path / "r.json", capsys)
    for before, after in zip(plain["picks"], report["picks"], strict=True):
        # Two training questions of 8 answers (4 correct): each answer gets 2 more pairs.
        assert before["trained_on"] == {"mlp": 16}
        assert after["trained_on"] == {"mlp": 48}
    assert set(report["metrics"]["groups"]) == set(plain["metrics"]["groups"])
    with pytest.raises(ValueError, match="reference answers"):
        _run(["--data", str(_asap(tmp_path / "asap")), "--format", "asap", "--model", "mlp",
              "--pseudo-references", "1"], tmp_path / "x.json", capsys)  # fmt: skip


@pytest.mark.parametrize("with_split", [False, True])
def test_csv_protocol_cross_validates_without_a_split(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], with_split: bool
) -> None:
    data = _csv(tmp_path / "g.csv", with_split)
    report = _run(
        ["--data", str(data), "--format", "csv", "--model", "mlp",
         "--cache-dir", str(tmp_path / "cache")],
        tmp_path / "r.json", capsys,
    )  # fmt: skip
    expected = {"split"} if with_split else {f"fold{k}" for k in range(5)}
    assert set(report["metrics"]["groups"]) == expected


def test_pick_subset_prefers_the_better_average() -> None:
    y = [0.0, 1.0, 2.0, 3.0]
    preds = {"a": np.array([0.6, 1.6, 1.4, 2.4]), "b": np.array([-0.6, 0.4, 2.6, 3.6])}
    pick, figures = pick_subset(preds, np.array(y), ScoreScale(0, 3, 1))
    assert pick == ["a", "b"]  # their errors cancel
    assert figures["a+b"] == 1.0


def test_model_labels_are_checked() -> None:
    with pytest.raises(SystemExit):
        evaluate.main(["scoring", "--data", "x", "--format", "csv", "--model", "svm"])
    with pytest.raises(SystemExit):
        evaluate.main(["scoring", "--data", "x", "--format", "csv", "--model", "mlp@hinge"])
    with pytest.raises(SystemExit):
        evaluate.main(["scoring", "--data", "x", "--format", "csv", "--seeds", "0"])


class _Constant:
    """A fitted candidate that gives every answer the same score."""

    def __init__(self, value: float) -> None:
        self.value = value
        self.report = {"best_epoch": 3, "n_train": 0}

    def predict_scores(
        self, answers: list[str], references: list[list[str]], questions: list[str]
    ) -> np.ndarray:
        return np.full(len(answers), self.value)


def test_route_seen_scores_answers_to_training_questions_with_the_seen_pick() -> None:
    def row(question: str, score: float, n: int) -> ScoringExample:
        return ScoringExample(question, "Why?", ("ref",), f"answer {n}", score)

    def fit(task: Task, on_candidate: Callable[[str, _Constant], None], *_: object) -> None:
        on_candidate("always-1", _Constant(1.0))
        on_candidate("always-0", _Constant(0.0))

    train = [row("Q1", 1.0, n) for n in range(4)]
    # Question-grouped dev answers are correct, random (seen-question) dev answers are not:
    # each case's dev data picks a different candidate.
    unseen_dev = [row("Q2", 1.0, n) for n in range(4)]
    seen_dev = [row("Q1", 0.0, n) for n in range(4)]
    tests = {"mixed": [row("Q1", 0.0, 10), row("Q1", 0.0, 11), row("Q9", 1.0, 12)]}
    task = Task("c", train, unseen_dev, tests, ScoreScale(0, 1, 1), seen_folds=[(train, seen_dev)])
    args = argparse.Namespace(model="mlp", refit=False, pseudo_references=0, seed=0)
    outcome = run_task(task, args, fit)
    assert outcome.choice.pick == ["always-1"]
    assert outcome.seen is not None
    assert outcome.seen.pick == ["always-0"]
    assert outcome.test["mixed"]["accuracy"] == 1.0  # Q1 answers by the seen pick, Q9 not
    without = run_task(replace(task, seen_folds=[]), args, fit)
    assert without.seen is None
    assert without.test["mixed"]["accuracy"] == pytest.approx(1 / 3)


def test_route_seen_reports_the_second_pick_and_is_for_semeval_only(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    report = _semeval_mlp(tmp_path, capsys, "--dev-folds", "3", "--route-seen")
    for pick in report["picks"]:
        seen = pick["seen"]
        assert set(seen["dev"]) == {"mlp[embeddings]", "mlp[relational]"}
        assert len(seen["best_epochs"]["mlp[embeddings]"]) == 3  # one fit per random fold
        assert list(seen["trained_on"].values()) == [16]  # two thirds of the 24 answers
    with pytest.raises(ValueError, match="route-seen"):
        _run(["--data", str(_csv(tmp_path / "s.csv", True)), "--format", "csv",
              "--route-seen"], tmp_path / "x.json", capsys)  # fmt: skip
