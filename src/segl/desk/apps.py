from django.apps import AppConfig


class DeskConfig(AppConfig):
    """The desk at a citizen service centre: operators, supervisors and fulfilment staff."""

    name = "segl.desk"
    label = "desk"
