"""The worker runtime: nothing loads at import, the encoder memo, the graded answers' vectors."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Sequence

import numpy as np
import pytest

from mlcore import runtime
from tests.integration.workers import ROOT


class CountingEncoder:
    dim = 4

    def __init__(self) -> None:
        self.calls: list[list[str]] = []

    def encode(self, texts: Sequence[str], batch_size: int = 32) -> np.ndarray:
        self.calls.append(list(texts))
        return np.array([[len(t), 1, 0, 0] for t in texts], dtype=np.float32)


@pytest.mark.slow
def test_importing_the_tasks_loads_no_model() -> None:
    # Celery's prefork pool forks after importing the task modules: anything loaded here would
    # be copied into every child.
    code = (
        "import django; django.setup(); import mlcore.tasks; "
        "from mlcore import runtime; from mlcore.engine import encoders; "
        "assert not encoders._encoders and not runtime._shared and not runtime._models"
    )
    env = os.environ | {"DJANGO_SETTINGS_MODULE": "lms.settings"}
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, timeout=120
    )
    assert done.returncode == 0, done.stderr.decode()


def test_the_memo_encodes_each_text_once_and_keeps_the_order() -> None:
    base = CountingEncoder()
    memo = runtime.MemoEncoder(base, size=3)

    first = memo.encode(["aa", "b", "aa"])
    second = memo.encode(["b", "ccc"])

    assert base.calls == [["aa", "b"], ["ccc"]]
    assert first[:, 0].tolist() == [2, 1, 2]
    assert second[:, 0].tolist() == [1, 3]
    memo.encode(["dddd"])  # a fourth text: the least recently used ("aa") goes
    memo.encode(["aa"])
    assert base.calls[-1] == ["aa"]


def test_answer_vectors_are_cached_by_id_and_text(monkeypatch: pytest.MonkeyPatch) -> None:
    base = CountingEncoder()
    monkeypatch.setattr(runtime, "_shared", {"encoder": runtime.MemoEncoder(base)})
    monkeypatch.setattr(runtime, "_answer_vectors", type(runtime._answer_vectors)())

    runtime.answer_vectors([(1, "one"), (2, "two")])
    again = runtime.answer_vectors([(2, "two"), (1, "one, edited")])

    assert base.calls == [["one", "two"], ["one, edited"]]
    assert again[:, 0].tolist() == [3, 11]
