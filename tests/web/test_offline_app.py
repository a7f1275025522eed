"""The offline app's server side: the service worker's script from the site root with the
headers a browser needs, the manifest, the queue page (clerks only), the app's settings and
texts on the clerk's pages only, and pages sent compressed."""

import json
import re

import pytest

pytestmark = pytest.mark.django_db


def test_the_service_worker_is_served_from_the_root_and_never_cached(client):
    response = client.get("/sw.js")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/javascript")
    assert response["Service-Worker-Allowed"] == "/"
    assert "no-cache" in response["Cache-Control"]
    body = response.content.decode()
    settings_line = json.loads(body.split("\n", 1)[0].removeprefix("self.HASHAR = ").rstrip(";"))
    assert settings_line["scope"] == "/clerk/"
    assert "/static/hashar/offline.js" in settings_line["assets"]
    assert 'addEventListener("sync"' in body  # Background Sync sends the queue


def test_the_manifest_opens_the_clerks_dashboard(client):
    response = client.get("/manifest.webmanifest", HTTP_ACCEPT_LANGUAGE="ru")
    assert response["Content-Type"] == "application/manifest+json"
    manifest = response.json()
    assert manifest["start_url"] == "/clerk/" and manifest["display"] == "standalone"
    assert {icon["sizes"] for icon in manifest["icons"]} == {"192x192", "512x512"}


def test_clerk_pages_carry_the_offline_app_and_other_pages_do_not(world, login):
    page = login(world.alice).get("/clerk/").content.decode()
    assert 'id="hashar-offline"' in page and "hashar/offline.js" in page
    assert 'rel="manifest"' in page
    for user in (world.bob, world.migrant):
        assert "hashar-offline" not in login(user).get("/").content.decode()


def test_the_apps_texts_are_in_the_pages_language(world, login):
    page = login(world.alice, language="ru").get("/clerk/queue/").content.decode()
    found = re.search(r'<script id="hashar-offline" type="application/json">(.*?)</script>',
                      page)
    config = json.loads(found.group(1))
    assert config["user"] == "alice"
    assert config["text"]["kinds"]["receipt"] != "Receipt"  # translated


def test_entry_forms_go_through_the_api_with_their_project(world, login):
    project = world.approved()
    for path, endpoint in (("receipts/new/", "/api/v1/receipts/"),
                           ("pledges/new/", "/api/v1/pledges/")):
        page = login(world.alice).get(f"/clerk/projects/{project.pk}/{path}").content.decode()
        assert f'data-endpoint="{endpoint}"' in page
        assert f'data-project="{project.pk}"' in page


@pytest.mark.parametrize("who, status", [("bob", 403), ("migrant", 403), ("auditor", 403)])
def test_only_clerks_have_a_queue_page(world, login, who, status):
    assert login(world.alice).get("/clerk/queue/").status_code == 200
    assert login(getattr(world, who)).get("/clerk/queue/").status_code == status


def test_pages_are_sent_compressed(world, login):
    response = login(world.alice).get("/clerk/", HTTP_ACCEPT_ENCODING="gzip")
    assert response["Content-Encoding"] == "gzip"


def test_the_menu_marks_the_queue_not_the_dashboard_on_the_queue_page(world, login):
    page = login(world.alice).get("/clerk/queue/").content.decode()
    assert page.count('aria-current="page"') == 1
    assert '<a href="/clerk/queue/" aria-current="page">' in page


def test_api_answers_are_sent_as_they_are(world, login):
    response = login(world.alice).get("/api/v1/projects/", HTTP_ACCEPT_ENCODING="gzip")
    assert response.status_code == 200 and not response.has_header("Content-Encoding")
