"""What the ``segl`` command says when segl refuses something: a sentence that says what to do.

Services and the app's API refuse with stable codes (``no_phone``, ``user_id_taken``); people
read :data:`SENTENCES` instead, one table keyed ``area:code``. The code follows the sentence in
brackets, for scripts and for support.
"""

from __future__ import annotations

from typing import Final

SENTENCES: Final[dict[str, str]] = {
    # The register of identities (segl.identities.services.IdentityError).
    "identity:user_id_length": "A user ID has 4 to 64 characters. Choose another user ID.",
    "identity:user_id_characters": (
        "A user ID has only letters a-z, digits and the characters . - _ #. Choose another user ID."
    ),
    "identity:user_id_taken": "That user ID is taken. Choose another user ID.",
    "identity:user_id_cpr": "A user ID must not be a CPR number. Choose another user ID.",
    "identity:cpr_exists": (
        "A person with that CPR number is already registered. Look them up with"
        " 'segl identity show USER_ID' instead of creating them again."
    ),
    "identity:cpr_invalid": (
        "That is not a CPR number: give 10 digits, DDMMYYSSSS or DDMMYY-SSSS, the first six a date."
    ),
    "identity:phone": (
        "That is not a mobile number. Give it in international form, such as +4512345678"
        " (eight digits alone are taken as Danish)."
    ),
    "identity:email": "That is not an e-mail address. Give one such as anna@example.dk.",
    "identity:ial": "The identity assurance level is low, substantial or high.",
    "identity:unknown": (
        "No identity has the user ID {user_id}. Check the spelling, or create it with"
        " 'segl identity create'."
    ),
    # New passwords (segl.core.passwords).
    "password:too_short": "The password is too short: choose one of at least 8 characters.",
    "password:too_long": "The password is too long: choose one of at most 128 characters.",
    "password:common": "That password is too common and easy to guess. Choose another password.",
    "password:user_id": "The password must not contain the user ID. Choose another password.",
    "password:mismatch": "The two passwords are not the same. Type the same password twice.",
    # The device inventory (segl.authenticators), and one-time codes.
    "device:unknown_serial": (
        "No device has that serial number. Check the number on the back of the device"
        " ('segl device list' shows the inventory)."
    ),
    "device:serial_form": "That is not a serial number: {rule}. Check the back of the device.",
    "device:not_yours": (
        "That device was sent to someone else, and only they can activate it. Check the serial"
        " number."
    ),
    "device:disabled": (
        "That device is blocked for good after too many wrong codes."
        " Give the person another device."
    ),
    "device:not_hotp": (
        "That device shows time-based codes, which never need bringing back in step."
        " Only event-based (HOTP) tokens can be resynchronised."
    ),
    "device:wrong_kind": "That serial number belongs to another kind of device.",
    "device:login_needed": "That device was ordered without identification: log in to activate it.",
    "device:in_use": (
        "That device cannot be activated: it is {status}. Only a device in stock or sent out can."
    ),
    "device:code_invalid": "The code is not correct. Press the button again and type the new code.",
    "device:code_replayed": (
        "That code has already been used. Press the button again for a new one."
    ),
    "device:resync_failed": (
        "The two codes do not follow each other. Press the button twice and give both new codes."
    ),
    "device:locked": (
        "The device is locked after 3 wrong codes, until {until} UTC. Try again after that."
    ),
    "device:two_codes": "Give exactly two codes that follow each other: --code C1 --code C2.",
    # Importing a vendor's PSKC file.
    "tokens:no_kind": (
        "The PSKC file does not say which kind of device serial {serial} is (it names no device"
        " model), so nothing was imported. Give the kind with --kind code_display or"
        " --kind audio_code_reader."
    ),
    "tokens:unknown_kind": (
        "The PSKC file's device model {model!r} (serial {serial}) is not a kind segl knows, so"
        " nothing was imported. Give the kind with --kind code_display or --kind audio_code_reader."
    ),
    "tokens:serial_taken": (
        "Serial {serial} is already in the inventory, so nothing was imported. A file is"
        " imported once; 'segl factory make' numbers a new batch on from the device files in"
        " its --out folder (var after make run)."
    ),
    "tokens:serial_form": (
        "No activation could find serial {serial!r}: {rule}. So nothing was imported; ask the"
        " vendor for a corrected file."
    ),
    # Device orders (segl.orders.services.OrderRefused).
    "order:unknown_order": "No order has that reference. 'segl orders list' shows the orders.",
    "order:step": (
        "An order cannot move to that step from where it is now."
        " 'segl orders list' shows where each order is."
    ),
    "order:out_of_stock": (
        "No device of that kind is in stock. Import a batch first ('segl tokens import')."
    ),
    "order:unpaid": "The order is not paid yet. Mark it paid first ('segl orders paid REF').",
    "order:not_invoiced": "The order is not paid by invoice, so there is nothing to mark paid.",
    # Staff at the centres (segl.centres.staff.StaffRefused).
    "staff:unknown_centre": "There is no centre with that id. 'segl staff centres' lists them.",
    "staff:unknown_role": "The roles are operator, supervisor and fulfilment.",
    "staff:identity_inactive": "That identity is not active, so it cannot be given a role.",
    "staff:already_granted": "That identity already has that role at that centre.",
    "staff:out_of_stock": (
        "The central inventory has fewer devices of that kind. Import a batch first"
        " ('segl tokens import')."
    ),
    "staff:stock_request": "Give a count of 1 to 1000 devices.",
    # The segl app (the API's reason codes, as the emulator meets them).
    "app:no_phone": (
        "segl has no mobile number for {user_id}, so it cannot send the temporary PIN code."
        " Set one with 'segl identity phone {user_id} NUMBER', then activate again."
    ),
    "app:activation_code_invalid": (
        "The user ID or the activation code is not correct, or the code has been used."
        " Get a new code with 'segl app code {user_id}'."
    ),
    "app:activation_expired": "The activation has expired. Start it again with a new code.",
    "app:activation_other_identity": "That activation belongs to another user ID. Start again.",
    "app:temporary_pin_wrong": (
        "The temporary PIN code is not correct. Check the SMS ('segl outbox') and try again."
    ),
    "app:pin_wrong": "The PIN code is not correct. Try again with the PIN code you chose.",
    "app:pin_length": "A PIN code has 4 to 6 digits. Choose another PIN code.",
    "app:pin_digits": "A PIN code has only digits. Choose another PIN code.",
    "app:pin_too_simple": "That PIN code is too easy to guess. Choose another PIN code.",
    "app:pin_same": "The new PIN code is the one the app has now. Choose another PIN code.",
    "app:app_locked": (
        "The app is locked after 5 wrong PIN codes. Activate it again with a new activation code."
    ),
    "app:app_inactive": (
        "This app can no longer be used for {user_id}. Activate it again with a new activation"
        " code."
    ),
    "app:too_many_apps": (
        "The user ID {user_id} already has 3 active apps. Remove one ('segl app retire') before"
        " adding another."
    ),
    "app:unlock_needed": "The app must be unlocked with the PIN code first. Try again.",
    "app:pin_needed": "This needs an unlock with the PIN code, not biometrics. Try again.",
    "app:qr_stale": "The QR code was too old. Take a new picture of it and try again at once.",
    "app:qr_other_flow": "That QR code belongs to another login. Use the one on the login page.",
    "app:qr_forged": "That QR code is not from segl.",
    "app:qr_malformed": "That is not a segl QR code. Give the picture of the login page's QR code.",
    "app:qr_needed": "This login shows a QR code: give --qr or --image instead of --code.",
    "app:code_needed": "This app uses one-time codes: give the code the browser shows with --code.",
    "app:code_wrong": "The one-time code is not correct. Type the code the browser shows.",
    "app:other_browser": "That link works only in the browser that started the login.",
    "app:binding_needed": "Scan the QR code or type the one-time code first.",
    "app:request_cancelled": "The login was cancelled. Start it again.",
    "app:request_expired": "The login has expired. Start it again.",
    "app:request_answered": "The login has already been answered.",
    "app:request_unknown": "No such login is waiting. Start it again.",
    "app:request_bound": "Another app has already taken this login. Start it again.",
    "app:answered_in_the_app": "The login was already answered in the app.",
    "app:text_changed": "The text to approve changed, so nothing was approved. Start again.",
    "app:mode_unknown": "The approval mode is qr or code.",
    "app:nothing_to_confirm": (
        "No switch to one-time codes is waiting. Ask for one with 'segl app mode {user_id} code'."
    ),
    "app:not_yet": (
        "The switch to one-time codes takes effect only after its waiting time."
        " Run the command again then."
    ),
    "app:locked": "Too many wrong attempts: it is locked for a while. Try again later.",
    "app:disabled": "Too many wrong attempts: it is blocked until the person is identified again.",
    "app:rate_limited": "Too many requests in a short time. Wait a minute and try again.",
    "app:proof_invalid": (
        "segl did not accept the app's signature. Check that the computer's clock is right"
        " and that --url is segl's own address."
    ),
    "app:biometrics_failed": "The biometrics did not work. Unlock with the PIN code.",
    "app:biometrics_expired": "The biometric unlock took too long. Try again.",
    "app:biometrics_cloned": "These biometrics cannot be trusted. Unlock with the PIN code.",
    "app:biometrics_not_set_up": "This app has no biometrics set up. Unlock with the PIN code.",
    "app:notifications_unavailable": (
        "This segl sends no notifications: it has no VAPID key. Run 'segl init' on its settings"
        " file."
    ),
    "app:push_service_unknown": (
        "segl does not send notifications to that push service. Use a browser's own push"
        " service over https (SEGL_PUSH_SERVICES)."
    ),
    "app:subscription_invalid": (
        "That is not a push subscription: give the endpoint and the keys p256dh and auth."
    ),
    "app:copy_code_wrong": "The code is not correct. Check the new app's code and try again.",
    "app:copy_expired": "The QR code has expired. Show a new one on the old app.",
    "app:copy_state": "Enter the code in the old app first.",
    "app:copy_unknown": "No such copy is waiting. Start again on the old app.",
    "app:user_id_wrong": "That is not the user ID of the old app. Give the old app's user ID.",
    "app:key_in_use": "This key is already in use. Give another --state file and activate again.",
    "app:key_mismatch": "The app's key does not match. Give the --state file of its activation.",
    "app:device_token_wrong": "That link is not for this login.",
    "app:qr_text": "Only the text of an offer to copy the app can be shown as a QR code here.",
    "app:request_malformed": (
        "segl did not understand the app's request. Check that --url is segl's own address and"
        " that this segl command is as new as the server."
    ),
    "app:unknown_app": (
        "This app holds no user ID {user_id}. Activate it first ('segl app activate'), or give"
        " the --state file that holds it."
    ),
    "app:pins_differ": "The two PIN codes are not the same. Type the same PIN code twice.",
    "app:no_login": "No login is waiting for {user_id}. Start one in the browser, then try again.",
    "app:picture_reading": (
        "Reading pictures needs this checkout's emulator extra. Install it with:"
        " {pip} install -e '{checkout}[emulator]' (make install does it), or give the QR"
        " code's text with --qr."
    ),
    "app:no_qr_in_picture": "No QR code was found in {path}. Take a sharper picture of it.",
    "app:unreachable": (
        "segl cannot be reached at {url}. Check that it is running and that --url is its address."
    ),
    # Identity proofing in the app (segl.proofing): what the citizen and an operator are told.
    "app:not_a_document": (
        "That is not a document file ({path}). Make one with 'segl passport make'."
    ),
    "app:not_registered": (
        "The passport or ID card is not registered to this CPR number, or the CPR number is wrong."
    ),
    "app:foreign_document": (
        "Only Danish passports and ID cards can be used in the app. Go to a citizen service centre."
    ),
    "app:document_expired": "The document has expired.",
    "app:too_many_attempts": (
        "This document or CPR number has been tried 3 times today. Try again tomorrow."
    ),
    "app:chip_data_changed": "The chip data has been changed.",
    "app:chip_data_malformed": "The chip could not be read as a passport or ID card.",
    "app:signature_invalid": "The chip data is not signed by the country that issued it.",
    "app:csca_untrusted": "The country's signing certificate is not trusted.",
    "app:csca_expired": "The country's signing certificate has expired.",
    "app:signer_expired": "The certificate that signed the chip data was not valid.",
    "app:signer_revoked": "The certificate that signed the chip data has been revoked.",
    "app:country_mismatch": "The document's country did not sign its chip.",
    "app:mrz_mismatch": "The code on the document and the data in its chip are not the same.",
    "app:chip_not_genuine": "The chip could not prove it is genuine.",
    "app:proofing_unavailable": (
        "segl here trusts no country's passports yet: set SEGL_PROOFING_TRUST."
    ),
    "app:user_id_cpr": "A user ID must not be a CPR number. Choose another user ID.",
    "app:user_id_taken": "That user ID is taken. Choose another user ID.",
    # Identity proofing's review queue (segl.proofing.review).
    "proofing:review_unknown": (
        "No face with that proofing number is waiting for review. List them with"
        " 'segl proofing reviews'."
    ),
    "proofing:reviewer_twice": (
        "You have already decided this face: a second decision must be another reviewer's."
    ),
    "proofing:reviewer_missing": "Give the reviewer's name with --reviewer.",
    "proofing:reviewer_not_viewed": (
        "Look at both pictures first ('segl proofing show ID --reviewer NAME --out DIR'), then"
        " decide."
    ),
    # Relying parties, purge, the demo and files.
    "rp:invalid": "{detail}. Nothing was registered.",
    "purge:keep": "--keep-hours and --outbox-days must be at least 1.",
    "worker:options": "--every must be above 0, and --batch and --outbox-days at least 1.",
    "outbox:retry": "--retry takes message numbers (e.g. 12,15) or 'dead' for every dead one.",
    "file:missing": "There is no file {path}. Check the path.",
    "file:unreadable": "segl cannot read {path}: {detail}.",
}

_FALLBACK: Final = "segl refused this, for a reason this command does not know."


class _Details(dict[str, object]):
    """A detail left out reads as its name in capitals (USER_ID), never as a crash."""

    def __missing__(self, name: str) -> str:
        return name.upper()


def sentence(key: str, *, then: str = "", **details: object) -> str:
    """The sentence for ``area:code`` with ``details`` filled in, ``then`` (what did not
    happen), and the code in brackets."""
    return " ".join(filter(None, [_text(key, details), then, f"({key.partition(':')[2]})"]))


def _text(key: str, details: dict[str, object]) -> str:
    template = SENTENCES.get(key)
    return _FALLBACK if template is None else template.format_map(_Details(details))


_MALFORMED: Final = ("body_not_json", "body_not_object", "body_too_large")


def app_sentence(reason: str, error: str, **details: object) -> str:
    """The sentence for a refusal of the app's API: its ``reason``, else its ``error``."""
    malformed = reason in _MALFORMED or reason.endswith("_missing")
    keys = ["app:request_malformed"] if malformed else [f"app:{reason}", f"app:{error}"]
    found = next((key for key in keys if key in SENTENCES), keys[0])
    return f"{_text(found, details)} ({reason})"
