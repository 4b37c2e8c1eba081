from pathlib import Path

import pytest
import torch

from mlcore.engine import kt_data
from mlcore.engine.kt_data import KTDataError, KTLoader, KTSequence, make_windows

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "kt"


def test_read_dkvmn_with_trailing_commas_and_blank_lines() -> None:
    seqs = kt_data.read_dkvmn(FIXTURES / "dkvmn.csv")
    assert [s.skills for s in seqs] == [[1, 2, 1], [2, 2, 3, 1, 3]]
    assert [s.correct for s in seqs] == [[1, 0, 1], [0, 1, 1, 1, 0]]
    assert seqs[0].items is None
    corpus = kt_data.corpus_from(seqs)
    assert (corpus.n_skills, corpus.n_items, corpus.n_interactions) == (3, 0, 8)


def test_read_akt() -> None:
    seqs = kt_data.read_akt(FIXTURES / "akt.csv")
    assert [s.student for s in seqs] == ["1001", "1002"]
    assert seqs[0].items == [11, 12, 11]
    assert seqs[0].skills == [1, 2, 1]
    assert seqs[1].correct == [0, 1]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("3\n1,2\n1,0\n", "disagree"),
        ("2\n1,2\n1,2\n", "0 or 1"),
        ("2\n0,2\n1,1\n", "1 or more"),
        ("2\n1,x\n1,1\n", "invalid literal"),
        ("2\n1,2\n", "multiple of 3"),
    ],
)
def test_read_dkvmn_refuses_malformed_files(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "bad.csv"
    path.write_text(text)
    with pytest.raises(KTDataError, match=message):
        kt_data.read_dkvmn(path)


def test_read_interactions_csv_orders_and_merges_skill_sets() -> None:
    corpus = kt_data.read_interactions_csv(FIXTURES / "interactions.csv")
    ann, bob = corpus.sequences
    assert ann.student == "ann"
    assert ann.correct == [0, 1, 1]  # rows sorted by order: 1, 2, 3
    names = corpus.skill_names
    assert [names[s - 1] for s in ann.skills] == ["decimals;fractions", "decimals", "fractions"]
    # "decimals,fractions" (quoted) and "fractions;decimals" are the same skill combination.
    assert bob.skills[1] == ann.skills[0]
    assert bob.correct == [1, 0]  # "true" is accepted
    assert ann.items is not None
    assert bob.items is not None
    assert bob.items[0] == ann.items[2]  # q1 both times
    assert (corpus.n_skills, corpus.n_items, corpus.split) == (3, 4, {})


def test_read_interactions_csv_split_and_errors(tmp_path: Path) -> None:
    path = tmp_path / "split.csv"
    path.write_text(
        "student_id,item_id,skill_ids,correct,order,split\n"
        "a,q1,k,1,1,train\nb,q1,k,0,1,Test\na,q2,k,1,2,train\n"
    )
    assert kt_data.read_interactions_csv(path).split == {"a": "train", "b": "test"}
    path.write_text(
        "student_id,item_id,skill_ids,correct,order,split\na,q,k,1,1,train\na,q,k,1,2,test\n"
    )
    with pytest.raises(KTDataError, match="two splits"):
        kt_data.read_interactions_csv(path)
    path.write_text("student_id,item_id,skill_ids,correct,order\na,q,k,maybe,1\n")
    with pytest.raises(KTDataError, match=r"split.csv:2: correct"):
        kt_data.read_interactions_csv(path)
    path.write_text("student_id,item_id,correct\n")
    with pytest.raises(KTDataError, match="skill_ids, order"):
        kt_data.read_interactions_csv(path)


def test_windows_split_long_sequences() -> None:
    seq = KTSequence("s", skills=list(range(1, 8)), correct=[1, 0] * 3 + [1], items=[5] * 7)
    w = make_windows([seq, KTSequence("t", [2], [0])], seq_len=3)
    assert w["skill"].tolist() == [[1, 2, 3], [4, 5, 6], [7, 0, 0], [2, 0, 0]]
    assert w["mask"].sum(1).tolist() == [3, 3, 1, 1]
    assert w["correct"][2].tolist() == [1.0, 0.0, 0.0]
    assert w["item"][3].tolist() == [0, 0, 0]  # no items known for "t"
    assert w["correct"].dtype == torch.float32
    assert w["skill"].dtype == torch.int64


def test_loader_trims_batches_and_covers_every_window() -> None:
    seqs = [KTSequence(f"s{i}", [1] * n, [1] * n) for i, n in enumerate([2, 9, 3, 8, 1, 7])]
    windows = make_windows(seqs, seq_len=10)
    loader = KTLoader(windows, batch_size=2, seed=0)
    assert len(loader) == 3
    assert loader.n_interactions == 30
    batches = list(loader)
    assert sum(int(b["mask"].sum()) for b in batches) == 30
    for b in batches:
        assert b["mask"].shape[1] == int(b["mask"].sum(1).max())  # trimmed to its longest window
    # Length bucketing pairs neighbours in length: (9, 8), (7, 3), (2, 1) -> 2 * (9 + 7 + 2) slots.
    assert sum(b["mask"].numel() for b in batches) == 36
    fixed = [b["skill"].shape[0] for b in KTLoader(windows, batch_size=4, shuffle=False)]
    assert fixed == [4, 2]


def test_student_folds_are_disjoint_and_cover_everyone() -> None:
    folds = kt_data.student_folds([f"s{i}" for i in range(23)], k=5, seed=1)
    flat = [s for f in folds for s in f]
    assert sorted(flat) == sorted(f"s{i}" for i in range(23))
    assert {len(f) for f in folds} == {4, 5}
