"""Idempotency keys of creating requests (order placement), stored in the creation's own transaction."""
