from django.apps import AppConfig


class ProofingConfig(AppConfig):
    name = "segl.proofing"
    label = "proofing"
    default_auto_field = "django.db.models.BigAutoField"
