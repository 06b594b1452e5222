"""One password length everywhere: the policy's (segl.core.passwords, NIST SP 800-63B §5.1.1.2)
is what every form accepts and every sentence about a password's length says, and a longer
password gets that sentence, never a server error or a silent cut in the browser."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django import forms
from django.utils import translation

from segl.core.passwords import MAX_LENGTH, MIN_LENGTH, PasswordPolicy
from segl.flows.forms import PasswordForm
from segl.portal.forms import ActivateForm, PasswordChangeForm
from segl.portal.refusals import REFUSALS
from tests.portal.conftest import english, portal_login

SOURCE = Path(__file__).resolve().parents[1] / "src" / "segl"
# A sentence that gives a number of characters.
LENGTH = re.compile(r"at (least|most) (\d+) characters", re.IGNORECASE)


def test_the_limits_are_the_policy_s():
    assert (PasswordPolicy().min_length, PasswordPolicy().max_length) == (MIN_LENGTH, MAX_LENGTH)
    assert MAX_LENGTH == 128


def sentences_about_password_length() -> list[tuple[str, str]]:
    found = []
    for path in SOURCE.rglob("*"):
        if path.suffix not in (".py", ".html", ".js") or "vendor" in path.parts:
            continue
        for sentence in re.split(r"[.!?\"\n]", path.read_text(encoding="utf-8")):
            if "password" in sentence.lower() and LENGTH.search(sentence):
                found.append((str(path.relative_to(SOURCE)), sentence.strip()))
    return found


def test_every_sentence_about_a_password_s_length_says_the_policy_s_numbers():
    found = sentences_about_password_length()
    # The portal's and the desk's refusal, the app's and the command line's: at least these.
    assert {path for path, _ in found} >= {
        "portal/refusals.py",
        "cli/refusals.py",
        "app/static/app/js/i18n.js",
    }, found
    for path, sentence in found:
        for bound, number in LENGTH.findall(sentence):
            expected = MIN_LENGTH if bound.lower() == "least" else MAX_LENGTH
            assert int(number) == expected, f"{path}: {sentence!r}"
    with translation.override("en"):  # whatever language an earlier test left active
        assert str(REFUSALS["password_too_long"]) == (
            f"Your password can be at most {MAX_LENGTH} characters long"
        )


@pytest.mark.parametrize(
    ("form", "fields"),
    [
        (PasswordForm(), ["password"]),
        (PasswordChangeForm(fresh=False), ["current_password", "new_password", "confirm_password"]),
        (ActivateForm(logged_in=True), ["new_password", "confirm_password"]),
    ],
)
def test_every_password_field_takes_the_policy_s_length_and_the_browser_cuts_nothing(form, fields):
    for name in fields:
        field = form.fields[name]
        assert isinstance(field, forms.CharField)
        assert field.max_length == MAX_LENGTH, name
        assert not field.strip, name  # spaces are part of a password
        assert "maxlength" not in str(form[name]), name


@pytest.mark.django_db
@pytest.mark.parametrize("length", [MAX_LENGTH, MAX_LENGTH + 1, 5000])
def test_the_portal_takes_the_longest_password_and_refuses_a_longer_one_in_words(eva, length):
    client = portal_login(english(), eva)
    new = ("correct horse battery staple " * 200)[:length]
    response = client.post("/portal/password/", {"new_password": new, "confirm_password": new})
    if length <= MAX_LENGTH:
        assert response.status_code == 302
        return
    assert response.status_code == 400
    page = response.content.decode()
    assert f"Your password can be at most {MAX_LENGTH} characters long" in page
    assert "Ensure this value" not in page
