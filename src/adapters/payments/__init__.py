"""Payments over Stripe: the PaymentGateway adapter."""

from adapters.payments.stripe_gateway import StripePaymentGateway

__all__ = ["StripePaymentGateway"]
