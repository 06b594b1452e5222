from django.apps import AppConfig


class FlowsConfig(AppConfig):
    name = "segl.flows"
    label = "flows"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from segl.authenticators.registry import connect_flows

        from .port import FlowsPort

        connect_flows(FlowsPort())
