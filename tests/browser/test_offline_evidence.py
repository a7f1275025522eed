"""Evidence uploaded offline joins the clerk's queue like receipts and reports, and the queue
is sent by the service worker's Background Sync alone, with every page of the site closed."""

import datetime
import time

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from matching import models as m
from matching.demo import images

from .test_offline_clerk import login, open_with_worker

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def upload_evidence_offline(page, base, project, tmp_path):
    """Log in, let the worker keep the evidence form, go offline and upload a photo there."""
    photo = tmp_path / "trench.jpg"
    photo.write_bytes(images.photo(taken_at=timezone.now() - datetime.timedelta(hours=2),
                                   size=(2400, 1800)))
    login(page, base)
    project_url = f"{base}/clerk/projects/{project.pk}/"
    open_with_worker(page, project_url, keeps=[f"{project_url}evidence/new/"])
    page.context.set_offline(True)
    page.get_by_role("link", name="Upload evidence").click()
    page.get_by_label("Kind").select_option("photo")
    page.locator("#id_file").set_input_files(str(photo))
    page.get_by_label("Description").fill("Trench dug along the street")
    page.get_by_label("Measured quantity").fill("300 m")
    page.get_by_role("button", name="Upload").click()
    expect(page.locator(".queued-note")).to_contain_text("Kept on this phone")
    expect(page.locator("#queue-status")).to_contain_text("Waiting on this phone to be sent: 1.")
    assert not m.Evidence.objects.filter(project=project).exists()


def test_evidence_uploaded_offline_is_recorded_once_when_the_connection_returns(
        browser, live_server, world, tmp_path):
    project = world.approved()
    page = browser.new_context(locale="en-GB").new_page()
    upload_evidence_offline(page, live_server.url, project, tmp_path)

    page.context.set_offline(False)
    page.goto(f"{live_server.url}/clerk/queue/")
    expect(page.locator("#queue-list li.sent")).to_have_count(1)
    page.reload()  # the page sends what waits on every load: nothing is sent twice
    expect(page.locator("#queue-list li.sent")).to_have_count(1)
    evidence = m.Evidence.objects.get(project=project)
    assert (evidence.kind, evidence.quantity, evidence.uploaded_by) == ("photo", "300 m",
                                                                        world.alice)
    assert evidence.thumbnail and evidence.taken_at is not None


def wait_for(check, seconds=20):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(0.2)
    return False


def test_background_sync_alone_sends_the_queue_with_every_page_closed(browser, live_server,
                                                                      world, tmp_path):
    # Chromium fires the worker's `sync` event when the context's emulated connection
    # returns (Playwright sets the worker offline too); with no page open, nothing else can
    # send the entry: not the pages' load or `online` handlers
    project = world.approved()
    context = browser.new_context(locale="en-GB")
    page = context.new_page()
    upload_evidence_offline(page, live_server.url, project, tmp_path)
    assert page.evaluate("() => navigator.serviceWorker.ready.then(r => r.sync.getTags())") \
        == ["hashar-queue"]
    page.close()
    assert context.pages == []
    assert not wait_for(lambda: m.Evidence.objects.filter(project=project).exists(), 2), \
        "sent while still offline"

    context.set_offline(False)

    assert wait_for(lambda: m.Evidence.objects.filter(project=project).exists(), 20), \
        "the worker's sync event did not send the queue"
    page = context.new_page()
    page.goto(f"{live_server.url}/clerk/queue/")
    expect(page.locator("#queue-list li.sent")).to_have_count(1)
    expect(page.locator("#queue-list li.waiting")).to_have_count(0)
    assert m.Evidence.objects.filter(project=project).count() == 1
