"""Reading the registered relying parties."""

from __future__ import annotations

from typing import Any

from oauth2_provider.models import Application


def rps_list() -> list[dict[str, Any]]:
    """Every relying party by name: name, client ID and redirect URIs."""
    return [
        {"name": a.name, "client_id": a.client_id, "redirect_uris": a.redirect_uris.split()}
        for a in Application.objects.order_by("name")
    ]
