from django.apps import AppConfig


class AuthenticatorsConfig(AppConfig):
    name = "segl.authenticators"
    label = "authenticators"
    default_auto_field = "django.db.models.BigAutoField"
