from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "segl.web"
    label = "web"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from segl import checks  # noqa: F401  (registers segl's system checks)
