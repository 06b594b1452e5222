"""``segl passport make`` (emulated travel documents, as an issuing state would make them) and
``segl proofing`` (the trust list, and the review queue of faces until the Borgerservice desk
has a page for it)."""

from __future__ import annotations

import argparse
import os
from datetime import date
from pathlib import Path
from typing import Any

from .base import Commands, command, fail, group, json_flag, now, out
from .refusals import sentence


def register(commands: Commands) -> None:
    passport = group(commands, "passport", "emulated passports and ID cards, as a state makes them")
    p = command(passport, "make", cmd_make, "make an emulated passport or ID card", django=False)
    p.add_argument("--out", help="the factory's folder (default: the data directory's documents/)")
    p.add_argument("--kind", choices=("passport", "id_card"), default="passport")
    p.add_argument("--surname", required=True)
    p.add_argument("--given-names", required=True)
    p.add_argument("--birth-date", required=True, type=date.fromisoformat, help="YYYY-MM-DD")
    p.add_argument("--sex", choices=("F", "M", "X"), default="X")
    p.add_argument(
        "--number", required=True, help="the document number (up to 9 characters, A-Z 0-9)"
    )
    p.add_argument("--issued", type=date.fromisoformat, help="YYYY-MM-DD (default: a year ago)")
    p.add_argument("--defect", help="make it broken: " + ", ".join(_defects()))
    p.add_argument("--face-of", help="whose face the holder has (default: the holder's own)")
    json_flag(p)

    proofing = group(commands, "proofing", "identity proofing: the trust list and the review queue")
    p = command(proofing, "trust", cmd_trust, "show the trusted country signing CAs", django=False)
    p.add_argument("--folder", help="default: SEGL_PROOFING_TRUST")
    json_flag(p)
    p = command(proofing, "reviews", cmd_reviews, "list the faces waiting for review")
    json_flag(p)
    p = command(proofing, "show", cmd_show, "write a waiting face and the chip's photo for review")
    p.add_argument("proofing")
    p.add_argument("--reviewer", required=True, help="who is looking (audited)")
    p.add_argument("--out", required=True, help="a folder for capture.jpg and chip.jpg")
    p = command(proofing, "decide", cmd_decide, "decide a waiting face: the same person or not")
    p.add_argument("proofing")
    p.add_argument("--reviewer", required=True, help="who decides (two different ones for High)")
    decision = p.add_mutually_exclusive_group(required=True)
    decision.add_argument("--same-person", action="store_true")
    decision.add_argument("--not-same-person", action="store_true")
    json_flag(p)


def _defects() -> list[str]:
    from segl.emulators.passport import DEFECTS

    return list(DEFECTS)


def _folder(args: argparse.Namespace) -> Path:
    """--out, else the configured data directory's documents folder (what the demo trusts)."""
    if args.out:
        return Path(args.out)
    from segl.config import ConfigError, load

    try:
        return load().data_dir / "documents"
    except ConfigError:  # no settings here: the folder `make run` would use
        return Path("var") / "documents"


def cmd_make(args: argparse.Namespace) -> int:
    from segl.emulators.issuer import Issuer
    from segl.emulators.passport import DEFECTS, Holder, make_document

    if args.defect and args.defect not in DEFECTS:
        return fail(f"There is no defect {args.defect!r}: choose one of {', '.join(DEFECTS)}.")
    issued = args.issued or date(now().year - 1, now().month, 1)
    holder = Holder(
        surname=args.surname,
        given_names=args.given_names,
        birth_date=args.birth_date,
        sex=args.sex,
        document_number=args.number.upper(),
        issued=issued,
        kind=args.kind,
        face_seed=args.face_of or "",
    )
    folder = _folder(args)
    try:
        document = make_document(Issuer.open(folder, now()), holder, now=now(), defect=args.defect)
    except ValueError as exc:
        return fail(f"The document cannot be made: {exc}.")
    path = (
        folder
        / "passports"
        / f"{holder.document_number}{'-' + args.defect if args.defect else ''}.json"
    )
    document.save(path)
    data = {"file": str(path), "trust": str(folder / "trust"), "mrz": document.printed_mrz}
    out(args, data, f"{path}\n{document.printed_mrz}\n(trusted through {folder / 'trust'})")
    return 0


def cmd_trust(args: argparse.Namespace) -> int:
    from segl.trustfolder import read_trust_list

    folder = args.folder or os.environ.get("SEGL_PROOFING_TRUST")
    if not folder:
        return fail("No trust list is set: give --folder or set SEGL_PROOFING_TRUST.")
    try:
        trust = read_trust_list(Path(folder))
    except ValueError as exc:
        return fail(f"The trust list does not load: {exc}.")
    rows: list[dict[str, Any]] = [
        {
            "subject": c.subject.rfc4514_string(),
            "not_after": c.not_valid_after_utc.isoformat(),
            "revocation_lists": sum(1 for crl in trust.crls if crl.issuer == c.subject),
        }
        for c in trust.cscas
    ]
    text = "\n".join(f"{r['subject']}  until {r['not_after'][:10]}" for r in rows) or "(no CSCA)"
    if trust.is_demo:
        text += "\nThis trust list holds the passport factory's test CSCA: never in production."
    out(args, {"cscas": rows, "demo": trust.is_demo}, text)
    return 0


def cmd_reviews(args: argparse.Namespace) -> int:
    from segl.proofing.review import reviews_waiting

    waiting: list[dict[str, Any]] = [
        {
            "proofing": p.id,
            "since": p.created_at.isoformat(),
            "reviewers": len(p.face_decided_by),
            "document": p.document_type,
        }
        for p in reviews_waiting()
    ]
    text = "\n".join(
        f"{w['proofing']}  {w['document']}  since {w['since'][:16]}  reviewers: {w['reviewers']}"
        for w in waiting
    )
    out(args, {"waiting": waiting}, text or "No face is waiting for review.")
    return 0


def cmd_show(args: argparse.Namespace) -> int:
    from segl.proofing.review import review_pictures
    from segl.proofing.services import ProofingRefused

    try:
        capture, portrait = review_pictures(
            proofing_id=args.proofing, reviewer=args.reviewer, now=now()
        )
    except ProofingRefused as exc:
        return fail(sentence(f"proofing:{exc.reason}"))
    folder = Path(args.out)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "capture.jpg").write_bytes(capture)
    (folder / "chip.jpg").write_bytes(portrait)
    print(f"{folder / 'capture.jpg'} (the live face)\n{folder / 'chip.jpg'} (the document's photo)")
    return 0


def cmd_decide(args: argparse.Namespace) -> int:
    from segl.proofing.review import review_decide
    from segl.proofing.services import ProofingRefused

    try:
        outcome = review_decide(
            proofing_id=args.proofing,
            reviewer=args.reviewer,
            same_person=args.same_person,
            now=now(),
        )
    except ProofingRefused as exc:
        return fail(sentence(f"proofing:{exc.reason}"))
    texts = {
        "confirmed": "Confirmed: the citizen is told by SMS and can go on in the app.",
        "refused": "Refused: the citizen is told by SMS; both pictures are deleted.",
        "second_reviewer": "Recorded. A High result needs a second reviewer's decision.",
    }
    out(args, {"proofing": args.proofing, "outcome": outcome}, texts[outcome])
    return 0
