"""What every desk page shares: the frame, the staff member, a one-line notice."""

from __future__ import annotations

from typing import Any, cast

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from ..auth import DESK, Staff

NOTICE = "desk_notice"


def staff(request: HttpRequest) -> Staff:
    """The staff member of a view behind ``staff_only``."""
    return cast(Staff, request.staff)  # type: ignore[attr-defined]


def notice(request: HttpRequest, text: str) -> None:
    request.session[NOTICE] = text


def page(
    request: HttpRequest, template: str, context: dict[str, Any] | None = None, status: int = 200
) -> HttpResponse:
    base = {
        "staff": getattr(request, "staff", None),
        "level": DESK.level_reached(request),
        "notice": request.session.pop(NOTICE, ""),
    }
    return render(request, f"desk/{template}", {**base, **(context or {})}, status=status)
