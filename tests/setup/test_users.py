"""Users and roles: invitations by e-mail (one use, expiring), roles and their scopes,
changes and withdrawals, each audited with its author; regional administrators only in their
region."""

import datetime
import re

import pytest
from django.apps import apps
import time_machine
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from matching import models as m
from matching import services
from matching.errors import Forbidden, InvalidInput, NotAllowed


def invite_data(**changes):
    data = {"email": "Nodira@Example.org", "username": "", "first_name": "Nodira",
            "last_name": "Azimova", "role": "officer", "language": "uz",
            "timezone_name": "Asia/Tashkent"}
    data.update(changes)
    return data


def logs_in(username, password) -> bool:
    return Client().post(reverse("login"), {"username": username,
                                            "password": password}).status_code == 302


def link_in(message) -> str:
    return "/" + re.search(r"https?://[^/]+/(invitation/\S+/)", message.body).group(1)


def test_an_invited_officer_chooses_a_password_once(world, regions, client, login):
    answer = login(regions.tash).post(reverse("setup-user-invite"),
                                      invite_data(district=world.district_a.pk))
    assert answer.status_code == 302, answer.content.decode()[:3000]
    user = m.User.objects.get(email="nodira@example.org")
    assert (user.username, user.role, user.district, user.is_active) == (
        "nodira@example.org", "officer", world.district_a, False)
    assert not user.has_usable_password()
    invitation = user.invitations.get()
    assert invitation.invited_by == regions.tash
    assert abs(invitation.expires_at - invitation.created_at - datetime.timedelta(days=7)) < (
        datetime.timedelta(seconds=5))
    [message] = mail.outbox
    assert message.to == ["nodira@example.org"]
    link = link_in(message)
    assert invitation.token_hash not in link  # only the token travels; only its hash is kept
    # the person opens the link and chooses a password
    assert client.get(link).status_code == 200
    answer = client.post(link, {"new_password1": "Toshkent-2027!",
                                "new_password2": "Toshkent-2027!"})
    assert answer.status_code == 302
    user.refresh_from_db()
    assert user.is_active and logs_in("nodira@example.org", "Toshkent-2027!")
    # the link worked once
    answer = client.get(link)
    assert answer.status_code == 410 and "already used" in answer.content.decode()


def test_a_weak_password_is_refused_and_the_link_still_works(world, client):
    user, _invitation, token = services.user_invite(actor=world.admin, email="a@example.org",
                                                    role="auditor")
    answer = client.post(reverse("invitation", args=[token]),
                         {"new_password1": "123", "new_password2": "123"})
    assert answer.status_code == 400
    user.refresh_from_db()
    assert not user.is_active and not user.has_usable_password()
    assert client.get(reverse("invitation", args=[token])).status_code == 200


def test_an_expired_or_replaced_link_says_so_and_changes_nothing(world, client, login):
    user, _invitation, token = services.user_invite(actor=world.admin, email="b@example.org",
                                                    role="auditor")
    with time_machine.travel(timezone.now() + datetime.timedelta(days=8)):
        answer = client.get(reverse("invitation", args=[token]))
        assert answer.status_code == 410 and "expired" in answer.content.decode()
    # the administrator sends it again: the old link stops working, the new one works
    assert login(world.admin).post(reverse("setup-user-reinvite", args=[user.pk])).status_code == 302
    assert client.get(reverse("invitation", args=[token])).status_code == 410
    new_link = link_in(mail.outbox[-1])
    assert client.get(new_link).status_code == 200
    assert client.get(reverse("invitation", args=["not-a-token"])).status_code == 404


@pytest.mark.django_db(transaction=True)
def test_one_link_used_twice_at_once_sets_one_password(world):
    from ..concurrency import race

    user, invitation, _token = services.user_invite(actor=world.admin, email="c@example.org",
                                                    role="auditor")
    results = race([lambda p=p: services.invitation_accept(
        actor=user, invitation=m.Invitation.objects.get(pk=invitation.pk), password=p)
        for p in ("First-pass-2027!", "Second-pass-2027!")])
    assert sum(isinstance(r, m.User) for r in results) == 1, results
    assert sum(isinstance(r, NotAllowed) for r in results) == 1


@pytest.mark.parametrize("_case, changes, field", [
    ("clerk without mahallas", {"role": "clerk"}, "mahallas"),
    ("officer without district", {"role": "officer"}, "district"),
    ("association user without association", {"role": "association"}, "association"),
    ("no e-mail", {"email": "", "role": "auditor"}, "email"),
    ("bad e-mail", {"email": "nodira", "role": "auditor"}, "email"),
    ("unknown role", {"role": "mayor"}, "role"),
])
def test_bad_invitations_are_field_errors_and_create_nobody(world, login, _case, changes,
                                                            field):
    before = m.User.objects.count()
    answer = login(world.admin).post(reverse("setup-user-invite"), invite_data(**changes))
    assert answer.status_code == 400
    assert answer.context["form"].errors[field]
    assert m.User.objects.count() == before and not mail.outbox


