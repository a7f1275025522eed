"""A home for every role: the association's pages, the auditor's read-only pages (ledger,
audit trail, ledger checks, exports), the menu of each role, and the error pages."""

import csv
import datetime
import io
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.views.defaults import server_error

from matching import models as m
from matching import services, tasks


# --- the association ----------------------------------------------------------------------

def test_the_association_sees_its_pledges_with_what_is_missing_and_by_when(login, world):
    project = world.approved()
    pledge = services.pledge_create(project=project, actor=world.migrant,
                                    amount=Decimal("30000000.00"), currency="UZS",
                                    expected_on=datetime.date(2030, 1, 15))
    world.receipt(project, "12000000.00", pledge=pledge, reference="WU-2030-1")
    other = services.project_create(
        actor=world.charlie, mahalla=world.mahalla_b, association=world.other_association,
        scheme=world.scheme, category="road", title="Bekobod road", cost="9000000.00")
    services.pledge_create(project=other, actor=world.stranger, amount=Decimal("777777.00"),
                           currency="UZS", expected_on=datetime.date(2030, 2, 1))
    response = login(world.migrant).get(reverse("association-home"))
    html = response.content.decode()
    assert response.status_code == 200
    assert "30,000,000.00\xa0UZS" in html and "12,000,000.00\xa0UZS" in html
    assert "18,000,000.00\xa0UZS" in html  # still missing
    assert "WU-2030-1" in html and project.code in html
    assert "Bekobod road" not in html and "777,777.00" not in html


def test_the_association_project_page_has_receipts_tranches_and_decisions(login, world):
    project = world.approved()
    world.receipt(project, "5000000.00", reference="WU-REF-9")
    html = login(world.migrant).get(reverse("association-project", args=[project.pk])).content
    html = html.decode()
    assert "WU-REF-9" in html and "Good value" in html  # the decision's reason
    assert "Tranche schedule" in html and "Municipal officer" in html  # the role, not a name
    assert "bob" not in html


def test_another_associations_project_is_not_found(login, world):
    project = world.approved()
    assert login(world.stranger).get(
        reverse("association-project", args=[project.pk])).status_code == 404


def test_the_association_home_does_not_grow_with_its_projects(login, world):
    """The same queries for one project as for six: its registration (home mahallas,
    applications, proposals), its projects, pledges and receipts, each one query."""
    migrant = login(world.migrant)
    counts = []
    for projects in (1, 6):
        while m.Project.objects.filter(association=world.association).count() < projects:
            n = m.Project.objects.count()
            project = world.approved(title=f"Pipe {n}", cost="4000000.00")
            services.pledge_create(project=project, actor=world.migrant, amount=Decimal("1000"),
                                   currency="UZS", expected_on=datetime.date(2030, 1, 1))
            world.receipt(project, "1000.00")
        with CaptureQueriesContext(connection) as queries:
            response = migrant.get(reverse("association-home"))
        counts.append(len(queries))
    assert counts[0] == counts[1] <= 12, counts
    assert response.content.decode().count("Pipe ") >= 6


# --- the auditor --------------------------------------------------------------------------

@pytest.fixture
def books(world):
    approved = world.approved(title="Navbahor pipe")
    world.receipt(approved, "8000000.00", reference="=HYPERLINK(\"http://x\")")
    draft = world.project(title="Draft")
    world.receipt(draft, "1000.00")
    return approved, draft


def test_the_auditor_reads_and_filters_the_ledger(login, world, books):
    approved, draft = books
    auditor = login(world.auditor)
    html = auditor.get(reverse("audit-ledger")).content.decode()
    assert approved.code in html and draft.code in html
    html = auditor.get(reverse("audit-ledger"), {"project": approved.code.lower(),
                                                 "kind": "match"}).content.decode()
    assert approved.code in html and draft.code not in html and "Match accrual" in html
    html = auditor.get(reverse("audit-ledger"), {"party": "district"}).content.decode()
    assert "Envelope reservation" in html and "Receipt" not in html.split("<tbody>")[1]
    tomorrow = (datetime.date.today() + datetime.timedelta(days=1)).isoformat()
    html = auditor.get(reverse("audit-ledger"), {"since": tomorrow}).content.decode()
    assert "No entries." in html


@pytest.mark.parametrize("query, message", [
    ({"kind": "bribe"}, "Select a valid choice"), ({"since": "yesterday"}, "Enter a valid date"),
    ({"since": "2030-02-01", "until": "2030-01-01"}, "The end comes before the start."),
], ids=["kind", "date", "period"])
def test_a_bad_ledger_filter_is_a_form_error(login, world, books, query, message):
    response = login(world.auditor).get(reverse("audit-ledger"), query)
    assert response.status_code == 400 and message in response.content.decode()
    assert login(world.auditor).get(reverse("audit-ledger-csv"), query).status_code == 400


