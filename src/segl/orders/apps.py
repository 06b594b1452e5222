from django.apps import AppConfig


class OrdersConfig(AppConfig):
    """Device orders: price, delivery, fulfilment from stock."""

    name = "segl.orders"
    label = "orders"
    default_auto_field = "django.db.models.BigAutoField"