def test_an_address_or_name_in_use_is_refused(world, login):
    client = login(world.admin)
    answer = client.post(reverse("setup-user-invite"), invite_data(
        email=world.alice.email, role="auditor"))
    assert answer.status_code == 409 and answer.context["form"].errors["email"]
    answer = client.post(reverse("setup-user-invite"), invite_data(
        username="alice", role="auditor"))
    assert answer.status_code == 409 and answer.context["form"].errors["username"]


def test_a_regional_administrator_gives_only_scopes_of_his_region(world, regions, login):
    client = login(regions.tash)
    for changes in ({"role": "officer", "district": regions.margilon.pk},
                    {"role": "clerk", "mahallas": [regions.atlas.pk],
                     "district": regions.margilon.pk},
                    {"role": "administrator", "region": regions.fergana.pk},
                    {"role": "auditor"}, {"role": "committee"},
                    {"role": "association", "association": regions.fergana_association.pk}):
        answer = client.post(reverse("setup-user-invite"), invite_data(**changes))
        assert answer.status_code == 400, changes
    # an administrator of the whole programme is not his to make, even by a forged request
    with pytest.raises(Forbidden):
        services.user_invite(actor=regions.tash, email="x@example.org", role="administrator")
    with pytest.raises(Forbidden):
        services.user_invite(actor=regions.tash, email="x@example.org", role="clerk",
                             mahallas=[regions.atlas])
    assert not m.User.objects.filter(email="nodira@example.org").exists()
    # a clerk of his own mahallas is
    answer = client.post(reverse("setup-user-invite"), invite_data(
        role="clerk", district=world.district_a.pk, mahallas=[world.mahalla_a.pk]))
    assert answer.status_code == 302
    assert list(m.User.objects.get(email="nodira@example.org").mahallas.all()) == [
        world.mahalla_a]


def test_a_programme_administrator_gives_the_committee_role(world, regions, login):
    answer = login(regions.programme).post(reverse("setup-user-invite"),
                                           invite_data(role="committee"))
    assert answer.status_code == 302
    assert m.User.objects.get(email="nodira@example.org").role == m.Role.COMMITTEE


def test_a_role_change_is_audited_with_its_author(world, regions, login):
    answer = login(regions.tash).post(reverse("setup-user", args=[world.bob.pk]), {
        "role": "officer", "first_name": "Bob", "last_name": "Officer",
        "district": world.district_b.pk, "language": "ru", "timezone_name": "Asia/Tashkent"})
    assert answer.status_code == 302
    world.bob.refresh_from_db()
    assert (world.bob.district, world.bob.language) == (world.district_b, "ru")
    event = apps.get_model("matching", "UserAudit").objects.filter(pgh_obj=world.bob).order_by("-pgh_id").first()
    assert event.pgh_context.metadata["user"] == regions.tash.pk
    assert event.pgh_context.metadata["service"] == "user_update"


def test_nobody_changes_his_own_role(world, regions, login):
    answer = login(regions.tash).post(reverse("setup-user", args=[regions.tash.pk]), {
        "role": "administrator", "first_name": "", "last_name": "", "region": "",
        "language": "en", "timezone_name": "Asia/Tashkent"})
    assert answer.status_code in (400, 409)
    regions.tash.refresh_from_db()
    assert regions.tash.region == world.region


def test_withdrawn_access_cannot_log_in_nor_use_the_api(world, regions, login, client):
    from knox.models import AuthToken

    AuthToken.objects.create(user=world.bob)
    answer = login(regions.tash).post(reverse("setup-user-withdraw", args=[world.bob.pk]),
                                      {"reason": "Moved to another post"})
    assert answer.status_code == 302
    world.bob.refresh_from_db()
    assert not world.bob.is_active
    assert not AuthToken.objects.filter(user=world.bob).exists()
    assert not logs_in("bob", "pass-word-123")
    event = apps.get_model("matching", "UserAudit").objects.filter(pgh_obj=world.bob).order_by("-pgh_id").first()
    assert event.pgh_context.metadata["reason"] == "Moved to another post"
    # and a withdrawal needs its reason
    answer = login(regions.tash).post(reverse("setup-user-withdraw", args=[world.erin.pk]),
                                      {"reason": ""})
    assert answer.status_code == 400
    world.erin.refresh_from_db()
    assert world.erin.is_active
    # access given back
    services.user_reinstate(actor=regions.tash, user=world.bob)
    assert logs_in("bob", "pass-word-123")


def test_outside_his_region_an_administrator_changes_nobody(world, regions, login):
    fergana_clerk = m.User.objects.create(username="ferclerk", role="clerk")
    fergana_clerk.mahallas.add(regions.atlas)
    client = login(regions.tash)
    for name in ("setup-user", "setup-user-withdraw", "setup-user-reinvite",
                 "setup-user-reinstate"):
        method = client.get if name == "setup-user" else client.post
        assert method(reverse(name, args=[fergana_clerk.pk])).status_code == 404, name
    with pytest.raises(Forbidden):
        services.user_withdraw(actor=regions.tash, user=fergana_clerk, reason="x")
    with pytest.raises(InvalidInput):
        services.user_withdraw(actor=regions.tash, user=world.bob, reason=" ")
