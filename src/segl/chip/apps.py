from django.apps import AppConfig


class ChipConfig(AppConfig):
    """The chip: a FIDO2 security key, activated by a WebAuthn registration and used by a
    WebAuthn assertion (decision 37). Not yet a kind of the login flow."""

    name = "segl.chip"
    label = "chip"
    verbose_name = "chip"
    default_auto_field = "django.db.models.BigAutoField"
