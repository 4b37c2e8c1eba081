"""Run Aula embedded: migrate, seed the demo on an empty database, then the web server and a worker.

`make run` calls this after `make install`. Ctrl-C (SIGINT) or SIGTERM stops every process it
started, and so does the death of any one of them: a web server without its worker (or the
reverse) would look alive while half of Aula is missing.

Why these processes:
- `runserver --noreload`: the embedded mode serves one school's few users on localhost; runserver
  is threaded, serves static files through WhiteNoise in DEBUG and needs no configuration. The
  reloader is off because the worker does not reload: after an edit, both would run different code.
  Production runs gunicorn (docker/compose.yaml).
- one Celery worker on every queue with `--pool=threads --concurrency=2`: a single process holds
  one copy of the per-process model cache (the encoder, the scorers) and nothing is forked, which
  keeps torch's thread pools (and CUDA, on a GPU laptop) safe. Two threads, because a training run
  takes minutes: while one thread trains, the other scores students' submissions, so feedback
  still arrives in about a second (a worker process trains one run at a time; a second training
  waits on the broker). The filesystem broker needs no server.
- `-B` embeds celery beat in that worker, so periodic tasks run in the embedded mode without a
  third process. Only one beat may run per database, which is why `make worker` has none.
"""

from __future__ import annotations

import argparse
import contextlib
import ctypes
import os
import signal
import subprocess
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from types import FrameType

ROOT = Path(__file__).resolve().parent.parent
QUEUES = "default,ml_cpu,ml_gpu"
# How long a warm shutdown may take (the worker finishes its current task) before SIGKILL.
STOP_GRACE_SECONDS = 15.0
PR_SET_PDEATHSIG = 1  # from <linux/prctl.h>
HAS_COURSE = (
    "import sys; from lms.courses.models import Course; "
    "sys.exit(0 if Course.objects.exists() else 1)"
)


def manage(*args: str) -> list[str]:
    return [sys.executable, str(ROOT / "manage.py"), *args]


def prepare() -> None:
    """Migrate, then seed the demo course when the database holds no course at all."""
    subprocess.run(manage("migrate", "--noinput"), cwd=ROOT, check=True)
    if subprocess.run(manage("shell", "-v", "0", "-c", HAS_COURSE), cwd=ROOT).returncode != 0:
        subprocess.run(manage("seed_demo"), cwd=ROOT, check=True)


@dataclass
class Child:
    name: str
    process: subprocess.Popen[bytes]

    def signal_group(self, sig: signal.Signals) -> None:
        with contextlib.suppress(ProcessLookupError):  # the whole group has already exited
            os.killpg(self.process.pid, sig)


def start(name: str, command: Sequence[str]) -> Child:
    # Each child leads its own process group, so that stopping it also stops what it forked
    # (celery's embedded beat), and a terminal's Ctrl-C reaches only this supervisor, which then
    # stops the children together instead of leaving it to a race.
    process = subprocess.Popen(
        list(command), cwd=ROOT, start_new_session=True, preexec_fn=_die_with_parent
    )
    return Child(name, process)


def _die_with_parent() -> None:
    """In the child: ask Linux to SIGTERM it if the supervisor dies without cleaning up."""
    if sys.platform == "linux":
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGTERM)


def stop(children: Sequence[Child]) -> None:
    """SIGTERM every child's group, wait for the grace period, then SIGKILL what is left."""
    for child in children:
        child.signal_group(signal.SIGTERM)
    deadline = time.monotonic() + STOP_GRACE_SECONDS
    for child in children:
        try:
            child.process.wait(timeout=max(0.0, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            print(f"run: the {child.name} did not stop in time; killing it", file=sys.stderr)
        # Killing the group also ends grandchildren that outlived their parent.
        child.signal_group(signal.SIGKILL)
        child.process.wait()


class Stop(Exception):
    """Raised in the main loop by the SIGINT/SIGTERM handler."""


def on_signal(signum: int, _frame: FrameType | None) -> None:
    raise Stop(signal.Signals(signum).name)


def supervise(addr: str) -> int:
    children: list[Child] = []
    try:
        children.append(start("web server", manage("runserver", "--noreload", addr)))
        children.append(
            start(
                "worker",
                [
                    *(sys.executable, "-m", "celery", "-A", "lms", "worker"),
                    *(f"--queues={QUEUES}", "--pool=threads", "--concurrency=2"),
                    *("--beat", "--loglevel=INFO"),
                    # Gossip and mingle talk to other workers over broadcast, which the filesystem
                    # transport does not carry; there is only this worker anyway.
                    *("--without-gossip", "--without-mingle"),
                ],
            )
        )
        print(f"run: Aula at http://{addr}/ with one worker on {QUEUES}; Ctrl-C stops both")
        while True:
            for child in children:
                if child.process.poll() is not None:
                    code = child.process.returncode
                    print(f"run: the {child.name} exited ({code}); stopping", flush=True)
                    return 1
            time.sleep(0.5)
    except Stop as why:
        print(f"run: {why}; stopping", flush=True)
        return 0
    finally:
        # Signals that arrive while stopping must not interrupt the stop itself.
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        stop(children)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--addr", default="127.0.0.1:8000", help="host:port of the web server")
    args = parser.parse_args(argv)
    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)
    try:
        prepare()
    except Stop:
        return 130
    except subprocess.CalledProcessError as exc:
        print(f"run: {exc}", file=sys.stderr)
        return 1
    return supervise(args.addr)


if __name__ == "__main__":
    sys.exit(main())
