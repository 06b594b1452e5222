from django.apps import AppConfig


class SeglAppConfig(AppConfig):
    """The segl app authenticator: its API, its web app and its emulator."""

    name = "segl.app"
    label = "app"
    verbose_name = "segl app"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from segl.authenticators.registry import register
        from segl.notify.notices import PUSH_TARGETS

        from .kind import AppKind
        from .webpush import targets

        register(AppKind())
        if targets not in PUSH_TARGETS:
            PUSH_TARGETS.append(targets)
