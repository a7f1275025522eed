"""Helpers for the page tests: real uploads, a stored exchange rate, logged-in clients."""

import datetime
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone

from matching import models as m
from matching.demo import images

PNG = images.photo("PNG", size=(8, 8))  # a real image: photos are decoded for thumbnails
PDF = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def png(name="works.png"):
    return SimpleUploadedFile(name, PNG, content_type="image/png")


def pdf(name="slip.pdf"):
    return SimpleUploadedFile(name, PDF, content_type="application/pdf")


@pytest.fixture
def rub_rate(db):
    return m.ExchangeRate.objects.create(currency="RUB", quote_currency="UZS",
                                         on=timezone.localdate(), rate=Decimal("151.40"))


@pytest.fixture
def login(client):
    """login(user) -> a client logged in as user, pages in English."""

    def as_user(user, language="en"):
        c = Client()
        c.force_login(user)
        c.cookies["django_language"] = language
        return c

    return as_user


def yesterday():
    return timezone.localdate() - datetime.timedelta(days=1)
