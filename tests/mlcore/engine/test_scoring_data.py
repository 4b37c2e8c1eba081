"""Readers of scoring data, on tiny files written in tmp_path that copy each format's traps."""

from __future__ import annotations

from pathlib import Path

import pytest

from mlcore.engine.scoring_data import (
    ScoringDataError,
    ScoringExample,
    group_kfold,
    group_split,
    kfold_indices,
    pseudo_reference_pairs,
    random_split,
    read_asap,
    read_scoring_csv,
    read_semeval,
)

ASAP_HEADER = "\t".join(
    ["essay_id", "essay_set", "essay", "rater1_domain1", "rater2_domain1", "domain1_score"]
)


def _write(path: Path, text: str, encoding: str = "utf-8") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding=encoding)
    return path


def test_csv_reads_rows_split_and_empty_answer(tmp_path: Path) -> None:
    path = _write(
        tmp_path / "g.csv",
        "question_id,question,reference,answer,score,split\n"
        'q1,What is H2O?,Water,"water, of course",2,train\n'
        "q1,What is H2O?,Water,,0,test\n",
    )
    rows = read_scoring_csv(path)
    assert [r.answer for r in rows] == ["water, of course", ""]
    assert [r.score for r in rows] == [2.0, 0.0]
    assert [r.split for r in rows] == ["train", "test"]
    assert rows[0].references == ("Water",)


def test_csv_without_split_column_has_no_split(tmp_path: Path) -> None:
    path = _write(tmp_path / "g.csv", "question_id,question,reference,answer,score\nq,Q,R,A,1.5\n")
    assert read_scoring_csv(path)[0].split is None


def test_csv_missing_column_is_named(tmp_path: Path) -> None:
    path = _write(tmp_path / "g.csv", "question_id,question,answer,score\nq,Q,A,1\n")
    with pytest.raises(ScoringDataError, match="missing column\\(s\\) reference"):
        read_scoring_csv(path)


@pytest.mark.parametrize("score", ["", "good", "nan", "inf"])
def test_csv_bad_score_names_the_line(tmp_path: Path, score: str) -> None:
    path = _write(
        tmp_path / "g.csv",
        f"question_id,question,reference,answer,score\nq,Q,R,A,1\nq,Q,R,A,{score}\n",
    )
    with pytest.raises(ScoringDataError, match=r"g\.csv:3: score"):
        read_scoring_csv(path)


def test_csv_short_row_and_empty_file_are_refused(tmp_path: Path) -> None:
    short = _write(tmp_path / "s.csv", "question_id,question,reference,answer,score\nq,Q,R\n")
    with pytest.raises(ScoringDataError, match="wrong number of fields"):
        read_scoring_csv(short)
    empty = _write(tmp_path / "e.csv", "question_id,question,reference,answer,score\n")
    with pytest.raises(ScoringDataError, match="no rows"):
        read_scoring_csv(empty)


def _asap_dir(tmp_path: Path, bad_score: bool = False) -> Path:
    root = tmp_path / "asap"
    rows = [
        # An essay opening with an unbalanced quote: default CSV quoting would merge rows 1 and 2.
        '1\t1\t"When they come back, she vowed. The end.\t4\t4\t8',
        "2\t1\tNo quotes around this one, café.\t3\t3\t6",
        f'3\t3\t"He said ""boom,"" done"\t1\t1\t{9 if bad_score else 2}',
        '4\t5\t"Prompt five is filtered out"\t1\t1\t1',
    ]
    _write(
        root / "essays" / "fold_0_test.tsv", ASAP_HEADER + "\n" + "\n".join(rows) + "\n", "latin-1"
    )
    for part, ids in (("train", "1 3"), ("dev", "2"), ("test", "")):
        _write(root / "splits" / "fold_0" / f"{part}_ids.txt", ids.replace(" ", "\n") + "\n")
    return root


def test_asap_keeps_every_row_strips_quotes_and_reads_latin1(tmp_path: Path) -> None:
    data = read_asap(_asap_dir(tmp_path), prompts=(1, 3))
    assert [e.example_id for e in data.examples] == ["1", "2", "3"]
    assert data.examples[0].answer == '"When they come back, she vowed. The end.'
    assert data.examples[1].answer == "No quotes around this one, café."
    assert data.examples[2].answer == 'He said "boom," done'
    fold = data.folds[0]
    assert fold.train_ids == {"1", "3"}
    assert fold.dev_ids == {"2"}
    assert fold.test_ids == frozenset()
    assert [e.example_id for e in data.select(1, fold.train_ids)] == ["1"]
    assert data.score_ranges[1] == (2, 12)


def test_asap_refuses_out_of_range_score(tmp_path: Path) -> None:
    with pytest.raises(ScoringDataError, match="outside prompt range 0-3"):
        read_asap(_asap_dir(tmp_path, bad_score=True), prompts=(1, 3))


def test_asap_missing_id_list_is_an_error(tmp_path: Path) -> None:
    root = _asap_dir(tmp_path)
    (root / "splits" / "fold_0" / "dev_ids.txt").unlink()
    with pytest.raises(ScoringDataError, match="missing NEA id list"):
        read_asap(root, prompts=(1,))


