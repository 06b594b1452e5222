"""The form base every login step page uses (the flow's and each kind's)."""

from __future__ import annotations

from typing import Any

from django import forms


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
