"""The API benchmark of `make bench`: REST API throughput and p95 latency at 16 connections.

1. A throwaway database: `aula_bench_<pid>` on the PostgreSQL server DATABASE_URL names (created
   and dropped as in bench_feedback.py), or, without DATABASE_URL, a SQLite file in a temporary
   folder. With REDIS_URL, the cache (which holds the API's throttle counters) is a Redis database
   of its own (`--redis-db`, which must be empty, emptied at the end); otherwise the file cache.
2. It migrates, seeds the demo course (`demo_seed`: a teacher, 30 students and their attempts)
   and makes the teacher a read-only personal token through the service.
3. It starts gunicorn (sync workers, as docker/compose.yaml runs it) with the benchmark's settings
   (scripts/bench_api_site.py: the project's own, plus two plain Django views that read the same
   submissions without DRF), throttles raised so that nothing is refused.
4. For each endpoint: `--connections` threads, each with its own persistent `http.client`
   connection (gunicorn's sync workers close it after each response; it reconnects by itself),
   send GETs back to back for `--duration` seconds after a `--warmup`. Every answer must be 200:
   any other fails the run (exit status 1).

It prints JSON: per endpoint requests/s, p50/p95/p99/max latency (ms), n and errors, with the
stack and the host. The client's threads share the machine with the server: on a small host the
figures are the whole stack's, client included.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack, contextmanager, suppress
from pathlib import Path
from typing import Any

from bench_feedback import (
    ROOT,
    BenchError,
    Interrupted,
    _alive,
    _on_signal,
    _with_redis_db,
    own_redis_database,
    stack_env,
    start_process,
    stop_process,
    throwaway_database,
)
from bench_feedback_client import free_port, summary, wait_until

SCRIPTS = Path(__file__).resolve().parent
PER_PAGE = 50


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=float, default=15.0, help="seconds per endpoint")
    parser.add_argument("--warmup", type=float, default=3.0, help="seconds before each endpoint")
    parser.add_argument("--connections", type=int, default=16, help="concurrent connections")
    parser.add_argument("--web-workers", type=int, default=3, help="gunicorn sync workers")
    parser.add_argument("--redis-db", type=int, default=14, help="an empty Redis database number")
    args = parser.parse_args(argv)
    if args.duration <= 0 or args.warmup < 0 or args.connections < 1 or args.web_workers < 1:
        parser.error("duration, connections and web workers must be positive")
    return args


@contextmanager
def database(tmp: Path) -> Iterator[tuple[str, str]]:
    """The database URL and, in words, what it is."""
    server = os.environ.get("DATABASE_URL", "")
    if server.startswith(("postgres://", "postgresql://")):
        with throwaway_database(server) as url:
            yield url, "PostgreSQL (throwaway database)"
    elif server:
        raise BenchError(f"DATABASE_URL must be a postgres:// URL or unset, not {server}")
    else:
        yield f"sqlite:///{tmp / 'bench.sqlite3'}", "SQLite (temporary file)"


@contextmanager
def web_server(env: dict[str, str], log: Path, workers: int) -> Iterator[tuple[str, int]]:
    port = free_port()
    command = [
        *(sys.executable, "-m", "gunicorn", "lms.wsgi:application"),
        *(f"--bind=127.0.0.1:{port}", f"--workers={workers}"),
    ]
    process = start_process(command, env=env, log=log)
    try:

        def healthy() -> bool:
            _alive(process, log)
            with suppress(OSError):
                return get(http.client.HTTPConnection("127.0.0.1", port, timeout=5), "/healthz")[0]
            return False

        wait_until(healthy, timeout=60, what="gunicorn to answer /healthz")
        yield "127.0.0.1", port
    finally:
        stop_process(process)


def get(
    conn: http.client.HTTPConnection, path: str, headers: dict[str, str] | None = None
) -> tuple[bool, int]:
    """One GET on `conn`; whether it was a 200, and the status."""
    conn.request("GET", path, headers=headers or {})
    reply = conn.getresponse()
    reply.read()
    if reply.getheader("Connection", "").lower() == "close":
        conn.close()  # the next request opens a new one
    return reply.status == 200, reply.status


def hammer(
    address: tuple[str, int], path: str, headers: dict[str, str], args: argparse.Namespace
) -> dict[str, Any]:
    """`args.connections` threads send `path` back to back: warm-up, then the timed part."""
    latencies: list[list[float]] = [[] for _ in range(args.connections)]
    errors: list[str] = []
    lock = threading.Lock()
    start = time.perf_counter() + args.warmup
    end = start + args.duration

    def worker(slot: int) -> None:
        conn = http.client.HTTPConnection(*address, timeout=30)
        mine = latencies[slot]
        try:
            while (now := time.perf_counter()) < end:
                try:
                    ok, status = get(conn, path, headers)
                    reason = "" if ok else f"HTTP {status}"
                except (OSError, http.client.HTTPException) as exc:
                    conn.close()
                    reason = f"{type(exc).__name__}: {exc}"
                if now < start:
                    continue  # warm-up
                if reason:
                    with lock:
                        errors.append(reason)
                else:
                    mine.append((time.perf_counter() - now) * 1000)
        finally:
            conn.close()

    with ThreadPoolExecutor(max_workers=args.connections) as pool:
        for future in [pool.submit(worker, slot) for slot in range(args.connections)]:
            future.result()
    values = [v for per_thread in latencies for v in per_thread]
    return {"requests_per_s": round(len(values) / args.duration, 1), **summary(values, errors)}


def prepare() -> dict[str, Any]:
    """Migrate, seed the demo, make the teacher's token; the paths to measure."""
    from django.core.management import call_command

    from lms.api.models import ApiToken
    from lms.api.services import token_create
    from lms.assignments.models import Submission
    from lms.core.demo.seed import demo_seed

    call_command("migrate", verbosity=0)
    course = demo_seed(password="bench-password-not-used").course
    teacher = course.enrollments.get(role="teacher").user
    _, key = token_create(user=teacher, name="bench", scope=ApiToken.Scope.READ)
    submission = Submission.objects.filter(assignment__course=course).order_by("id").first()
    assert submission is not None, "the demo course has no submission"
    page = f"per_page={PER_PAGE}"
    return {
        "key": key,
        "rows": {"submissions": Submission.objects.filter(assignment__course=course).count()},
        "paths": {
            "plain /healthz (no database)": "/healthz",
            f"plain submissions list ({PER_PAGE})": f"/bench/plain/submissions/?{page}",
            "plain submission detail": f"/bench/plain/submissions/{submission.pk}/",
            "API courses list": "/api/v1/courses/",
            f"API submissions list ({PER_PAGE})": f"/api/v1/submissions/?{page}",
            "API submission detail": f"/api/v1/submissions/{submission.pk}/",
            "API course detail": f"/api/v1/courses/{course.pk}/",
        },
    }


