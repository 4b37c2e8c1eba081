"""docker/ agrees with the project: no Docker engine runs here, so its files are read instead.

Each compose command must name modules, apps and queues that exist; every variable it interpolates
and every variable the settings read must be documented; the images must run unprivileged, check
their health and collect static files.
"""

from __future__ import annotations

import importlib
import importlib.util
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml
from django.conf import settings

from lms.core.middleware import HEALTH_PATH

ROOT = Path(__file__).resolve().parent.parent
DOCKER = ROOT / "docker"
SETTINGS_VARIABLE = re.compile(
    r"""(?:\benv(?:\.(?:str|bool|int|float|list|json|url|db|email_url|path))?|_require)"""
    r"""\(\s*["']([A-Z][A-Z0-9_]*)["']"""
)
COMPOSE_VARIABLE = re.compile(r"(?<!\$)\$\{([A-Z][A-Z0-9_]*)(:?[-?][^}]*)?\}")
DOCUMENTED_VARIABLE = re.compile(r"^(#\s*)?([A-Z][A-Z0-9_]*)=", re.MULTILINE)
README_TABLE_VARIABLE = re.compile(r"^\|\s*`([A-Z][A-Z0-9_]*)`", re.MULTILINE)


def compose() -> dict[str, Any]:
    parsed: dict[str, Any] = yaml.safe_load((DOCKER / "compose.yaml").read_text())
    return parsed


def services() -> dict[str, dict[str, Any]]:
    found: dict[str, dict[str, Any]] = compose()["services"]
    return found


def env_example() -> dict[str, bool]:
    """Documented variable -> whether .env.example sets it (rather than show it commented)."""
    text = (DOCKER / ".env.example").read_text()
    return {m.group(2): m.group(1) is None for m in DOCUMENTED_VARIABLE.finditer(text)}


def settings_variables() -> set[str]:
    return set(SETTINGS_VARIABLE.findall((ROOT / "lms" / "settings.py").read_text()))


def option(command: list[str], long: str, short: str = "") -> str | None:
    """The value of `--long=value`, `--long value` or `-s value` in an argv list."""
    for index, arg in enumerate(command):
        if arg.startswith(f"{long}="):
            return arg.split("=", 1)[1]
        if arg in {long, short} and index + 1 < len(command):
            return command[index + 1]
    return None


