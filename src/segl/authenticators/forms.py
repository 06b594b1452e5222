"""The form base every login step page uses (the flow's and each kind's)."""

from __future__ import annotations

from typing import Any

from django import forms

from segl.core.passwords import MAX_LENGTH


class SeglForm(forms.Form):
    """GOV.UK pattern: a field points at its hint and, when wrong, at its error message."""

    def full_clean(self) -> None:
        super().full_clean()
        for name in self.errors:
            self._mark_invalid(name)

    def add_error(self, field: str | None, error: Any) -> None:
        super().add_error(field, error)
        if field is not None:
            self._mark_invalid(field)

    def _mark_invalid(self, name: str) -> None:
        if name not in self.fields:
            return
        attrs = self.fields[name].widget.attrs
        ids = [i for i in attrs.get("aria-describedby", "").split() if i]
        error_id = f"id_{name}-error"
        if error_id not in ids:
            attrs["aria-describedby"] = " ".join([*ids, error_id])
        attrs["aria-invalid"] = "true"


class PasswordField(forms.CharField):
    """A password as typed (not stripped), at most as long as the password policy allows. The
    browser is not told the limit (``maxlength``): it would cut a longer password short without
    a word, where the form says why it refuses it (``error_messages["max_length"]``)."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(max_length=MAX_LENGTH, strip=False, **kwargs)

    def widget_attrs(self, widget: forms.Widget) -> dict[str, Any]:
        attrs = super().widget_attrs(widget)
        attrs.pop("maxlength", None)
        return attrs
