from django.apps import AppConfig


class ChipConfig(AppConfig):
    """The chip: a FIDO2 security key, activated by a WebAuthn registration and used by a
    WebAuthn assertion (decision 37): the password, then the chip."""

    name = "segl.chip"
    label = "chip"
    verbose_name = "chip"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from segl.authenticators.registry import register

        from . import checks  # noqa: F401 - registers the allow-list's system checks
        from .kind import ChipKind

        register(ChipKind())
