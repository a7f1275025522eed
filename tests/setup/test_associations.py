"""Associations apply and renew on pages; administrators approve or refuse with a reason;
validity runs two years from approval; the expiring reminder links to the renewal page."""

import datetime
import re

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from matching import models as m
from matching import services
from matching.errors import Conflict, NotAllowed
from matching.models.associations import valid_until

from ..web.conftest import pdf, png


def application_data(mahalla, **changes):
    data = {"name": "Navbahor Builders Kazan", "host_country": "RU", "host_city": "Kazan",
            "member_count": "12", "contact_name": "Aziz Karimov", "email": "aziz@example.org",
            "phone": "+7 900 111 22 33", "district": str(mahalla.district_id),
            "home_mahallas": [str(mahalla.pk)], "statutes": pdf("statutes.pdf"),
            "board-TOTAL_FORMS": "3", "board-INITIAL_FORMS": "0", "board-MIN_NUM_FORMS": "0",
            "board-MAX_NUM_FORMS": "1000", "board-0-full_name": "Aziz Karimov",
            "board-0-position": "Chair", "board-0-phone": "+7 900 111 22 33"}
    data.update(changes)
    return data


def test_anyone_applies_and_an_administrator_approves_for_two_years(world, regions, client,
                                                                   login):
    answer = client.post(reverse("association-apply"), application_data(world.mahalla_a))
    assert answer.status_code == 200, answer.content.decode()[:3000]
    assert "Application sent" in answer.content.decode()
    application = m.RegistrationApplication.objects.get()
    assert (application.kind, application.status, application.submitted_by) == (
        "new", "pending", None)
    assert application.board == [{"full_name": "Aziz Karimov", "position": "Chair",
                                  "phone": "+7 900 111 22 33", "email": ""}]
    # the administrator of the region approves
    admin = login(regions.tash)
    answer = admin.post(reverse("setup-application", args=[application.pk]), {"approve": "1"})
    assert answer.status_code == 302
    association = m.MigrantAssociation.objects.get(name="Navbahor Builders Kazan")
    today = timezone.localdate()
    assert association.registered_on == today
    assert association.valid_until == valid_until(today)
    assert association.valid_until == today.replace(year=today.year + m.REGISTRATION_YEARS) or (
        today.month, today.day) == (2, 29)
    assert association.registration_number == f"HSR-{today.year}-0001"
    assert list(association.home_mahallas.all()) == [world.mahalla_a]
    assert association.board.get().full_name == "Aziz Karimov"
    application.refresh_from_db()
    assert (application.status, application.decided_by, application.association) == (
        "approved", regions.tash, association)
    assert association.registration_problem(today) is None
    # the contact is told, and invited to log in as the association
    assert {message.to[0] for message in mail.outbox} == {"aziz@example.org"}
    invitation = m.Invitation.objects.get(email="aziz@example.org")
    assert invitation.user.association == association and not invitation.user.is_active


@pytest.mark.parametrize("_case, changes, field", [
    ("nine members", {"member_count": "9"}, "member_count"),
    ("no statutes", {"statutes": ""}, "statutes"),
    ("statutes not a document", {"statutes": png("statutes.pdf")}, "statutes"),
    ("no home mahalla", {"home_mahallas": []}, "home_mahallas"),
    ("no e-mail", {"email": ""}, "email"),
    ("unknown host country", {"host_country": "XX"}, "host_country"),
])
def test_bad_applications_are_field_errors_and_store_nothing(world, client, _case, changes,
                                                            field):
    answer = client.post(reverse("association-apply"), application_data(world.mahalla_a,
                                                                        **changes))
    assert answer.status_code == 400
    assert answer.context["form"].errors[field]
    assert answer.context["form"]["host_city"].value() == "Kazan"  # what was typed is kept
    assert not m.RegistrationApplication.objects.exists()


