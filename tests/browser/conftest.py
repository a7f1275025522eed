"""Playwright driving Debian's Chromium (`make browser` installs it) against live_server."""

import os
from pathlib import Path

import pytest

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]
SCREENSHOTS = Path(__file__).resolve().parents[2] / "var" / "screenshots"


@pytest.fixture
def browser(monkeypatch):
    from playwright.sync_api import sync_playwright

    # Playwright's sync API runs an event loop in this thread; the ORM calls the test makes
    # between page actions are still plain synchronous code.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    if not os.access(CHROMIUM, os.X_OK):
        pytest.fail(f"{CHROMIUM} is missing: run `make browser`")
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield Browser(chromium)
        chromium.close()


@pytest.fixture
def shoot():
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)

    def save(page, name):
        page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)

    return save


@pytest.fixture(autouse=True)
def _no_broker(monkeypatch):
    """The live server commits for real: keep its outbox messages off the shared broker."""
    monkeypatch.setattr("matching.outbox.relay_soon", lambda: None)


class Browser:
    """New pages fail fast: ten seconds, not Playwright's thirty, for anything to appear."""

    def __init__(self, chromium):
        self.chromium = chromium

    def new_context(self, **kwargs):
        context = self.chromium.new_context(**kwargs)
        context.set_default_timeout(10_000)
        return context
