"""Seeds: ``segl factory make`` (as a vendor), ``segl tokens import``, ``segl chips import`` and
``segl keys rotate``."""

from __future__ import annotations

import argparse
import re
import secrets as pysecrets
import sys
from pathlib import Path
from typing import Any

from .base import Commands, command, fail, group, json_flag, out, read_secret_file, refuse

DEVICE_KINDS = ("code_display", "audio_code_reader")


def register(commands: Commands) -> None:
    factory = group(commands, "factory", "make emulated devices, as a vendor would")
    p = command(
        factory,
        "make",
        cmd_factory_make,
        "make a batch of devices and their PSKC file",
        django=False,
    )
    p.add_argument("kind", choices=(*DEVICE_KINDS, "chip"))
    p.add_argument("--count", type=int, required=True)
    p.add_argument("--out", required=True, help="folder for the batch file and device files")
    p.add_argument("--passphrase-file", help="PSKC passphrase (default: a new one, saved)")
    p.add_argument("--no-pin", action="store_true", help="chips without a PIN code")
    json_flag(p)

    tokens = group(commands, "tokens", "the device inventory's seeds")
    p = command(tokens, "import", cmd_tokens_import, "import a PSKC (RFC 6030) file")
    p.add_argument("file")
    p.add_argument("--passphrase-file", help="for PBKDF2-encrypted files")
    p.add_argument("--psk-file", help="hex pre-shared key, for PSK-encrypted files")
    p.add_argument(
        "--kind", choices=DEVICE_KINDS, help="device kind (default: the PSKC file's device model)"
    )
    p.add_argument("--batch", help="batch name (default: the file name)")
    json_flag(p)

    chips = group(commands, "chips", "the chips in the inventory")
    p = command(chips, "import", cmd_chips_import, "import a chip batch file (segl-chip-batch/1)")
    p.add_argument("file")
    json_flag(p)

    keys = group(commands, "keys", "key-encryption keys")
    p = command(keys, "rotate", cmd_keys_rotate, "re-encrypt seeds under the active key")
    json_flag(p)


def cmd_factory_make(args: argparse.Namespace) -> int:
    """Make a batch of emulated devices: device files and an encrypted PSKC file."""
    from tqdm import tqdm

    if args.kind == "chip":
        return _make_chips(args)

    from segl.emulators.factory import make_batch

    folder = Path(args.out)
    if args.passphrase_file:
        passphrase, passphrase_path = read_secret_file(args.passphrase_file), None
    else:
        passphrase = pysecrets.token_urlsafe(24).encode()
        folder.mkdir(parents=True, exist_ok=True)
        passphrase_path = folder / "batch-passphrase.txt"
    quiet = args.json or not sys.stderr.isatty()
    with tqdm(total=args.count, unit="device", disable=quiet, desc="making") as bar:
        result = make_batch(
            args.kind, args.count, folder, passphrase=passphrase, on_device=lambda n: bar.update(1)
        )
    if passphrase_path is not None:
        passphrase_path.write_bytes(passphrase + b"\n")
        passphrase_path.chmod(0o600)
    data = {
        "kind": args.kind,
        "count": args.count,
        "pskc": str(result.pskc_path),
        "devices": str(folder / "devices"),
        "serials": list(result.serials),
        "passphrase_file": str(passphrase_path or args.passphrase_file),
    }
    out(
        args,
        data,
        f"made {args.count} {args.kind} devices\n  PSKC file:   {result.pskc_path}\n"
        f"  device files: {folder / 'devices'}\n  passphrase:  {data['passphrase_file']}",
    )
    return 0