def measure(args: argparse.Namespace, stack: ExitStack, tmp: Path) -> dict[str, Any]:
    database_url, database_words = stack.enter_context(database(tmp))
    redis_url = os.environ.get("REDIS_URL", "")
    if redis_url:
        redis_url = stack.enter_context(
            own_redis_database(_with_redis_db(redis_url, args.redis_db))
        )
    env = stack_env(database_url, redis_url, tmp / "var")
    if not redis_url:
        env.pop("REDIS_URL", None)
    env.update(
        AULA_API_THROTTLE_USER="100000000/hour",
        DJANGO_SETTINGS_MODULE="bench_api_site",
        PYTHONPATH=os.pathsep.join(filter(None, [str(SCRIPTS), os.environ.get("PYTHONPATH")])),
    )
    os.environ.update(env)  # this process sets the stack up
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.db import connections

    stack.callback(connections.close_all)  # before the database is dropped
    prepared = prepare()
    address = stack.enter_context(web_server(env, tmp / "web.log", args.web_workers))
    headers = {"Authorization": f"Bearer {prepared['key']}"}
    load_before = os.getloadavg()
    endpoints = {}
    for name, path in prepared["paths"].items():
        print(f"bench_api: {name}: {path}", file=sys.stderr)
        endpoints[name] = {"path": path, **hammer(address, path, headers, args)}
    return {
        "benchmark": "api",
        "unit": "ms",
        "connections": args.connections,
        "duration_s": args.duration,
        "warmup_s": args.warmup,
        "endpoints": endpoints,
        "rows": prepared["rows"],
        "stack": {
            "web": f"gunicorn, {args.web_workers} sync workers",
            "database": database_words,
            "cache": f"Redis database {args.redis_db}" if redis_url else "file cache",
            "caller": "the demo teacher, read-only bearer token",
        },
        "host": {
            "cpus": os.cpu_count(),
            "load_before": [round(x, 2) for x in load_before],
            "load_after": [round(x, 2) for x in os.getloadavg()],
        },
    }


def main(argv: list[str] | None = None) -> int:
    import signal

    args = parse_args(argv)
    signal.signal(signal.SIGINT, _on_signal)
    signal.signal(signal.SIGTERM, _on_signal)
    try:
        with ExitStack() as stack:
            tmp = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="aula-bench-api-")))
            result = measure(args, stack, tmp)
    except BenchError as exc:
        print(f"bench_api: {exc}", file=sys.stderr)
        return 2
    except Interrupted as why:
        print(f"bench_api: {why}; stopped", file=sys.stderr)
        return 130
    print(json.dumps(result, indent=2))
    failed = [name for name, figures in result["endpoints"].items() if figures["errors"]]
    if failed:
        print(f"bench_api: requests failed on {', '.join(failed)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
