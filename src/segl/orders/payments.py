"""How a paid order is paid. A provider has one method, ``start``, called once when a paid order
is placed; the one in use is named by the setting ``SEGL_PAYMENT_PROVIDER`` (a dotted path).

The default is an invoice: nothing happens at once, the order page tells the citizen how to pay,
and an operator marks it paid on the fulfilment page (or ``segl orders paid``) when the money
has arrived. A card provider returns the address of its payment page instead, and its callback
calls :func:`segl.orders.services.order_mark_paid`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from django.conf import settings
from django.utils.module_loading import import_string

from .models import Order


@dataclass(frozen=True)
class PaymentStart:
    """Where the citizen goes to pay: a provider's page, or nowhere (pay later, by invoice)."""

    redirect_url: str = ""


class PaymentProvider(Protocol):
    def start(self, order: Order, *, return_url: str) -> PaymentStart: ...


class InvoiceProvider:
    """An invoice for the order's reference and price; an operator marks it paid."""

    def start(self, order: Order, *, return_url: str) -> PaymentStart:
        return PaymentStart()


def provider() -> PaymentProvider:
    path = getattr(settings, "SEGL_PAYMENT_PROVIDER", "segl.orders.payments.InvoiceProvider")
    provider_class: type[PaymentProvider] = import_string(path)
    return provider_class()