def test_the_ledger_list_does_not_grow_with_the_rows_shown(login, world,
                                                           django_assert_max_num_queries):
    for n in range(8):
        world.receipt(world.approved(title=f"Pipe {n}", cost="4000000.00"), "1000.00")
    assert m.LedgerEntry.objects.count() > 30
    auditor = login(world.auditor)
    with django_assert_max_num_queries(8) as few:
        auditor.get(reverse("audit-ledger"), {"kind": "receipt"})
    with django_assert_max_num_queries(len(few.captured_queries)):
        auditor.get(reverse("audit-ledger"))


def test_the_ledger_csv_is_filtered_and_safe_in_a_spreadsheet(login, world, books):
    approved, _draft = books
    response = login(world.auditor).get(reverse("audit-ledger-csv"), {"project": approved.code})
    assert response["Content-Type"].startswith("text/csv")
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(text)))
    assert {row["project"] for row in rows} == {approved.code}
    assert sum(Decimal(r["amount"]) for r in rows if r["kind"] == "receipt") == Decimal(
        "8000000.00")
    memos = [row["memo"] for row in rows if row["kind"] == "receipt"]
    assert memos == ["Receipt =HYPERLINK(\"http://x\")"]  # starts with text: no formula
    assert all(not value.startswith(("=", "+", "@")) for row in rows for value in row.values())


def test_the_audit_trail_says_who_what_when_and_from_where(login, world):
    project = world.project()
    # a change made through a page carries the address and the URL
    clerk = login(world.alice)
    clerk.post(reverse("clerk-project-edit", args=[project.pk]), {
        "title": "Renamed pipe", "mahalla": world.mahalla_a.pk, "scheme": world.scheme.pk,
        "category": "drinking_water", "cost": "40000000", "executor_kind": "contractor"},
        REMOTE_ADDR="203.0.113.7")
    html = login(world.auditor).get(reverse("audit-trail"), {
        "model": "Project", "object_id": project.pk}).content.decode()
    assert "alice" in html and "203.0.113.7" in html and "project_edit" in html
    assert "Water pipe → Renamed pipe" in html
    assert f"/clerk/projects/{project.pk}/edit/" in html
    # filtered by someone else: nothing
    html = login(world.auditor).get(reverse("audit-trail"), {
        "model": "Project", "object_id": project.pk, "user": "bob"}).content.decode()
    assert "No changes recorded." in html


def test_the_audit_trail_pages_by_keyset_in_a_few_queries(login, world,
                                                          django_assert_max_num_queries):
    for n in range(60):
        world.project(title=f"Idea {n}")
    auditor = login(world.auditor)
    with django_assert_max_num_queries(8):
        response = auditor.get(reverse("audit-trail"), {"model": "Project"})
    older = response.context["older"]
    assert older is not None and len(response.context["rows"]) == 50
    response = auditor.get(reverse("audit-trail"), {"model": "Project", "before": older})
    assert 0 < len(response.context["rows"]) <= 60 * 2 - 50


@pytest.mark.parametrize("query", [{"model": "Nope"}, {"object_id": "²"},
                                   {"before": "-1"}, {"since": "tomorrow"}])
def test_a_bad_trail_filter_is_a_form_error(login, world, query):
    assert login(world.auditor).get(reverse("audit-trail"), query).status_code == 400


def test_each_ledger_check_is_kept_and_shown_with_its_time(login, world, books):
    tasks.verify_ledger()
    call_command("verify_ledger", stdout=io.StringIO())
    assert list(m.LedgerCheck.objects.values_list("source", flat=True)) == ["command", "nightly"]
    html = login(world.auditor).get(reverse("audit-home")).content.decode()
    assert "every cached total agrees" in html and "verify_ledger command" in html


def test_a_ledger_difference_is_shown_to_the_auditor(login, world, books):
    approved, _draft = books
    m.Project.objects.filter(pk=approved.pk).update(received=Decimal("1.00"))  # drift
    with pytest.raises(Exception, match="disagree"):
        call_command("verify_ledger", stdout=io.StringIO(), stderr=io.StringIO())
    check = m.LedgerCheck.objects.get()
    assert check.differences == [{"model": "Project", "id": approved.pk, "field": "received",
                                  "cached": "1.00", "ledger": "8000000.00"}]
    html = login(world.auditor).get(reverse("audit-checks")).content.decode()
    assert "1 cached totals disagree" in html and f"Project #{approved.pk}" in html
    assert "8000000.00" in html


