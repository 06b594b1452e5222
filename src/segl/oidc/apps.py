from django.apps import AppConfig


class OidcConfig(AppConfig):
    name = "segl.oidc"
    label = "oidc"
    default_auto_field = "django.db.models.BigAutoField"
