"""Audit the locked dependencies for known vulnerabilities (pip-audit, decision 27).

pip-audit asks the package index's own vulnerability data about each pinned release. Three
outcomes, told apart because pip-audit alone reports "No known vulnerabilities found" even when
it could audit nothing:

- a known vulnerability in a pinned release: the audit fails (exit 1), naming it and its fix;
- the data could not be had (the service is unreachable, or has no record of a release):
  the audit says exactly which packages were not audited and passes, so that an outage does
  not fail every build; ``--strict`` (``make audit AUDIT_STRICT=1``) fails instead;
- every package audited and none vulnerable: it passes and says so.

A finding that does not apply to segl is ignored only by a line in ``.ci/audit-ignore``:
the vulnerability ID and, after ``#``, why.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import textwrap
from collections import Counter
from pathlib import Path
from typing import Any

IGNORE_FILE = Path(__file__).with_name("audit-ignore")


def ignored() -> list[str]:
    if not IGNORE_FILE.is_file():
        return []
    ids = (line.split("#", 1)[0].strip() for line in IGNORE_FILE.read_text().splitlines())
    return [vuln_id for vuln_id in ids if vuln_id]


def run_pip_audit(lock: Path, ignore: list[str]) -> tuple[dict[str, Any] | None, str]:
    """pip-audit's JSON report of the lock file, or None and why there is none."""
    with tempfile.TemporaryDirectory() as tmp:
        report = Path(tmp) / "audit.json"
        command = [
            sys.executable,
            "-m",
            "pip_audit",
            "--requirement",
            str(lock),
            "--require-hashes",
            "--disable-pip",
            "--progress-spinner",
            "off",
            "--timeout",
            "30",
            "--format",
            "json",
            "--output",
            str(report),
        ]
        for vuln_id in ignore:
            command += ["--ignore-vuln", vuln_id]
        done = subprocess.run(command, capture_output=True, text=True, check=False)  # noqa: S603
        if not report.is_file() or not report.read_text().strip():
            lines = (done.stderr or done.stdout).strip().splitlines()
            return None, lines[-1] if lines else f"pip-audit exited {done.returncode}"
        return json.loads(report.read_text()), ""


def _general(reason: str, name: str) -> str:
    """pip-audit's reason without the package's own name and version, to count alike ones."""
    return reason.split(f": {name} (")[0]


def verdict(report: dict[str, Any], *, strict: bool) -> tuple[int, list[str]]:
    """The exit code and what to print for a pip-audit JSON report."""
    dependencies = report.get("dependencies", [])
    vulnerable = [d for d in dependencies if d.get("vulns")]
    skipped = [d for d in dependencies if d.get("skip_reason")]
    audited = len(dependencies) - len(skipped)
    lines = []
    for dep in vulnerable:
        for vuln in dep["vulns"]:
            fixes = ", ".join(vuln.get("fix_versions") or []) or "no fixed release yet"
            aliases = ", ".join(vuln.get("aliases") or [])
            lines.append(
                f"VULNERABLE {dep['name']} {dep.get('version', '')}: {vuln['id']}"
                + (f" ({aliases})" if aliases else "")
                + f"; fixed in {fixes}"
            )
    if skipped:
        reasons = Counter(_general(d["skip_reason"], d["name"]) for d in skipped)
        lines.append(
            f"NOT AUDITED: {len(skipped)} of {len(dependencies)} locked packages; the "
            "vulnerability data for these releases could not be had ("
            + "; ".join(f"{n}: {reason}" for reason, n in reasons.most_common())
            + "):"
        )
        names = ", ".join(d["name"] for d in skipped)
        lines += textwrap.wrap(
            names, width=96, initial_indent="  ", subsequent_indent="  ", break_on_hyphens=False
        )
    if vulnerable:
        lines.append(
            f"{len(vulnerable)} locked package(s) with known vulnerabilities: upgrade them "
            "(make lock LOCK_ARGS='--upgrade-package NAME'), or record why a finding does not "
            "apply in .ci/audit-ignore"
        )
        return 1, lines
    if skipped:
        if audited:
            lines.append(f"{audited} package(s) audited: none with a known vulnerability.")
        else:
            lines.append("No package could be audited: this run shows nothing either way.")
        lines.append("--strict: failing." if strict else "Passing (--strict fails instead).")
        return (1 if strict else 0), lines
    lines.append(f"{audited} locked packages audited: no known vulnerabilities.")
    return 0, lines


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("lock", type=Path, help="a lock file with hashes (requirements-dev.txt)")
    parser.add_argument(
        "--strict", action="store_true", help="fail when any package could not be audited"
    )
    parser.add_argument(
        "--report", type=Path, help="judge this pip-audit JSON report instead of running it"
    )
    args = parser.parse_args()
    if args.report:
        report, why = json.loads(args.report.read_text()), ""
    else:
        report, why = run_pip_audit(args.lock, ignored())
    if report is None:
        print(f"NOT AUDITED: the vulnerability service could not be reached ({why}).")
        if args.strict:
            return 1
        print("The audit is skipped for this run (--strict fails instead).")
        return 0
    code, lines = verdict(report, strict=args.strict)
    print("\n".join(lines))
    return code


if __name__ == "__main__":
    sys.exit(main())
