from django.apps import AppConfig


class ChangesConfig(AppConfig):
    """Delayed changes: a weakening change waits, and the citizen can cancel it meanwhile."""

    name = "segl.changes"
    label = "changes"
    verbose_name = "delayed changes"
    default_auto_field = "django.db.models.BigAutoField"
