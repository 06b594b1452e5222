"""The ASGI application ``segl serve`` runs (segl.serving, decision 38)."""

import os

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "segl.settings")
django.setup(set_prefix=False)

from django.conf import settings  # noqa: E402

from segl.serving import Application  # noqa: E402

application = Application(
    threads=settings.CONFIG.server_threads, queue=settings.CONFIG.server_queue
)
