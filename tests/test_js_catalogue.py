"""The segl app's words come from the message catalogue (domain ``djangojs``), served by
Django's JavaScript catalogue: every word the scripts ask for has its Danish translation there,
and the catalogue speaks the language the page does."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from django.test import Client

STATIC = Path(__file__).resolve().parents[1] / "src" / "segl" / "app" / "static" / "app" / "js"
# gettext("…") and pgettext("context", "…") with plain string literals, as xgettext reads them.
GETTEXT = re.compile(r'\bgettext\(\s*"((?:[^"\\]|\\.)*)"')
PGETTEXT = re.compile(r'\bpgettext\(\s*"((?:[^"\\]|\\.)*)",\s*"((?:[^"\\]|\\.)*)"')


def literal(body: str) -> str:
    """A JavaScript string literal's text (its escapes are JSON's)."""
    text: str = json.loads(f'"{body}"')
    return text


def words() -> set[str]:
    """The catalogue keys the scripts use: the message id, or context + \\x04 + id."""
    found: set[str] = set()
    for script in STATIC.glob("*.js"):
        text = script.read_text()
        found |= {literal(m) for m in GETTEXT.findall(text)}
        found |= {literal(c) + "\x04" + literal(m) for c, m in PGETTEXT.findall(text)}
    return found


def catalogue(language: str) -> dict[str, str]:
    client = Client()
    client.cookies["django_language"] = language
    response = client.get("/i18n/js/")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/javascript")
    body = response.content.decode()
    found = re.search(r"const newcatalog = (\{.*?\});\n", body, re.S)
    return json.loads(found.group(1)) if found else {}


def test_the_scripts_ask_for_their_words_from_the_catalogue() -> None:
    used = words()
    assert len(used) > 100, "the app's scripts should take their words from gettext"
    assert "Activate your segl app" in used
    assert "asked to\x04log on" in used
    # No table of words of their own beside the catalogue.
    assert not any("Aktivér" in script.read_text() for script in STATIC.glob("*.js"))


@pytest.mark.django_db
def test_every_word_of_the_scripts_is_in_danish() -> None:
    danish = catalogue("da")
    missing = sorted(word for word in words() if not danish.get(word))
    assert not missing, f"words of the app with no Danish in djangojs.po: {missing}"
    assert danish["Activate your segl app"] == "Aktivér din segl-app"
    assert danish["Use the app as %(user_id)s"] == "Brug appen som %(user_id)s"
    assert danish["asked to\x04log on"] == "logge på"


@pytest.mark.django_db
def test_in_english_the_scripts_show_the_message_ids() -> None:
    assert catalogue("en") == {}
