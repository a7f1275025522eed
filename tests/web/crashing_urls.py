"""The site's URLs plus one view that crashes, for the 500 page's test."""

from django.urls import include, path


def crash(request):
    raise RuntimeError("a bug")


urlpatterns = [path("crash/", crash), path("", include("config.urls"))]