def _make_chips(args: argparse.Namespace) -> int:
    """Emulated chips of a new model under the factory CA, and the batch file to import."""
    from segl.emulators.chip_factory import make_chip_batch

    try:
        batch = make_chip_batch(args.count, Path(args.out), pin=not args.no_pin)
    except ValueError as exc:
        return fail(f"{exc}.")
    data = {
        "kind": "chip",
        "count": args.count,
        "batch_file": str(batch.batch_file),
        "chips": str(Path(args.out) / "chips"),
        "aaguid": str(batch.aaguid),
        "root": str(batch.root),
        "serials": list(batch.serials),
    }
    out(
        args,
        data,
        f"made {args.count} chips\n  batch file: {batch.batch_file}\n"
        f"  chip files: {data['chips']}\n  model:      AAGUID {batch.aaguid}, root {batch.root}\n"
        "  segl accepts the model once it is in the allow-list (SEGL_CHIP_MODELS/models.json)",
    )
    return 0


def cmd_chips_import(args: argparse.Namespace) -> int:
    """Import a chip batch file into the inventory, all or nothing."""
    from segl.authenticators.errors import DeviceError
    from segl.chip.inventory import chips_import_file

    if not Path(args.file).is_file():
        return refuse("file:missing", path=args.file)
    try:
        count = chips_import_file(path=Path(args.file), actor="cli")
    except DeviceError as exc:
        return fail(f"{str(exc)[:1].upper()}{str(exc)[1:]}, so nothing was imported.")
    out(args, {"imported": count}, f"imported {count} chips")
    return 0


def cmd_tokens_import(args: argparse.Namespace) -> int:
    """Import a vendor's PSKC file into the device inventory, all or nothing."""
    from tqdm import tqdm

    from segl.authenticators.services import DeviceError, device_import
    from segl.core.errors import PskcError
    from segl.core.pskc import parse_pskc

    if not Path(args.file).is_file():
        return refuse("file:missing", path=args.file)
    passphrase = read_secret_file(args.passphrase_file) if args.passphrase_file else None
    psk = bytes.fromhex(read_secret_file(args.psk_file).decode()) if args.psk_file else None
    show = not args.json and sys.stderr.isatty()
    try:
        with tqdm(desc="reading", unit="key", disable=not show) as bar:
            seeds = parse_pskc(
                Path(args.file).read_bytes(),
                passphrase=passphrase,
                psk=psk,
                on_key=lambda n: bar.update(1),
            )
    except PskcError as exc:
        return fail(f"{args.file}: {exc}, so nothing was imported.")
    refusal = _check_seeds(seeds, args.kind)
    if refusal:
        return fail(refusal)
    try:
        with tqdm(total=len(seeds), desc="importing", unit="token", disable=not show) as bar:
            result = device_import(
                seeds=seeds,
                kind_of=lambda seed: str(args.kind or seed.model),
                batch=args.batch or Path(args.file).stem,
                on_progress=bar.update,
                actor="cli",
            )
    except DeviceError as exc:
        taken = re.fullmatch(r"serial (\S+) is already in the inventory", str(exc))
        if taken:
            return refuse("tokens:serial_taken", serial=taken[1])
        return fail(f"{str(exc)[:1].upper()}{str(exc)[1:]}, so nothing was imported.")
    out(
        args,
        {"imported": result.imported, "batch": result.batch},
        f"imported {result.imported} tokens (batch {result.batch})",
    )
    return 0


def _check_seeds(seeds: list[Any], kind: str | None) -> str | None:
    """What activation would refuse, said before anything is imported: a serial outside the
    inventory's form, or a seed whose kind is neither given nor a known device model."""
    from segl.authenticators.selectors import device_kinds
    from segl.core.serials import RULE, is_serial

    from .refusals import sentence

    for seed in seeds:
        if not is_serial(seed.serial):
            return sentence("tokens:serial_form", serial=seed.serial, rule=RULE)
        if kind:
            continue
        if not seed.model:
            return sentence("tokens:no_kind", serial=seed.serial)
        if seed.model not in device_kinds():
            return sentence("tokens:unknown_kind", serial=seed.serial, model=seed.model)
    return None


def cmd_keys_rotate(args: argparse.Namespace) -> int:
    """Re-encrypt stored seeds under the active key (the first in SEGL_KEYS)."""
    from segl.authenticators.services import devices_rotate_seeds

    rotated = devices_rotate_seeds(actor="cli")
    out(args, {"rotated": rotated}, f"re-encrypted {rotated} seeds under the active key")
    return 0
