"""The feedback benchmark of `make bench`: submit-to-feedback latency through the real stack.

What it measures, on PostgreSQL and Redis (DATABASE_URL and REDIS_URL name the servers; the
defaults are those of `.ci/run`):
1. It creates a throwaway database `aula_bench_<pid>` on the PostgreSQL server and uses a Redis
   database number of its own (`--redis-db`, which must be empty), both removed at the end.
2. Through the services, it builds a course whose students see AI feedback at once, with the
   demo's "dark cupboard" short-answer question (3 points) and its 42 answers graded by the
   teacher.
3. It starts a Celery worker (`-Q ml_cpu,default`, prefork, as docker/compose.yaml runs it) and
   trains the question's model through `training_run_start` on that worker; it makes sure the
   version it trained is active (the teacher's restore button when the promotion rule kept the
   similarity fallback, which the output then says).
4. It starts gunicorn (sync workers, as docker/compose.yaml runs it), logs the students in through
   the log-in page, and at a fixed rate (`--rate` per second for `--duration` seconds) each
   submission goes through the student pages: save the answer and open the confirmation page,
   then the timed part: POST the confirmation (the submit) and poll the submission's feedback
   partial every `--poll-ms` until it shows the AI feedback. Latency: from sending that POST to
   receiving the first poll that shows it.
5. The same number of no-op task round trips on the same broker at the same rate: send
   `core.heartbeat` (it writes a cache key) and poll the cache until the key is there.

It prints JSON (milliseconds): p50, p95, p99, max, n and errors for both, with the rate, the
duration and the host (CPU count, load). Whatever happens, it stops the processes it started and
removes the database, the Redis database's keys and its temporary folder.
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path
from types import FrameType
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import psycopg
import redis
from bench_feedback_client import (
    BenchCourseLike,
    Student,
    Timing,
    free_port,
    summary,
    wait_until,
)

ROOT = Path(__file__).resolve().parent.parent
# The setup imports the project (lms, mlcore) once Django is configured.
sys.path.insert(0, str(ROOT))

DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/aula"
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/0"
TARGET_P95_MS = 1000.0
STOP_GRACE_SECONDS = 15.0


class BenchError(Exception):
    """A refusal with a message for the person running the benchmark."""


class Interrupted(Exception):
    """SIGINT or SIGTERM: stop cleanly."""


def _on_signal(signum: int, _frame: FrameType | None) -> None:
    raise Interrupted(signal.Signals(signum).name)


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rate", type=float, default=2.0, help="submissions per second")
    parser.add_argument("--duration", type=float, default=60.0, help="seconds of submissions")
    parser.add_argument("--poll-ms", type=float, default=25.0, help="feedback poll interval")
    parser.add_argument("--noop-poll-ms", type=float, default=5.0, help="no-op task poll interval")
    parser.add_argument("--students", type=int, default=12, help="students taking turns")
    parser.add_argument("--web-workers", type=int, default=3, help="gunicorn sync workers")
    parser.add_argument("--worker-concurrency", type=int, default=2, help="Celery processes")
    parser.add_argument("--redis-db", type=int, default=13, help="an empty Redis database number")
    parser.add_argument("--timeout", type=float, default=30.0, help="seconds before a miss")
    args = parser.parse_args(argv)
    if args.rate <= 0 or args.duration <= 0 or args.poll_ms <= 0 or args.students < 1:
        parser.error("rate, duration, poll interval and students must be positive")
    return args


# --- Services --------------------------------------------------------------------------------


def _with_database(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=f"/{name}"))


def _with_redis_db(url: str, number: int) -> str:
    return urlunsplit(urlsplit(url)._replace(path=f"/{number}"))


@contextmanager
def throwaway_database(server_url: str) -> Iterator[str]:
    """A new, empty database beside the one `server_url` names; dropped at the end."""
    name = f"aula_bench_{os.getpid()}_{secrets.token_hex(3)}"
    maintenance = _with_database(server_url, "postgres")
    try:
        with psycopg.connect(maintenance, autocommit=True, connect_timeout=5) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
    except psycopg.Error as exc:
        raise BenchError(
            f"PostgreSQL at {urlsplit(server_url).hostname}:{urlsplit(server_url).port or 5432} "
            f"does not answer or refuses to create a database ({exc}). Start it, or set "
            "DATABASE_URL to a server where this user may create databases."
        ) from exc
    try:
        yield _with_database(server_url, name)
    finally:
        with psycopg.connect(maintenance, autocommit=True, connect_timeout=5) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@contextmanager
def own_redis_database(url: str) -> Iterator[str]:
    """The Redis database `url` names, checked empty first and emptied at the end."""
    client = redis.Redis.from_url(url, socket_connect_timeout=5, socket_timeout=5)
    try:
        keys = client.dbsize()
    except redis.RedisError as exc:
        raise BenchError(
            f"Redis at {url} does not answer ({exc}). Start it, or set REDIS_URL."
        ) from exc
    if keys:
        raise BenchError(
            f"Redis database {url} holds {keys} keys: the benchmark needs an empty one of its own "
            "(choose another with --redis-db, or empty it if a killed run left them)."
        )
    try:
        yield url
    finally:
        client.flushdb()


# --- Processes -------------------------------------------------------------------------------


def start_process(command: list[str], *, env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    with log.open("wb") as out:
        # Its own process group, so that stopping it also stops every process it forked.
        return subprocess.Popen(
            command, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )


def stop_process(process: subprocess.Popen[bytes]) -> None:
    """SIGTERM the group (warm shutdown), SIGKILL it after the grace period."""
    with suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGTERM)
    with suppress(subprocess.TimeoutExpired):
        process.wait(timeout=STOP_GRACE_SECONDS)
    with suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)
    process.wait()


def _alive(process: subprocess.Popen[bytes], log: Path) -> None:
    if process.poll() is not None:
        tail = "\n".join(log.read_text(errors="replace").splitlines()[-30:])
        raise BenchError(f"{process.args!r} exited with {process.returncode}:\n{tail}")


@contextmanager
def celery_worker(env: dict[str, str], log: Path, concurrency: int) -> Iterator[None]:
    command = [
        *(sys.executable, "-m", "celery", "-A", "lms", "worker", "--queues=ml_cpu,default"),
        *(f"--concurrency={concurrency}", "--loglevel=INFO", "--hostname=bench@%h"),
    ]
    process = start_process(command, env=env, log=log)
    try:

        def ready() -> bool:
            _alive(process, log)
            return " ready." in log.read_text(errors="replace")

        wait_until(ready, timeout=120, what="the Celery worker to be ready")
        yield
    finally:
        stop_process(process)


@contextmanager
def web_server(env: dict[str, str], log: Path, workers: int) -> Iterator[str]:
    port = free_port()
    command = [
        *(sys.executable, "-m", "gunicorn", "lms.wsgi:application"),
        *(f"--bind=127.0.0.1:{port}", f"--workers={workers}"),
    ]
    process = start_process(command, env=env, log=log)
    base = f"http://127.0.0.1:{port}"
    try:
        probe = Student(base, email="", password="")

        def healthy() -> bool:
            _alive(process, log)
            with suppress(OSError):
                return probe.get("/healthz").status == 200
            return False

        wait_until(healthy, timeout=60, what="gunicorn to answer /healthz")
        yield base
    finally:
        stop_process(process)


# --- The benchmark ---------------------------------------------------------------------------


def stack_env(database_url: str, redis_url: str, var_dir: Path) -> dict[str, str]:
    """What every process of the stack (and this one) runs with."""
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in {"CELERY_BROKER_URL", "CELERY_RESULT_BACKEND", "AULA_TEST_DB_FILE"}
    }
    env.update(
        # test: DEBUG off and no production HTTPS redirects (the client speaks plain HTTP).
        AULA_ENV="test",
        AULA_VAR_DIR=str(var_dir),
        DATABASE_URL=database_url,
        REDIS_URL=redis_url,
        SECRET_KEY=secrets.token_urlsafe(50),
        DJANGO_SETTINGS_MODULE="lms.settings",
        PYTHONUNBUFFERED="1",
        # The training run trains the MLP family on few epochs: the bench times scoring.
        AULA_TRAINING_OVERRIDES=os.environ.get("AULA_TRAINING_OVERRIDES", "{}"),
    )
    return env


def run_at_rate(count: int, rate: float, job: Callable[[int], None], threads: int) -> None:
    """Start `job(i)` at t0 + i / rate, each in a pool thread, and wait for them all."""
    from concurrent.futures import ThreadPoolExecutor

    start = time.perf_counter() + 0.2
    with ThreadPoolExecutor(max_workers=threads) as pool:
        futures = []
        for index in range(count):
            delay = start + index / rate - time.perf_counter()
            if delay > 0:
                time.sleep(delay)
            futures.append(pool.submit(job, index))
        for future in futures:
            future.result()


@dataclass
class Recorder:
    """Timings of one phase, and the reasons of its failures (recorded from many threads)."""

    values: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    def attempt(self, work: Callable[[], float]) -> None:
        try:
            self.values.append(work())
        except Exception as exc:  # any failure counts as an error, with its reason
            self.errors.append(f"{type(exc).__name__}: {exc}")

    def summary(self) -> dict[str, Any]:
        return summary(self.values, self.errors)


def feedback_phase(
    args: argparse.Namespace, course: BenchCourseLike, students: list[Student]
) -> tuple[Recorder, Recorder]:
    """Submissions at the fixed rate: submit-to-feedback latencies, and the submit POST alone."""
    count = max(1, round(args.rate * args.duration))
    locks = [threading.Lock() for _ in students]
    visible, posts = Recorder(), Recorder()

    def submit(index: int) -> None:
        slot = index % len(students)
        with locks[slot]:  # a student's next attempt waits for their previous one
            timings: list[Timing] = []

            def one() -> float:
                timings.append(
                    students[slot].submit_and_wait(course, args.poll_ms / 1000, args.timeout)
                )
                return timings[-1].visible_ms

            visible.attempt(one)
        if timings:
            posts.values.append(timings[-1].post_ms)

    print(f"bench: {count} submissions at {args.rate}/s", file=sys.stderr)
    run_at_rate(count, args.rate, submit, threads=len(students))
    return visible, posts


def noop_phase(
    args: argparse.Namespace, noop_round_trip: Callable[[float, float], float]
) -> Recorder:
    """The same number of no-op task round trips on the same broker, at the same rate."""
    count = max(1, round(args.rate * args.duration))
    trips = Recorder()
    print(f"bench: {count} no-op task round trips at {args.rate}/s", file=sys.stderr)
    run_at_rate(
        count,
        args.rate,
        lambda _: trips.attempt(lambda: noop_round_trip(args.noop_poll_ms / 1000, args.timeout)),
        threads=4,
    )
    return trips


def measure(
    args: argparse.Namespace, stack: ExitStack, env: dict[str, str], tmp: Path
) -> dict[str, Any]:
    """Build, train, serve, warm up, then the two timed phases; the report as a dict."""
    from bench_feedback_data import build_course, noop_round_trip, train

    course = build_course(students=args.students)
    stack.enter_context(celery_worker(env, tmp / "worker.log", args.worker_concurrency))
    scoring = train(course)
    base = stack.enter_context(web_server(env, tmp / "web.log", args.web_workers))
    students = [Student(base, email=e, password=course.password) for e in course.student_emails]
    for student in students:
        student.log_in()
    print(f"bench: {len(students)} students logged in; warming up", file=sys.stderr)
    # The first answers load the model into each worker process; they are reported apart.
    warmup = [s.submit_and_wait(course, args.poll_ms / 1000, args.timeout) for s in students[:3]]
    load_before = os.getloadavg()
    visible, posts = feedback_phase(args, course, students)
    feedback = visible.summary()
    return {
        "benchmark": "feedback",
        "unit": "ms",
        "rate_per_s": args.rate,
        "duration_s": args.duration,
        "poll_ms": args.poll_ms,
        "submit_to_feedback": feedback,
        "submit_post": posts.summary(),
        "noop_task_round_trip": {
            **noop_phase(args, noop_round_trip).summary(),
            "poll_ms": args.noop_poll_ms,
        },
        "warmup_submit_to_feedback": [round(w.visible_ms, 1) for w in warmup],
        "target": {
            "p95_ms": TARGET_P95_MS,
            "met": bool(
                feedback["p95"] and feedback["p95"] <= TARGET_P95_MS and not visible.errors
            ),
        },
        "scoring": scoring,
        "stack": {
            "web": f"gunicorn, {args.web_workers} sync workers",
            "worker": f"celery prefork, concurrency {args.worker_concurrency}, -Q ml_cpu,default",
            "database": "PostgreSQL (throwaway database)",
            "broker": f"Redis database {args.redis_db}",
        },
        "host": {
            "cpus": os.cpu_count(),
            "load_before": [round(x, 2) for x in load_before],
            "load_after": [round(x, 2) for x in os.getloadavg()],
        },
    }


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    signal.signal(signal.SIGINT, _on_signal)
    signal.signal(signal.SIGTERM, _on_signal)
    server = os.environ.get("DATABASE_URL") or DEFAULT_DATABASE_URL
    if not server.startswith(("postgres://", "postgresql://")):
        print(
            f"bench_feedback: DATABASE_URL must be a postgres:// URL, not {server}", file=sys.stderr
        )
        return 2
    redis_url = _with_redis_db(os.environ.get("REDIS_URL") or DEFAULT_REDIS_URL, args.redis_db)
    try:
        with ExitStack() as stack:
            tmp = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="aula-bench-")))
            redis_url = stack.enter_context(own_redis_database(redis_url))
            database_url = stack.enter_context(throwaway_database(server))
            env = stack_env(database_url, redis_url, tmp / "var")
            os.environ.update(env)  # this process is the stack's client and its setup
            import django

            django.setup()
            from django.core.management import call_command
            from django.db import connections

            stack.callback(connections.close_all)  # before the database is dropped
            call_command("migrate", verbosity=0)
            result = measure(args, stack, env, tmp)
    except BenchError as exc:
        print(f"bench_feedback: {exc}", file=sys.stderr)
        return 2
    except Interrupted as why:
        print(f"bench_feedback: {why}; stopped", file=sys.stderr)
        return 130
    print(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
