"""The plan catalog, the organization's subscription and Stripe's webhook endpoint."""
