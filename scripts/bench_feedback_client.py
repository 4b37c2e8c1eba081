"""The benchmark's student: just enough of a browser to log in, submit and poll, and the figures.

No Django here: it speaks HTTP to the server like a browser would (cookies, CSRF tokens from the
pages), so that it measures the real web stack.
"""

from __future__ import annotations

import http.cookiejar
import re
import socket
import statistics
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol, TypeVar

T = TypeVar("T")
CSRF_FIELD = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
DRAFT_FIELD = re.compile(r'name="draft" value="([^"]+)"')
SUBMISSION_PATH = re.compile(r"/assignments/submissions/(\d+)/$")
# The feedback partial says where it stands; the AI feedback is shown once it reads "ready".
FEEDBACK_READY = 'data-feedback-state="ready"'
HTTP_TIMEOUT_SECONDS = 30


class BenchCourseLike(Protocol):
    assignment_id: int
    question_id: int

    def next_text(self) -> str: ...


@dataclass(frozen=True)
class Response:
    status: int
    url: str
    location: str
    body: str


@dataclass(frozen=True)
class Timing:
    post_ms: float  # the submit POST alone
    visible_ms: float  # from sending the submit POST to the poll that shows the AI feedback


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    """Redirects come back as they are: the submit's Location names the new submission."""

    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


class Student:
    """One logged-in student: a cookie jar and the pages' CSRF tokens."""

    def __init__(self, base: str, *, email: str, password: str) -> None:
        self.base = base
        self.email = email
        self.password = password
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()), _NoRedirect()
        )

    def _open(self, request: urllib.request.Request) -> Response:
        try:
            with self.opener.open(request, timeout=HTTP_TIMEOUT_SECONDS) as reply:
                body = reply.read().decode()
                return Response(reply.status, reply.url, reply.headers.get("Location", ""), body)
        except urllib.error.HTTPError as error:
            body = error.read().decode(errors="replace")
            return Response(error.code, request.full_url, error.headers.get("Location", ""), body)

    def get(self, path: str, *, headers: dict[str, str] | None = None) -> Response:
        return self._open(urllib.request.Request(self.base + path, headers=headers or {}))

    def post(self, path: str, fields: dict[str, str]) -> Response:
        data = urllib.parse.urlencode(fields).encode()
        return self._open(urllib.request.Request(self.base + path, data=data, method="POST"))

    def _form_post(self, path: str, page: Response, fields: dict[str, str]) -> Response:
        token = CSRF_FIELD.search(page.body)
        if not token:
            raise RuntimeError(f"no CSRF token on {page.url} ({page.status})")
        return self.post(path, {"csrfmiddlewaretoken": token.group(1), **fields})

    def log_in(self) -> None:
        path = "/accounts/login/"
        fields = {"username": self.email, "password": self.password}
        reply = self._form_post(path, self.get(path), fields)
        if reply.status != 302:
            raise RuntimeError(f"{self.email} could not log in ({reply.status})")

    def submit_and_wait(self, course: BenchCourseLike, poll_s: float, timeout: float) -> Timing:
        """Answer, review, then the timed part: submit and poll the feedback until it shows."""
        detail = f"/assignments/{course.assignment_id}/"
        answer = {f"q{course.question_id}": course.next_text(), "review": "1"}
        reviewed = self._form_post(detail, self.get(detail), answer)
        if reviewed.status != 302 or not reviewed.location.endswith("/submit/"):
            raise RuntimeError(f"saving the answer gave {reviewed.status}: {reviewed.body[:300]}")
        confirm = self.get(reviewed.location)
        draft = DRAFT_FIELD.search(confirm.body)
        if not draft:
            raise RuntimeError(f"no confirmation form ({confirm.status}): {confirm.body[:300]}")
        started = time.perf_counter()
        submitted = self._form_post(reviewed.location, confirm, {"draft": draft.group(1)})
        posted = time.perf_counter()
        match = SUBMISSION_PATH.search(submitted.location)
        if submitted.status != 302 or not match:
            raise RuntimeError(f"submitting gave {submitted.status}: {submitted.body[:300]}")
        partial = f"/assignments/submissions/{match.group(1)}/feedback/"

        def feedback_shown() -> bool:
            reply = self.get(partial, headers={"HX-Request": "true"})
            if reply.status != 200:
                raise RuntimeError(f"the feedback partial gave {reply.status}")
            return FEEDBACK_READY in reply.body

        wait_until(feedback_shown, timeout=timeout, what="the AI feedback", every=poll_s)
        shown = time.perf_counter()
        return Timing(post_ms=(posted - started) * 1000, visible_ms=(shown - started) * 1000)


def wait_until(probe: Callable[[], T], *, timeout: float, what: str, every: float = 0.2) -> T:
    """Call `probe` every `every` seconds until it returns something truthy."""
    deadline = time.perf_counter() + timeout
    while True:
        result = probe()
        if result:
            return result
        if time.perf_counter() > deadline:
            raise TimeoutError(f"timed out after {timeout:.0f} s waiting for {what}")
        time.sleep(every)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def summary(values: list[float], errors: list[str]) -> dict[str, Any]:
    """p50, p95, p99 and max (ms, one decimal), n, errors and the first few error reasons."""
    figures: dict[str, Any] = {"n": len(values), "errors": len(errors)}
    if len(values) >= 2:
        cuts = statistics.quantiles(values, n=100, method="inclusive")
        figures.update(p50=cuts[49], p95=cuts[94], p99=cuts[98], max=max(values))
    else:
        figures.update(p50=None, p95=None, p99=None, max=max(values, default=None))
    for key in ("p50", "p95", "p99", "max"):
        if figures[key] is not None:
            figures[key] = round(figures[key], 1)
    if errors:
        figures["error_examples"] = sorted(set(errors))[:5]
    return figures
