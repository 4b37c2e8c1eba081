"""Browser tests: Playwright for Python driving Debian's chromium, headless, against `make run`'s
supervisor (runserver and a real Celery worker, SQLite under a temporary AULA_VAR_DIR, the demo
seeded), which starts once for the whole session.

Without chromium (or Playwright) the tests skip with the reason; under CI (CI=true) that is a
failure, because running them is what CI is for. Every page a test visits goes through `Visit`:
its status is checked, axe-core (vendored under static/vendor) must find no serious or critical
violation, and a screenshot is saved into one temporary folder whose path is printed.
"""

from __future__ import annotations

import os
import re
import shutil
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

import pytest

from tests.integration.test_run_script import (
    DEMO_PASSWORD,
    START_TIMEOUT_SECONDS,
    Browser,
    running_supervisor,
)
from tests.integration.workers import ROOT, wait_for

if TYPE_CHECKING:
    from playwright.sync_api import Browser as ChromiumBrowser
    from playwright.sync_api import Page

AXE_JS = ROOT / "static" / "vendor" / "axe-core-4.14.1" / "axe.min.js"
# Headless Debian chromium as root, and never reaching for the network (see NOTES on browsers).
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
BLOCKING_IMPACTS = ("serious", "critical")
# A retrain threshold no class here reaches: beat starts no training that would hold up scoring.
NO_THRESHOLD = "10000"


CENT = Decimal("0.01")


def cents(value: Any) -> Decimal:
    """A figure from the page or the database, to the cent, for comparing the two."""
    return Decimal(str(value)).quantize(CENT, rounding=ROUND_HALF_UP)


def label(text: str) -> re.Pattern[str]:
    """A field's label exactly, with or without the colon Django's forms add."""
    return re.compile(rf"^{re.escape(text)}:?$")


def expect(locator: Any) -> Any:
    """Playwright's `expect` (imported late: the tests skip cleanly without Playwright)."""
    from playwright.sync_api import expect as playwright_expect

    return playwright_expect(locator)


def missing_browser(reason: str) -> NoReturn:
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"{reason} (CI=true: the browser tests must run)", pytrace=False)
    pytest.skip(reason)


@pytest.fixture(scope="module")
def chromium() -> Iterator[ChromiumBrowser]:
    """Debian's chromium (AULA_CHROMIUM, else `chromium` on the PATH), headless.

    Per module, not per session: Playwright's sync API keeps an asyncio loop running while it is
    open, and Django refuses database work from a thread with a running loop, so the tests that
    come after the browser tests must not find it still open.
    """
    executable = os.environ.get("AULA_CHROMIUM") or shutil.which("chromium")
    if not executable:
        missing_browser("needs Debian's chromium (apt-get install chromium)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        missing_browser("needs Playwright for Python (pip install -e '.[dev]')")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=executable, headless=True, args=CHROMIUM_ARGS
        )
        yield browser
        browser.close()


class Database:
    """Read-only looks at the server's SQLite file: ids to visit, and what the worker did."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def rows(self, sql: str, *params: Any) -> list[tuple[Any, ...]]:
        with sqlite3.connect(f"file:{self.path}?mode=ro", uri=True, timeout=20) as db:
            return db.execute(sql, params).fetchall()

    def value(self, sql: str, *params: Any) -> Any:
        rows = self.rows(sql, *params)
        return rows[0][0] if rows else None


@dataclass(frozen=True)
class LiveAula:
    base: str
    var_dir: Path
    db: Database
    password: str = DEMO_PASSWORD


@pytest.fixture(scope="session")
def aula(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveAula]:
    """`make run`'s supervisor with the demo, ready once its log-in page answers."""
    if not (os.environ.get("AULA_CHROMIUM") or shutil.which("chromium")):
        missing_browser("needs Debian's chromium (apt-get install chromium)")
    tmp_path = tmp_path_factory.mktemp("aula")
    with running_supervisor(tmp_path, AULA_RETRAIN_THRESHOLD=NO_THRESHOLD) as stack:
        process, base, var_dir = stack
        anonymous = Browser(base)

        def login_page() -> bool:
            assert process.poll() is None, (tmp_path / "run.log").read_text()[-3000:]
            try:
                return anonymous.get("/accounts/login/")[0] == 200
            except OSError:
                return False  # not listening yet

        wait_for(login_page, timeout=START_TIMEOUT_SECONDS, what="the log-in page", every=1)
        yield LiveAula(base, var_dir, Database(var_dir / "aula.sqlite3"))


@pytest.fixture(scope="session")
def screenshot_dir(
    tmp_path_factory: pytest.TempPathFactory, pytestconfig: pytest.Config
) -> Iterator[Path]:
    folder = tmp_path_factory.mktemp("screenshots")
    yield folder
    reporter = pytestconfig.pluginmanager.get_plugin("terminalreporter")
    if reporter is not None:
        reporter.write_line(f"e2e screenshots: {folder}")


def axe_violations(page: Page) -> list[dict[str, Any]]:
    """axe-core's serious and critical violations on the page as it is now."""
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.add_script_tag(path=str(AXE_JS))
    violations: list[dict[str, Any]] = page.evaluate(
        "async () => (await axe.run(document, {resultTypes: ['violations']})).violations"
    )
    return [v for v in violations if v.get("impact") in BLOCKING_IMPACTS]


def describe(violations: list[dict[str, Any]]) -> str:
    return "\n".join(
        f"{v['impact']} {v['id']}: {v['help']} at "
        + ", ".join(str(node["target"]) for node in v["nodes"][:5])
        for v in violations
    )


class Visit:
    """One person's browser tab: every page is checked by axe and photographed."""

    def __init__(self, page: Page, aula: LiveAula, screenshots: Path, who: str) -> None:
        self.page = page
        self.aula = aula
        self.screenshots = screenshots
        self.who = who

    def check(self, name: str) -> None:
        """axe on the page as shown now, then a full-page screenshot `<who>-<name>.png`."""
        problems = axe_violations(self.page)
        path = self.screenshots / f"{self.who}-{name}.png"
        self.page.screenshot(path=str(path), full_page=True)
        assert not problems, f"axe on {self.page.url} ({path}):\n{describe(problems)}"

    def open(self, path: str, name: str, *, status: int = 200) -> None:
        response = self.page.goto(self.aula.base + path)
        assert response is not None
        assert response.status == status, (path, response.status)
        self.check(name)

    def log_in(self, email: str) -> None:
        self.open("/accounts/login/", "login")
        self.page.get_by_label("E-mail").fill(email)
        self.page.get_by_label("Password").fill(self.aula.password)
        self.page.get_by_role("button", name="Log in").click()
        self.page.wait_for_load_state()
        assert "/accounts/login/" not in self.page.url, f"{email} could not log in"


@pytest.fixture
def visitor(chromium: ChromiumBrowser, aula: LiveAula, screenshot_dir: Path) -> Iterator[Any]:
    """A factory of `Visit`s, each in its own browser context (its own cookies)."""
    contexts = []

    def make(who: str, **context_options: Any) -> Visit:
        """`context_options` go to Playwright's `new_context` (a phone's `viewport`, say)."""
        context = chromium.new_context(**context_options)
        context.set_default_timeout(30_000)
        contexts.append(context)
        return Visit(context.new_page(), aula, screenshot_dir, who)

    yield make
    for context in contexts:
        context.close()
