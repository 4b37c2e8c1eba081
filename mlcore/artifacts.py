"""Model artifacts in Django storage (`STORAGES["artifacts"]`): a local folder or S3, same calls.

An artifact is the folder a `FittedScorer.save()` writes (`model.safetensors` + `config.json`).
The trainer stores it once; every worker fetches it by name and checks the sha256 of its weights
against the one the registry recorded, so a swapped or damaged file is refused, never loaded:

    sha = artifact_sha256(tmp_dir)                                  # record it on the version
    name = artifact_store(tmp_dir, name=f"scoring/q{qid}/v{n}-{sha[:8]}")
    folder = artifact_fetch(name, sha)    # FileSystemStorage: the folder itself;
                                          # S3: a verified copy under var/cache/artifacts/<sha>/
    FittedScorer.load(folder)
    artifact_delete(name)                 # retention (pruning)

Every failure to produce a complete, matching folder raises `ArtifactError` with the reason.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
from pathlib import Path

from django.conf import settings
from django.core.files import File
from django.core.files.storage import FileSystemStorage, Storage, storages

WEIGHTS_FILE = "model.safetensors"
CONFIG_FILE = "config.json"
REQUIRED_FILES = (WEIGHTS_FILE, CONFIG_FILE)


class ArtifactError(Exception):
    """An artifact that is missing, incomplete or whose weights do not match their sha256."""


def artifact_storage() -> Storage:
    return storages["artifacts"]


def artifact_sha256(local_dir: str | Path) -> str:
    """The sha256 of a saved scorer's weights: what `ModelVersion.sha256` records."""
    return _file_sha256(Path(local_dir) / WEIGHTS_FILE)


def artifact_store(local_dir: str | Path, *, name: str) -> str:
    """Copy every file of a saved scorer folder into the artifact storage under `name`.

    Storing the same name again replaces its files (a retried training task), so the name the
    caller chose is always the name stored, never one with a suffix the storage made up.
    """
    local = Path(local_dir)
    missing = [f for f in REQUIRED_FILES if not (local / f).is_file()]
    if missing:
        raise ArtifactError(f"{local} is not a saved scorer: {', '.join(missing)} missing")
    name = name.strip("/")
    storage = artifact_storage()
    for path in sorted(p for p in local.iterdir() if p.is_file()):
        key = f"{name}/{path.name}"
        if storage.exists(key):
            storage.delete(key)
        with path.open("rb") as handle:
            saved = storage.save(key, File(handle, name=path.name))
        if saved != key:
            raise ArtifactError(f"the storage saved {key} as {saved}")
    return name


def artifact_fetch(name: str, sha256: str) -> Path:
    """A local folder holding artifact `name`, its weights checked against `sha256`."""
    storage = artifact_storage()
    if not isinstance(storage, FileSystemStorage):
        return _fetch_remote(storage, name, sha256)
    folder = Path(storage.path(name))
    _verify(folder, sha256, name)
    return folder


def artifact_delete(name: str) -> None:
    """Remove artifact `name` (each file, then its folder when the storage has folders)."""
    storage = artifact_storage()
    name = name.strip("/")
    if not storage.exists(name):
        return
    _, files = storage.listdir(name)
    for file_name in files:
        storage.delete(f"{name}/{file_name}")
    if isinstance(storage, FileSystemStorage):
        # Object stores have no folders; a file system keeps the empty one otherwise.
        shutil.rmtree(storage.path(name), ignore_errors=True)


def cache_dir() -> Path:
    return Path(settings.VAR_DIR) / "cache" / "artifacts"


def _fetch_remote(storage: Storage, name: str, sha256: str) -> Path:
    # Keyed by content, so two versions never share a copy and a finished copy never changes.
    target = cache_dir() / sha256
    if target.is_dir():
        try:
            _verify(target, sha256, name)
            return target
        except ArtifactError:
            shutil.rmtree(target, ignore_errors=True)  # a damaged copy: download it again
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".download-", dir=target.parent))
    try:
        _download(storage, name, staging)
        _verify(staging, sha256, name)
        try:
            # Atomic: another process fetching the same artifact either wins or finds it done.
            os.rename(staging, target)
        except OSError:
            if not target.is_dir():
                raise
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return target


def _download(storage: Storage, name: str, into: Path) -> None:
    try:
        _, files = storage.listdir(name)
    except (FileNotFoundError, OSError) as exc:
        raise ArtifactError(f"artifact {name} is missing from the storage: {exc}") from exc
    missing = [f for f in REQUIRED_FILES if f not in files]
    if missing:
        raise ArtifactError(f"artifact {name} is incomplete: {', '.join(missing)} missing")
    for file_name in files:
        with storage.open(f"{name}/{file_name}", "rb") as src, (into / file_name).open("wb") as dst:
            shutil.copyfileobj(src, dst)


def _verify(folder: Path, sha256: str, name: str) -> None:
    missing = [f for f in REQUIRED_FILES if not (folder / f).is_file()]
    if missing:
        raise ArtifactError(f"artifact {name} is incomplete: {', '.join(missing)} missing")
    actual = _file_sha256(folder / WEIGHTS_FILE)
    if actual != sha256:
        raise ArtifactError(
            f"artifact {name}: the weights' sha256 is {actual[:12]}…, "
            f"the registry expects {sha256[:12]}… (file changed or corrupt)"
        )


def _file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()
