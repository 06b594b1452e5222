"""``segl app``: activation codes (an operator, after checking ID) and the app's emulator (the
citizen): activate, approve, switch between QR and one-time codes, retire, list."""

from __future__ import annotations

import argparse
import getpass
import json
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from .base import Commands, command, fail, group, json_flag, now, out, read_secret_file, refuse
from .refusals import app_sentence, sentence


class Refused(Exception):
    """A refusal the command says itself, as a sentence."""


def register(commands: Commands) -> None:
    app = group(commands, "app", "the segl app: activation codes, and the app's emulator")
    p = command(app, "code", cmd_code, "issue an activation code (operator, after checking ID)")
    p.add_argument("user_id")
    p.add_argument("--operator", help="who checked the person's ID")
    json_flag(p)

    p = command(
        app, "activate", cmd_activate, "activate the emulated app for a user ID", django=False
    )
    p.add_argument("user_id")
    p.add_argument("--code", required=True, help="the activation code")
    p.add_argument("--temporary-pin", help="from the SMS (asked for when left out)")
    _emulated(p)
    p = command(
        app, "prove", cmd_prove, "get segl with an emulated passport or ID card", django=False
    )
    p.add_argument("document", help="a document file (segl passport make)")
    p.add_argument("--cpr", required=True, help="the holder's CPR number")
    p.add_argument("--user-id", required=True, help="the new user ID (or the one they have)")
    p.add_argument("--other-face", action="store_true", help="the camera shows another face")
    p.add_argument("--temporary-pin", help="from the SMS (asked for when left out)")
    _emulated(p)
    help_ = "answer a waiting login with the emulated app"
    _approve_arguments(command(app, "approve", cmd_approve, help_, django=False))

    p = command(app, "mode", cmd_mode, "approve with QR codes or one-time codes", django=False)
    p.add_argument("user_id")
    p.add_argument(
        "mode",
        choices=["qr", "code"],
        help="code asks for one-time codes (they take effect after a waiting time: run it again"
        " then to confirm); qr goes back at once",
    )
    _emulated(p)
    p = command(app, "retire", cmd_retire, "remove a user ID from the emulated app", django=False)
    p.add_argument("user_id")
    _emulated(p)
    p = command(app, "list", cmd_list, "the user IDs the emulated app holds", django=False)
    _emulated(p, pin=False)


def _emulated(p: argparse.ArgumentParser, *, pin: bool = True) -> None:
    """The emulated app's options; it speaks HTTP to segl, so it needs no database here."""
    if pin:
        p.add_argument("--pin-file", help="the PIN code (asked for when left out)")
    p.add_argument("--url", help="segl's address (default: $SEGL_BASE_URL)")
    p.add_argument("--state", default="var/app.json", help="the app's key file")
    json_flag(p)


def _approve_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("user_id")
    binding = p.add_mutually_exclusive_group(required=True)
    binding.add_argument("--qr", help="the QR code's text")
    binding.add_argument("--image", help="a picture of the QR code (PNG or JPEG)")
    binding.add_argument("--code", help="the one-time code the browser shows")
    answer = p.add_mutually_exclusive_group(required=True)
    answer.add_argument("--approve", action="store_true")
    answer.add_argument("--reject", action="store_true")
    answer.add_argument("--not-me", action="store_true", help='"I did not start this"')
    p.add_argument("--wait", type=float, default=25, help="seconds to wait for a login")
    _emulated(p)


# -- the operator ----------------------------------------------------------------------------


def cmd_code(args: argparse.Namespace) -> int:
    """Issue an activation code for the app, as an operator does after checking ID."""
    from segl.app.services import activation_code_issue
    from segl.identities.selectors import identity_by_user_id

    identity = identity_by_user_id(args.user_id)
    if identity is None:
        return refuse("identity:unknown", user_id=args.user_id)
    code = activation_code_issue(identity=identity, now=now(), issued_by=args.operator or "cli")
    if not identity.person.phone:  # the temporary PIN code goes there: say so before it fails
        print(
            f"segl: warning: {sentence('app:no_phone', user_id=identity.user_id)}", file=sys.stderr
        )
    out(
        args,
        {"user_id": identity.user_id, "activation_code": code},
        f"activation code for {identity.user_id}: {code} (valid 7 days, once)",
    )
    return 0


# -- the citizen, with the emulated app ------------------------------------------------------


def _emulator(args: argparse.Namespace) -> Any:
    from segl.app.emulator import AppEmulator

    return AppEmulator(_url(args), state=Path(args.state))


def _url(args: argparse.Namespace) -> str:
    return str(args.url or os.environ.get("SEGL_BASE_URL") or "http://localhost:8000")


def _pin(args: argparse.Namespace, *, confirm: bool = False) -> str:
    if args.pin_file:
        return read_secret_file(args.pin_file).decode()
    pin = getpass.getpass("PIN code: ")
    if confirm and getpass.getpass("Repeat the PIN code: ") != pin:
        raise Refused(sentence("app:pins_differ"))
    return pin


def _unreachable() -> tuple[type[Exception], ...]:
    """What the emulator's HTTP client raises when segl does not answer."""
    errors: list[type[Exception]] = [OSError, json.JSONDecodeError]
    try:
        import httpx
    except ImportError:
        pass
    else:
        errors.append(httpx.TransportError)
    return tuple(errors)


def _run(args: argparse.Namespace, action: Callable[[], int]) -> int:
    """Run ``action`` against segl; every refusal becomes a sentence."""
    from segl.app.emulator import AppError

    try:
        return action()
    except Refused as exc:
        return fail(str(exc))
    except AppError as exc:
        return fail(app_sentence(exc.reason, exc.error, user_id=args.user_id))
    except KeyError:  # the state file holds no such user ID
        return refuse("app:unknown_app", user_id=args.user_id)
    except _unreachable():
        return refuse("app:unreachable", url=_url(args))


