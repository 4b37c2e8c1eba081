"""The bench's scoring and memory figures, measured briefly (speed targets are not asserted here:
timings depend on the machine; `python -m mlcore.engine.bench` reports them)."""

from __future__ import annotations

from mlcore.engine.bench import ANSWERS, REFERENCE, demo_scorer, memory_with_models, scoring_speed


def test_demo_scorer_scores_like_a_fitted_one() -> None:
    results = demo_scorer().predict(list(ANSWERS), [REFERENCE] * len(ANSWERS))
    assert len(results) == len(ANSWERS)
    assert all(0.0 <= r["low"] <= r["score"] <= r["high"] <= 2.0 for r in results)


def test_scoring_speed_reports_latency_and_throughput() -> None:
    figures = scoring_speed(seconds=0.05, batch_sizes=(4,))
    assert 0 < figures["latency_ms_p50"] <= figures["latency_ms_p95"]
    assert figures["answers_per_s_batch_4"] > 0


def test_memory_of_a_process_holding_scorers() -> None:
    figures = memory_with_models(count=2)
    assert figures["models"] == 2
    assert 50 < figures["peak_rss_mb"] < 4096
    assert figures["checkpoints_mb"] > 0
