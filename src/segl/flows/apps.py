from django.apps import AppConfig


class FlowsConfig(AppConfig):
    name = "segl.flows"
    label = "flows"
    default_auto_field = "django.db.models.BigAutoField"
