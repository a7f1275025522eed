"""Logging in and out, the lock-out, the home page per role, languages and number formats."""

import pytest
from django.test import Client
from django.urls import reverse


def test_login_sends_a_clerk_to_her_dashboard(world):
    client = Client()
    response = client.post(reverse("login"), {"username": "alice", "password": "pass-word-123"},
                           follow=True)
    assert response.redirect_chain[-1][0] == reverse("clerk-dashboard")


@pytest.mark.parametrize("user, page", [("alice", "clerk-dashboard"), ("bob", "officer-queue"),
                                        ("admin", "officer-queue"),
                                        ("migrant", "association-home"),
                                        ("auditor", "audit-home")])
def test_home_sends_each_role_to_its_area(login, world, user, page):
    response = login(getattr(world, user)).get(reverse("home"))
    assert response["Location"] == reverse(page)


def test_wrong_password_is_refused_on_the_form(world):
    response = Client().post(reverse("login"), {"username": "alice", "password": "nope"})
    assert response.status_code == 200
    assert "Please enter a correct username and password" in response.content.decode()
    assert 'value="alice"' in response.content.decode()


def test_five_failures_lock_the_account_out(world):
    client = Client()
    for _ in range(5):
        client.post(reverse("login"), {"username": "alice", "password": "nope"})
    response = client.post(reverse("login"), {"username": "alice", "password": "pass-word-123"})
    assert response.status_code == 429
    assert "Too many failed logins" in response.content.decode()  # a page, in our layout
    assert "_auth_user_id" not in client.session


def test_logout_is_a_post(login, world):
    client = login(world.alice)
    assert client.get(reverse("logout")).status_code == 405
    client.post(reverse("logout"))
    assert client.get(reverse("clerk-dashboard")).status_code == 302


def test_first_login_switches_to_the_users_language(world):
    world.alice.language = "uz"
    world.alice.save(update_fields=["language"])
    client = Client()
    response = client.post(reverse("login"), {"username": "alice", "password": "pass-word-123"})
    assert response.cookies["django_language"].value == "uz"


@pytest.mark.parametrize("language, amount", [
    ("en", "40,000,000.00\xa0UZS"), ("ru", "40\xa0000\xa0000,00\xa0UZS"),
    ("uz", "40\xa0000\xa0000,00\xa0UZS"), ("ky", "40\xa0000\xa0000.00\xa0UZS")])
def test_amounts_follow_the_locale(client, world, language, amount):
    project = world.approved()
    client.cookies["django_language"] = language
    html = client.get(reverse("public-project", args=[project.code])).content.decode()
    assert amount in html
    # in the list's narrow columns the currency may go under the amount, never the digits
    listed = client.get(reverse("public-projects")).content.decode()
    assert amount.replace("\xa0UZS", " UZS") in listed


def test_language_switcher_is_on_every_page(client, world):
    for name in ("public-projects", "login"):
        html = client.get(reverse(name)).content.decode()
        assert f'action="{reverse("set_language")}"' in html
        for code in ("uz", "ru", "tg", "ky", "en"):
            assert f'<option value="{code}" lang="{code}"' in html


def test_switching_language_changes_the_page(client, world):
    client.post(reverse("set_language"), {"language": "ru", "next": "/projects/"})
    html = client.get(reverse("public-projects")).content.decode()
    assert '<html lang="ru">' in html
