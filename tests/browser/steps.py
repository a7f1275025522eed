"""Steps on the pages that several walks through the browser take the same way."""

COMMITTEE = (("Karimjon Rahimov", "Chair"), ("Gulnora Sodiqova", "Secretary"),
             ("Bahodir Ergashev", "Member"))


def done(page, text):
    """Wait for the success message that says `text`."""
    page.locator(".message.success", has_text=text).wait_for()


def add_committee(clerk, members=COMMITTEE, contact="+998 90 123 45 67"):
    """On the clerk's oversight committee page: each (full name, role) added in turn."""
    for name, role in members:
        clerk.get_by_label("Full name").fill(name)
        clerk.get_by_label("Contact").fill(contact)
        clerk.get_by_label("Role in the committee").select_option(label=role)
        clerk.get_by_role("button", name="Add to the committee").click()
        done(clerk, "The committee member was recorded.")
