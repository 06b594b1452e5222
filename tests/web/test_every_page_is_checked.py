"""Every URL in segl's URL map is a page some accessibility test checks, or is listed with
what it is instead (an API, a redirect, a file): a new page cannot be added unchecked."""

from __future__ import annotations

import ast
from pathlib import Path

from django.urls import URLPattern, URLResolver, get_resolver

from tests.e2e.pages import API_PREFIXES, NOT_PAGES, PAGES

ROOT = Path(__file__).resolve().parents[2]


def url_names(patterns=None, namespace: str = "") -> set[str]:
    names: set[str] = set()
    for pattern in patterns if patterns is not None else get_resolver().url_patterns:
        if isinstance(pattern, URLResolver):
            inner = namespace + (f"{pattern.namespace}:" if pattern.namespace else "")
            names |= url_names(pattern.url_patterns, inner)
        elif isinstance(pattern, URLPattern):
            names.add(namespace + (pattern.name or f"(unnamed {pattern.pattern})"))
    return names


def test_every_url_is_a_checked_page_or_says_what_it_is():
    names = url_names()
    api = {n for n in names if n.startswith(API_PREFIXES) and n not in PAGES}
    unlisted = names - set(PAGES) - set(NOT_PAGES) - api
    assert not unlisted, f"add these to tests/e2e/pages.py (PAGES or NOT_PAGES): {unlisted}"
    assert not set(PAGES) & set(NOT_PAGES)
    gone = (set(PAGES) | set(NOT_PAGES)) - names
    assert not gone, f"tests/e2e/pages.py lists URLs that no longer exist: {gone}"


def test_every_checking_test_exists_and_uses_the_page_report():
    for checker in set(PAGES.values()):
        path, function = checker.split("::")
        tree = ast.parse((ROOT / path).read_text())
        found = [
            node
            for node in tree.body
            if isinstance(node, ast.FunctionDef) and node.name == function
        ]
        assert found, f"{checker} does not exist"
        calls = {
            node.func.attr
            for node in ast.walk(found[0])
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
        }
        assert {"check", "assert_clean"} <= calls, f"{checker} runs no PageReport"
