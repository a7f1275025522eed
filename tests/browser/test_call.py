"""A whole call in a real browser, from its opening to its published results: the
administrator sets it up and opens it, clerks apply, the call closes, a member scores (seeing
the others' scores only after his own), the allocation is proposed beside the greedy
ranking, a session with a quorum votes and decides, the minutes are published, and the
public reads the results on a phone."""

import datetime

import pytest
import time_machine
from django.utils import timezone

from matching import models as m
from matching import services
from matching.jobs.tasks import run_job
from matching.services.scoring import criteria_to_score
from tests import factories as f

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _login(page, base, username):
    page.goto(f"{base}/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill("pass-word-123")
    page.get_by_role("button", name="Log in").click()


def test_a_call_from_its_opening_to_its_published_results(browser, live_server, world, shoot):
    base, today = live_server.url, timezone.localdate()
    members = [f.UserFactory(username=name, role=m.Role.COMMITTEE, first_name=name.title())
               for name in ("kamola", "rustam", "dilnoza")]
    mine = world.submitted(title="Navbahor water")
    theirs = world.submitted(title="Guliston road", mahalla=world.mahalla_b)

    # the administrator drafts the call (the usual criteria are offered), opens it, seats three
    admin = browser.new_context(locale="en-GB").new_page()
    _login(admin, base, "admin")
    admin.goto(f"{base}/setup/calls/new/")
    admin.get_by_label("Code").fill("tash-2026-water")
    admin.locator("#id_title").fill("Water and roads 2026")
    admin.get_by_label("Scheme").select_option(label=str(world.scheme))
    admin.get_by_label("Opens on").fill(today.isoformat())
    admin.get_by_label("Closes on").fill(today.isoformat())
    admin.get_by_label("Quorum").fill("2")
    admin.get_by_label(f"Chirchiq hokimiyati / {world.scheme.code}").check()
    admin.get_by_label(f"Bekobod hokimiyati / {world.scheme.code}").check()
    admin.get_by_role("button", name="Save the draft").click()
    admin.get_by_text("saved as a draft").wait_for()
    admin.get_by_role("button", name="Open the call").click()
    admin.get_by_text("The call is open").wait_for()
    for member in members:
        admin.get_by_label("Committee member").select_option(label=member.first_name)
        admin.get_by_role("button", name="Add the member").click()
        admin.get_by_text("The member was added.").wait_for()
    call = m.Call.objects.get(code="tash-2026-water")
    assert call.status == "open" and call.criteria.count() == 5 and call.members.count() == 3

    # the clerk applies with her submitted project; the other clerk's applies as well
    clerk = browser.new_context(locale="en-GB").new_page()
    _login(clerk, base, "alice")
    clerk.goto(f"{base}/clerk/projects/{mine.pk}/")
    clerk.get_by_label("Apply to an open call").select_option(value=str(call.pk))
    clerk.get_by_role("button", name="Apply", exact=True).click()
    clerk.get_by_text(f"applied to call {call.code}").wait_for()
    services.application_submit(actor=world.charlie, call=call, project=theirs)

    tomorrow = datetime.datetime.combine(today + datetime.timedelta(days=1), datetime.time(9),
                                         tzinfo=timezone.get_current_timezone())
    with time_machine.travel(tomorrow, tick=True):
        # the call closes: the computed criteria are filled in
        admin.goto(f"{base}/setup/calls/{call.pk}/")
        admin.get_by_role("button", name="Close the call and start the scoring").click()
        admin.get_by_text("The call is closed").wait_for()

        # two members score before kamola; she sees none of it until she has scored
        applications = list(call.applications.order_by("id"))
        for user in members[1:]:
            for application in applications:
                services.score_submit(actor=user, application=application, values={
                    c.pk: 6 for c in criteria_to_score(application)}, comment=f"by {user}")
        member = browser.new_context(locale="en-GB").new_page()
        _login(member, base, "kamola")
        member.get_by_role("link", name="My committee").click()
        member.get_by_role("link", name=f"{call.code} · {call.title}").click()
        for application in applications:
            member.goto(f"{base}/committee/applications/{application.pk}/")
            assert member.locator("#hidden-scores").is_visible()
            assert "by Rustam" not in member.content()
            assert member.locator("#computed").inner_text().count("/ 10") == 2
            for label in ("Need", "Readiness", "Community support"):
                member.get_by_label(label).select_option("9")
            member.get_by_role("button", name="Submit my scores (final)").click()
            member.get_by_text("by Rustam").wait_for()
        shoot(member, "call-01-member-scores")

        # the allocation beside the greedy ranking, a session, votes, decisions, minutes
        admin.goto(f"{base}/setup/calls/{call.pk}/allocation/")
        admin.get_by_role("button", name="Propose the allocation").click()
        admin.wait_for_url(f"{base}/jobs/*/")  # solved in a worker: its page follows it
        job = m.Job.objects.get(kind=m.JobKind.ALLOCATION)
        assert run_job(job.pk) == "succeeded"  # here, as the worker would
        admin.get_by_role("link", name="See the proposal beside the greedy ranking").click()
        assert "proven optimal" in admin.locator("#allocation").inner_text()
        shoot(admin, "call-02-allocation")
        admin.goto(f"{base}/setup/calls/{call.pk}/")
        admin.get_by_label("Place").fill("Chirchiq hokimiyati, hall 2")
        admin.get_by_role("button", name="Schedule a session").click()
        admin.get_by_text("The session was scheduled.").wait_for()
        for n in (1, 2, 3):
            admin.get_by_label(f"Member {n}:").check()
        admin.get_by_label("Notes for the minutes").fill("Both projects discussed.")
        admin.get_by_role("button", name="Save the attendance and notes").click()
        admin.get_by_text("The attendance and notes were saved.").wait_for()
        ballot = admin.locator("form.ballot").filter(has_text=mine.code)
        for n in (1, 2, 3):
            ballot.get_by_label(f"Member {n}:").select_option("for")
        ballot.get_by_role("button").click()
        admin.get_by_text(f"The votes on {mine.code} were recorded.").wait_for()
        admin.get_by_role("link", name="Record the decisions").click()
        admin.get_by_role("button", name="Record the decisions and publish the results").click()
        admin.get_by_text("The decisions are recorded").wait_for()
        admin.get_by_role("button", name="Publish the minutes").click()
        admin.get_by_text("The minutes are published.").wait_for()
        shoot(admin, "call-03-session")

    mine.refresh_from_db()
    theirs.refresh_from_db()
    assert mine.status == theirs.status == m.ProjectStatus.FUNDING
    assert m.Call.objects.get(pk=call.pk).status == m.CallStatus.DECIDED

    # the public reads every application's scores and decision, on a phone, and the minutes
    public = browser.new_context(locale="en-GB", viewport={"width": 390, "height": 844}) \
        .new_page()
    public.goto(f"{base}/calls/")
    public.get_by_role("link", name="Water and roads 2026").click()
    results = public.locator("#results").inner_text()
    assert mine.code in results and theirs.code in results and results.count("Selected") >= 2
    assert public.evaluate("document.documentElement.scrollWidth") <= 390
    shoot(public, "call-04-public-results-phone")
    public.get_by_role("link", name="Session 1 of").click()
    minutes = public.locator("#minutes").inner_text()
    assert "Member 1: present" in minutes and "3 for, 0 against" in minutes
    assert "Kamola" not in public.content() and "kamola" not in public.content()
    public.get_by_role("button", name="Print the minutes").is_visible()
    shoot(public, "call-05-public-minutes")
