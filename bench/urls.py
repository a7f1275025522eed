"""The app's URLs plus bare baseline views: the same rows, straight from `.values()`."""

import json
import os

from django.http import JsonResponse
from django.urls import include, path

from matching.models import Project

FIELDS = ["id", "code", "title", "status", "category", "cost", "currency", "received",
          "matched", "disbursed", "mahalla_id", "scheme_id", "created_at"]


def bare_list(request):
    rows = list(Project.objects.order_by("-created_at", "-id").values(*FIELDS)[:50])
    return JsonResponse({"results": rows})


# each role's first page of the API list, by id (bench_http.py computes them before starting
# the server): the bare view returns the same 50 rows as the role's list
PAGE_IDS = json.loads(os.environ.get("BENCH_PAGE_IDS", "{}"))


def bare_page(request, role):
    ids = PAGE_IDS[role]
    return JsonResponse({"results": list(Project.objects.filter(pk__in=ids).order_by("-id")
                                         .values(*FIELDS))})


def bare_detail(request, pk):
    return JsonResponse(Project.objects.filter(pk=pk).values(*FIELDS).first() or {})


urlpatterns = [
    path("bench/projects/", bare_list),
    path("bench/projects/<int:pk>/", bare_detail),
    path("bench/projects/<str:role>/", bare_page),
    path("", include("config.urls")),
]