def cmd_activate(args: argparse.Namespace) -> int:
    """Activate the emulated app: activation code, temporary PIN by SMS, new PIN."""

    def run() -> int:
        app = _emulator(args)
        activation = app.start_activation(args.user_id, args.code)
        temporary = args.temporary_pin or input("Temporary PIN code (sent by SMS): ").strip()
        answer = app.finish_activation(
            activation, user_id=args.user_id, temporary_pin=temporary, pin=_pin(args, confirm=True)
        )
        out(args, answer, f"the app is activated for {answer['user_id']} ({args.state})")
        return 0

    return _run(args, run)


def cmd_prove(args: argparse.Namespace) -> int:
    """Passport/ID card in the emulated app: the code, the chip, the face; then the user ID
    and step 5 "On this phone" (temporary PIN by SMS, new PIN)."""

    def run() -> int:
        from segl.emulators.chip import DocumentFile
        from segl.emulators.proofing import ProofingEmulator

        path = Path(args.document)
        if not path.is_file():
            raise Refused(sentence("file:missing", path=path))
        try:
            document = DocumentFile.load(path)
        except (ValueError, KeyError):
            raise Refused(sentence("app:not_a_document", path=path)) from None
        app = _emulator(args)
        journey = ProofingEmulator(app)
        decided = journey.prove(document, cpr=args.cpr, same_person=not args.other_face)
        if decided["decision"] == "review":
            text = "The face goes to review: segl sends an SMS once it has been checked."
            out(args, {"state": "review"}, text)
            return 0
        made = journey.choose_user_id(args.user_id)
        activation = journey.activate_here()
        temporary = args.temporary_pin or input("Temporary PIN code (sent by SMS): ").strip()
        answer = app.finish_activation(
            activation,
            user_id=made["user_id"],
            temporary_pin=temporary,
            pin=_pin(args, confirm=True),
        )
        text = f"the app is activated for {answer['user_id']} at {made['level']} ({args.state})"
        out(args, {**answer, "level": made["level"]}, text)
        return 0

    return _run(args, run)


def _checkout() -> str:
    """This installation's source checkout, where its extras are installed from."""
    root = Path(__file__).resolve().parents[3]
    return str(root) if (root / "pyproject.toml").is_file() else "."


def read_picture(path: Path) -> str:
    """The QR code's text in a picture; refused, saying how to get the reader, without it."""
    if not path.is_file():
        raise Refused(sentence("file:missing", path=path))
    from segl.app.emulator.camera import picture_reader_installed, read_qr_image

    if not picture_reader_installed():
        pip = Path(sys.executable).with_name("pip")
        raise Refused(sentence("app:picture_reading", pip=pip, checkout=_checkout()))

    try:
        return read_qr_image(path)
    except ValueError:
        raise Refused(sentence("app:no_qr_in_picture", path=path)) from None


def cmd_approve(args: argparse.Namespace) -> int:
    """Read the picture, unlock, wait for a login, prove the binding, show the text, answer."""

    def run() -> int:
        # The picture first: a missing reader or an unreadable picture stops before the PIN.
        qr = read_picture(Path(args.image)) if args.image else args.qr
        app = _emulator(args)
        app.unlock(args.user_id, _pin(args))
        request = app.pending(args.user_id, wait=args.wait)
        if request is None:
            raise Refused(sentence("app:no_login", user_id=args.user_id))
        if qr is not None:
            shown = app.bind(args.user_id, request["id"], qr=qr)
        else:
            shown = app.bind(args.user_id, request["id"], code=args.code)
        decision = "reject" if args.reject else "fraud" if args.not_me else "approve"
        status = app.answer(args.user_id, shown, decision)
        out(
            args,
            {**shown, "decision": decision, "status": status},
            f"{shown['rp_name']} asks you to {shown['action'].replace('_', ' ')}: "
            f"{shown['text'] or '(no text)'}\n{status}",
        )
        return 0

    return _run(args, run)


def cmd_mode(args: argparse.Namespace) -> int:
    """QR codes at once; one-time codes asked for now and confirmed once the wait is over."""

    def run() -> int:
        app = _emulator(args)
        app.unlock(args.user_id, _pin(args))
        pending = app.me(args.user_id).get("pending_change")
        if args.mode == "code" and pending and pending["due"]:
            described = app.confirm_approval_mode(args.user_id)
        else:
            described = app.set_approval_mode(args.user_id, args.mode)
        out(args, described, _mode_text(described))
        return 0

    return _run(args, run)


def _mode_text(described: dict[str, Any]) -> str:
    user_id, pending = described["user_id"], described.get("pending_change")
    if described["approval_mode"] == "code":
        return f"{user_id} approves with one-time codes"
    if pending:
        return (
            f"{user_id} approves with QR codes until {pending['effective_at']}; run"
            f" 'segl app mode {user_id} code' again after that to switch to one-time codes"
        )
    return f"{user_id} approves with QR codes"


def cmd_retire(args: argparse.Namespace) -> int:
    """Remove a user ID from the emulated app: segl retires it, and its key is forgotten."""

    def run() -> int:
        app = _emulator(args)
        app.unlock(args.user_id, _pin(args))
        app.retire(args.user_id)
        out(
            args,
            {"user_id": args.user_id, "retired": True},
            f"{args.user_id} is removed from this app ({args.state}); segl retired it",
        )
        return 0

    return _run(args, run)


def cmd_list(args: argparse.Namespace) -> int:
    app = _emulator(args)
    ids = sorted(r.user_id for r in app.registrations.values())
    out(args, {"user_ids": ids}, "\n".join(ids) or "this app holds no user ID")
    return 0
