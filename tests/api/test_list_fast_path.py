"""The project list's and detail's fast paths answer exactly what the serializers would."""

import datetime

import pytest
from django.test import RequestFactory
from django.utils import timezone
from rest_framework.request import Request

from matching.api.serializers.projects import ProjectListSerializer
from matching.models import ExchangeRate, Project


def test_fast_list_rows_equal_the_serializers_output(world, client):
    world.approved()
    world.receipt(world.approved(cost="12345678.91", title="Odd cost"), "1000.10")
    world.submitted(mahalla=world.mahalla_b)
    client.force_login(world.auditor)
    fast = client.get("/api/v1/projects/?page_size=50").json()["results"]
    request = Request(RequestFactory().get("/"))
    slow = ProjectListSerializer(Project.objects.order_by("-id"), many=True,
                                 context={"request": request}).data
    assert fast == [dict(row) for row in slow]
    assert len(fast) == 3


def test_fast_detail_equals_the_serializers_output(world, client):
    from matching.api.serializers.projects import ProjectDetailSerializer
    from matching.waterfall import waterfall

    ExchangeRate.objects.create(currency="RUB", quote_currency="UZS",
                                on=datetime.date.today(), rate="151.40")
    project = world.approved()
    world.receipt(project, "1000.00", currency="RUB")
    client.force_login(world.auditor)
    fast = client.get(f"/api/v1/projects/{project.pk}/").json()
    project = Project.objects.select_related("mahalla__district__region", "association",
                                             "scheme").get(pk=project.pk)
    slow = ProjectDetailSerializer(project, context={"waterfall": waterfall(project)}).data
    assert fast == slow
    assert fast["waterfall"][0]["sent"] == {"RUB": "1000.00"}


@pytest.mark.parametrize("zone", ["UTC", "Asia/Tashkent", "America/New_York"])
def test_the_fast_datetime_is_the_serializers_utc_form_in_any_zone(zone):
    from matching.api.fields import UTCDateTimeField, utc_iso

    moments = [datetime.datetime(2026, 3, 8, 6, 59, 59, 123456, tzinfo=datetime.UTC),
               datetime.datetime(2026, 11, 1, 5, 30, tzinfo=datetime.UTC),
               timezone.make_aware(datetime.datetime(2026, 1, 1),
                                   timezone.get_fixed_timezone(330))]
    with timezone.override(zone):
        for moment in moments:
            assert utc_iso(moment) == UTCDateTimeField().to_representation(moment)
            assert utc_iso(moment).endswith("Z")
