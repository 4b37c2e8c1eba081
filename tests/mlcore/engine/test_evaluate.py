import argparse
import json
import sys
import types
from typing import Any

import pytest

from mlcore.engine import evaluate


def test_scoring_delegates_to_eval_scoring_run(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    seen: dict[str, Any] = {}
    fake = types.ModuleType("mlcore.engine.eval_scoring")

    def run(args: argparse.Namespace) -> dict[str, Any]:
        seen["args"] = args
        return {"task": "scoring", "mean": {"qwk": 0.5}}

    fake.run = run  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "mlcore.engine.eval_scoring", fake)
    argv = ["scoring", "--data", "d", "--format", "asap", "--model", "mlp", "--limit", "2"]
    assert evaluate.main(argv) == 0
    args = seen["args"]
    assert (args.data, args.format, args.model, args.limit) == ("d", "asap", "mlp", 2)
    assert args.command.endswith("scoring --data d --format asap --model mlp --limit 2")
    assert json.loads(capsys.readouterr().out)["task"] == "scoring"


def test_subcommand_flags_come_from_its_module(monkeypatch: pytest.MonkeyPatch) -> None:
    fake = types.ModuleType("mlcore.engine.eval_scoring")

    def add_arguments(parser: argparse.ArgumentParser) -> None:
        parser.add_argument("--encoder", default="onnx")

    fake.add_arguments = add_arguments  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "mlcore.engine.eval_scoring", fake)
    args = evaluate.build_parser("scoring").parse_args(["scoring", "--encoder", "torch"])
    assert args.encoder == "torch"


def test_a_subcommand_is_required() -> None:
    with pytest.raises(SystemExit):
        evaluate.main([])
