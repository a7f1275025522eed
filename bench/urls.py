"""The app's URLs plus bare baseline views: the same rows, straight from `.values()`."""

from django.http import JsonResponse
from django.urls import include, path

from matching.models import Project

FIELDS = ["id", "code", "title", "status", "category", "cost", "currency", "received",
          "matched", "disbursed", "mahalla_id", "scheme_id", "created_at"]


def bare_list(request):
    rows = list(Project.objects.order_by("-created_at", "-id").values(*FIELDS)[:50])
    return JsonResponse({"results": rows})


def bare_detail(request, pk):
    return JsonResponse(Project.objects.filter(pk=pk).values(*FIELDS).first() or {})


urlpatterns = [
    path("bench/projects/", bare_list),
    path("bench/projects/<int:pk>/", bare_detail),
    path("", include("config.urls")),
]
