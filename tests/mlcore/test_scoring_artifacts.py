"""Artifacts in Django storage: a local folder, and an object store (S3's shape: no local path),
checked against the registry's sha256 before anything loads them."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from mlcore.artifacts import (
    ArtifactError,
    artifact_delete,
    artifact_fetch,
    artifact_sha256,
    artifact_storage,
    artifact_store,
    cache_dir,
)

NAME = "scoring/q7/v1-abcdef12"


@pytest.fixture
def saved(tmp_path: Path) -> Path:
    # The files a FittedScorer.save() writes; their content does not matter here.
    folder = tmp_path / "saved"
    folder.mkdir()
    (folder / "model.safetensors").write_bytes(b"weights" * 1000)
    (folder / "config.json").write_text('{"kind": "mlp"}')
    return folder


@pytest.fixture(params=["filesystem", "object store"])
def storage(request: pytest.FixtureRequest, settings: Any, tmp_path: Path) -> str:
    backend = {
        "filesystem": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path / "models")},
        },
        # No `path()`, like S3Storage: fetching downloads into the cache.
        "object store": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
    }[request.param]
    settings.STORAGES = settings.STORAGES | {"artifacts": backend}
    settings.VAR_DIR = tmp_path / "var"
    return str(request.param)


def test_store_then_fetch_gives_the_same_files(saved: Path, storage: str) -> None:
    sha = artifact_sha256(saved)

    assert artifact_store(saved, name=NAME) == NAME
    folder = artifact_fetch(NAME, sha)

    for name in ("model.safetensors", "config.json"):
        assert (folder / name).read_bytes() == (saved / name).read_bytes()
    if storage == "object store":
        assert folder == cache_dir() / sha
        assert artifact_fetch(NAME, sha) == folder  # the cached copy, checked again


def test_storing_again_keeps_the_name(saved: Path, storage: str) -> None:
    artifact_store(saved, name=NAME)
    (saved / "config.json").write_text('{"kind": "mlp", "retried": true}')

    assert artifact_store(saved, name=NAME) == NAME
    _, files = artifact_storage().listdir(NAME)
    assert sorted(files) == ["config.json", "model.safetensors"]
    assert b"retried" in (artifact_fetch(NAME, artifact_sha256(saved)) / "config.json").read_bytes()


def test_a_wrong_sha256_is_refused(saved: Path, storage: str) -> None:
    artifact_store(saved, name=NAME)

    with pytest.raises(ArtifactError, match="sha256"):
        artifact_fetch(NAME, "0" * 64)


def test_missing_artifacts_and_files_are_refused(saved: Path, storage: str) -> None:
    sha = artifact_sha256(saved)
    with pytest.raises(ArtifactError, match="missing"):
        artifact_fetch(NAME, sha)
    artifact_store(saved, name=NAME)
    artifact_storage().delete(f"{NAME}/config.json")

    with pytest.raises(ArtifactError, match=r"config\.json missing"):
        artifact_fetch(NAME, sha)


def test_a_folder_without_weights_is_not_stored(saved: Path, storage: str) -> None:
    (saved / "model.safetensors").unlink()

    with pytest.raises(ArtifactError, match=r"model\.safetensors missing"):
        artifact_store(saved, name=NAME)
    assert not artifact_storage().exists(f"{NAME}/config.json")


def test_delete_removes_the_artifact(saved: Path, storage: str) -> None:
    artifact_store(saved, name=NAME)

    artifact_delete(NAME)
    artifact_delete(NAME)  # twice: nothing left to do, no error

    assert not artifact_storage().exists(f"{NAME}/model.safetensors")
    with pytest.raises(ArtifactError):
        artifact_fetch(NAME, artifact_sha256(saved))
