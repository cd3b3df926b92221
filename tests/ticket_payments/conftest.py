"""The ticketing backends (memory twin, PostgreSQL) and the API on PostgreSQL talking to localstripe, shared
with tests/ticketing and tests/billing."""

from tests.billing.conftest import billing_app, billing_client, billing_settings  # noqa: F401
from tests.ticketing.conftest import backend, memory_backend, sql_backend  # noqa: F401
