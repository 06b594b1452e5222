"""``segl device``: activate, press (an emulated device), resync and list."""

from __future__ import annotations

import argparse
import getpass
import os
from pathlib import Path
from typing import TYPE_CHECKING

from segl.core.errors import SeglError

from .base import Commands, command, fail, group, json_flag, now, out, read_secret_file, refuse
from .refusals import sentence

if TYPE_CHECKING:
    from segl.emulators.device_file import DeviceFile


def register(commands: Commands) -> None:
    device = group(commands, "device", "code displays and audio code readers")
    p = command(device, "activate", cmd_activate, "activate a device for an identity")
    p.add_argument("--user-id", required=True)
    p.add_argument("--serial", required=True, help="the serial number on the back")
    p.add_argument("--code", help="the code shown (asked for when left out)")
    p.add_argument("--password-file", help="the new password (asked for twice when left out)")
    p.add_argument("--operator", help="who checked the person's ID")
    json_flag(p)

    p = command(device, "press", cmd_press, "press an emulated device's button", django=False)
    p.add_argument("serial")
    p.add_argument("--dir", help="device files folder (default: $SEGL_DEVICE_DIR or var/devices)")
    p.add_argument(
        "--with",
        dest="digit",
        type=int,
        choices=range(10),
        metavar="DIGIT",
        help="audio code reader: hold the red button and press DIGIT (0 again, 9/7 volume, "
        "6/4 speed, 1 language, 5 serial number)",
    )
    p.add_argument("--audio", metavar="WAV", help="audio code reader: write what it says here")
    json_flag(p)

    p = command(device, "resync", cmd_resync, "bring an HOTP token back in step")
    p.add_argument("serial")
    p.add_argument(
        "--code", action="append", required=True, help="two consecutive codes: --code C1 --code C2"
    )
    json_flag(p)

    p = command(device, "list", cmd_list, "list the inventory")
    p.add_argument("--status")
    p.add_argument("--limit", type=int, default=100)
    json_flag(p)


def device_refusal(exc: SeglError) -> str:
    """The sentence for a refusal of the inventory or of a one-time code."""
    from segl.core.errors import Locked, PasswordRejected

    reason = str(getattr(exc, "reason", "") or exc.code)
    if isinstance(exc, PasswordRejected):
        return sentence(f"password:{reason}")
    if isinstance(exc, Locked):
        return sentence("device:locked", until=f"{exc.until:%H:%M}")
    if reason.startswith(("device is ", "authenticator is ")):
        return sentence("device:in_use", status=reason.rpartition(" ")[2])
    return sentence(f"device:{reason}")


def _new_password(args: argparse.Namespace) -> str | None:
    if args.password_file:
        return read_secret_file(args.password_file).decode()
    password = getpass.getpass("Create a password: ")
    if getpass.getpass("Confirm the password: ") != password:
        return None
    return password


def cmd_activate(args: argparse.Namespace) -> int:
    """Activate a code display or audio code reader for an identified person (seed 001)."""
    from segl.authenticators.registry import kind_of
    from segl.authenticators.selectors import device_by_serial, device_kinds
    from segl.codedevice.kind import DeviceProof
    from segl.core.serials import RULE, is_serial, normalise_serial
    from segl.identities.selectors import identity_by_user_id

    identity = identity_by_user_id(args.user_id)
    if identity is None:
        return refuse("identity:unknown", user_id=args.user_id)
    serial = normalise_serial(args.serial)
    if not is_serial(serial):
        return refuse("device:serial_form", rule=RULE)
    device = device_by_serial(serial)
    if device is None or device.kind not in device_kinds():
        return refuse("device:unknown_serial")
    code = args.code or input("The one-time code shown on the device: ")
    password = _new_password(args)
    if password is None:
        return refuse("password:mismatch")
    try:
        proof = DeviceProof(
            serial=serial, code=code, password=password, actor=args.operator or "cli"
        )
        auth = kind_of(device.kind).activate(identity=identity, proof=proof, now=now())
    except SeglError as exc:
        return fail(device_refusal(exc))
    out(
        args,
        {"user_id": identity.user_id, "serial": serial, "kind": auth.kind},
        f"activated {auth.get_kind_display()} {serial} for {identity.user_id}",
    )
    return 0