def dockerfile_instructions(name: str) -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) pairs, continuation lines joined, comments dropped."""
    text = (DOCKER / name).read_text().replace("\\\n", " ")
    pairs = []
    for line in text.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            instruction, _, arguments = line.partition(" ")
            pairs.append((instruction.upper(), arguments.strip()))
    return pairs


def test_compose_has_every_service() -> None:
    assert set(services()) == {"postgres", "redis", "web", "worker", "worker-gpu", "beat"}
    assert services()["worker-gpu"]["profiles"] == ["gpu"]
    gpu = services()["worker-gpu"]["deploy"]["resources"]["reservations"]["devices"][0]
    assert gpu["driver"] == "nvidia"
    assert "gpu" in gpu["capabilities"]


@pytest.mark.parametrize("name", ["web", "worker", "worker-gpu", "beat"])
def test_app_services_build_an_existing_dockerfile(name: str) -> None:
    build = services()[name]["build"]
    context = (DOCKER / build["context"]).resolve()
    dockerfile = context / build["dockerfile"]

    assert context == ROOT
    assert dockerfile.is_file()
    # BuildKit reads the ignore file named after the Dockerfile, beside it.
    assert dockerfile.with_name(f"{dockerfile.name}.dockerignore").is_file()


def test_web_runs_the_wsgi_application_under_gunicorn() -> None:
    command = services()["web"]["command"]
    module, _, attribute = command[1].partition(":")

    assert command[0] == "gunicorn"
    assert importlib.util.find_spec("gunicorn") is not None
    # Django's own checks make sure WSGI_APPLICATION can be imported.
    assert f"{module}.{attribute}" == settings.WSGI_APPLICATION
    assert importlib.util.find_spec(module) is not None
    assert services()["web"]["environment"]["AULA_MIGRATE_ON_START"] == "true"


@pytest.mark.parametrize("name", ["worker", "worker-gpu", "beat"])
def test_celery_services_name_the_project_app_and_its_queues(name: str) -> None:
    command = services()[name]["command"]
    app = option(command, "--app", "-A")

    assert command[0] == "celery"
    assert app is not None
    assert importlib.import_module(f"{app}.celery").app.main == app
    queues = option(command, "--queues", "-Q")
    if "worker" in command:
        assert queues is not None
        assert set(queues.split(",")) <= set(settings.CELERY_QUEUES_ALL)


def test_every_queue_is_consumed_and_the_gpu_one_by_a_solo_worker() -> None:
    consumed = {
        queue
        for service in ("worker", "worker-gpu")
        for queue in str(option(services()[service]["command"], "--queues", "-Q")).split(",")
    }
    gpu = services()["worker-gpu"]["command"]

    assert consumed == set(settings.CELERY_QUEUES_ALL)
    assert option(gpu, "--queues", "-Q") == "ml_gpu"
    assert option(gpu, "--pool", "-P") == "solo"


def test_every_compose_variable_is_in_env_example() -> None:
    text = (DOCKER / "compose.yaml").read_text()
    used = COMPOSE_VARIABLE.findall(text)
    documented = env_example()

    assert used
    assert {name for name, _ in used} <= set(documented)
    required = {name for name, modifier in used if modifier.startswith((":?", "?"))}
    assert all(documented[name] for name in required), "required variables must be set"


def test_every_settings_variable_is_documented() -> None:
    read = settings_variables()
    readme = set(README_TABLE_VARIABLE.findall((ROOT / "README.md").read_text()))

    assert {"SECRET_KEY", "DATABASE_URL", "REDIS_URL", "ALLOWED_HOSTS"} <= read
    assert read - set(env_example()) == set(), "missing from docker/.env.example"
    assert read - readme == set(), "missing from the configuration table of README.md"


def test_the_entrypoint_exists_and_is_executable() -> None:
    entrypoint = DOCKER / "entrypoint.sh"

    assert os.access(entrypoint, os.X_OK)
    assert entrypoint.read_text().startswith("#!/bin/sh")
    for name in ("Dockerfile", "Dockerfile.gpu"):
        entrypoints = [a for i, a in dockerfile_instructions(name) if i == "ENTRYPOINT"]
        assert entrypoints == ['["/app/docker/entrypoint.sh"]']


@pytest.mark.parametrize("name", ["Dockerfile", "Dockerfile.gpu"])
def test_images_are_multi_stage_and_run_unprivileged(name: str) -> None:
    instructions = dockerfile_instructions(name)
    users = [arguments for instruction, arguments in instructions if instruction == "USER"]

    assert sum(instruction == "FROM" for instruction, _ in instructions) >= 2
    assert users
    assert users[-1] not in {"root", "0", "0:0"}
    assert any(i == "HEALTHCHECK" for i, _ in instructions)


@pytest.mark.parametrize("name", ["Dockerfile", "Dockerfile.gpu"])
def test_images_copy_only_what_exists_and_the_build_context_sends(name: str) -> None:
    instructions = dockerfile_instructions(name)
    allowed = {
        line[1:].strip()
        for line in (DOCKER / f"{name}.dockerignore").read_text().splitlines()
        if line.startswith("!")
    }
    sources = [
        source
        for instruction, arguments in instructions
        if instruction == "COPY" and not arguments.startswith("--from")
        for source in arguments.split()[:-1]
    ]

    assert sources
    for source in sources:
        assert (ROOT / source).exists(), source
        assert source.rstrip("/") in allowed, f"{source} is not in {name}.dockerignore"


def test_the_web_image_collects_static_files_and_checks_healthz() -> None:
    instructions = dockerfile_instructions("Dockerfile")
    runs = " ".join(arguments for instruction, arguments in instructions if instruction == "RUN")
    healthcheck = next(
        arguments for instruction, arguments in instructions if instruction == "HEALTHCHECK"
    )
    command = next(arguments for instruction, arguments in instructions if instruction == "CMD")

    assert "manage.py collectstatic --noinput" in runs
    assert f"127.0.0.1:8000{HEALTH_PATH}" in healthcheck
    assert '"lms.wsgi:application"' in command


def test_production_collectstatic_succeeds(tmp_path: Path) -> None:
    """The image's build step: the manifest storage fails on any missing file a stylesheet names."""
    env = {
        "PATH": os.environ.get("PATH", ""),
        "DJANGO_SETTINGS_MODULE": "lms.settings",
        "AULA_ENV": "production",
        "AULA_VAR_DIR": str(tmp_path / "var"),
        "STATIC_ROOT": str(tmp_path / "static"),
        "SECRET_KEY": "collectstatic-at-build-time-only-never-used-by-a-running-server-0123456789",
        "ALLOWED_HOSTS": "build.invalid",
    }
    done = subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )

    assert done.returncode == 0, done.stderr
    assert (tmp_path / "static" / "staticfiles.json").is_file()
    assert (tmp_path / "static" / "admin" / "css" / "base.css").is_file()
