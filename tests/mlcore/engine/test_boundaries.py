"""mlcore.engine stays pure PyTorch: no Django, Celery, kombu, DRF or lms, directly or not."""

import pkgutil
import shutil
import subprocess
import sys
from pathlib import Path

import mlcore.engine

ROOT = Path(__file__).resolve().parents[3]
FORBIDDEN = ("django", "celery", "kombu", "rest_framework", "lms")


def engine_modules() -> list[str]:
    return sorted(
        m.name for m in pkgutil.walk_packages(mlcore.engine.__path__, prefix="mlcore.engine.")
    )


def test_import_linter_contract_is_kept() -> None:
    lint = shutil.which("lint-imports") or str(Path(sys.executable).parent / "lint-imports")
    done = subprocess.run(
        [lint, "--contract", "engine-pure", "--no-cache"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "KEPT" in done.stdout


def test_importing_every_engine_module_loads_no_django_or_celery() -> None:
    modules = engine_modules()
    assert "mlcore.engine.training" in modules
    assert len(modules) > 5
    code = (
        "import importlib, sys\n"
        f"for name in {modules!r}:\n"
        "    importlib.import_module(name)\n"
        f"bad = sorted(m for m in sys.modules if m.split('.')[0] in {FORBIDDEN!r})\n"
        "print(','.join(bad))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "", f"engine imports {done.stdout.strip()}"