def test_a_board_member_needs_a_name_and_a_position(world, client):
    answer = client.post(reverse("association-apply"), application_data(
        world.mahalla_a, **{"board-0-position": ""}))
    assert answer.status_code == 400
    assert answer.context["board"].forms[0].non_field_errors()
    answer = client.post(reverse("association-apply"), application_data(
        world.mahalla_a, **{"board-0-full_name": "", "board-0-position": "",
                            "board-0-phone": ""}))
    assert answer.status_code == 400
    assert answer.context["board"].non_form_errors()
    assert not m.RegistrationApplication.objects.exists()


def test_a_refusal_needs_a_reason_which_the_applicant_is_sent(world, client, login):
    client.post(reverse("association-apply"), application_data(world.mahalla_a))
    application = m.RegistrationApplication.objects.get()
    admin = login(world.admin)
    answer = admin.post(reverse("setup-application", args=[application.pk]),
                        {"refuse": "1", "reason": ""})
    assert answer.status_code == 400
    application.refresh_from_db()
    assert application.status == "pending"
    answer = admin.post(reverse("setup-application", args=[application.pk]),
                        {"refuse": "1", "reason": "The statutes are not signed."})
    assert answer.status_code == 302
    application.refresh_from_db()
    assert (application.status, application.reason) == ("refused", "The statutes are not signed.")
    assert "The statutes are not signed." in mail.outbox[-1].body
    assert not m.MigrantAssociation.objects.filter(name="Navbahor Builders Kazan").exists()
    # decided once: a second decision is refused
    answer = admin.post(reverse("setup-application", args=[application.pk]), {"approve": "1"})
    assert answer.status_code == 409


def _renewal(world, **changes):
    data = application_data(world.mahalla_a, name=world.association.name, member_count="40",
                            **changes)
    return data


def test_an_association_renews_and_validity_restarts_from_the_approval(world, login):
    # given a registration that lapses in 20 days
    association = world.association
    association.valid_until = timezone.localdate() + datetime.timedelta(days=20)
    association.save()
    answer = login(world.migrant).post(reverse("association-renew"), _renewal(world))
    assert answer.status_code == 302
    application = m.RegistrationApplication.objects.get()
    assert (application.kind, application.association, application.submitted_by) == (
        "renewal", association, world.migrant)
    # a second renewal while one waits is refused
    with pytest.raises(Conflict):
        services.association_apply(actor=world.migrant, kind="renewal", association=association,
                                   name="x", host_country="RU", host_city="Moscow",
                                   home_mahallas=[world.mahalla_a], member_count=20,
                                   board=[{"full_name": "A", "position": "Chair"}],
                                   statutes=pdf(), contact_name="A", email="a@example.org")
    answer = login(world.admin).post(reverse("setup-application", args=[application.pk]),
                                     {"approve": "1"})
    assert answer.status_code == 302
    association.refresh_from_db()
    assert association.valid_until == valid_until(timezone.localdate())
    assert association.member_count == 40
    assert association.registration_number.startswith("REG-")  # a renewal keeps its number


def test_renewal_is_not_open_long_before_the_registration_lapses(world, login):
    answer = login(world.migrant).get(reverse("association-renew"))
    assert answer.status_code == 302  # valid for 600 more days: back to its page
    with pytest.raises(NotAllowed):
        services.association_apply(actor=world.migrant, kind="renewal",
                                   association=world.association, name="x", host_country="RU",
                                   host_city="Moscow", home_mahallas=[world.mahalla_a],
                                   member_count=20, board=[{"full_name": "A",
                                                            "position": "Chair"}],
                                   statutes=pdf(), contact_name="A", email="a@example.org")


