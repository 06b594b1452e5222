from django.apps import AppConfig


class EmulatorsConfig(AppConfig):
    name = "segl.emulators"
    label = "emulators"
    default_auto_field = "django.db.models.BigAutoField"
