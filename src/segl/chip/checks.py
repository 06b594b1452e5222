"""The system checks of the chip's allow-list (``SEGL_CHIP_MODELS``, decision 37): segl.E005
and segl.E006 of the table in :mod:`segl.checks`. Registered when the folder's app is ready."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import CheckMessage, Error, Tags, register

from segl.config import Config

from .trust import VIRTUAL_AUTHENTICATOR_AAGUID, ChipTrust


@register(Tags.security)
def check_chip_models(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    config: Config = settings.CONFIG
    folder = config.chip_models
    if folder is None or not (folder / "models.json").is_file():
        return []
    try:
        trust = ChipTrust.from_folder(folder)
    except ValueError as exc:
        return [
            Error(
                f"SEGL_CHIP_MODELS does not load: {exc}.",
                hint="Fix models.json and the files it names; every chip is refused at "
                "activation until it loads (decision 37).",
                id="segl.E005",
            )
        ]
    if config.env == "production" and any(
        str(a) == VIRTUAL_AUTHENTICATOR_AAGUID for a in trust.models
    ):
        return [
            Error(
                f"SEGL_CHIP_MODELS ({folder}) accepts Chromium's virtual authenticator, a "
                "software key anyone can make.",
                hint="Take its entry out of models.json: it belongs to the demo only (segl "
                "refuses it in production all the same).",
                id="segl.E006",
            )
        ]
    return []
