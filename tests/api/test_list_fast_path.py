"""The project list's and detail's fast paths answer exactly what the serializers would."""

import datetime

from django.test import RequestFactory
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