def cmd_press(args: argparse.Namespace) -> int:
    """Press the button on an emulated device: prints the code from its device file only.

    An audio code reader's red button is pressed alone, or held with ``--with DIGIT``; what it
    says is written to ``--audio`` as a WAV file, spoken by espeak-ng.
    """
    from segl.emulators.device_file import check_serial, device_lock

    directory = Path(args.dir or os.environ.get("SEGL_DEVICE_DIR") or "var/devices")
    try:
        serial = check_serial(args.serial)
    except ValueError as exc:
        return fail(f"The serial number is wrong: {exc}. Check the back of the device.")
    path = directory / f"{serial}.json"
    if not path.is_file():
        return fail(
            f"There is no device file {path}. Give the folder of the device files with --dir."
        )
    with device_lock(path):  # one press at a time, as the emulator's page takes them
        return _press(args, path)


def _press(args: argparse.Namespace, path: Path) -> int:
    from segl.emulators.device_file import DeviceFile

    try:
        device = DeviceFile.load(path)
    except ValueError as exc:
        return fail(
            f"The device file {path} cannot be read: {exc}. Make it again with segl factory."
        )
    if device.kind == "audio_code_reader":
        return _press_reader(args, device)
    if args.digit is not None or args.audio:
        return fail("A code display has one button and no sound: leave out --with and --audio.")
    code = device.press(now())
    if device.algorithm == "hotp":
        device.dump(path)
    out(args, {"serial": device.serial, "code": code}, code)
    return 0


def _press_reader(args: argparse.Namespace, device: DeviceFile) -> int:
    from segl.emulators.audio_reader import Keys, press, sound
    from segl.emulators.speech import SpeechUnavailable

    reaction = press(device, Keys(red=True, digit=args.digit), now())
    if args.audio and reaction.said is None:
        return fail(f"The reader said nothing ({reaction.event}); no {args.audio} was written.")
    if args.audio and reaction.said is not None:
        try:
            wav = sound(device, reaction.said)
        except SpeechUnavailable as exc:
            return fail(f"No sound: {exc}. Install espeak-ng (apt-get install espeak-ng).")
        Path(args.audio).write_bytes(wav)
    settings = {"language": device.language, "volume": device.volume, "speed": device.speed}
    data = {
        "serial": device.serial,
        "keys": str(Keys(red=True, digit=args.digit)),
        "event": reaction.event,
        "display": reaction.display,
        "said": list(reaction.said) if reaction.said else None,
        **settings,
    }
    if reaction.code:
        data["code"] = reaction.code
    text = reaction.display or f"({reaction.event})"
    out(args, data, text)
    return 0


def cmd_resync(args: argparse.Namespace) -> int:
    """Resynchronise an HOTP token from two consecutive codes."""
    from segl.authenticators.services import device_resync
    from segl.core.serials import normalise_serial

    if len(args.code) != 2:
        return refuse("device:two_codes")
    try:
        device = device_resync(
            serial=normalise_serial(args.serial),
            code1=args.code[0],
            code2=args.code[1],
            now=now(),
            actor="cli",
        )
    except SeglError as exc:
        if exc.code not in ("device_unavailable", "locked"):
            return refuse("device:resync_failed")
        return fail(device_refusal(exc))
    out(
        args,
        {"serial": device.serial, "counter": device.counter},
        f"{device.serial} is in step again",
    )
    return 0


def cmd_list(args: argparse.Namespace) -> int:
    from segl.authenticators.selectors import devices_list

    rows = devices_list(status=args.status, limit=args.limit)
    out(
        args,
        {"devices": rows},
        "\n".join(f"{r['serial']}  {r['kind']:18} {r['status']}" for r in rows) or "none",
    )
    return 0
