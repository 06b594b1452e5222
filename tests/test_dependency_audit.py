"""The dependency audit (.ci/audit.py) tells a finding from a package it could not check."""

from __future__ import annotations

import importlib.util
from pathlib import Path

_spec = importlib.util.spec_from_file_location(
    "ci_audit", Path(__file__).parents[1] / ".ci" / "audit.py"
)
assert _spec and _spec.loader
audit = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(audit)

CLEAN = {"name": "requests", "version": "2.34.2", "vulns": []}
UNCHECKED = {
    "name": "django",
    "skip_reason": "Dependency not found on PyPI and could not be audited: django (5.2.19)",
}
FINDING = {
    "name": "django",
    "version": "5.2.8",
    "vulns": [{"id": "PYSEC-0000-1", "fix_versions": ["5.2.9"], "aliases": ["CVE-0000-1"]}],
}


def test_a_known_vulnerability_fails_and_names_the_fixed_release():
    code, lines = audit.verdict({"dependencies": [CLEAN, FINDING]}, strict=False)
    assert code == 1
    assert "VULNERABLE django 5.2.8: PYSEC-0000-1 (CVE-0000-1); fixed in 5.2.9" in lines


def test_packages_that_could_not_be_checked_are_named_not_passed_off_as_clean():
    code, lines = audit.verdict({"dependencies": [UNCHECKED]}, strict=False)
    text = "\n".join(lines)
    assert code == 0
    assert "NOT AUDITED: 1 of 1" in text and "  django" in lines
    assert "no known vulnerabilities" not in text
    assert audit.verdict({"dependencies": [UNCHECKED]}, strict=True)[0] == 1


def test_everything_checked_and_clean_passes():
    code, lines = audit.verdict({"dependencies": [CLEAN]}, strict=True)
    assert (code, lines[-1]) == (0, "1 locked packages audited: no known vulnerabilities.")
