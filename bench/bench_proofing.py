"""Passive authentication and the chip's answer: what a proofing's chip step costs.

    python bench/bench_proofing.py                  # over HTTP against `segl serve`, and in process
    python bench/bench_proofing.py --rounds 5 --per-round 40

The headline is over HTTP, as the app makes the calls: ``segl serve`` (one worker, SQLite, the
demo's emulated passports and ID cards on a fresh site), one client sending one request at a
time. A proofing is five requests (start, terms, the document's code, the chip's data groups
and EF.SOD, the chip's answer to the challenge); the proofings of a round go through each
request in turn, so the server's CPU time (its processes' user and system time from ``/proc``)
is measured per kind of request. The chip request is passive authentication (EF.SOD's CMS
signature, every data group's hash, the signer's chain to the trusted CSCA, its validity and
revocation list); the answer is Active Authentication (a passport: RSA-2048, ISO/IEC 9796-2)
or Chip Authentication (an ID card: ECDH P-256 and AES-CMAC).

In process, for context: verifications per second on one core of passive authentication alone
(core.documents.check_chip), for a document signed with ECDSA P-256 and with RSA-PSS 2048.
"""

from __future__ import annotations

import argparse
import base64
import http.client
import json
import os
import statistics
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT / "src"), str(ROOT)]

from bench import burst  # noqa: E402
from bench.bench_http import percentile, pin, server_cpu  # noqa: E402

REQUESTS = ("start", "terms", "document", "chip", "chip answer")
NEWCOMERS = {  # the demo's people with no segl, and their documents (segl.demo.NEWCOMERS)
    "passport": ("0403851234", "207112233"),
    "id_card": ("1508921237", "IA4455667"),
}


def call(
    server: burst.Server, method: str, path: str, body: dict | None, secret: str = ""
) -> tuple[dict, float]:
    headers = {"Host": f"localhost:{server.port}", "Accept": "application/json"}
    if secret:
        headers["Authorization"] = f"Bearer {secret}"
    data = None
    if body is not None:
        data = json.dumps(body)
        headers["Content-Type"] = "application/json"
    connection = http.client.HTTPConnection(server.host, server.port, timeout=60)
    started = time.perf_counter()
    try:
        connection.request(method, f"/app/api/proofing/{path}", body=data, headers=headers)
        response = connection.getresponse()
        answer = json.loads(response.read() or b"{}")
    finally:
        connection.close()
    seconds = time.perf_counter() - started
    if response.status >= 400:
        raise burst.BurstError(f"{method} {path}: {response.status} {answer}")
    return answer, seconds


def over_http(rounds: int, per_round: int, workdir: Path, server_cpus: set[int]) -> dict[str, dict]:
    from segl.emulators.chip import DocumentFile, EmulatedChip

    port = burst.free_port(range(8600, 8700))
    site = burst.prepare_site(
        workdir, database_url=f"sqlite:///{workdir / 'segl.sqlite3'}", redis_url="", port=port
    )
    passports = workdir / "documents" / "passports"  # segl init's data directory is the site's
    documents = {
        kind: DocumentFile.load(passports / f"{number}.json")
        for kind, (_, number) in NEWCOMERS.items()
    }
    server = burst.start_server(site, workers=1)
    if server_cpus:
        pin(server.process.pid, server_cpus)
    figures: dict[str, dict] = {}
    try:
        for kind, document in documents.items():
            cpr = NEWCOMERS[kind][0]
            chip = EmulatedChip(document)
            seconds: dict[str, list[float]] = {r: [] for r in REQUESTS}
            cpu: dict[str, list[float]] = {r: [] for r in REQUESTS}
            for number in range(rounds + 1):  # round 0 warms the server up and is not counted
                proofings: list[dict] = [{} for _ in range(per_round)]
                round_seconds: dict[str, list[float]] = {r: [] for r in REQUESTS}
                round_cpu: dict[str, float] = {}
                for name in REQUESTS:
                    before = server_cpu(server.process.pid)
                    for i in range(per_round):
                        answer, took = _step(server, name, proofings[i], document, chip, cpr)
                        round_seconds[name].append(took)
                        proofings[i][name] = answer
                    round_cpu[name] = (server_cpu(server.process.pid) - before) / per_round
                if number:
                    for name in REQUESTS:
                        seconds[name] += round_seconds[name]
                        cpu[name].append(round_cpu[name])
            figures[kind] = {
                name: {
                    "cpu_ms": 1000 * statistics.median(cpu[name]),
                    "p50_ms": 1000 * percentile(seconds[name], 50),
                    "p95_ms": 1000 * percentile(seconds[name], 95),
                    "p99_ms": 1000 * percentile(seconds[name], 99),
                }
                for name in REQUESTS
            }
    finally:
        server.stop()
    return figures


