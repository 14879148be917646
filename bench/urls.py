"""The platform's URLs plus a bare view: the floor every page is measured against."""

from django.http import HttpResponse
from django.urls import include, path


def bare(request):  # type: ignore[no-untyped-def]
    return HttpResponse("ok")


urlpatterns = [path("bench/bare", bare), path("", include("config.urls"))]
