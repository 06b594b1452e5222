"""The fulfilment page moved to the desk (decision 33); its old address leads there."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect


def fulfilment(request: HttpRequest) -> HttpResponse:
    return redirect("desk:fulfilment", permanent=True)
