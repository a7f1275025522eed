from django.http import JsonResponse
from django.urls import include, path


def health(request):
    return JsonResponse({"status": "ok"})


urlpatterns = [
    path("health/", health, name="health"),
    path("reports/", include("matching.reports.urls")),
    path("imports/", include("matching.imports.urls")),
    path("jobs/", include("matching.jobs.urls")),
    path("reminders/", include("matching.notifications.urls")),
    path("", include("matching.web.urls")),
]
