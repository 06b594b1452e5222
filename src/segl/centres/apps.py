from django.apps import AppConfig


class CentresConfig(AppConfig):
    """Citizen service centres: their staff, appointments, stock and the desk's records."""

    name = "segl.centres"
    label = "centres"
    default_auto_field = "django.db.models.BigAutoField"