def _step(
    server: burst.Server, name: str, done: dict, document, chip, cpr: str
) -> tuple[dict, float]:
    """One request of a proofing; ``done`` holds the answers to its earlier requests."""
    if name == "start":
        return call(server, "POST", "", {})
    secret = done["start"]["proofing"]
    if name == "terms":
        return call(server, "POST", "terms", {}, secret)
    if name == "document":
        return call(server, "POST", "document", {"cpr": cpr, "mrz": document.printed_mrz}, secret)
    if name == "chip":
        groups = {str(n): base64.b64encode(g).decode() for n, g in document.groups.items()}
        body = {"groups": groups, "sod": base64.b64encode(document.sod).decode()}
        return call(server, "POST", "chip", body, secret)
    return call(server, "POST", "chip/answer", _answer(chip, done["chip"]), secret)


def _answer(chip, asked: dict) -> dict:
    if asked.get("check") == "active_authentication":
        return {
            "aa_signature": base64.b64encode(
                chip.active_authenticate(bytes.fromhex(asked["challenge"]))
            ).decode()
        }
    if asked.get("check") == "chip_authentication":
        return {
            "ca_response": base64.b64encode(
                chip.chip_authenticate(
                    bytes.fromhex(asked["ephemeral_key"]), bytes.fromhex(asked["command"])
                )
            ).decode()
        }
    return {}


def in_process(seconds: float, workdir: Path) -> dict[str, float]:
    """Passive authentication alone, verifications per CPU second, per signer's algorithm."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import rsa

    from segl.core.documents import check_chip
    from segl.core.mrz import parse
    from segl.core.trust import TrustList
    from segl.emulators.issuer import Issuer, Signer
    from segl.emulators.passport import Holder, make_document, sod

    now = datetime.now(UTC)
    issuer = Issuer.open(workdir / "factory", now)
    holder = Holder(
        "Hansen", "Dorte", date(1985, 3, 4), "F", "207112233", date(2025, 1, 1), kind="id_card"
    )
    document = make_document(issuer, holder, now=now)
    printed = parse(document.printed_mrz)
    csca = issuer.csca
    rsa_key = rsa.generate_private_key(65537, 2048)
    rsa_cert = (
        x509.CertificateBuilder()
        .subject_name(
            x509.Name(
                [
                    x509.NameAttribute(x509.NameOID.COUNTRY_NAME, "DK"),
                    x509.NameAttribute(x509.NameOID.COMMON_NAME, "RSA DS"),
                ]
            )
        )
        .issuer_name(csca.certificate.subject)
        .public_key(rsa_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=3650))
        .sign(csca.key, hashes.SHA256())
    )
    trust = TrustList((csca.certificate,))
    cases = {
        "ECDSA P-256 signer": document.sod,
        "RSA-PSS 2048 signer": sod(document.groups, Signer(rsa_key, rsa_cert), now, "rsassa_pss"),
    }
    rates = {}
    for name, signed in cases.items():
        check_chip(printed, document.groups, signed, trust, at=now)
        count, cpu0 = 0, time.process_time()
        while time.process_time() - cpu0 < seconds:
            check_chip(printed, document.groups, signed, trust, at=now)
            count += 1
        rates[name] = count / (time.process_time() - cpu0)
    return rates


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--per-round", type=int, default=40)
    parser.add_argument("--seconds", type=float, default=3.0, help="in process, per case")
    args = parser.parse_args()
    cpus = sorted(os.sched_getaffinity(0))
    server_cpus = {cpus[-1]} if len(cpus) > 1 else set()
    if server_cpus:
        os.sched_setaffinity(0, set(cpus) - server_cpus)
    with tempfile.TemporaryDirectory(prefix="segl-bench-proofing-") as tmp:
        workdir = Path(tmp)
        http_figures = over_http(args.rounds, args.per_round, workdir / "site", server_cpus)
        rates = in_process(args.seconds, workdir)
    rounds = f"{args.rounds} rounds of {args.per_round} proofings per document"
    print(f"segl serve, 1 worker, SQLite; {rounds}")
    for kind, rows in http_figures.items():
        print(f"\n{kind}: request        server CPU ms   p50 ms   p95 ms   p99 ms")
        for name, row in rows.items():
            figures = (row[k] for k in ("p50_ms", "p95_ms", "p99_ms"))
            print(f"  {name:<20} {row['cpu_ms']:>10.2f}", *(f"{v:>8.2f}" for v in figures))
        chip_cpu = rows["chip"]["cpu_ms"]
        rate = 1000 / chip_cpu
        print(f"  passive authentication over HTTP: {rate:.0f} chip requests a second per core")
    print("\nin process, passive authentication alone (check_chip), one core:")
    for name, rate in rates.items():
        print(f"  {name:<22} {rate:>8.0f} verifications per second")


if __name__ == "__main__":
    main()
