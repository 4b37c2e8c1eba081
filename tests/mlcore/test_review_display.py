"""What the teacher pages compute for display: evidence highlights and the loss chart."""

from __future__ import annotations

import math

from mlcore.charts import HEIGHT, LEFT, TOP, WIDTH, loss_chart
from mlcore.selectors.review import Segment, evidence_segments

TEXT = "Light scatters. Blue is short. Red is long."


def _point(start: int, end: int, met: bool = True, text: str | None = None) -> dict[str, object]:
    evidence = {"text": TEXT[start:end] if text is None else text, "start": start, "end": end}
    return {"key_point": "k", "met": met, "evidence": evidence}


def test_segments_mark_met_key_points_only() -> None:
    segments = evidence_segments(TEXT, [_point(0, 15), _point(16, 30, met=False)])
    assert segments == [Segment("Light scatters.", (1,)), Segment(" Blue is short. Red is long.")]


def test_overlapping_evidence_names_every_key_point() -> None:
    segments = evidence_segments(TEXT, [_point(0, 30), _point(16, 43)])
    assert segments == [
        Segment("Light scatters. ", (1,)),
        Segment("Blue is short.", (1, 2)),
        Segment(" Red is long.", (2,)),
    ]
    assert "".join(s.text for s in segments) == TEXT


def test_evidence_that_no_longer_fits_is_ignored() -> None:
    stale = _point(0, 15, text="Something else.")
    beyond = _point(30, 99, text=TEXT[30:99])
    missing: dict[str, object] = {"key_point": "k", "met": True, "evidence": None}
    assert evidence_segments(TEXT, [stale, beyond, missing]) == [Segment(TEXT)]
    assert evidence_segments("", [_point(0, 15)]) == []


def test_loss_chart_geometry() -> None:
    curve = [
        {"family": "mlp", "epoch": 1, "train_loss": 1.0, "val_loss": 1.2},
        {"family": "mlp", "epoch": 2, "train_loss": 0.5, "val_loss": float("nan")},
        {"family": "rnn", "epoch": 1, "train_loss": 0.8},
        "not a point",
    ]
    chart = loss_chart(curve)
    assert chart is not None
    assert [line.label for line in chart.lines] == [
        "mlp training loss",
        "mlp validation loss",
        "rnn training loss",
    ]
    # Epoch 1 sits on the y axis, the last epoch on the right edge; the y axis spans the nice
    # range around the values (0.4 to 1.2 in steps of 0.2), highest at the top.
    first, last = chart.lines[0].points
    assert first[0] == LEFT
    assert math.isclose(last[0], WIDTH - 16)
    assert [t.label for t in chart.y_ticks] == ["0.4", "0.6", "0.8", "1", "1.2"]
    assert chart.y_ticks[-1].position == TOP
    assert chart.y_ticks[0].position == HEIGHT - 44
    assert chart.lines[1].path.count("L") == 0  # the NaN epoch is left out, not drawn at zero
    assert [r["val_loss"] for r in chart.rows] == [1.2, None, None]
    assert chart.families == ["mlp", "rnn"]


def test_no_chart_without_losses() -> None:
    assert loss_chart([]) is None
    assert loss_chart([{"epoch": 1, "val_metric": 0.4}]) is None
