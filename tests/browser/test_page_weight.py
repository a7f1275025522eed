"""What each clerk page costs on a weak connection, measured in bytes at the server while
Chromium loads it over a throttled "Slow 3G" line (CDP Network.emulateNetworkConditions).

The server here is served as in production: pages gzipped by the app
(PageGZipMiddleware), static files by WhiteNoise from gzip-compressed copies (what
CompressedManifestStaticFilesStorage writes at collectstatic). Every byte the server sends
(status line, headers, body) is counted, the service worker's own requests included; the
pages the worker keeps in the background for offline use (marked X-Hashar-Keep) are
counted apart. First load: a browser with nothing cached but the session. Repeat visit: the
same page again. Sizes are asserted; times are printed, never asserted."""

import shutil
from decimal import Decimal
import threading
import time
from pathlib import Path

import pytest
from django.conf import settings
from django.test.testcases import LiveServerThread
from whitenoise import WhiteNoise
from whitenoise.compress import Compressor

from matching import services
from matching.services.works import MilestoneInput

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
FIRST_LOAD_MAX, REPEAT_MAX = 60 * 1024, 15 * 1024
# Chrome DevTools' "Slow 3G" preset (as Puppeteer's PredefinedNetworkConditions)
SLOW_3G = {"offline": False, "latency": 2000, "downloadThroughput": 500 * 1000 / 8 * 0.8,
           "uploadThroughput": 500 * 1000 / 8 * 0.8}
STATIC = Path(settings.BASE_DIR) / "matching" / "static"


class Counter:
    """A WSGI wrapper adding up what the server sends, by kind of request."""

    def __init__(self, app):
        self.app, self.lock = app, threading.Lock()
        self.sent = {"page": 0, "keep": 0}
        self.requests = []

    def reset(self):
        with self.lock:
            self.sent = {"page": 0, "keep": 0}
            self.requests = []

    def __call__(self, environ, start_response):
        kind = "keep" if environ.get("HTTP_X_HASHAR_KEEP") else "page"
        path = environ.get("PATH_INFO", "")

        def counting_start(status, headers, exc_info=None):
            head = len(f"HTTP/1.1 {status}\r\n") + sum(len(f"{k}: {v}\r\n") for k, v in headers)
            self._add(kind, head, path)
            return start_response(status, headers, exc_info)

        for chunk in self.app(environ, counting_start):
            self._add(kind, len(chunk), None)
            yield chunk

    def _add(self, kind, size, path):
        with self.lock:
            self.sent[kind] += size
            if path is not None:
                self.requests.append((kind, path))


@pytest.fixture
def production_server(tmp_path):
    """A live server whose static files are WhiteNoise's gzip copies, and a byte counter."""
    root = tmp_path / "static"
    for part in ("hashar", "vendor/htmx"):
        shutil.copytree(STATIC / part, root / part)
    compressor = Compressor(use_brotli=False, quiet=True)
    for path in root.rglob("*"):
        if path.is_file() and compressor.should_compress(path.name):
            list(compressor.compress(str(path)))
    counter = {}

    def handler(app):
        counter["app"] = Counter(WhiteNoise(app, root=str(root), prefix=settings.STATIC_URL))
        return counter["app"]

    server = LiveServerThread("localhost", handler)
    server.daemon = True
    server.start()
    server.is_ready.wait()
    if server.error:
        raise server.error
    yield f"http://localhost:{server.port}", counter["app"]
    server.terminate()


def settle(counter, quiet=3.0, limit=60.0):
    """Wait until the server has sent nothing for `quiet` seconds (the worker's installation
    and background keeping included)."""
    started, last, since = time.monotonic(), None, time.monotonic()
    while time.monotonic() - started < limit:
        now = dict(counter.sent)
        if now != last:
            last, since = now, time.monotonic()
        elif time.monotonic() - since >= quiet:
            return now
        time.sleep(0.2)
    raise AssertionError(f"the server kept sending: {counter.requests[-5:]}")


def throttled(context):
    page = context.new_page()
    cdp = context.new_cdp_session(page)
    cdp.send("Network.enable")
    cdp.send("Network.emulateNetworkConditions", SLOW_3G)
    return page


def test_clerk_pages_stay_light_on_slow_3g(browser, production_server, world):
    base, counter = production_server
    project = world.in_progress()
    services.milestones_set(project=project, actor=world.alice, milestones=[
        MilestoneInput(id=None, title="Pipe", planned_on=project.created_at.date(),
                       share=Decimal("100"))])

    login = browser.new_context(locale="en-GB").new_page()
    login.goto(f"{base}/login/")
    login.get_by_label("Username").fill("alice")
    login.get_by_label("Password").fill("pass-word-123")
    login.get_by_role("button", name="Log in").click()
    login.wait_for_url(f"{base}/clerk/")
    session = login.context.storage_state()
    login.context.close()

    pages = {"dashboard": "/clerk/", "project": f"/clerk/projects/{project.pk}/",
             "receipt form": f"/clerk/projects/{project.pk}/receipts/new/",
             "pledge form": f"/clerk/projects/{project.pk}/pledges/new/",
             "progress form": f"/clerk/projects/{project.pk}/progress/new/",
             "queue": "/clerk/queue/"}
    measured = {}
    for name, path in pages.items():
        context = browser.new_context(locale="en-GB", storage_state=session,
                                      viewport={"width": 390, "height": 844})
        context.set_default_timeout(60_000)
        page = throttled(context)
        counter.reset()
        started = time.monotonic()
        page.goto(base + path, wait_until="load")
        loaded = time.monotonic() - started
        page.evaluate("() => navigator.serviceWorker.ready.then(() => true)")
        first = settle(counter)
        counter.reset()
        started = time.monotonic()
        page.goto(base + path, wait_until="load")
        again = time.monotonic() - started
        repeat = settle(counter)
        measured[name] = (first, repeat, loaded, again)
        context.close()

    # (the repeat's time is not printed: the emulation slows the page's own requests, not
    # those its service worker makes, so it would flatter the repeat visit)
    print("\npage            first load  (kept for offline)  repeat   first load on Slow 3G")
    for name, (first, repeat, loaded, _again) in measured.items():
        print(f"{name:15} {first['page'] / 1024:7.1f} KB  ({first['keep'] / 1024:6.1f} KB)"
              f"   {(repeat['page'] + repeat['keep']) / 1024:6.1f} KB   {loaded:4.1f} s")
    for name, (first, repeat, _loaded, _again) in measured.items():
        assert first["page"] < FIRST_LOAD_MAX, (name, first)
        assert repeat["page"] + repeat["keep"] < REPEAT_MAX, (name, repeat)
