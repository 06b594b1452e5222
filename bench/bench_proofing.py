"""Passive authentication and the chip's answer: what a proofing's chip step costs.

    python bench/bench_proofing.py                  # over HTTP against `segl serve`, and in process
    python bench/bench_proofing.py --rounds 5 --per-round 40

The headline is over HTTP, as the app makes the calls: ``segl serve`` (one worker, SQLite, the
demo's emulated passports and ID cards on a fresh site), one client sending one request at a
time, for people made with their documents (``bench/proofing_people.py``), each proofing once.
A proofing is six requests (start, terms, the document's code, the chip's data groups
and EF.SOD, the chip's answer to the challenge, the face: the demo's comparison of drawn
faces); the proofings of a round go through each
request in turn, so the server's CPU time (its processes' user and system time from ``/proc``)
is measured per kind of request. The chip request is passive authentication (EF.SOD's CMS
signature, every data group's hash, the signer's chain to the trusted CSCA, its validity and
revocation list); the answer is Active Authentication (a passport: RSA-2048, ISO/IEC 9796-2)
or Chip Authentication (an ID card: ECDH P-256, then secure messaging).

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
from segl.emulators import faces  # noqa: E402

REQUESTS = ("start", "terms", "document", "chip", "chip answer", "face")


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
    python = ROOT / ".venv" / "bin" / "python"
    people: dict[str, list[tuple[str, DocumentFile]]] = {}
    for kind in ("passport", "id_card"):  # each person proofs once: a day's limit never bites
        made = site.run(
            [
                python,
                ROOT / "bench" / "proofing_people.py",
                "--kind",
                kind,
                "--out",
                workdir / kind,
                "--count",
                (rounds + 1) * per_round,
            ],
            what="making people with documents",
            timeout=1200,
        )
        listed = json.loads(made.strip().splitlines()[-1])
        people[kind] = [(cpr, DocumentFile.load(Path(path))) for cpr, path in listed]
    server = burst.start_server(site, workers=1)
    if server_cpus:
        pin(server.process.pid, server_cpus)
    seconds = {kind: {r: [] for r in REQUESTS} for kind in people}
    cpu = {kind: {r: [] for r in REQUESTS} for kind in people}
    try:
        # The kinds take turns each round, so both see the database grow alike; round 0 warms
        # the server up and is not counted.
        for number in range(rounds + 1):
            for kind, everyone in people.items():
                who = everyone[number * per_round : (number + 1) * per_round]
                proofings: list[dict] = [{} for _ in who]
                for name in REQUESTS:
                    before = server_cpu(server.process.pid)
                    took_all = []
                    for i, (cpr, document) in enumerate(who):
                        chip = EmulatedChip(document)
                        answer, took = _step(server, name, proofings[i], document, chip, cpr)
                        took_all.append(took)
                        proofings[i][name] = answer
                    if number:
                        seconds[kind][name] += took_all
                        cpu[kind][name].append(
                            (server_cpu(server.process.pid) - before) / per_round
                        )
        figures = {
            kind: {
                name: {
                    "cpu_ms": 1000 * statistics.median(cpu[kind][name]),
                    "p50_ms": 1000 * percentile(seconds[kind][name], 50),
                    "p95_ms": 1000 * percentile(seconds[kind][name], 95),
                    "p99_ms": 1000 * percentile(seconds[kind][name], 99),
                }
                for name in REQUESTS
            }
            for kind in people
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
    if name == "chip answer":
        return call(server, "POST", "chip/answer", _answer(chip, done["chip"]), secret)
    # The face, the demo's drawn one: a confirmed proofing does not count toward the day's limit.
    picture = faces.capture(document.face_seed, len(done))
    return call(server, "POST", "face", {"capture": base64.b64encode(picture).decode()}, secret)


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
