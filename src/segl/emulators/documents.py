"""The demo's emulated passports and ID cards: a page that lists the document files of the
passport factory (to download and choose in the web app, which cannot read a chip), and the
emulated camera's pictures of a face. Demo only, like every emulator page."""

from __future__ import annotations

import re
from pathlib import Path

from django.conf import settings
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from . import faces
from .chip import DocumentFile
from .views import _demo_only

NAME = re.compile(r"^[A-Z0-9]{1,12}(-[a-z_0-9]{1,20})?\.json$")


def _folder() -> Path:
    return Path(settings.CONFIG.data_dir) / "documents" / "passports"


@require_GET
def document_list(request: HttpRequest) -> HttpResponse:
    _demo_only()
    folder = _folder()
    rows = []
    for path in sorted(folder.glob("*.json")) if folder.is_dir() else []:
        if not NAME.match(path.name):
            continue
        document = DocumentFile.load(path)
        rows.append(
            {
                "name": path.name,
                "kind": document.kind,
                "defect": document.defect,
                "mrz": document.printed_mrz,
            }
        )
    return render(request, "emulators/documents.html", {"documents": rows})


@require_GET
def document_file(request: HttpRequest, name: str) -> FileResponse:
    _demo_only()
    path = _folder() / name
    if not NAME.match(name) or not path.is_file():
        raise Http404("no such document")
    return FileResponse(
        path.open("rb"), as_attachment=True, filename=name, content_type="application/json"
    )


@require_GET
def face(request: HttpRequest) -> HttpResponse:
    """What the emulated camera sees: the face of ``?of=`` (a document's face seed, or any
    other), its ``?take=``-th picture."""
    _demo_only()
    seed = request.GET.get("of", "")[:200]
    take = request.GET.get("take", "0")
    if not seed or not take.isdigit() or len(take) > 6:
        raise Http404("no such face")
    response = HttpResponse(faces.capture(seed, int(take)), content_type="image/jpeg")
    response["Cache-Control"] = "no-store"
    return response
