"""Checkpoints: ``model.safetensors`` (the state dict) plus ``config.json``; never a pickle.

Each model module registers its kind once, at import time, next to its class::

    @dataclass
    class DKTConfig: ...
    class DKT(nn.Module):
        def __init__(self, cfg: DKTConfig) -> None: ...   # the one constructor contract
    register_model("dkt", DKT, DKTConfig)

Then::

    meta = save_checkpoint("var/models/42", model, model.cfg, extra={"metrics": {...}})
    model, meta = load_checkpoint("var/models/42", expected_kind="dkt")   # eval mode, on CPU
    meta["extra"]["metrics"]

``config.json`` holds the format version, the kind, the model's module, the config dataclass's
fields, the sha256 of the weights file and ``extra`` (JSON-serialisable, e.g. metrics, vocabulary,
calibration). Loading imports the model's module when the kind is not registered yet (only modules
under ``mlcore.engine``), rebuilds the model from the config and refuses, with ``CheckpointError``,
a wrong kind, a config the dataclass does not know, weights whose sha256 differs, and weights that
do not fit the model built from the config (missing or unexpected tensors, other shapes).
"""

from __future__ import annotations

import dataclasses
import hashlib
import importlib
import json
import os
from pathlib import Path
from typing import Any

import torch
from safetensors.torch import load_file, save_model
from torch import nn

FORMAT_VERSION = 1
WEIGHTS_FILE = "model.safetensors"
CONFIG_FILE = "config.json"
_TRUSTED_PREFIX = "mlcore.engine."


class CheckpointError(Exception):
    """A checkpoint that cannot be loaded safely into its model."""


_REGISTRY: dict[str, tuple[type[nn.Module], type[Any]]] = {}


def register_model(kind: str, model_cls: type[nn.Module], config_cls: type[Any]) -> None:
    """Make ``kind`` loadable: ``model_cls(config_cls(**fields))`` rebuilds the model."""
    if not dataclasses.is_dataclass(config_cls):
        raise TypeError(f"{config_cls.__name__} is not a dataclass")
    known = _REGISTRY.get(kind)
    if known is not None and known[0].__qualname__ != model_cls.__qualname__:
        raise ValueError(f"model kind {kind!r} is already registered to {known[0].__qualname__}")
    _REGISTRY[kind] = (model_cls, config_cls)


def registered_kinds() -> list[str]:
    """The kinds registered so far in this process."""
    return sorted(_REGISTRY)


