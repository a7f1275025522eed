"""In a real browser: a citizen files a complaint with a photo from her phone, the district's
officer answers it, the citizen follows it by its code, and the answer is public on the
project's page without her contact or her words."""

import re
import uuid

import pytest

from matching import models as m

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
CONTACT = "+998 97 123 45 67 (Gulnora)"
TEXT = "Since the works ended the new pipe leaks at the school gate every morning."
ANSWER = "The contractor replaced the faulty joint on Monday; the district engineer checked it."
pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _complaint_settings(settings):
    settings.CACHES = {"default": {**settings.CACHES["default"],
                                   "KEY_PREFIX": f"hashar-browser-{uuid.uuid4().hex}"}}
    settings.COMPLAINT_MIN_FILL_SECONDS = 1  # a person is slower; the browser must wait too


def _login(page, base, username):
    page.goto(f"{base}/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill("pass-word-123")
    page.get_by_role("button", name="Log in").click()


def test_a_citizen_complains_the_officer_answers_and_the_answer_is_public(
        browser, live_server, world, shoot, tmp_path):
    project = world.approved(title="Navbahor drinking water")
    photo = tmp_path / "leak.png"
    photo.write_bytes(PNG)
    base = live_server.url

    # the citizen, on her phone, without an account
    citizen = browser.new_context(locale="en-GB", viewport={"width": 390, "height": 844}) \
        .new_page()
    citizen.goto(f"{base}/projects/{project.code}/")
    citizen.get_by_role("link", name="Send a complaint or feedback").click()
    citizen.get_by_label("Quality of the works").check()
    citizen.get_by_label("What happened").fill(TEXT)
    citizen.get_by_label("Photo (optional)").set_input_files(str(photo))
    citizen.get_by_label("Your phone or e-mail (optional)").fill(CONTACT)
    # the honeypot is not for people: off the screen, out of the tab order
    trap = citizen.locator("#id_website")
    box = trap.bounding_box()
    assert box["x"] + box["width"] <= 0 and trap.get_attribute("tabindex") == "-1"
    citizen.wait_for_timeout(1200)
    shoot(citizen, "20-citizen-complaint-form-phone")
    citizen.get_by_role("button", name="Send").click()
    citizen.get_by_text("Your complaint was received").wait_for()
    code = re.search(r"Complaint ([2-9A-Z]{4}-[2-9A-Z]{4}-[2-9A-Z]{4})",
                     citizen.locator("h1").inner_text()).group(1)
    assert citizen.evaluate("document.documentElement.scrollWidth") <= 390
    shoot(citizen, "21-citizen-tracking-code-phone")
    complaint = m.Complaint.objects.get(code=code)
    assert complaint.photo and complaint.contact == CONTACT

    # the district's officer finds it in his list and answers it
    officer = browser.new_context(locale="en-GB").new_page()
    _login(officer, base, "bob")
    officer.get_by_role("link", name="Complaints").first.click()
    officer.locator(f'a[href="/officer/complaints/{complaint.pk}/"]').click()
    assert CONTACT in officer.content() and TEXT in officer.content()
    with officer.expect_response(lambda r: "/photo/" in r.url) as photo_response:
        officer.get_by_role("link", name="Open the photo").click()
    assert photo_response.value.status == 200
    officer.go_back()
    officer.get_by_label("Answer").fill(ANSWER)
    officer.get_by_role("button", name="Publish the answer").click()
    officer.get_by_text("The answer was published.").wait_for()
    shoot(officer, "22-officer-complaint-answered")

    # the citizen follows her complaint by its code, typed as people type it
    citizen.goto(f"{base}/complaints/")
    citizen.get_by_label("Tracking code").fill(code.lower().replace("-", " "))
    citizen.get_by_role("button", name="Show").click()
    citizen.locator("#answer").wait_for()
    assert ANSWER in citizen.locator("#answer").inner_text()
    shoot(citizen, "23-citizen-follows-the-answer-phone")

    # anyone sees the answer on the project's page; never her contact, words or code
    public = browser.new_context(locale="en-GB").new_page()
    public.goto(f"{base}/projects/{project.code}/")
    complaints = public.locator("ul.complaints")
    assert ANSWER in complaints.inner_text() and "Quality of the works" in complaints.inner_text()
    html = public.content()
    for private in (CONTACT, "Gulnora", "+998 97", TEXT, code):
        assert private not in html, private
    shoot(public, "24-public-project-with-the-answer")