def test_the_auditor_home_links_to_every_export(login, world):
    html = login(world.auditor).get(reverse("audit-home")).content.decode()
    for url in (reverse("audit-ledger-csv"), reverse("public-projects-csv"),
                reverse("public-projects-json"), reverse("reports:iati"),
                reverse("reports:download", args=["regional", "csv"]),
                reverse("reports:download", args=["leverage", "xlsx"]),
                reverse("imports:index")):
        assert url in html, url


def test_the_auditor_pages_write_nothing(login, world, books):
    auditor = login(world.auditor)
    for name in ("audit-ledger", "audit-trail", "audit-checks", "audit-home"):
        assert auditor.post(reverse(name)).status_code == 405
    assert not m.LedgerCheck.objects.exists()


# --- menus and homes ----------------------------------------------------------------------

MENUS = {
    "alice": ["clerk-dashboard", "reminders:list", "imports:index", "reports:index"],
    "bob": ["officer-queue", "officer-overdue", "reminders:list", "reports:index"],
    "admin": ["officer-queue", "audit-home", "reminders:list", "imports:index", "admin:index"],
    "migrant": ["association-home", "reminders:list", "imports:index", "reports:index"],
    "auditor": ["audit-home", "reminders:list", "imports:index", "reports:index"],
}
NOT_IN_MENU = {"alice": ["officer-queue", "audit-home"], "bob": ["imports:index", "audit-home"],
               "migrant": ["clerk-dashboard", "audit-home"], "auditor": ["officer-queue"]}


@pytest.mark.parametrize("who", sorted(MENUS))
def test_every_page_a_role_may_use_is_in_its_menu(login, world, who):
    user = getattr(world, who)
    response = login(user).get(reverse("public-projects"))
    nav = response.content.decode().split("<nav", 1)[1].split("</nav>", 1)[0]
    for name in MENUS[who]:
        assert f'href="{reverse(name)}"' in nav, name
        assert login(user).get(reverse(name)).status_code == 200, name
    for name in NOT_IN_MENU.get(who, []):
        assert f'href="{reverse(name)}"' not in nav, name


def test_the_anonymous_menu_has_the_public_pages_only(client, world):
    nav = client.get(reverse("public-projects")).content.decode().split("<nav", 1)[1]
    nav = nav.split("</nav>", 1)[0]
    assert reverse("reports:index") in nav and reverse("reminders:list") not in nav


def test_the_imports_index_is_for_those_who_import(login, world):
    assert login(world.bob).get(reverse("imports:index")).status_code == 403
    html = login(world.alice).get(reverse("imports:index")).content.decode()
    assert reverse("imports:upload", args=["receipts"]) in html
    assert reverse("imports:upload", args=["rates"]) not in html


# --- error pages --------------------------------------------------------------------------

def test_403_uses_the_layout_and_the_language_and_offers_a_way_back(login, world):
    response = login(world.bob, language="ru").get(reverse("clerk-dashboard"))
    html = response.content.decode()
    assert response.status_code == 403
    assert '<html lang="ru">' in html and 'class="site"' in html
    assert f'href="{reverse("home")}"' in html and f'href="{reverse("officer-queue")}"' in html


def test_404_uses_the_layout_and_offers_a_way_back(client, world):
    response = client.get("/no/such/page/")
    html = response.content.decode()
    assert response.status_code == 404
    assert 'class="site"' in html and f'href="{reverse("home")}"' in html
    assert "Page not found" in html


def test_404_is_translated(client, world):
    client.cookies["django_language"] = "ru"
    response = client.get("/no/such/page/")
    assert response.status_code == 404 and '<html lang="ru">' in response.content.decode()
    assert "Page not found" not in response.content.decode()


def test_500_renders_without_a_request(rf, world):
    """Django renders the 500 page with no context at all: the layout must not need one."""
    from django.utils import translation

    with translation.override("ru"):
        response = server_error(rf.get("/"))
    html = response.content.decode()
    assert response.status_code == 500
    assert '<html lang="ru">' in html and 'class="site"' in html and 'href="/"' in html
    assert "Something went wrong on our side" not in html  # in Russian


def test_a_crash_answers_the_500_page(client, world, settings):
    settings.ROOT_URLCONF = "tests.web.crashing_urls"
    client.raise_request_exception = False
    response = client.get("/crash/")
    assert response.status_code == 500
    assert "Something went wrong on our side" in response.content.decode()


def test_a_refused_form_gets_the_csrf_page(world):
    client = Client(enforce_csrf_checks=True)
    client.force_login(world.alice)
    client.cookies["django_language"] = "uz"
    response = client.post(reverse("clerk-project-new"), {"title": "x"})
    html = response.content.decode()
    assert response.status_code == 403
    assert '<html lang="uz">' in html and 'class="site"' in html
    assert f'href="{reverse("home")}"' in html
    assert not m.Project.objects.exists()
