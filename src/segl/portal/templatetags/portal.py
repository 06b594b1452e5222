"""Prices and authenticator names as the portal shows them."""

from __future__ import annotations

from decimal import Decimal

from django import template
from django.conf import settings
from django.utils import translation
from django.utils.formats import number_format
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from segl.authenticators.models import DEFAULT_APP_NAME, Authenticator, Kind
from segl.core import words

register = template.Library()


@register.filter
def dkk(ore: int) -> str:
    """An amount in øre as Danes and English readers write it: 41,76 kr. / 41.76 DKK."""
    if not ore:
        return _("Free")
    amount = number_format(Decimal(ore) / 100, 2, use_l10n=True)
    return f"{amount} kr." if (get_language() or "").startswith("da") else f"{amount} DKK"


@register.filter
def label(authenticator: Authenticator) -> str:
    """What the citizen calls it: an app by its name, a device by its kind and serial; in lower
    case, for the middle of a sentence (``|capfirst`` starts one, but "segl" stays lower case).
    An app still called what every app is called at first ("segl app") is named once."""
    kind = str(authenticator.get_kind_display())
    if authenticator.device is not None:
        return f"{kind} {authenticator.device.serial}"
    if authenticator.name and _plain(authenticator.name) not in _kind_names(authenticator.kind):
        return f"{kind}: {authenticator.name}"
    return kind


def _plain(name: str) -> str:
    return " ".join(name.replace("-", " ").split()).casefold()


def _kind_names(kind: str) -> set[str]:
    """The kind's name in every language segl speaks, and as the app names itself."""
    names = {_plain(kind), _plain(DEFAULT_APP_NAME)}
    for language, _name in settings.LANGUAGES:
        with translation.override(language):
            names.add(_plain(str(Kind(kind).label)))
    return names


@register.filter
def method_name(method: str) -> str:
    """A login method's name, for history rows whose authenticator is gone."""
    return str(dict(Kind.choices).get(method, method))


@register.filter
def first_up(text: str) -> str:
    """``capfirst`` for the start of a sentence or a cell, leaving "segl" in lower case."""
    return words.first_up(text)
