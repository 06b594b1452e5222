"""Pages that belong to no journey: the front page, the accessibility statement, health,
errors."""

from __future__ import annotations

import sys
from datetime import date

from django.conf import settings
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render

from segl.database import RETRY_AFTER_SECONDS, is_busy


def home(request: HttpRequest) -> HttpResponse:
    """The front page. With the demo on, the demo's own page takes its place (segl.demo.views)."""
    return render(request, "segl/home.html")


# When the accessibility statement was last made true: change it with the statement.
STATEMENT_DATE = date(2026, 11, 30)


def accessibility(request: HttpRequest) -> HttpResponse:
    """The accessibility statement: how segl meets WCAG 2.2 AA, what does not yet, how to report
    a barrier and where to complain (the form of the Danish web accessibility act's statements)."""
    context = {"support_email": settings.CONFIG.support_email, "statement_date": STATEMENT_DATE}
    return render(request, "segl/accessibility.html", context)


def healthz(request: HttpRequest) -> JsonResponse:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        return JsonResponse({"status": "ok"})
    except Exception:  # the database is down; say so without details
        return JsonResponse({"status": "unavailable"}, status=503)


def not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render(request, "segl/error.html", {"message": None, "not_found": True}, status=404)


def server_error(request: HttpRequest) -> HttpResponse:
    if is_busy(sys.exc_info()[1]):
        return busy(request)
    return render(request, "segl/error.html", {"message": None, "server_error": True}, status=500)


def busy(request: HttpRequest) -> HttpResponse:
    """503: no database connection came free in time. Nothing was changed; try again soon."""
    headers = {"Retry-After": str(RETRY_AFTER_SECONDS)}
    if "text/html" not in request.headers.get("Accept", ""):
        body = {"error": "temporarily_unavailable", "retry_after": RETRY_AFTER_SECONDS}
        return JsonResponse(body, status=503, headers=headers)
    response = render(request, "segl/error.html", {"message": None, "busy": True}, status=503)
    response["Retry-After"] = headers["Retry-After"]
    return response


def bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render(request, "segl/error.html", {"message": None}, status=400)


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    return render(request, "segl/error.html", {"csrf": True, "message": None}, status=403)
