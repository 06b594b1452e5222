"""The accessibility statement at /accessibility/: in Danish and English, with the address to
write to from the configuration, the date it was made, and the complaint route; and a link to it
in the footer of every page."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from segl.web.views import STATEMENT_DATE

pytestmark = pytest.mark.django_db

STATEMENT = {
    "da": ("Tilgængelighedserklæring", "Digitaliseringsstyrelsen", "30. november 2026"),
    "en": (
        "Accessibility statement",
        "Danish Agency for Digital Government (Digitaliseringsstyrelsen)",
        "Nov. 30, 2026",
    ),
}


def get(client: Client, path: str, language: str) -> str:
    client.cookies["django_language"] = language
    response = client.get(path)
    assert response.status_code == 200, path
    text: str = response.content.decode()
    assert f'<html lang="{language}">' in text
    return text


@pytest.mark.parametrize("language", ["da", "en"])
def test_the_statement_says_what_conforms_what_not_and_where_to_turn(client, language):
    assert STATEMENT_DATE.isoformat() == "2026-11-30"  # the dates below are this one
    title, authority, made = STATEMENT[language]
    page = get(client, "/accessibility/", language)
    assert f"<h1>{title}</h1>" in page
    assert "WCAG 2.2" in page
    assert authority in page
    assert made in page
    assert 'href="mailto:support@segl.example"' in page  # the demo's address
    assert page.count("<h2>") >= 5  # conforms, tested, not yet, report, complain, date


def test_the_address_comes_from_the_configuration(client, config):
    config(support_email="tilgaengelighed@kommune.dk")
    page = get(client, "/accessibility/", "en")
    assert 'href="mailto:tilgaengelighed@kommune.dk"' in page
    assert "support@segl.example" not in page
    config(support_email="")
    page = get(client, "/accessibility/", "en")
    assert "mailto:" not in page
    assert "tell the organisation that runs this segl" in page


@pytest.mark.parametrize(
    "path", ["/", "/demo-bank/", "/portal/", "/desk/login/", "/app/", "/accessibility/"]
)
@pytest.mark.parametrize("language", ["da", "en"])
def test_every_page_links_to_it_from_the_footer(client, path, language):
    page = get(client, path, language)
    footer = re.search(r'<footer class="site-footer">(.*?)</footer>', page, re.S)
    assert footer is not None, path
    assert f'<a href="/accessibility/">{STATEMENT[language][0]}</a>' in footer.group(1)


def test_an_error_page_links_to_it_too(client):
    client.cookies["django_language"] = "en"
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert '<a href="/accessibility/">Accessibility statement</a>' in response.content.decode()
