"""Every public page of the demo programme, in a real browser: it fits a 1280 px and a 390 px
screen in all five languages (no page wider than the window, no table scrolling sideways), and
axe-core finds no critical or serious accessibility violation on it.

axe-core is vendored under tests/browser/vendor/axe-core (MPL 2.0) and injected by Playwright
into a context that bypasses the Content-Security-Policy: no page of Hashar loads it.
"""

import re
from pathlib import Path

import pytest

from matching import models as m
from matching.demo.seed import seed

from .conftest import SCREENSHOTS

AXE = Path(__file__).resolve().parent / "vendor" / "axe-core" / "axe.min.js"
LANGUAGES = ["en", "uz", "ru", "tg", "ky"]
WIDTHS = [1280, 390]
pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.django_db(transaction=True)]

# official codes for some demo places, so that the maps draw outlines (Kyrgyzstan,
# Tajikistan) and Uzbekistan's regions sit in their tile layout
CODES = {
    m.Region: {"Osh": "KG-O", "Sughd": "TJ-SU", "Toshkent viloyati": "UZ-TO",
               "Farg'ona viloyati": "UZ-FA", "Samarqand viloyati": "UZ-SA"},
    m.District: {"Kara-Suu": "KG06226000000", "Nookat": "KG06242000000",
                 "Isfara": "3505220", "Khujand": "3505256"},
}


@pytest.fixture
def demo(db):
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    seed()
    for model, codes in CODES.items():
        for name, code in codes.items():
            model.objects.filter(name=name).update(code=code)


def public_pages() -> list[str]:
    """Every kind of public page, each project's page, each region's report."""
    projects = list(m.Project.objects.public().order_by("id"))
    complaints = list(m.Complaint.objects.order_by("id"))
    districts = m.District.objects.filter(mahallas__projects__in=projects).distinct()
    return [
        "/projects/", "/projects/?status=rejected", "/complaints/", "/login/",
        *[f"/projects/{p.code}/" for p in projects],
        f"/projects/{projects[0].code}/complaints/new/",
        *[f"/complaints/{c.code}/" for c in complaints],
        "/reports/", "/reports/funders/", "/reports/associations/", "/reports/leverage/",
        *[f"/reports/region/{pk}/" for pk in m.Region.objects.values_list("pk", flat=True)],
        *[f"/reports/district/{d.pk}/" for d in districts],
    ]


def _context(browser, base, language, width, *, scripts=True, **kwargs):
    """A browser with the page language's cookie; without `scripts`, no script runs (they
    change no page's width: the chart draws in its box, htmx acts on a click)."""
    context = browser.new_context(viewport={"width": width, "height": 900},
                                  java_script_enabled=scripts, **kwargs)
    context.add_cookies([{"name": "django_language", "value": language, "url": base}])
    return context


WIDTH_SCRIPT = """() => ({
    page: document.documentElement.scrollWidth,
    lang: document.documentElement.lang,
    tables: Array.from(document.querySelectorAll('.table-wrap'))
        .filter(w => w.scrollWidth > w.clientWidth + 1)
        .map(w => (w.querySelector('th') || w).textContent.trim().slice(0, 40)),
})"""


def test_every_public_page_fits_1280_and_390_pixels_in_every_language(browser, live_server,
                                                                       demo):
    pages, base = public_pages(), live_server.url
    assert len(pages) >= 25
    checked, wrong = 0, []
    for language in LANGUAGES:
        context = _context(browser, base, language, WIDTHS[0], scripts=False)
        page = context.new_page()
        for path in pages:
            page.set_viewport_size({"width": WIDTHS[0], "height": 900})
            # "load": the stylesheet is in (with no script, the DOM is ready before it is)
            response = page.goto(base + path, wait_until="load")
            assert response.status == 200, (path, response.status)
            # axe is the tests' own: no page of Hashar loads it; and the CSP holds: no
            # inline style or script on any public page
            assert not page.locator("script[src*=axe]").count(), path
            assert not page.locator("[style], script:not([src]):not([type])").count(), path
            for width in WIDTHS:  # the same page, laid out again for each screen
                page.set_viewport_size({"width": width, "height": 900})
                found = page.evaluate(WIDTH_SCRIPT)
                assert found["lang"] == language, (path, found["lang"])
                checked += 1
                if found["page"] > width or found["tables"]:
                    wrong.append((language, width, path, found["page"], found["tables"]))
                    name = path.strip("/").replace("/", "_").replace("?", "_")
                    page.screenshot(path=str(SCREENSHOTS / f"too-wide-{language}-{width}-"
                                                           f"{name}.png"), full_page=True)
                elif language in ("en", "ru") and path in ("/reports/", pages[4]):
                    name = path.strip("/").replace("/", "_")  # what a reader sees, for the record
                    page.screenshot(path=str(SCREENSHOTS / f"30-{name}-{language}-{width}.png"),
                                    full_page=True)
        context.close()
    assert checked == len(pages) * len(LANGUAGES) * len(WIDTHS)
    assert not wrong, wrong


def _violations(page) -> list[dict]:
    page.add_script_tag(path=str(AXE))
    result = page.evaluate("""async () => {
        const r = await axe.run(document, {resultTypes: ['violations']});
        return r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
                                      nodes: v.nodes.slice(0, 3).map(n => n.target.join(' '))}));
    }""")
    return [v for v in result if v["impact"] in ("critical", "serious")]


def _kind(path: str) -> str:
    """A page's kind: its path with codes and ids left out."""
    return re.sub(r"[2-9A-Z]{4}-[2-9A-Z]{4}-[2-9A-Z]{4}|[A-Z]{2}-\d{4}-\d{6}|\d+", "*", path)


def test_axe_finds_no_critical_or_serious_violation_on_the_public_pages(browser, live_server,
                                                                        demo):
    pages, base = public_pages(), live_server.url
    # every page in English on a desktop; each kind of page in Russian on a phone
    one_of_each = list({_kind(path): path for path in reversed(pages)}.values())
    found, checked = {}, 0
    for language, width, paths in (("en", 1280, pages), ("ru", 390, one_of_each)):
        context = _context(browser, base, language, width, bypass_csp=True)
        page = context.new_page()
        for path in paths:
            page.goto(base + path)
            violations = _violations(page)
            checked += 1
            if violations:
                found[(language, width, path)] = violations
        context.close()
    assert len(one_of_each) >= 12 and checked == len(pages) + len(one_of_each)
    assert not found, found