def test_a_lapsed_association_cannot_pledge_but_renews(world, login):
    project = world.submitted()
    world.association.valid_until = timezone.localdate() - datetime.timedelta(days=1)
    world.association.save()
    with pytest.raises(NotAllowed, match="lapsed"):
        services.pledge_create(project=project, actor=world.migrant, amount=1000,
                               currency="RUB", expected_on=timezone.localdate())
    client = login(world.migrant)
    page = client.get(reverse("association-home")).content.decode()
    assert "lapsed" in page and reverse("association-renew") in page
    assert client.post(reverse("association-renew"), _renewal(world)).status_code == 302
    application = m.RegistrationApplication.objects.get()
    services.application_approve(actor=world.admin, application=application)
    world.association.refresh_from_db()
    assert world.association.registration_problem(timezone.localdate()) is None
    services.pledge_create(project=project, actor=world.migrant, amount=1000, currency="RUB",
                           expected_on=timezone.localdate())


def test_the_expiring_reminder_links_to_the_renewal_page(world, settings):
    from matching.notifications.messages import render

    settings.SITE_URL = "https://hashar.example.org"
    world.association.valid_until = timezone.localdate() + datetime.timedelta(days=10)
    world.association.save()
    reminder = m.Reminder(kind=m.ReminderKind.REGISTRATION_EXPIRING,
                          subject_type=m.SubjectType.ASSOCIATION,
                          subject_id=world.association.pk, recipient=world.migrant,
                          period=world.association.valid_until)
    message = render(reminder, world.association, "email")
    assert "https://hashar.example.org/association/renew/" in message.body


def test_registration_numbers_follow_each_other(world):
    numbers = []
    for i in range(2):
        application = services.association_apply(
            actor=None, name=f"Club {i}", host_country="RU", host_city="Moscow",
            home_mahallas=[world.mahalla_a], member_count=10,
            board=[{"full_name": "A", "position": "Chair"}], statutes=pdf(),
            contact_name="A", email=f"club{i}@example.org")
        numbers.append(services.application_approve(actor=world.admin,
                                                    application=application).registration_number)
    year = timezone.localdate().year
    assert numbers == [f"HSR-{year}-0001", f"HSR-{year}-0002"]


def test_the_statutes_are_read_by_the_region_and_the_association_only(world, regions, client,
                                                                      login):
    client.post(reverse("association-apply"), application_data(world.mahalla_a))
    application = m.RegistrationApplication.objects.get()
    url = reverse("application-statutes", args=[application.pk])
    assert login(regions.tash).get(url).status_code == 200
    assert login(regions.fer).get(url).status_code == 404
    assert login(world.alice).get(url).status_code == 404
    assert client.get(url).status_code == 302  # log in first


def test_the_applicant_is_invited_with_a_link_that_logs_him_in(world, regions, client, login):
    client.post(reverse("association-apply"), application_data(world.mahalla_a))
    application = m.RegistrationApplication.objects.get()
    login(regions.tash).post(reverse("setup-application", args=[application.pk]),
                             {"approve": "1"})
    invitation_mail = next(mail_ for mail_ in mail.outbox if "password" in mail_.body)
    link = re.search(r"https?://\S+/invitation/\S+/", invitation_mail.body).group(0)
    path = link.split("://", 1)[1].split("/", 1)[1]
    answer = client.post("/" + path, {"new_password1": "Samarqand-2027!",
                                      "new_password2": "Samarqand-2027!"})
    assert answer.status_code == 302
    answer = Client().post(reverse("login"), {"username": "aziz@example.org",
                                              "password": "Samarqand-2027!"})
    assert answer.status_code == 302 and answer.url == "/"


def test_a_registration_number_already_given_is_a_field_error(world, client, login):
    client.post(reverse("association-apply"), application_data(world.mahalla_a))
    application = m.RegistrationApplication.objects.get()
    answer = login(world.admin).post(reverse("setup-application", args=[application.pk]), {
        "approve": "1", "registration_number": world.association.registration_number})
    assert answer.status_code == 409
    assert answer.context["approve"].errors["registration_number"]
    application.refresh_from_db()
    assert application.status == "pending"
    assert not m.MigrantAssociation.objects.filter(name="Navbahor Builders Kazan").exists()
    assert not m.Invitation.objects.exists()
