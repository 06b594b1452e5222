from django.apps import AppConfig


class DemoRpConfig(AppConfig):
    name = "segl.demo_rp"
    label = "demo_rp"
    default_auto_field = "django.db.models.BigAutoField"
