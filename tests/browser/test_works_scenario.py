"""A clerk's project from an empty form to completed, in Chromium: eligibility shown live and
fixed by editing the draft, milestones, a progress report with a photo, the oversight
committee and its sign-off, and completion with the handover act. The officer's part
(approval, starting the works) is done in code with the services."""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from matching import models as m
from matching import services
from matching.demo import images

from .steps import add_committee

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def _login(page, base, username):
    page.goto(f"{base}/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill("pass-word-123")
    page.get_by_role("button", name="Log in").click()


def test_a_clerk_takes_a_project_from_draft_to_completed(browser, live_server, world, shoot,
                                                         tmp_path):
    base = live_server.url
    photo = tmp_path / "trench.jpg"
    photo.write_bytes(images.photo(taken_at=timezone.now() - datetime.timedelta(days=1)))
    act = tmp_path / "handover-act.pdf"
    act.write_bytes(PDF)
    clerk = browser.new_context(locale="en-GB", viewport={"width": 390, "height": 844}).new_page()
    _login(clerk, base, "alice")
    expect(clerk).to_have_url(f"{base}/clerk/")

    # a new draft: the eligibility box answers as the form is filled in
    clerk.get_by_role("link", name="New project").click()
    box = clerk.locator("#eligibility")
    expect(box).to_contain_text("The rules are checked as you fill in")
    clerk.get_by_label("Title").fill("Navbahor drinking water")
    clerk.get_by_label("Mahalla").select_option(label="Navbahor")
    clerk.get_by_label("Migrant association").select_option(label="Chirchiq Community Moscow")
    clerk.get_by_label("Scheme").select_option(label=str(world.scheme))
    clerk.get_by_label("Eligible cost").fill("950000000")
    clerk.get_by_label("Eligible cost").press("Tab")  # a change event: htmx asks the server
    expect(box).to_contain_text("above the scheme's maximum")
    shoot(clerk, "works-01-eligibility-live")
    clerk.get_by_role("button", name="Create the draft").click()
    clerk.get_by_text("was created as a draft").wait_for()
    project = m.Project.objects.get(title="Navbahor drinking water")
    expect(clerk.locator("#eligibility")).to_contain_text("above the scheme's maximum")

    # fixed by editing the draft, the box turning green before saving
    clerk.get_by_role("link", name="Edit the draft").click()
    clerk.get_by_label("Eligible cost").fill("40000000")
    clerk.get_by_label("Eligible cost").press("Tab")
    expect(clerk.locator("#eligibility")).to_contain_text("Eligible as it stands")
    clerk.get_by_role("button", name="Save the draft").click()
    clerk.get_by_text("The draft was saved.").wait_for()
    project.refresh_from_db()
    assert project.cost == Decimal("40000000.00")

    # milestones, whose shares must add up to 100 %
    clerk.get_by_role("link", name="Milestones").click()
    rows = [("Trench dug", "2030-03-01", "30"), ("Pipe laid", "2030-06-01", "50")]
    for n, (title, day, share) in enumerate(rows):
        clerk.locator(f"#id_milestones-{n}-title").fill(title)
        clerk.locator(f"#id_milestones-{n}-planned_on").fill(day)
        clerk.locator(f"#id_milestones-{n}-share").fill(share)
    clerk.get_by_role("button", name="Save the milestones").click()
    clerk.get_by_text("they must add up to exactly 100 %").wait_for()  # 80: refused, kept
    expect(clerk.locator("#id_milestones-1-title")).to_have_value("Pipe laid")
    clerk.locator("#id_milestones-1-share").fill("70")
    clerk.get_by_role("button", name="Save the milestones").click()
    clerk.get_by_text("The milestones were saved.").wait_for()
    trench, pipe = project.milestones.all()

    # the officer's part, in code: submitted, approved, funded, works started
    services.project_submit(project=project, actor=world.alice)
    services.project_review_start(project=project, actor=world.bob)
    services.project_approve(project=project, actor=world.bob, reason="Clean water")
    world.receipt(project, "20000000.00")
    world.start_works(project)

    # a progress report with a photo
    clerk.goto(f"{base}/clerk/projects/{project.pk}/")
    clerk.get_by_role("link", name="Progress report").click()
    clerk.get_by_label("How the works are going").fill("Trench dug along the whole street.")
    clerk.get_by_label("Photos").set_input_files(str(photo))
    clerk.get_by_label("Trench dug").fill("100")
    clerk.get_by_label("Pipe laid").fill("20")
    clerk.get_by_role("button", name="Record the progress report").click()
    clerk.get_by_text("The progress report was recorded.").wait_for()
    expect(clerk.locator("section.works")).to_contain_text("44\xa0%")  # 30 + 70 × 20 %
    expect(clerk.locator("section.works img")).to_have_count(1)
    shoot(clerk, "works-02-progress")

    # the oversight committee, and its answers on the handover act
    clerk.get_by_role("link", name="Oversight committee").click()
    add_committee(clerk)
    for n, (decision, findings) in enumerate([("Signed the handover act", "Laid as planned."),
                                              ("Signed the handover act", ""),
                                              ("Refused to sign", "Ditch not finished.")]):
        clerk.get_by_role("link", name="Record the answer").nth(n).click()
        clerk.get_by_label(decision).check()
        clerk.get_by_label("Findings").fill(findings)
        clerk.get_by_role("button", name="Record the answer").click()
        clerk.get_by_text("The member's answer on the handover act was recorded.").wait_for()
    expect(clerk.locator("p.message.success").last).to_contain_text(
        "2 of the 3 members signed the handover act")
    shoot(clerk, "works-03-committee")

    # completion with the handover act
    clerk.goto(f"{base}/clerk/projects/{project.pk}/")
    clerk.get_by_role("link", name="Complete the project").click()
    clerk.get_by_label("Signed handover act").set_input_files(str(act))
    clerk.get_by_label("Note").fill("Handed over to the mahalla committee.")
    clerk.get_by_role("button", name="Complete the project").click()
    clerk.get_by_text(f"Project {project.code} is completed.").wait_for()
    project.refresh_from_db()
    assert project.status == m.ProjectStatus.COMPLETED
    assert project.evidence.filter(kind=m.EvidenceKind.HANDOVER_ACT).count() == 1
    assert list(pipe.moves.values_list("progress", flat=True)) == [Decimal("20.00")]
    assert trench.moves.get().progress == Decimal("100.00")

    # the public sees the progress and the findings, never the names
    public = browser.new_context(locale="en-GB").new_page()
    public.goto(f"{base}/projects/{project.code}/")
    expect(public.locator("main")).to_contain_text("Ditch not finished.")
    expect(public.locator("main")).to_contain_text("Trench dug along the whole street.")
    assert "Karimjon Rahimov" not in public.content()
    assert "+998 90 123 45 67" not in public.content()
    shoot(public, "works-04-public")