def _semeval_dir(tmp_path: Path) -> Path:
    root = tmp_path / "semeval"
    _write(
        root / "semeval2013_2way_answers.csv",
        "corpus,split,question_id,answer_id,student_answer,label_2way\n"
        "beetle,train,Q1,a1,the gap separates them,correct\n"
        'beetle,test-unseen-answers,Q1,a2,"no idea, sorry",incorrect\n'
        "sciEntsBank,test-unseen-domains,Q9,a3,plants make food,correct\n",
    )
    _write(
        root / "semeval2013_reference_answers.csv",
        "corpus,split,question_id,module,question,reference_answer_id,"
        "reference_answer_category,reference_answer\n"
        "beetle,train,Q1,M,Why 1.5 V?,r1,BEST,There is a gap\n"
        "beetle,train,Q1,M,Why 1.5 V?,r2,GOOD,They are not connected\n"
        # Train and UA list the same question again; its references must not double.
        "beetle,test-unseen-answers,Q1,M,Why 1.5 V?,r1,BEST,There is a gap\n"
        "sciEntsBank,test-unseen-domains,Q9,M,What do leaves do?,r9,,They make sugar\n",
    )
    return root


def test_semeval_joins_all_references_once(tmp_path: Path) -> None:
    rows = read_semeval(_semeval_dir(tmp_path))
    assert [r.split for r in rows] == ["beetle/train", "beetle/UA", "sciEntsBank/UD"]
    assert rows[0].references == ("There is a gap", "They are not connected")
    assert rows[0].question == "Why 1.5 V?"
    assert rows[1].answer == "no idea, sorry"
    assert [r.score for r in rows] == [1.0, 0.0, 1.0]
    assert rows[2].question_id == "sciEntsBank/Q9"


def test_semeval_filters_by_corpus_and_split(tmp_path: Path) -> None:
    root = _semeval_dir(tmp_path)
    assert len(read_semeval(root, corpus="beetle")) == 2
    assert [r.example_id for r in read_semeval(root, splits=["beetle/UA"])] == ["a2"]


def _examples(n_questions: int, per_question: int) -> list[ScoringExample]:
    return [
        ScoringExample(f"q{q}", "", ("r",), f"a{q}-{i}", float(i % 2), example_id=f"{q}-{i}")
        for q in range(n_questions)
        for i in range(per_question)
    ]


def test_group_split_keeps_questions_whole() -> None:
    train, dev = group_split(_examples(10, 5), dev_fraction=0.3, seed=1)
    assert {e.question_id for e in train}.isdisjoint({e.question_id for e in dev})
    assert len(train) + len(dev) == 50
    assert 10 <= len(dev) <= 20


def test_group_kfold_puts_each_question_in_one_dev_part_of_similar_size() -> None:
    examples = _examples(10, 5) + [
        ScoringExample("big", "", ("r",), f"b{i}", 1.0, example_id=f"b{i}") for i in range(12)
    ]
    folds = group_kfold(examples, k=3, seed=2)
    devs = [{e.question_id for e in dev} for _, dev in folds]
    assert set.union(*devs) == {e.question_id for e in examples}
    assert sum(len(d) for d in devs) == 11  # no question in two dev parts
    for train, dev in folds:
        assert {e.question_id for e in train}.isdisjoint({e.question_id for e in dev})
        assert len(train) + len(dev) == 62
        assert 15 <= len(dev) <= 25  # 62 answers in three parts of about 21
    with pytest.raises(ValueError, match="2 <= k"):
        group_kfold(examples, k=12)


def test_group_split_with_one_question_splits_answers() -> None:
    train, dev = group_split(_examples(1, 10), dev_fraction=0.2)
    assert (len(dev), len(train)) == (2, 8)


def test_random_split_and_kfold_partition_everything() -> None:
    train, dev = random_split(_examples(2, 2), dev_fraction=0.01)
    assert (len(dev), len(train)) == (1, 3)
    folds = kfold_indices(12, k=5, seed=3)
    assert sorted(i for _, test in folds for i in test) == list(range(12))
    for tr, te in folds:
        assert set(tr).isdisjoint(te)
        assert len(tr) + len(te) == 12
    with pytest.raises(ValueError, match="need 2 <= k <= n"):
        kfold_indices(3, k=5)


def test_pseudo_reference_pairs_use_other_top_answers_of_the_same_question() -> None:
    copy = ScoringExample("q0", "", ("r",), "a0-1", 1.0, example_id="copy")  # text of 0-1
    examples = [*_examples(3, 6), copy]
    extra = pseudo_reference_pairs(examples, k=2, top=1.0, seed=0)
    assert len(extra) == 2 * len(examples)  # every question has at least two other top answers
    by_id = {e.example_id: e for e in examples}
    for pair in extra:
        own_id, _, ref_id = pair.example_id.partition("~")
        own, ref = by_id[own_id], by_id[ref_id]
        assert pair.references == (ref.answer,)
        assert (pair.answer, pair.score, pair.question_id) == (
            own.answer,
            own.score,
            own.question_id,
        )
        assert ref.question_id == own.question_id
        assert ref.score == 1.0
        assert ref.answer != own.answer  # never itself, nor an answer with its text
    assert pseudo_reference_pairs(examples, k=0, top=1.0) == []
    with pytest.raises(ValueError, match="0 or more"):
        pseudo_reference_pairs(examples, k=-1, top=1.0)
