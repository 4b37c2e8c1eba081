"""Settings from the environment: production refuses unsafe values; embedded and scaled defaults.

Each case imports the settings in a fresh process with a clean environment, as a server would start.
"""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parent.parent
SETUP = "import django; django.setup()"
SHOW = (
    "import json, django; django.setup(); from django.conf import settings as s; print(json.dumps("
    "{'db': s.DATABASES['default'], 'broker': s.CELERY_BROKER_URL, 'cache': s.CACHES['default'],"
    " 'transport': s.CELERY_BROKER_TRANSPORT_OPTIONS, 'time_limit': s.CELERY_TASK_TIME_LIMIT,"
    " 'debug': s.DEBUG}, default=str))"
)

pytestmark = pytest.mark.skipif(
    (ROOT / ".env").exists(), reason="a .env file at the repository root adds to the environment"
)


def run_python(
    args: list[str], var_dir: Path, **variables: str
) -> subprocess.CompletedProcess[str]:
    env = {
        "PATH": os.environ.get("PATH", ""),
        "HOME": os.environ.get("HOME", ""),
        "DJANGO_SETTINGS_MODULE": "lms.settings",
        "AULA_VAR_DIR": str(var_dir),
        **variables,
    }
    return subprocess.run(
        [sys.executable, *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )


def show_settings(var_dir: Path, **variables: str) -> dict[str, Any]:
    done = run_python(["-c", SHOW], var_dir, **variables)
    assert done.returncode == 0, done.stderr
    shown: dict[str, Any] = json.loads(done.stdout)
    return shown


def production(**overrides: str) -> dict[str, str]:
    env = {
        "AULA_ENV": "production",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "aula.example.org",
    }
    env.update(overrides)
    return {name: value for name, value in env.items() if value != "<unset>"}


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"SECRET_KEY": "<unset>"}, "SECRET_KEY must be set when AULA_ENV=production"),
        ({"SECRET_KEY": "short-but-secret"}, "SECRET_KEY must be a random value"),
        ({"SECRET_KEY": "django-insecure-" + "x" * 60}, "SECRET_KEY must be a random value"),
        ({"SECRET_KEY": "change-me-" + "x" * 60}, "SECRET_KEY must be a random value"),
        ({"ALLOWED_HOSTS": "<unset>"}, "ALLOWED_HOSTS must be set when AULA_ENV=production"),
        ({"ALLOWED_HOSTS": ""}, "ALLOWED_HOSTS must be set when AULA_ENV=production"),
        ({"DEBUG": "true"}, "DEBUG must be off when AULA_ENV=production"),
    ],
)
def test_production_refuses_to_start(
    overrides: dict[str, str], message: str, tmp_path: Path
) -> None:
    done = run_python(["-c", SETUP], tmp_path, **production(**overrides))

    assert done.returncode != 0
    assert "ImproperlyConfigured" in done.stderr
    assert message in done.stderr


def test_production_starts_with_a_real_key_and_hosts(tmp_path: Path) -> None:
    done = run_python(["-c", SETUP], tmp_path, **production())

    assert done.returncode == 0, done.stderr
    # Production never writes a development key into var/.
    assert not (tmp_path / "secret_key").exists()


def test_check_deploy_prints_no_warnings(tmp_path: Path) -> None:
    done = run_python(["manage.py", "check", "--deploy"], tmp_path, **production())

    output = done.stdout + done.stderr
    assert done.returncode == 0, output
    assert "WARNINGS" not in output
    assert "System check identified no issues (0 silenced)." in output


def test_embedded_defaults_need_no_server(tmp_path: Path) -> None:
    shown = show_settings(tmp_path)

    assert shown["debug"] is True
    assert shown["db"]["ENGINE"] == "django.db.backends.sqlite3"
    assert shown["db"]["NAME"] == str(tmp_path / "aula.sqlite3")
    assert shown["broker"] == "filesystem://"
    assert shown["transport"]["data_folder_in"] == str(tmp_path / "celery" / "queue")
    assert (tmp_path / "celery" / "queue").is_dir()
    assert shown["cache"]["BACKEND"].endswith("FileBasedCache")
    assert shown["cache"]["LOCATION"] == str(tmp_path / "cache" / "django")
    # A development key is generated into var/ (and kept there, so sessions survive a restart).
    assert len((tmp_path / "secret_key").read_text().strip()) >= 50


def test_scaled_settings_come_from_the_environment(tmp_path: Path) -> None:
    shown = show_settings(
        tmp_path,
        DATABASE_URL="postgres://aula:pw@db.internal:5433/aula",
        REDIS_URL="redis://cache.internal:6379/2",
    )

    assert shown["db"]["ENGINE"] == "django.db.backends.postgresql"
    assert (shown["db"]["HOST"], shown["db"]["PORT"], shown["db"]["NAME"]) == (
        "db.internal",
        5433,
        "aula",
    )
    assert shown["broker"] == "redis://cache.internal:6379/2"
    assert shown["cache"]["BACKEND"].endswith("RedisCache")
    assert shown["cache"]["LOCATION"] == "redis://cache.internal:6379/2"
    # Redis must not hand a running task to a second worker: its visibility timeout outlasts it.
    assert shown["transport"]["visibility_timeout"] > shown["time_limit"]
    assert not (tmp_path / "celery").exists()


def test_a_separate_broker_url_wins_over_redis_url(tmp_path: Path) -> None:
    shown = show_settings(
        tmp_path,
        REDIS_URL="redis://cache.internal:6379/2",
        CELERY_BROKER_URL="redis://broker.internal:6379/0",
    )

    assert shown["broker"] == "redis://broker.internal:6379/0"
    assert shown["cache"]["LOCATION"] == "redis://cache.internal:6379/2"
