"""What an operator's tools read: Prometheus metrics, for the holder of ``SEGL_METRICS_TOKEN``.

Without the token configured the endpoint does not exist (404), so a fresh installation shows
nothing to the world; with it, a scrape must send ``Authorization: Bearer <token>`` (decision 26).
"""

from __future__ import annotations

import hmac

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse

from segl.metrics import exposition


def metrics(request: HttpRequest) -> HttpResponse:
    expected = settings.CONFIG.metrics_token
    if not expected:
        raise Http404
    scheme, _, given = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not hmac.compare_digest(
        given.strip().encode(), expected.encode()
    ):
        return HttpResponse(status=401, headers={"WWW-Authenticate": 'Bearer realm="segl metrics"'})
    body, content_type = exposition()
    return HttpResponse(body, content_type=content_type)
