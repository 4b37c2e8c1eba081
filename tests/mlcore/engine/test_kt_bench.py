import torch

from mlcore.engine.kt_bench import kt_training_throughput, synthetic_students


def test_synthetic_students_match_the_requested_size() -> None:
    students = synthetic_students(n_students=300, n_interactions=20_000, seed=1)
    total = sum(len(s) for s in students)
    assert len(students) == 300
    assert abs(total - 20_000) < 300  # rounding each length
    lengths = sorted(len(s) for s in students)
    assert lengths[len(lengths) // 2] < total / len(students)  # heavy tail: median below mean


def test_throughput_report() -> None:
    threads = torch.get_num_threads()
    report = kt_training_throughput(n_interactions=3_000, hidden=16, device="cpu", threads=1)
    assert report["threads"] == 1
    assert torch.get_num_threads() == threads  # restored
    assert report["model"] == "dkt"
    assert report["interactions"] >= 2_900
    assert report["interactions_per_second"] == report["interactions"] / report["seconds"]
    assert report["device"] == "cpu"
