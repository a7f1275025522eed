"""The project list's fast path answers exactly what the list serializer would."""

from django.test import RequestFactory
from rest_framework.request import Request

from matching.api.serializers.projects import ProjectListSerializer
from matching.models import Project


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