def _kind_of(model: nn.Module) -> str:
    for kind, (cls, _) in _REGISTRY.items():
        if type(model) is cls:
            return kind
    raise CheckpointError(f"{type(model).__name__} is not registered; call register_model first")


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def save_checkpoint(
    directory: str | Path,
    model: nn.Module,
    config: Any,
    extra: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Write the model's weights and config into ``directory`` (created); return the metadata.

    ``config`` must be the dataclass instance the model was built from. Files are written under
    temporary names and renamed, so a crash never leaves a half-written checkpoint behind.
    """
    kind = _kind_of(model)
    if not isinstance(config, _REGISTRY[kind][1]):
        raise CheckpointError(
            f"config is a {type(config).__name__}, {kind!r} expects {_REGISTRY[kind][1].__name__}"
        )
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    weights = directory / WEIGHTS_FILE
    tmp_weights = directory / (WEIGHTS_FILE + ".tmp")
    # save_model drops duplicate names of tied tensors, which safetensors cannot store twice.
    save_model(model, str(tmp_weights))
    meta = {
        "format_version": FORMAT_VERSION,
        "kind": kind,
        "module": type(model).__module__,
        "config": dataclasses.asdict(config),
        "weights_sha256": _sha256(tmp_weights),
        "torch_version": torch.__version__,
        "extra": extra or {},
    }
    tmp_config = directory / (CONFIG_FILE + ".tmp")
    tmp_config.write_text(json.dumps(meta, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    os.replace(tmp_weights, weights)
    os.replace(tmp_config, directory / CONFIG_FILE)
    return meta


def read_meta(directory: str | Path) -> dict[str, Any]:
    """Read and check ``config.json`` without loading the weights."""
    path = Path(directory) / CONFIG_FILE
    try:
        meta: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise CheckpointError(f"cannot read {path}: {exc}") from exc
    if meta.get("format_version") != FORMAT_VERSION:
        raise CheckpointError(
            f"{path}: format version {meta.get('format_version')!r}, expected {FORMAT_VERSION}"
        )
    for key in ("kind", "module", "config", "weights_sha256"):
        if key not in meta:
            raise CheckpointError(f"{path}: no {key!r}")
    return meta


def _classes_for(meta: dict[str, Any]) -> tuple[type[nn.Module], type[Any]]:
    kind, module = meta["kind"], meta["module"]
    if kind not in _REGISTRY and str(module).startswith(_TRUSTED_PREFIX):
        # The registering module may not be imported yet in this process (a fresh worker).
        importlib.import_module(module)
    if kind not in _REGISTRY:
        raise CheckpointError(f"unknown model kind {kind!r}; known: {registered_kinds()}")
    return _REGISTRY[kind]


def _build_config(config_cls: type[Any], fields: dict[str, Any]) -> Any:
    known = {f.name: f for f in dataclasses.fields(config_cls)}
    unknown = sorted(set(fields) - set(known))
    if unknown:
        raise CheckpointError(f"{config_cls.__name__} has no field(s) {unknown}")
    try:
        return config_cls(**fields)
    except (TypeError, ValueError) as exc:
        raise CheckpointError(f"invalid {config_cls.__name__}: {exc}") from exc


def _check_fit(model: nn.Module, weights: dict[str, torch.Tensor]) -> None:
    expected = model.state_dict()

    # Tied tensors are stored once (see save_model); a name is satisfied if any alias was saved.
    def storage(t: torch.Tensor) -> int:
        return t.data_ptr() if t.numel() else id(t)  # empty tensors share address 0

    aliases: dict[int, set[str]] = {}
    for name, tensor in expected.items():
        aliases.setdefault(storage(tensor), set()).add(name)
    missing = sorted(n for n, t in expected.items() if not aliases[storage(t)] & weights.keys())
    unexpected = sorted(set(weights) - set(expected))
    shapes = sorted(
        f"{n}: saved {tuple(weights[n].shape)}, model {tuple(t.shape)}"
        for n, t in expected.items()
        if n in weights and weights[n].shape != t.shape
    )
    problems = [
        f"missing tensors {missing}" if missing else "",
        f"unexpected tensors {unexpected}" if unexpected else "",
        f"shape mismatch {shapes}" if shapes else "",
    ]
    if any(problems):
        raise CheckpointError(
            "weights do not fit the config: " + "; ".join(p for p in problems if p)
        )


def load_checkpoint(
    directory: str | Path,
    expected_kind: str | None = None,
    device: str | torch.device = "cpu",
) -> tuple[nn.Module, dict[str, Any]]:
    """Rebuild a saved model (in eval mode, on ``device``) and return it with its metadata."""
    directory = Path(directory)
    meta = read_meta(directory)
    if expected_kind is not None and meta["kind"] != expected_kind:
        raise CheckpointError(f"checkpoint holds a {meta['kind']!r} model, not {expected_kind!r}")
    weights_path = directory / WEIGHTS_FILE
    if not weights_path.is_file():
        raise CheckpointError(f"{weights_path} is missing")
    if _sha256(weights_path) != meta["weights_sha256"]:
        raise CheckpointError(f"{weights_path}: sha256 differs from config.json (file changed)")
    model_cls, config_cls = _classes_for(meta)
    config = _build_config(config_cls, meta["config"])
    model = model_cls(config)
    weights = load_file(str(weights_path))
    _check_fit(model, weights)
    model.load_state_dict(weights, strict=False)  # strictness checked above, aliases included
    model.to(device)
    model.eval()
    return model, meta
