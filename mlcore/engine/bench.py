"""Speed and memory of the engine: `python -m mlcore.engine.bench` prints JSON.

- `encoders`: each MiniLM encoder's single-answer latency (p50, p95, ms) and short answers per
  second at batch 1, 32 and 128 (`encoders.measure_speed`).
- `scoring`: the whole scoring call the service makes (`FittedScorer.predict`: featurize with the
  ONNX encoder, MLP head, calibration) for one short answer, and batched.
- `kt`: DKT training interactions per second on data the size of ASSISTments 2009.
- `memory`: peak resident memory of a fresh process that loads the encoder and 50 saved MLP
  scoring models and scores a batch with each (what one worker holding 50 questions costs).

Timings depend on what else runs on the machine; `--seconds` sets the time per figure.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import psutil
import torch

from mlcore.engine.encoders import get_encoder, measure_speed
from mlcore.engine.inference import FittedScorer, ScoreScale
from mlcore.engine.models.mlp import MLPConfig, MLPScorer
from mlcore.engine.scoring_features import InputSpec

REFERENCE = "Plants use light energy to turn carbon dioxide and water into glucose and oxygen."
ANSWERS = (
    "Photosynthesis turns light energy into chemical energy stored in glucose.",
    "The plant makes sugar from sunlight, water and carbon dioxide.",
    "Leaves take in oxygen and give out carbon dioxide.",
    "Light is used to make food and oxygen is released.",
    "I think the roots eat the soil.",
    "Chlorophyll absorbs light so the plant can build glucose.",
    "Water and CO2 become sugar with the energy of light.",
    "The sun warms the plant.",
)


def demo_scorer(seed: int = 0) -> FittedScorer:
    """An MLP scorer of the shipped shape with random weights (speed does not depend on them)."""
    torch.manual_seed(seed)
    model = MLPScorer(MLPConfig(min_score=0, max_score=2))
    calibration = {
        "conformal": {"kind": "conformal_abs", "q": 0.5, "alpha": 0.1, "n": 30, "low": 0.0,
                      "high": 2.0},
        "exact_rate": 0.7,
    }  # fmt: skip
    return FittedScorer(model, InputSpec(family="mlp"), ScoreScale(0, 2, 1), calibration)


def scoring_speed(seconds: float, batch_sizes: Sequence[int] = (32, 128)) -> dict[str, float]:
    """Latency of scoring one answer and answers per second when scoring a batch."""
    scorer = demo_scorer()
    scorer.predict(list(ANSWERS), [REFERENCE] * len(ANSWERS))  # warm-up
    latencies: list[float] = []
    deadline = time.perf_counter() + seconds
    while time.perf_counter() < deadline or len(latencies) < 20:
        answer = ANSWERS[len(latencies) % len(ANSWERS)]
        t0 = time.perf_counter()
        scorer.predict([answer], [REFERENCE])
        latencies.append((time.perf_counter() - t0) * 1000)
    out = {
        "latency_ms_p50": statistics.median(latencies),
        "latency_ms_p95": statistics.quantiles(latencies, n=100)[94],
    }
    for size in batch_sizes:
        batch = [ANSWERS[i % len(ANSWERS)] + f" ({i})" for i in range(size)]
        done, t0 = 0, time.perf_counter()
        while time.perf_counter() - t0 < seconds or done < 2 * size:
            scorer.predict(batch, [REFERENCE] * size)
            done += size
        out[f"answers_per_s_batch_{size}"] = done / (time.perf_counter() - t0)
    return out


def _hold_many(directory: str, count: int) -> None:
    """Child process: load the encoder and `count` scorers, score with each, print peak RSS."""
    encoder = get_encoder("onnx")
    scorers = [FittedScorer.load(Path(directory) / f"m{i}", encoder=encoder) for i in range(count)]
    for scorer in scorers:
        scorer.predict(list(ANSWERS), [REFERENCE] * len(ANSWERS))
    peak = psutil.Process().memory_info().rss
    try:
        import resource

        peak = max(peak, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024)
    except ImportError:  # not on Unix
        pass
    print(json.dumps({"models": count, "peak_rss_mb": peak / 2**20}))


def memory_with_models(count: int = 50) -> dict[str, Any]:
    """Peak resident memory of a fresh process holding the encoder and `count` MLP scorers."""
    with tempfile.TemporaryDirectory() as tmp:
        for i in range(count):
            demo_scorer(seed=i).save(Path(tmp) / f"m{i}")
        size = sum(f.stat().st_size for f in Path(tmp).rglob("*") if f.is_file())
        code = f"from mlcore.engine.bench import _hold_many; _hold_many({tmp!r}, {count})"
        done = subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, check=True
        )
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    result["checkpoints_mb"] = size / 2**20
    return result


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m mlcore.engine.bench", description=__doc__)
    parser.add_argument("--seconds", type=float, default=3.0, help="time per speed figure")
    parser.add_argument("--models", type=int, default=50, help="scorers held in the memory test")
    parser.add_argument("--skip-kt", action="store_true", help="leave out DKT training speed")
    parser.add_argument("--device", default=None, help="for DKT training (default: auto)")
    parser.add_argument(
        "--encoders",
        default="onnx,torch",
        help="encoders to time (the PyTorch one runs on CUDA when present); scoring and memory "
        "use the ONNX encoder and are measured only when it is listed",
    )
    args = parser.parse_args(argv)
    kinds = [kind.strip() for kind in args.encoders.split(",") if kind.strip()]
    report: dict[str, Any] = {
        "threads": torch.get_num_threads(),
        "cpus": psutil.cpu_count(),
        "load_average_1m": psutil.getloadavg()[0],
        "cuda": torch.cuda.get_device_name() if torch.cuda.is_available() else None,
        "encoders": {
            kind: measure_speed(get_encoder(kind), (1, 32, 128), args.seconds) for kind in kinds
        },
    }
    if "onnx" in kinds:
        report["scoring"] = scoring_speed(args.seconds)
        report["memory"] = memory_with_models(args.models)
    if not args.skip_kt:
        from mlcore.engine.kt_bench import kt_training_throughput

        report["kt"] = kt_training_throughput(device=args.device)
    print(json.dumps(report, indent=2, default=float))


if __name__ == "__main__":
    main()
