"""The clerk offline, in Chromium: the connection drops while she records a receipt with a
photo, she records two more from the pages her phone kept, and when it returns the queue
sends all three through the API, once each (also when it is replayed twice). A refusal by
the server (a project that no longer takes money) waits in the queue with its reason until
she corrects or discards it, and an entry refused at once keeps its chosen file."""

import datetime
import io
from decimal import Decimal

import pytest
from django.utils import timezone
from PIL import Image
from playwright.sync_api import expect

from matching import models as m
from matching import services
from matching.demo import images

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def login(page, base, username="alice"):
    page.goto(f"{base}/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill("pass-word-123")
    page.get_by_role("button", name="Log in").click()
    expect(page).to_have_url(f"{base}/clerk/")


def kept(page, url) -> bool:
    return page.evaluate("url => caches.open('hashar-pages').then(c => c.match(url))"
                         ".then(found => !!found)", url)


def wait_until(check, what, tries=100):
    for _n in range(tries):
        if check():
            return
        import time
        time.sleep(0.1)
    raise AssertionError(f"not reached: {what}")


def open_with_worker(page, url, *, keeps=()):
    """Open `url` and wait until the service worker controls it and keeps `keeps`."""
    page.goto(url)
    page.evaluate("() => navigator.serviceWorker.ready.then(() => true)")
    if not page.evaluate("() => !!navigator.serviceWorker.controller"):
        page.reload()  # loaded while the worker installed: the next load is its
    page.wait_for_function("() => navigator.serviceWorker.controller !== null")
    for kept_url in (url, *keeps):
        wait_until(lambda: kept(page, kept_url), f"{kept_url} kept for offline use")


def fill_receipt(page, reference, proof):
    page.get_by_label("Amount received").fill("1 500 000")
    page.get_by_label("Bank or transfer reference").fill(reference)
    page.get_by_label("Proof").set_input_files(str(proof))


def record_three_offline(page, base, project, tmp_path):
    """The connection drops while the first receipt is being typed; two more follow, the
    third from the project page the phone kept. Returns the context's page, still offline."""
    big = tmp_path / "slip.jpg"  # a phone's photo: 3000 px wide, with its capture date
    big.write_bytes(images.photo(taken_at=timezone.now() - datetime.timedelta(hours=2),
                                 size=(3000, 2000)))
    pdf = tmp_path / "slip.pdf"
    pdf.write_bytes(PDF)
    project_url = f"{base}/clerk/projects/{project.pk}/"
    form_url = f"{project_url}receipts/new/"
    open_with_worker(page, project_url, keeps=[form_url, f"{base}/clerk/queue/"])

    page.get_by_role("link", name="Record a receipt").click()
    fill_receipt(page, "SWIFT-1", big)
    page.context.set_offline(True)  # the signal goes while she types
    page.get_by_role("button", name="Record the receipt").click()
    expect(page.locator(".queued-note")).to_contain_text("Kept on this phone")
    expect(page.get_by_label("Bank or transfer reference")).to_have_value("")

    fill_receipt(page, "SWIFT-2", pdf)
    page.get_by_role("button", name="Record the receipt").click()
    expect(page.locator(".queued-note")).to_contain_text("Kept on this phone")

    page.goto(project_url)  # offline: the page as last seen
    page.get_by_role("link", name="Record a receipt").click()
    fill_receipt(page, "SWIFT-3", pdf)
    page.get_by_role("button", name="Record the receipt").click()
    expect(page.locator(".queued-note")).to_contain_text("Kept on this phone")
    expect(page.locator("#queue-status")).to_contain_text("Waiting on this phone to be sent: 3.")
    assert not m.Receipt.objects.filter(project=project).exists()


def queue_states(page):
    return page.evaluate("HasharQueue.all().then(all => all.map(e => e.state))")


def test_three_receipts_typed_offline_are_recorded_once_each(browser, live_server, world,
                                                             tmp_path, shoot):
    project = world.approved()
    page = browser.new_context(locale="en-GB",
                               viewport={"width": 390, "height": 844}).new_page()
    base = live_server.url
    login(page, base)
    record_three_offline(page, base, project, tmp_path)

    page.goto(f"{base}/clerk/queue/")  # offline too: the kept queue page
    expect(page.locator("#queue-list li.waiting")).to_have_count(3)
    expect(page.locator("#queue-list")).to_contain_text("SWIFT-1")
    shoot(page, "offline-01-queue-waiting")

    page.context.set_offline(False)  # the connection returns: sent on the `online` event
    expect(page.locator("#queue-list li.sent")).to_have_count(3)
    expect(page.locator("#queue-list")).to_contain_text("Nothing waits to be sent.")
    expect(page.locator("#queue-status")).to_be_hidden()
    shoot(page, "offline-02-queue-sent")

    receipts = m.Receipt.objects.filter(project=project).order_by("reference")
    assert [r.reference for r in receipts] == ["SWIFT-1", "SWIFT-2", "SWIFT-3"]
    assert m.LedgerEntry.objects.filter(receipt__in=receipts).values(
        "receipt").distinct().count() == 3
    assert all(r.recorded_by == world.alice for r in receipts)
    # the photo was made smaller on the phone, and kept its capture date
    with receipts[0].proof.open("rb") as stored, Image.open(io.BytesIO(stored.read())) as image:
        assert max(image.size) == 1600 and image.format == "JPEG"
        assert image.getexif().get_ifd(0x8769).get(0x9003)  # DateTimeOriginal


def test_replaying_the_queue_twice_still_records_three(browser, live_server, world, tmp_path):
    project = world.approved()
    page = browser.new_context(locale="en-GB").new_page()
    base = live_server.url
    login(page, base)
    record_three_offline(page, base, project, tmp_path)
    page.context.set_offline(False)
    wait_until(lambda: queue_states(page) == ["sent"] * 3, "the queue sent")

    # the same entries, as if their answers had been lost: sent again, twice, at once
    page.evaluate("""() => HasharQueue.all().then(all => Promise.all(all.map(entry => {
        entry.state = 'waiting'; return HasharQueue.put(entry); })))""")
    page.evaluate("""() => Promise.all([HasharQueue.flush({user: 'alice'}),
                                        HasharQueue.flush({user: 'alice'})])""")
    assert queue_states(page) == ["sent"] * 3
    assert m.Receipt.objects.filter(project=project).count() == 3
    assert m.IdempotencyKey.objects.filter(user=world.alice).count() == 3


def test_a_refused_entry_waits_with_its_reason_and_a_refusal_keeps_the_file(
        browser, live_server, world, tmp_path, shoot):
    project = world.approved()
    world.receipt(project, "100.00", reference="SWIFT-OLD")
    proof = tmp_path / "slip.pdf"
    proof.write_bytes(PDF)
    page = browser.new_context(locale="en-GB").new_page()
    base = live_server.url
    login(page, base)
    form_url = f"{base}/clerk/projects/{project.pk}/receipts/new/"
    open_with_worker(page, f"{base}/clerk/projects/{project.pk}/", keeps=[form_url])

    # online, a refusal lands on its field; what she typed and the chosen file stay
    page.goto(form_url)
    fill_receipt(page, "SWIFT-OLD", proof)
    page.get_by_role("button", name="Record the receipt").click()
    expect(page.locator(".queued-error")).to_contain_text("already")
    assert page.evaluate("document.querySelector('[name=proof]').files.length") == 1
    page.get_by_label("Bank or transfer reference").fill("SWIFT-NEW")
    page.get_by_role("button", name="Record the receipt").click()
    expect(page.locator("p.message.success")).to_contain_text("The receipt was recorded and the match recomputed.")
    assert m.Receipt.objects.filter(reference="SWIFT-NEW", proof__gt="").exists()

    # offline, then the officer cancels the project: the queued receipt is refused
    page.goto(form_url)
    page.context.set_offline(True)
    fill_receipt(page, "SWIFT-LATE", proof)
    page.get_by_role("button", name="Record the receipt").click()
    expect(page.locator(".queued-note")).to_contain_text("Kept on this phone")
    services.project_cancel(project=project, actor=world.bob, reason="The works moved")
    page.context.set_offline(False)
    page.goto(f"{base}/clerk/queue/")
    refused = page.locator("#queue-list li.refused")
    expect(refused).to_contain_text("it takes no more money")
    expect(page.locator("#queue-status")).to_contain_text("Refused by the server")
    shoot(page, "offline-03-refused")

    # "Correct" opens the form with everything typed, the file included
    refused.get_by_role("link", name="Correct it").click()
    expect(page.get_by_label("Bank or transfer reference")).to_have_value("SWIFT-LATE")
    assert page.evaluate("document.querySelector('[name=proof]').files[0].name") == "slip.pdf"
    expect(page.locator(".queued-problems")).to_contain_text("it takes no more money")

    page.goto(f"{base}/clerk/queue/")
    page.once("dialog", lambda dialog: dialog.accept())
    refused.get_by_role("button", name="Discard").click()
    expect(page.locator("#queue-list li.refused")).to_have_count(0)
    assert not m.Receipt.objects.filter(reference="SWIFT-LATE").exists()


def test_a_pledge_and_a_progress_report_with_a_photo_typed_offline(browser, live_server, world,
                                                                   tmp_path):
    project = world.in_progress()
    big = tmp_path / "trench.jpg"
    big.write_bytes(images.photo(taken_at=timezone.now() - datetime.timedelta(hours=3),
                                 position=(41.4689, 69.5822), size=(2400, 3200)))
    page = browser.new_context(locale="en-GB").new_page()
    base = live_server.url
    login(page, base)
    project_url = f"{base}/clerk/projects/{project.pk}/"
    open_with_worker(page, project_url, keeps=[f"{project_url}pledges/new/",
                                               f"{project_url}progress/new/"])
    page.context.set_offline(True)

    page.get_by_role("link", name="Record a pledge").click()
    page.get_by_label("Amount pledged").fill("250,000.50")  # as English writes it
    page.locator("#id_currency").select_option("RUB")
    page.get_by_label("Expected on").fill("2030-01-15")
    page.get_by_role("button", name="Record the pledge").click()
    expect(page.locator(".queued-note")).to_contain_text("Kept on this phone")

    page.goto(project_url)
    page.get_by_role("link", name="Progress report").click()
    page.get_by_label("How the works are going").fill("Trench dug along the street.")
    page.get_by_label("Photos").set_input_files(str(big))
    page.get_by_role("button", name="Record the progress report").click()
    expect(page.locator(".queued-note")).to_contain_text("Kept on this phone")
    assert not m.Pledge.objects.filter(project=project).exists()

    page.context.set_offline(False)
    page.goto(f"{base}/clerk/queue/")
    expect(page.locator("#queue-list li.sent")).to_have_count(2)
    pledge = m.Pledge.objects.get(project=project)
    assert pledge.amount == Decimal("250000.50") and pledge.currency == "RUB"
    report = m.ProgressReport.objects.get(project=project)
    photo = report.photos.get()
    assert photo.taken_at is not None and photo.latitude is not None  # EXIF kept
    with photo.file.open("rb") as stored, Image.open(io.BytesIO(stored.read())) as image:
        assert max(image.size) == 1600

    # logged out, the worker no longer knows whose entries it may send, nor keeps her pages
    page.get_by_role("button", name="Log out").click()
    page.wait_for_url(f"{base}/projects/")
    who = page.evaluate("""() => new Promise(resolve => {
        const open = indexedDB.open('hashar-offline', 1);
        open.onsuccess = () => {
            const get = open.result.transaction('meta').objectStore('meta').get('user');
            get.onsuccess = () => resolve(get.result); };
    })""")
    assert who == ""
    assert page.evaluate("() => caches.has('hashar-pages')") is False  # her pages forgotten


def test_the_page_of_the_first_visit_is_kept_too(browser, live_server, world):
    # the first page loads before the worker controls it, so it does not pass through it:
    # the page asks the worker to keep it, and it opens offline as last seen
    project = world.in_progress(title="Navbahor pipe")
    page = browser.new_context(locale="en-GB").new_page()
    project_url = f"{live_server.url}/clerk/projects/{project.pk}/"
    page.goto(f"{live_server.url}/login/?next=/clerk/projects/{project.pk}/")
    page.get_by_label("Username").fill("alice")
    page.get_by_label("Password").fill("pass-word-123")
    page.get_by_role("button", name="Log in").click()
    expect(page).to_have_url(project_url)  # her first page with the worker
    page.wait_for_function("() => navigator.serviceWorker.controller !== null")
    wait_until(lambda: kept(page, project_url), f"{project_url} kept for offline use")
    page.context.set_offline(True)
    page.goto(project_url)
    expect(page.locator("h1")).to_contain_text("Navbahor pipe")
